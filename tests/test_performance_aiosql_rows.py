"""PERF-N-PLUS-1 through SQL-file query objects: every method of an aiosql loader (`queries.list_shelves(conn)`)
is a query returning rows, so a loop over its rows calling a helper that runs another of them is a query per row
(tests/fixtures/performance/aiosql-rows)."""
from __future__ import annotations

from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.program.rules import NameSet

FIXTURE = Path(__file__).parent / "fixtures" / "performance" / "aiosql-rows"


def test_prefix_patterns_match_every_method_of_one_object():
    names = NameSet(["app.queries.queries.*"])
    assert names.match("app.queries.queries.books_on_shelf")
    assert not names.match("app.queries.other.books_on_shelf") and not names.match("app.queries.queries")


def test_loop_over_query_object_rows_calling_a_query_helper_is_n_plus_one():
    report = run_audit(FIXTURE, AuditOptions(only=("PERF-N-PLUS-1",)))
    item = next(i for i in report["items"] if i["id"] == "PERF-N-PLUS-1")
    assert item["verdict"] == "fail"
    places = {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == "violation"}
    assert places == {("app/repository.py", 10)}     # shelf_labels' loop calls no query: not flagged
