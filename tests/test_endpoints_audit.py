"""End to end: the endpoint table and the endpoint-based security verdicts in the JSON report."""
from __future__ import annotations

from pathlib import Path



APPS = Path(__file__).parent / "fixtures" / "apps"
ENDPOINT_ITEMS = ("SEC-AUTHN", "SEC-AUTHZ", "SEC-CSRF", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION")


def items(report) -> dict[str, dict]:
    return {i["id"]: i for i in report["items"]}


def test_flask_report_endpoint_table(flask_report):
    table = flask_report["inventory"]["endpoints"]
    assert len(table) == 8
    row = next(r for r in table if (r["method"], r["path"]) == ("POST", "/api/login"))
    assert row["handler"] == "login" and row["file"] == "shopapp/views.py" and row["line"] == 14
    assert row["authenticated"] is False and row["rate_limited"] is False and row["csrf_protected"] is False
    assert "endpoints" not in flask_report["inventory"]["collector_errors"]


def test_flask_report_verdicts(flask_report):
    got = items(flask_report)
    assert {i: got[i]["verdict"] for i in ENDPOINT_ITEMS} == {
        "SEC-AUTHN": "fail", "SEC-AUTHZ": "fail", "SEC-CSRF": "fail", "SEC-RATE-LIMIT": "fail",
        "SEC-INPUT-VALIDATION": "partial"}
    rate = got["SEC-RATE-LIMIT"]
    lines = {(e["file"], e["line"]) for e in rate["evidence"] if e["kind"] == "violation"}
    assert lines == {("shopapp/views.py", 14), ("shopapp/views.py", 26), ("shopapp/views.py", 38)}
    assert all(e["engine"] == "endpoints" and e["snippet"] for e in rate["evidence"])
    assert got["SEC-INPUT-VALIDATION"]["score"] in range(1, 10)


def test_fastapi_report_verdicts(fastapi_report):
    got = items(fastapi_report)
    assert {i: got[i]["verdict"] for i in ENDPOINT_ITEMS} == {
        "SEC-AUTHN": "pass", "SEC-AUTHZ": "pass", "SEC-CSRF": "not_applicable", "SEC-RATE-LIMIT": "pass",
        "SEC-INPUT-VALIDATION": "pass"}
    practice = [e for e in got["SEC-AUTHN"]["evidence"] if e["kind"] == "practice"]
    assert practice and all(e["file"] == "inventory/api.py" for e in practice)
    table = {(r["method"], r["path"]): r for r in fastapi_report["inventory"]["endpoints"]}
    assert table[("GET", "/api/v1/items")]["paginated"] is True
    assert table[("POST", "/auth/token")]["rate_limited"] is True
