"""Regressions from audits of real backends, on a small FastAPI + SQLModel + RQ app written for them:
helper-sent mail in a handler (PERF-ASYNC), lru_cache on a settings loader and an RQ-only Redis (PERF-CACHING),
sqlmodel.create_engine (PERF-POOLING, REL-BULKHEAD), SQLModel exec(delete(...)) (DB-TRANSACTIONS), a query
that is the loop's own iterable (DB-QUERY-OPTIMIZATION), a root tests.py (QA-TESTS) and
`coverage report --fail-under` in CI (QA-COVERAGE)."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import line_of, places

ROOT = Path(__file__).parent / "fixtures" / "performance" / "sqlmodel_app"
IDS = ("PERF-ASYNC", "PERF-CACHING", "PERF-POOLING", "REL-BULKHEAD", "DB-TRANSACTIONS", "DB-QUERY-OPTIMIZATION",
       "QA-TESTS", "QA-COVERAGE")


@pytest.fixture(scope="module")
def items():
    report = run_audit(ROOT, AuditOptions(only=IDS))
    return {item["id"]: item for item in report["items"]}


def test_mail_sent_through_a_helper_is_slow_work_in_the_handler(items):
    item = items["PERF-ASYNC"]
    assert item["verdict"] == "partial"
    assert places(item, "violation") == {("app/main.py", line_of(ROOT, "app/main.py", "send_welcome(email, email)"))}
    message = next(e["message"] for e in item["evidence"] if e["kind"] == "violation")
    assert "send_welcome() at app/mailer.py:" in message and "emails.Message.send" in message
    assert item["details"]["python_handlers_read"] == 3 and item["details"]["helper_calls_followed"] >= 2


def test_settings_loader_and_queue_connection_are_not_caches(items):
    item = items["PERF-CACHING"]
    assert item["verdict"] == "fail" and not item["evidence"]
    assert "app/jobs.py:6 connection (job queue connection only)" in item["rationale"]


def test_sqlmodel_engine_is_pooled_and_bounded(items):
    db_line = ("app/core/db.py", line_of(ROOT, "app/core/db.py", "engine = create_engine"))
    assert items["PERF-POOLING"]["verdict"] == "pass" and db_line in places(items["PERF-POOLING"], "practice")
    # no pool argument: pooled by SQLAlchemy's default QueuePool, a documented bound nobody declared here
    assert items["PERF-POOLING"]["rationale"].endswith("(pool_size 5, max_overflow 10, documented).")
    bulkhead = items["REL-BULKHEAD"]
    assert bulkhead["verdict"] == "partial" and db_line in places(bulkhead, "practice")
    assert "bounded only by SQLAlchemy's default QueuePool" in bulkhead["rationale"]


def test_sqlmodel_exec_delete_is_a_write_in_one_unit_of_work(items):
    item = items["DB-TRANSACTIONS"]
    assert item["verdict"] == "pass"
    main = (ROOT / "app/main.py").read_text().splitlines()
    commit = next(n for n in range(line_of(ROOT, "app/main.py", "def delete_user"), len(main) + 1)
                  if "session.commit()" in main[n - 1])
    assert places(item, "practice") == {("app/main.py", commit)}
    assert "delete_user()" in item["evidence"][0]["message"]


def test_query_as_loop_iterable_is_one_query(items):
    assert items["DB-QUERY-OPTIMIZATION"]["verdict"] == "pass"


def test_root_tests_py_and_ci_coverage_gate(items):
    tests = items["QA-TESTS"]
    assert tests["verdict"] == "partial" and ("tests.py", line_of(ROOT, "tests.py", "def test_subject")) in places(tests)
    coverage = items["QA-COVERAGE"]
    assert coverage["verdict"] == "pass"
    assert places(coverage) == {(".github/workflows/test.yml", line_of(ROOT, ".github/workflows/test.yml", "--fail-under=90"))}
