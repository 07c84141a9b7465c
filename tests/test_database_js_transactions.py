"""DB-TRANSACTIONS on an Express + Mongoose app: handlers that write two or more times (directly, in a loop, or
through a service they require) with no transaction fail; writes inside withTransaction, or passed the caller's
session, are atomic; a single write with a hash update and a Map.delete beside it is not a multi-write; a seed
script is listed apart."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.program.js import build_js_program
from auditor.program.js.transactions import multi_writes
from auditor.repo import Repository
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "database" / "js_transactions"


def _line(rel: str, text: str) -> int:
    return next(n for n, line in enumerate((ROOT / rel).read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def item():
    report = run_audit(ROOT, AuditOptions(only=("DB-TRANSACTIONS",)))
    return next(i for i in report["items"] if i["id"] == "DB-TRANSACTIONS")


def test_multi_writes_without_transaction_are_violations(item):
    assert item["verdict"] in ("fail", "partial"), item["rationale"]
    bad = {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == "violation"}
    assert bad == {("routes/orders.js", _line("routes/orders.js", "router.post('/', ")),
                   ("routes/orders.js", _line("routes/orders.js", "router.post('/import'")),
                   ("routes/orders.js", _line("routes/orders.js", "router.post('/:id/pay'"))}
    pay = next(e for e in item["evidence"] if e["line"] == _line("routes/orders.js", "router.post('/:id/pay'"))
    assert "services/ledger.js" in pay["message"] and "ledger.record()" in pay["message"]
    imported = next(e for e in item["evidence"] if e["line"] == _line("routes/orders.js", "router.post('/import'"))
    assert "in a loop" in imported["message"]


def test_transactions_and_session_threaded_writes_are_atomic(item):
    # the transfer handler calls one atomic helper: one unit of work, not a multi-write of its own
    assert item["details"]["atomic"] == 2 and item["details"]["functions"] == 5
    good = {e["file"] for e in item["evidence"] if e["kind"] == "practice"}
    assert good == {"routes/accounts.js", "services/ledger.js"}


def test_seed_script_is_listed_apart(item):
    assert item["details"]["not_serving_requests"] == ["scripts/seed.js:" + str(_line("scripts/seed.js", "async function main"))]


def test_hash_update_and_map_delete_are_not_writes():
    found = multi_writes(build_js_program(Repository.scan(ROOT)))
    assert _line("routes/orders.js", "router.delete(") not in {f.line for f in found if f.file == "routes/orders.js"}
