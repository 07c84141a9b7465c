"""Verdicts, evidence lines and a schema-valid JSON report for the two demo apps (the first items built).

flask-noncompliant plants one problem per item; fastapi-compliant does each thing right.
Lines are found by searching the fixture text, so editing a fixture cannot silently shift an assertion.
"""
from __future__ import annotations

import jsonschema
import pytest

from helpers import FIXTURES, item

APPS = FIXTURES / "apps"
FIRST_CHECKS = ("SEC-SQLI", "SEC-SECRETS", "SEC-DEBUG", "SEC-INJECTION", "REL-TIMEOUTS", "REL-HEALTH",
                "QA-TESTS", "QA-DEPENDENCIES")


def line_of(app: str, rel: str, needle: str) -> int:
    lines = (APPS / app / rel).read_text().splitlines()
    matches = [n for n, text in enumerate(lines, 1) if needle in text]
    assert len(matches) == 1, f"{needle!r} should appear once in {rel}"
    return matches[0]


def violations(row: dict) -> set[tuple[str, int]]:
    return {(e["file"], e["line"]) for e in row["evidence"] if e["kind"] == "violation"}


def test_both_reports_match_the_shipped_schema(flask_report, fastapi_report, report_schema):
    validator = jsonschema.Draft202012Validator(report_schema, format_checker=jsonschema.FormatChecker())
    validator.validate(flask_report)
    validator.validate(fastapi_report)


def test_string_built_sql_fails_sec_sqli(flask_report):
    row = item(flask_report, "SEC-SQLI")
    assert row["verdict"] == "fail" and row["score"] == 0
    assert ("shopapp/views.py", line_of("flask-noncompliant", "shopapp/views.py", 'cursor.execute(f"SELECT')) in violations(row)


def test_hard_coded_secret_key_fails_sec_secrets_and_is_redacted(flask_report):
    row = item(flask_report, "SEC-SECRETS")
    assert row["verdict"] == "fail"
    line = line_of("flask-noncompliant", "shopapp/__init__.py", 'SECRET_KEY"] = "')
    assert ("shopapp/__init__.py", line) in violations(row)
    secret = (APPS / "flask-noncompliant" / "shopapp/__init__.py").read_text().split('SECRET_KEY"] = "')[1].split('"')[0]
    assert all(secret not in e["snippet"] for e in row["evidence"]), "a secret must never be printed in a report"


def test_debug_run_fails_sec_debug(flask_report):
    row = item(flask_report, "SEC-DEBUG")
    assert row["verdict"] == "fail"
    assert ("run.py", line_of("flask-noncompliant", "run.py", "debug=True")) in violations(row)


def test_shell_command_from_request_fails_sec_injection(flask_report):
    row = item(flask_report, "SEC-INJECTION")
    assert row["verdict"] == "fail"
    assert ("shopapp/views.py", line_of("flask-noncompliant", "shopapp/views.py", "shell=True")) in violations(row)


def test_request_without_timeout_fails_rel_timeouts(flask_report):
    row = item(flask_report, "REL-TIMEOUTS")
    assert row["verdict"] in ("fail", "partial")
    assert any(f == "shopapp/views.py" for f, _ in violations(row))


def test_missing_health_route_fails_rel_health(flask_report):
    assert item(flask_report, "REL-HEALTH")["verdict"] == "fail"


def test_no_tests_fails_qa_tests(flask_report):
    assert item(flask_report, "QA-TESTS")["verdict"] == "fail"


def test_unpinned_requirements_fail_qa_dependencies(flask_report):
    row = item(flask_report, "QA-DEPENDENCIES")
    assert row["verdict"] == "fail"
    assert ("requirements.txt", line_of("flask-noncompliant", "requirements.txt", "flask")) in violations(row)


def test_critical_failures_cap_the_grade_and_fail_the_gate(flask_report):
    assert flask_report["summary"]["grade"] in ("D", "F")
    assert flask_report["summary"]["gate"]["passed"] is False
    assert any("SEC-SQLI" in r for r in flask_report["summary"]["gate"]["reasons"])


@pytest.mark.parametrize("item_id", FIRST_CHECKS)
def test_compliant_app_passes_every_first_check(fastapi_report, item_id):
    row = item(fastapi_report, item_id)
    assert row["verdict"] == "pass", (item_id, row["rationale"], row["evidence"][:3])


def test_passes_that_claim_a_practice_carry_positive_evidence(fastapi_report):
    health = item(fastapi_report, "REL-HEALTH")
    assert any("/health" in e["snippet"] or "/ready" in e["snippet"] for e in health["evidence"])
    timeouts = item(fastapi_report, "REL-TIMEOUTS")
    assert any(e["kind"] == "practice" and "timeout" in e["snippet"] for e in timeouts["evidence"])
    tests = item(fastapi_report, "QA-TESTS")
    assert {e["file"] for e in tests["evidence"]} & {"tests/test_api_integration.py", "tests/test_schemas.py"}


def test_compliant_app_passes_the_default_gate(fastapi_report):
    assert fastapi_report["summary"]["gate"]["passed"] is True, fastapi_report["summary"]["gate"]["reasons"]
    assert fastapi_report["summary"]["score"] >= 60
