"""DB-QUERY-OPTIMIZATION: a helper that reads every row of a table (no WHERE, no LIMIT), reached from a request
handler registered in a route table of another module, or a JS handler's `Model.findAll()`
(tests/fixtures/database/whole-table-reads)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

FIXTURE = Path(__file__).parent / "fixtures" / "database" / "whole-table-reads"


@pytest.fixture(scope="module")
def item() -> dict:
    report = run_audit(FIXTURE, AuditOptions(only=("DB-QUERY-OPTIMIZATION",)))
    return next(i for i in report["items"] if i["id"] == "DB-QUERY-OPTIMIZATION")


def flagged(item: dict) -> set[str]:
    return {f"{e['file']}:{e['line']}" for e in item["evidence"] if e.get("rule_id") == "db-query/whole-table-read"}


def test_helpers_reading_every_row_for_a_handler_fail(item):
    assert item["verdict"] == "fail"
    # the SQL SELECT whose LIMIT is added only when the caller passes one, and the handler leaves it out
    assert "library/dao.py:11" in flagged(item)
    # `rows = await session.scalars(select(Book)...); rows.all()` in a helper the books handler calls
    assert "library/dao.py:23" in flagged(item)
    messages = " ".join(e["message"] for e in item["evidence"])
    assert "callers leave out `limit`" in messages and "reached from authors" in messages


def test_bounded_single_row_and_unreached_reads_are_not_flagged(item):
    assert not any(place.startswith("library_safe/") for place in flagged(item))


def test_javascript_handler_reading_every_row(item):
    # `db.Product.findAll()` in the controller of GET /products; the one with a limit and findByPk are fine
    assert {p for p in flagged(item) if p.startswith("shop/")} == {"shop/catalog.js:4"}
