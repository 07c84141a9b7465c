"""PERF-N-PLUS-1 in JavaScript/TypeScript: a database call inside a loop body is a query per iteration;
array methods that share a query's name (`rows.find(r => ...)`) are not, and a joined query is the practice."""
from __future__ import annotations

from pathlib import Path

from auditor.catalog import load_catalog
from auditor.checks.performance.n_plus_1 import javascript_n_plus_one, js_scan
from auditor.context import AuditContext
from auditor.inventory import build_inventory
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "performance" / "js-query-loops"


def context(name: str) -> AuditContext:
    repo = Repository.scan(FIXTURES / name)
    return AuditContext(repo=repo, inventory=build_inventory(repo))


def test_query_inside_a_for_of_loop_is_flagged_and_array_find_is_not():
    found = js_scan(context("bad"))
    assert [(q.fn.rel, q.line) for q in found.loops] == [("src/invoices.service.ts", 18)]
    result = javascript_n_plus_one(context("bad"), load_catalog().by_id["PERF-N-PLUS-1"])
    assert result.verdict == "fail" and result.evidence[0].line == 18


def test_joined_query_without_loop_queries_passes():
    found = js_scan(context("good"))
    assert found.loops == [] and found.eager
    result = javascript_n_plus_one(context("good"), load_catalog().by_id["PERF-N-PLUS-1"])
    assert result.verdict == "pass" and "leftJoinAndSelect" in result.evidence[0].message


def test_a_python_script_beside_javascript_queries_does_not_hide_them():
    from auditor.options import AuditOptions
    from auditor.pipeline import run_audit
    report = run_audit(FIXTURES / "mixed", AuditOptions(only=("PERF-N-PLUS-1",)))
    item = next(i for i in report["items"] if i["id"] == "PERF-N-PLUS-1")
    assert item["verdict"] == "fail" and item["evidence"][0]["file"] == "src/invoices.service.ts"
