"""Attack 3: an analysis that crashes or times out must not leave the gate green.

- a handler padded with a 900-term expression: our recursive AST visitors would hit RecursionError; the file
  is now recognised as too deep before any visitor runs, and the items our analyses feed are `unknown`
  naming the file, which fails the gate;
- a 20,000-term expression makes bandit error on the file (and semgrep time out on it): an item fed by an
  engine that could not analyse a file it needs is never `pass`;
- an analysis error (a collector or check crash) fails the gate unless unknown items are allowed.
"""
from __future__ import annotations

import ast

import pytest

from adversary import DB_PY, audit, hostile_repo, verdict
from auditor import astwalk
from auditor.catalog import load_catalog
from auditor.context import AuditContext
from auditor.engines.base import EngineRun
from auditor.incomplete import mark_incomplete
from auditor.inventory import Inventory
from auditor.model import ANALYSIS_ERROR, ItemResult
from auditor.repo import Repository
from auditor.scoring import GatePolicy, evaluate_gate, score_results


def padded(terms: int) -> str:
    return DB_PY.replace("    db = sqlite3.connect('shop.db')\n",
                         "    db = sqlite3.connect('shop.db')\n    pad = " + " + ".join(["1"] * terms) + "\n")


def test_depth_is_measured_without_recursion():
    tree = ast.parse("x = " + " + ".join(["1"] * 900))
    assert astwalk.depth(tree) > 900
    assert astwalk.depth(ast.parse("x = 1")) == 4   # Module > Assign > Name/Constant > Store


def test_a_too_deep_file_is_not_given_to_the_visitors(tmp_path):
    root = hostile_repo(tmp_path / "r", db_py=padded(900))
    repo = Repository.scan(root)
    assert repo.python_ast("db.py") is None
    assert "levels deep" in repo.unanalysed["db.py"]
    assert any(s.path == "db.py" and "levels deep" in s.reason for s in repo.skipped)


def test_a_padded_handler_fails_the_gate_naming_the_file(tmp_path):
    root = hostile_repo(tmp_path / "r", db_py=padded(900))
    code, report = audit(root, "--no-cache", only="SEC-SQLI,SEC-INJECTION,SEC-AUTHN")
    assert code == 1
    authn = next(i for i in report["items"] if i["id"] == "SEC-AUTHN")
    assert authn["verdict"] == "unknown" and "db.py" in authn["rationale"]
    assert any("SEC-AUTHN" in r and "db.py" in r for r in report["summary"]["gate"]["reasons"])
    assert any(row["item"] == "SEC-AUTHN" and row["files"] == ["db.py"] for row in report["summary"]["incomplete"])
    allowed, report = audit(root, "--no-cache", "--allow-unknown", "--fail-on", "none",
                            only="SEC-AUTHN")
    assert allowed == 0, "the policy may allow unknown items"


def _context(root, engines):
    repo = Repository.scan(root)
    return AuditContext(repo=repo, inventory=Inventory(), engines={e.name: e for e in engines})


def test_an_engine_that_could_not_analyse_a_needed_file_turns_pass_into_unknown(tmp_path):
    root = hostile_repo(tmp_path / "r")
    catalog = load_catalog()
    items = [catalog.by_id["SEC-SQLI"], catalog.by_id["SEC-INJECTION"], catalog.by_id["MIG-PRESENT"]]
    semgrep = EngineRun("semgrep", unanalysed={"db.py": "Timeout", "tests/test_x.py": "Timeout"})
    results = {i.id: ItemResult(i.id, "pass", "no violation found") for i in items}
    rows = mark_incomplete(results, items, _context(root, [semgrep, EngineRun("bandit")]))
    assert results["SEC-SQLI"].verdict == "unknown" and "db.py" in results["SEC-SQLI"].rationale
    assert results["SEC-SQLI"].details[ANALYSIS_ERROR]
    assert results["MIG-PRESENT"].verdict == "pass", "an item no engine feeds is not touched"
    assert {r["item"] for r in rows} >= {"SEC-SQLI"} and all(r["files"] == ["db.py"] for r in rows)
    card = score_results(catalog, results)
    errors = [(k, r.rationale) for k, r in results.items() if r.details.get(ANALYSIS_ERROR)]
    passed, reasons = evaluate_gate(GatePolicy(), card, items, results, [], analysis_errors=errors)
    assert not passed and any("SEC-SQLI could not be analysed" in r and "db.py" in r for r in reasons)
    passed, _ = evaluate_gate(GatePolicy(allow_unknown=True), card, items, results, [], analysis_errors=errors)
    assert passed


@pytest.mark.slow
def test_a_huge_expression_that_breaks_the_engines_fails_the_gate(tmp_path):
    root = hostile_repo(tmp_path / "r", db_py=DB_PY.replace("import sqlite3\n", "import sqlite3\n\nBIG = "
                                                             + " + ".join(["1"] * 20000) + "\n"))
    code, report = audit(root, "--no-cache", only="SEC-SQLI,SEC-INJECTION")
    assert code == 1
    for item_id in ("SEC-SQLI", "SEC-INJECTION"):
        assert verdict(report, item_id) in ("fail", "unknown")


def test_a_bandit_syntax_error_counts_only_when_semgrep_did_not_read_the_file(tmp_path):
    root = hostile_repo(tmp_path / "r")
    item = load_catalog().by_id["SEC-INJECTION"]
    bandit = EngineRun("bandit", unanalysed={"db.py": "syntax error while parsing AST from file"})
    for semgrep, expected in ((EngineRun("semgrep"), "pass"),
                              (EngineRun("semgrep", unanalysed={"db.py": "Timeout"}), "unknown")):
        results = {item.id: ItemResult(item.id, "pass", "no violation found")}
        mark_incomplete(results, [item], _context(root, [semgrep, bandit]))
        assert results[item.id].verdict == expected
    crashed = EngineRun("bandit", unanalysed={"db.py": "exception while scanning file"})
    results = {item.id: ItemResult(item.id, "pass", "no violation found")}
    mark_incomplete(results, [item], _context(root, [EngineRun("semgrep"), crashed]))
    assert results[item.id].verdict == "unknown", "bandit crashing on a file is a gap whatever semgrep did"
