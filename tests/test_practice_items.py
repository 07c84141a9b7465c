"""Practice items judged by what the code does (issue 21), end to end on a compliant and a non-compliant
notes service in two stacks (Flask + SQLAlchemy, Express + pg): idempotency of every create, audit records of
security-relevant actions, outbound network clients beyond HTTP, declared pool bounds, list endpoints by the
rows they return, server-rendered routes set apart by the API items, and tests that touch a database."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item, line_of, places

ROOT = Path(__file__).parent / "fixtures" / "practice"
IDS = ("REL-IDEMPOTENCY", "QA-AUDIT-LOG", "REL-TIMEOUTS", "REL-RETRY", "REL-CIRCUIT-BREAKER",
       "REL-GRACEFUL-DEGRADATION", "REL-BULKHEAD", "PERF-POOLING", "API-PAGINATION", "API-REST-SEMANTICS",
       "API-VERSIONING", "API-ERROR-FORMAT", "QA-TESTS")


@pytest.fixture(scope="module")
def reports():
    cache: dict[str, dict] = {}

    def report(name: str) -> dict:
        if name not in cache:
            cache[name] = run_audit(ROOT / name, AuditOptions(only=IDS))
        return cache[name]
    return report


def at(name: str, rel: str, text: str) -> tuple[str, int]:
    return rel, line_of(ROOT / name, rel, text)


# ---- REL-IDEMPOTENCY ------------------------------------------------------------------------------------

def test_idempotency_flask(reports):
    ok = item(reports("flask-compliant"), "REL-IDEMPOTENCY")
    assert ok["verdict"] == "pass", ok["rationale"]
    assert {at("flask-compliant", "notes/api.py", '@api.route("/notes", methods=["POST"])'),
            at("flask-compliant", "notes/api.py", '@api.route("/tags", methods=["POST"])')} <= places(ok, "practice")
    bad = item(reports("flask-noncompliant"), "REL-IDEMPOTENCY")
    assert bad["verdict"] == "fail"
    # notes are not payments: every create is judged, the payment one weighs more
    assert {at("flask-noncompliant", "notes/api.py", '@api.route("/notes", methods=["POST"])'),
            at("flask-noncompliant", "notes/api.py", '@api.route("/payments", methods=["POST"])')} <= places(bad, "violation")
    assert bad["details"]["severity"] == "high"


def test_idempotency_express(reports):
    ok = item(reports("express-compliant"), "REL-IDEMPOTENCY")
    assert ok["verdict"] == "pass" and at("express-compliant", "src/routes/index.js", "router.post('/notes'") in places(ok, "practice")
    bad = item(reports("express-noncompliant"), "REL-IDEMPOTENCY")
    assert bad["verdict"] == "fail"
    assert at("express-noncompliant", "src/routes/index.js", "router.post('/notes'") in places(bad, "violation")
    assert "INSERT INTO" in bad["evidence"][0]["message"]


# ---- QA-AUDIT-LOG ---------------------------------------------------------------------------------------

def test_audit_log_recognised_by_what_it_records(reports):
    ok = item(reports("flask-compliant"), "QA-AUDIT-LOG")
    assert ok["verdict"] == "pass", ok["rationale"]
    assert "AuditEvent" in ok["rationale"] and "records an actor" in ok["rationale"]
    assert at("flask-compliant", "notes/api.py", '@api.route("/login", methods=["POST"])') in places(ok, "practice")
    # an audit logger nothing calls, and a deletion logged without who did it: fail
    bad = item(reports("flask-noncompliant"), "QA-AUDIT-LOG")
    assert bad["verdict"] == "fail"
    messages = " ".join(e["message"] for e in bad["evidence"])
    assert "without the actor" in messages and "login POST /api/login records nothing" in messages
    js_ok = item(reports("express-compliant"), "QA-AUDIT-LOG")
    assert js_ok["verdict"] == "pass" and "audit.record(" in js_ok["evidence"][0]["message"]
    assert item(reports("express-noncompliant"), "QA-AUDIT-LOG")["verdict"] == "fail"


# ---- outbound network clients ---------------------------------------------------------------------------

def test_timeouts_cover_mail_redis_and_cloud_clients(reports):
    ok = item(reports("flask-compliant"), "REL-TIMEOUTS")
    assert ok["verdict"] == "pass", ok["rationale"]
    rel = "notes/clients.py"
    assert {at("flask-compliant", rel, "cache = redis.Redis("), at("flask-compliant", rel, "storage = boto3.client("),
            at("flask-compliant", rel, "with smtplib.SMTP(")} <= places(ok, "practice")
    bad = item(reports("flask-noncompliant"), "REL-TIMEOUTS")
    assert bad["verdict"] == "fail"
    assert {at("flask-noncompliant", rel, "cache = redis.Redis("),
            at("flask-noncompliant", rel, "smtp = smtplib.SMTP(")} <= places(bad, "violation")


def test_js_clients_needle_superagent_got_nodemailer_ioredis(reports):
    ok = item(reports("express-compliant"), "REL-TIMEOUTS")
    assert ok["verdict"] == "pass", ok["rationale"]
    assert at("express-compliant", "src/clients.js", "const fetchRate") in places(ok, "practice")
    bad = item(reports("express-noncompliant"), "REL-TIMEOUTS")
    assert bad["verdict"] == "fail"
    assert {at("express-noncompliant", "src/clients.js", "exports.rate"),
            at("express-noncompliant", "src/clients.js", "exports.profile")} <= places(bad, "violation")
    # got and ioredis retry (configured here); nodemailer has no retry of its own, and nothing wraps it
    retry = item(reports("express-compliant"), "REL-RETRY")
    assert retry["verdict"] == "partial" and "got" in retry["rationale"]
    assert at("express-compliant", "src/clients.js", "const fetchRate") in places(retry, "practice")
    assert at("express-compliant", "src/clients.js", "const mailer = nodemailer.createTransport(") in places(retry, "violation")
    breaker = item(reports("express-noncompliant"), "REL-CIRCUIT-BREAKER")
    assert breaker["verdict"] == "fail" and at("express-noncompliant", "src/clients.js", "exports.avatar") in places(breaker)


def test_boto3_config_read_for_retries(reports):
    retry = item(reports("flask-compliant"), "REL-RETRY")
    assert retry["verdict"] == "pass", retry["rationale"]
    assert at("flask-compliant", "notes/clients.py", "storage = boto3.client(") in places(retry, "practice")


# ---- REL-BULKHEAD and PERF-POOLING ----------------------------------------------------------------------

def test_only_a_declared_bound_passes_the_bulkhead(reports):
    ok = item(reports("flask-compliant"), "REL-BULKHEAD")
    assert ok["verdict"] == "pass" and at("flask-compliant", "notes/db.py", "engine = create_engine(") in places(ok, "practice")
    bad = item(reports("flask-noncompliant"), "REL-BULKHEAD")
    assert bad["verdict"] == "partial"
    assert "bounded only by SQLAlchemy's default QueuePool (pool_size 5, max_overflow 10" in bad["rationale"]
    pooling = item(reports("flask-noncompliant"), "PERF-POOLING")
    assert pooling["verdict"] == "pass" and "default QueuePool" in pooling["rationale"]


# ---- API items: lists by what they return, HTML routes apart ---------------------------------------------

def test_pagination_by_the_rows_a_handler_returns(reports):
    ok = item(reports("flask-compliant"), "API-PAGINATION")
    assert ok["verdict"] == "pass", ok["rationale"]
    bad = item(reports("flask-noncompliant"), "API-PAGINATION")
    assert bad["verdict"] == "fail"
    # the JSON list and the HTML page both return every row, with the query as evidence
    assert {at("flask-noncompliant", "notes/api.py", '@api.route("/notes", methods=["GET"])'),
            at("flask-noncompliant", "notes/pages.py", '@pages.route("/notes")'),
            at("flask-noncompliant", "notes/pages.py", "rows = session.query(Note).all()")} <= places(bad, "violation")
    assert "GET /notes" in bad["details"]["html_list_pages"]
    js = item(reports("express-noncompliant"), "API-PAGINATION")
    assert js["verdict"] == "fail" and "SELECT id, text FROM notes ORDER BY id" in js["evidence"][0]["message"]


def test_api_items_list_html_form_routes_apart(reports):
    report = reports("flask-noncompliant")
    for item_id in ("API-REST-SEMANTICS", "API-VERSIONING", "API-PAGINATION", "API-ERROR-FORMAT"):
        row = item(report, item_id)
        # the same split everywhere; API-PAGINATION alone judges the HTML page that lists rows
        apart = ["POST /notes/new"] if item_id == "API-PAGINATION" else ["GET /notes", "POST /notes/new"]
        assert row["details"]["html_routes"] == apart, (item_id, row["details"])
        assert "judged by the web items" in row["rationale"], item_id
        assert ("notes/pages.py", line_of(ROOT / "flask-noncompliant", "notes/pages.py", '"/notes/new"')) \
            not in places(row, "violation"), item_id


# ---- QA-TESTS -------------------------------------------------------------------------------------------

def test_a_test_that_touches_sqlite_is_an_integration_test(reports):
    ok = item(reports("flask-compliant"), "QA-TESTS")
    assert ok["verdict"] == "pass", ok["rationale"]
    integration = [e for e in ok["evidence"] if e["rule_id"] == "integration-test"]
    assert integration and "sqlite3.connect(':memory:')" in integration[0]["message"]
    only_unit = item(reports("flask-noncompliant"), "QA-TESTS")
    assert only_unit["verdict"] == "partial" and "missing integration tests" in only_unit["rationale"]
