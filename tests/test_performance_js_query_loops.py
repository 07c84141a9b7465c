"""PERF-N-PLUS-1 in JavaScript/TypeScript and Go: a loop whose body queries with the loop's element
(tests/fixtures/performance/js-query-loops)."""
from __future__ import annotations

from pathlib import Path

from auditor.checks.performance.n_plus_1 import js_loop_evidence, with_js_loops
from auditor.model import ItemResult
from auditor.probes.js_query_loops import query_loops
from auditor.repo import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "performance" / "js-query-loops"


def test_loops_that_query_per_element_are_found_and_batched_code_is_not():
    found = {(loop.file, loop.line): loop for loop in query_loops(Repository.scan(FIXTURE))}
    # a DAO lookup per invoice, a model finder per destructured cart item
    assert set(found) == {("src/invoices-dao.js", 9), ("src/checkout.ts", 8)}
    assert found[("src/invoices-dao.js", 9)].row == "invoice"
    assert found[("src/checkout.ts", 8)].call == "StockModel.findOne("


def test_js_loops_fail_the_item_alone_and_beside_a_python_pass():
    evidence = js_loop_evidence(query_loops(Repository.scan(FIXTURE)))
    alone = with_js_loops("PERF-N-PLUS-1", evidence, None)
    assert alone.verdict == "fail"
    python_pass = ItemResult("PERF-N-PLUS-1", "pass", "no per-row query", details={"eager_loaded_loops": 2})
    mixed = with_js_loops("PERF-N-PLUS-1", evidence, python_pass)
    assert mixed.verdict == "partial" and mixed.details["js_query_loops"] == 2


def test_go_loop_querying_per_row_and_a_preloaded_twin():
    from auditor.probes.go_query_loops import query_loops as go_query_loops
    found = go_query_loops(Repository.scan(FIXTURE.parent / "go-query-loops"))
    assert [(loop.file, loop.line, loop.row) for loop in found] == [("store/books.go", 24, "i")]
