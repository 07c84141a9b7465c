"""How an audit spends its time: shared ast walks, collectors skipped when nothing reads them, semgrep's
job count, bandit taking turns with the collectors, and GC thresholds restored afterwards."""
from __future__ import annotations

import ast
import gc
import os
import threading
import time
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT

import auditor.pipeline as pipeline
from auditor.astwalk import nodes_of, walk
from auditor.engines.base import OK, EngineRun
from auditor.engines.semgrep import semgrep_env, semgrep_gc, semgrep_jobs
from auditor.options import AuditOptions
from auditor.repo import Repository

SOURCES = sorted((ROOT / "auditor").rglob("*.py"))[:40] + sorted((FIXTURES / "apps").rglob("*.py"))[:40]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_walk_yields_what_ast_walk_yields_in_the_same_order(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert [id(n) for n in walk(tree)] == [id(n) for n in ast.walk(tree)]
    assert walk(tree) is walk(tree)  # kept on the tree: the second walk is the first one's list
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)) == functions
    for fn in functions[:5]:
        assert [id(n) for n in walk(fn)] == [id(n) for n in ast.walk(fn)]
        assert nodes_of(fn, ast.Call) == [n for n in ast.walk(fn) if isinstance(n, ast.Call)]


NODE_KINDS = [ast.Call, ast.Try, ast.ExceptHandler, ast.ClassDef, ast.Assign, ast.If, ast.Compare, ast.ImportFrom,
              ast.Name, ast.Load, ast.Store, ast.Constant, ast.stmt, ast.expr, (ast.Assign, ast.AnnAssign), ast.Global]


@pytest.mark.parametrize("path", SOURCES[::8], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nodes_of_a_module_is_the_ast_walk_filter_for_every_kind_of_node(path: Path):
    """Concrete classes come from the module's per-class index, the rest from filters: same nodes, same order."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for kind in NODE_KINDS:
        expected = [id(n) for n in ast.walk(tree) if isinstance(n, kind)]
        assert [id(n) for n in nodes_of(tree, kind)] == expected, kind
        assert [id(n) for n in nodes_of(tree, kind)] == expected, kind  # and again, from what was kept


def _no_engines(repo, options, side_lane=None):
    return [EngineRun("semgrep", status=OK), EngineRun("bandit", status=OK)]


def test_a_collector_nothing_reads_is_skipped():
    app = FIXTURES / "apps" / "django-noncompliant"
    only_sqli = pipeline.audit_repository(app, AuditOptions(only=("SEC-SQLI",)), engines=_no_engines)
    assert "writing_functions" not in only_sqli.ctx.collected
    assert "query_loops" not in only_sqli.ctx.collected
    assert "endpoints" in only_sqli.ctx.collected  # serves no declared item list: always collected

    transactions = pipeline.audit_repository(app, AuditOptions(only=("DB-TRANSACTIONS",)), engines=_no_engines)
    assert "writing_functions" in transactions.ctx.collected
    assert "query_loops" not in transactions.ctx.collected
    result = next(i for i in transactions.report["items"] if i["id"] == "DB-TRANSACTIONS")
    assert result["verdict"] != "unknown", result


def test_semgrep_scans_on_every_core_with_a_larger_minor_heap(monkeypatch):
    assert semgrep_jobs() == len(os.sched_getaffinity(0))
    monkeypatch.delenv("OCAMLRUNPARAM", raising=False)
    env = semgrep_env(2)
    assert env["OCAMLRUNPARAM"] == "s=4096k"  # 4M words a thread on the 2-core machine it was measured on
    assert env["SEMGREP_ENABLE_VERSION_CHECK"] == "0"


def test_the_minor_heaps_share_one_budget_and_never_go_below_the_default():
    assert semgrep_gc(1) == "s=8192k"
    assert semgrep_gc(16) == "s=512k"
    assert semgrep_gc(64) == "s=256k"   # OCaml's default
    assert semgrep_gc(0) == "s=8192k"


def test_a_users_own_ocaml_runtime_setting_is_kept(monkeypatch):
    monkeypatch.setenv("OCAMLRUNPARAM", "v=0")
    assert "OCAMLRUNPARAM" not in semgrep_env(2)  # run_process passes the user's environment through


def test_bandit_waits_for_the_side_lane(monkeypatch):
    """While the collectors hold the lane, bandit does not start; semgrep does."""
    started: dict[str, float] = {}

    def fake(name):
        def run(repo, timeout, cache=None, rules=None):
            started[name] = time.monotonic()
            return EngineRun(name, status=OK)
        return run

    monkeypatch.setattr(pipeline, "run_semgrep", fake("semgrep"))
    monkeypatch.setattr(pipeline, "run_bandit", fake("bandit"))
    lane = threading.Lock()
    repo = Repository.scan(FIXTURES / "apps" / "flask-noncompliant")
    with lane:
        run_engines = getattr(pipeline.run_engines, "__wrapped__", pipeline.run_engines)  # not the tests' memo
        worker = threading.Thread(target=run_engines, args=(repo, AuditOptions(use_cache=False), lane))
        worker.start()
        time.sleep(0.5)
        assert "semgrep" in started and "bandit" not in started
        released = time.monotonic()
    worker.join(10)
    assert started["bandit"] >= released


def test_gc_thresholds_are_restored_after_an_audit():
    before = gc.get_threshold()
    pipeline.audit_repository(FIXTURES / "apps" / "flask-noncompliant", AuditOptions(only=("SEC-DEBUG",)),
                              engines=_no_engines)
    assert gc.get_threshold() == before
