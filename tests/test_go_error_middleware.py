"""API-ERROR-FORMAT: a Go middleware that turns every returned error (and panic) into one response body is
central error handling; handlers answering their own errors are not."""
from pathlib import Path

from auditor.checks.api.error_format import go_error_middlewares
from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "api"


def error_format(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("API-ERROR-FORMAT",)))
    return next(item for item in report["items"] if item["id"] == "API-ERROR-FORMAT")


def test_go_error_middleware_is_central_handling():
    item = error_format("go-error-middleware")
    assert item["verdict"] == "pass", item["rationale"]
    assert any(e["rule_id"] == "go-error-middleware" and e["file"] == "errors.go" for e in item["evidence"])


def test_go_handlers_answering_their_own_errors_fail():
    item = error_format("go-errors-in-handlers")
    assert item["verdict"] == "fail", item["rationale"]


def test_echo_error_handler_is_central():
    text = "package main\n\nfunc main() {\n\te := echo.New()\n\te.HTTPErrorHandler = answerError\n}\n"
    assert [ev.line for ev in go_error_middlewares("main.go", text)] == [5]
