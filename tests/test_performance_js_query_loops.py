"""PERF-N-PLUS-1 in JavaScript/TypeScript and Go: a loop whose body queries per element
(tests/fixtures/performance/js-query-loops)."""
from __future__ import annotations

from pathlib import Path

from auditor.checks.performance.n_plus_1 import js_loop_evidence, model_loop_evidence, with_js_loops
from auditor.context import AuditContext
from auditor.inventory import build_inventory
from auditor.model import ItemResult
from auditor.program.js import build_js_program
from auditor.program.js.loops import all_loop_queries
from auditor.repo import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "performance" / "js-query-loops"


def test_loops_that_query_per_element_are_found_and_batched_code_is_not():
    program = build_js_program(Repository.scan(FIXTURE))
    found = {(q.fn.rel, q.line): q for q in all_loop_queries(program) if q.fn.rel.startswith("src/")}
    # a DAO lookup per invoice, a model finder per destructured cart item; the batched twin and the sums are not
    assert set(found) == {("src/invoices-dao.js", 9), ("src/checkout.ts", 8)}
    assert found[("src/invoices-dao.js", 9)].query.label == "customerDAO.getCustomerById"
    assert found[("src/checkout.ts", 8)].query.label == "StockModel.findOne"


def test_js_loops_fail_the_item_alone_and_beside_a_python_pass():
    repo = Repository.scan(FIXTURE)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo))
    evidence = [model_loop_evidence(ctx, q) for q in all_loop_queries(build_js_program(repo))
                if q.fn.rel.startswith("src/")]
    alone = with_js_loops("PERF-N-PLUS-1", evidence, None)
    assert alone.verdict == "fail"
    python_pass = ItemResult("PERF-N-PLUS-1", "pass", "no per-row query", details={"eager_loaded_loops": 2})
    mixed = with_js_loops("PERF-N-PLUS-1", evidence, python_pass)
    assert mixed.verdict == "partial" and mixed.details["js_query_loops"] == 2
    assert js_loop_evidence([]) == []


def test_go_loop_querying_per_row_and_a_preloaded_twin():
    from auditor.probes.go_query_loops import query_loops as go_query_loops
    found = go_query_loops(Repository.scan(FIXTURE.parent / "go-query-loops"))
    assert [(loop.file, loop.line, loop.row) for loop in found] == [("store/books.go", 24, "i")]
