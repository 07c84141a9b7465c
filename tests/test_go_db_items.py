"""DB-TRANSACTIONS, PERF-N-PLUS-1, DB-QUERY-OPTIMIZATION and PERF-ASYNC on Go code (read as text): a small gin
shop with each flaw, and its safe twin."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

FIXTURES = Path(__file__).parent / "fixtures" / "performance"
ITEMS = ("DB-TRANSACTIONS", "PERF-N-PLUS-1", "DB-QUERY-OPTIMIZATION", "PERF-ASYNC")


def audit(name: str) -> dict[str, dict]:
    report = run_audit(FIXTURES / name, AuditOptions(only=ITEMS))
    return {item["id"]: item for item in report["items"]}


def places(item: dict, kind: str = "violation") -> set[tuple[str, int]]:
    return {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == kind}


def line(name: str, rel: str, needle: str) -> int:
    return next(i for i, t in enumerate((FIXTURES / name / rel).read_text().splitlines(), 1) if needle in t)


@pytest.fixture(scope="module")
def bad():
    return audit("go-shop-bad")


@pytest.fixture(scope="module")
def safe():
    return audit("go-shop-safe")


def test_two_writes_outside_a_transaction_fail_and_transactions_pass(bad, safe):
    item = bad["DB-TRANSACTIONS"]
    assert item["verdict"] == "fail"
    assert places(item) == {("store/repo.go", line("go-shop-bad", "store/repo.go", "func (r *Repo) PlaceOrder"))}
    message = next(e["message"] for e in item["evidence"] if e["kind"] == "violation")
    assert "store/repo.go:42" in message and "store/repo.go:45" in message
    item = safe["DB-TRANSACTIONS"]
    assert item["verdict"] == "pass"
    assert not places(item)
    assert {e["line"] for e in item["evidence"]} == {line("go-shop-safe", "store/repo.go", "r.db.Transaction("),
                                                   line("go-shop-safe", "store/repo.go", "r.sql.Begin()")}


def test_a_loop_calling_a_repository_lookup_per_row_is_n_plus_one(bad, safe):
    item = bad["PERF-N-PLUS-1"]
    assert item["verdict"] == "fail"
    assert places(item) == {("store/repo.go", line("go-shop-bad", "store/repo.go", "r.AuthorByID(b.AuthorID)"))}
    assert safe["PERF-N-PLUS-1"]["verdict"] == "pass"


def test_select_star_and_whole_table_find_fail_query_optimization(bad, safe):
    item = bad["DB-QUERY-OPTIMIZATION"]
    assert item["verdict"] == "fail"
    rules = {e["rule_id"] for e in item["evidence"]}
    assert {"db-query/select-star-go", "db-query/whole-table-read", "db-query/query-in-loop"} <= rules
    assert ("store/repo.go", line("go-shop-bad", "store/repo.go", "r.db.Find(&tags)")) in places(item)
    assert safe["DB-QUERY-OPTIMIZATION"]["verdict"] == "pass"


def test_mail_sent_inline_fails_and_in_a_goroutine_passes(bad, safe):
    item = bad["PERF-ASYNC"]
    assert item["verdict"] == "fail"
    assert places(item) == {("main.go", line("go-shop-bad", "main.go", "smtp.SendMail("))}
    item = safe["PERF-ASYNC"]
    assert item["verdict"] == "pass"
    assert places(item, "practice") == {("main.go", line("go-shop-safe", "main.go", "smtp.SendMail("))}
