"""What functions do, through helpers: a query per row of a loop over query results (PERF-N-PLUS-1) and writes
committed one by one by helpers (DB-TRANSACTIONS), attributed to the handlers that reach them, with safe
twins (a batched query, a query not depending on the row, eager loading, one commit, a transaction block) and
code that serves no request listed apart."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.shared.effects import commits_per_write
from auditor.program import ProgramModel, flow_text
from helpers import flow_fixture_program

FLOWS = Path(__file__).parent / "fixtures" / "flows"


@pytest.fixture(scope="module")
def model():
    return flow_fixture_program


def row_queries(m: ProgramModel) -> dict[str, list[str]]:
    return {fid: [flow_text(f) for f in s.row_queries] for fid, s in m.summaries.items() if s.row_queries}


def test_query_per_row_through_a_helper_of_a_helper(model):
    found = row_queries(model("nplusone_helper"))
    assert found == {
        # for loop -> comment_count() -> comments_of() -> the query filtered by the row
        "blog/views.py::posts": ["views.py:11 -> views.py:12 -> stats.py:10 -> stats.py:6 db.session.query().filter"],
        # comprehension over a query result assigned first
        "blog/views.py::digest": ["views.py:19 -> views.py:19 -> stats.py:6 db.session.query().filter"],
        # a relationship of the row followed by the helper, results not loaded eagerly
        "blog/views.py::tags": ["views.py:25 -> views.py:25 -> tagging.py:2 post.tags.all"],
        "scripts/report.py::main": ["report.py:6 -> report.py:7 -> stats.py:10 -> stats.py:6 db.session.query().filter"],
    }
    summary = model("nplusone_helper").summaries["blog/stats.py::comments_of"]
    assert ("post", "argument") in summary.param_queries


def test_safe_twins_have_no_query_per_row(model):
    m = model("nplusone_safe")
    # batched query over the ids, a query not depending on the row, prefetch_related before the helper
    assert row_queries(m) == {}
    assert not any("query_in_loop" in s.effects for s in m.summaries.values())


def test_commits_per_write_through_helpers(model):
    m = model("txn_helper")
    calls = m.summaries["shop/views.py::create_order"].committing_calls
    assert [flow_text(c) for c in calls] == ["views.py:11 -> store.py:10 -> store.py:6 db.session.commit",
                                             "views.py:12 -> store.py:16 db.session.commit"]
    safe = model("txn_safe")
    assert safe.summaries["shop/views.py::create_order"].committing_calls == []
    assert safe.summaries["shop/views.py::bulk_orders"].committing_calls == []   # inside session.begin()
    assert len(safe.summaries["shop/views.py::one_order"].committing_calls) == 1  # one unit of work
    # two committing calls in the two branches of an if: only one runs
    assert len(safe.summaries["shop/views.py::pay"].committing_calls) == 2
    assert commits_per_write(safe) == []
    assert [found.function for found, _ in commits_per_write(m)] == ["scripts/seed.py::seed",
                                                                      "shop/views.py::create_order"]


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


def test_audit_n_plus_one_through_helpers(audited):
    result = item(audited(FLOWS / "nplusone_helper"), "PERF-N-PLUS-1")
    assert result["verdict"] == "fail", result["rationale"]
    helper = [e for e in result["evidence"] if e["rule_id"] == "n-plus-one/helper"]
    assert {(e["file"], e["line"]) for e in helper} == {("blog/views.py", 11), ("blog/views.py", 19),
                                                        ("blog/views.py", 25)}
    posts = next(e for e in helper if e["line"] == 11)
    assert [(s["file"], s["line"]) for s in posts["flow"]] == [("blog/views.py", 11), ("blog/views.py", 12),
                                                                ("blog/stats.py", 10), ("blog/stats.py", 6)]
    assert "reached from posts" in posts["message"]
    assert result["details"]["not_serving_requests"] == ["scripts/report.py:6"]
    assert result["details"]["not_serving_requests_count"] == 1


def test_audit_n_plus_one_safe_twin_passes(audited):
    result = item(audited(FLOWS / "nplusone_safe"), "PERF-N-PLUS-1")
    assert result["verdict"] == "pass", result["rationale"]
    assert result["details"]["n_plus_one_through_helpers"] == 0


def test_audit_transactions_through_helpers(audited):
    result = item(audited(FLOWS / "txn_helper"), "DB-TRANSACTIONS")
    assert result["verdict"] == "fail", result["rationale"]
    bad = [e for e in result["evidence"] if e["rule_id"] == "db-transactions/commit-per-write"]
    assert [(e["file"], e["line"]) for e in bad] == [("shop/views.py", 11)]
    assert [s["line"] for s in bad[0]["flow"]] == [11, 10, 6, 12, 16]
    assert "reached from create_order" in bad[0]["message"]
    # a script, and a seeding function run at start-up that no handler reaches
    assert result["details"]["not_serving_requests"] == ["scripts/seed.py:5", "shop/demo_data.py:5"]
    assert result["details"]["not_serving_requests_count"] == 2


def test_audit_transactions_safe_twin(audited):
    result = item(audited(FLOWS / "txn_safe"), "DB-TRANSACTIONS")
    assert result["verdict"] in ("pass", "not_applicable"), result["rationale"]
    assert not [e for e in result["evidence"] if e["kind"] == "violation"]
