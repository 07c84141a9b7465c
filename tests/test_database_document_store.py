"""An Express + MongoDB (official `mongodb` driver) app: the database is recognised; relational items say
they do not apply to a document store; items whose analysis does not read MongoDB or JavaScript are
`unknown` with that reason; the shared MongoClient counts as a pool."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "database" / "express_mongo"
IDS = ("MIG-PRESENT", "MIG-REVERSIBLE", "DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "DB-NORMALIZATION",
       "DB-TRANSACTIONS", "DB-QUERY-OPTIMIZATION", "PERF-N-PLUS-1", "PERF-POOLING", "REL-BULKHEAD")


@pytest.fixture(scope="module")
def report():
    return run_audit(ROOT, AuditOptions(only=IDS))


@pytest.fixture(scope="module")
def items(report):
    return {item["id"]: item for item in report["items"]}


def test_inventory_records_a_document_database(report):
    assert report["inventory"]["database_kinds"] == {"document": ["mongodb"]}


@pytest.mark.parametrize("item_id", ["MIG-PRESENT", "MIG-REVERSIBLE", "DB-FK-INDEX", "DB-CONSTRAINTS",
                                     "DB-DATA-TYPES", "DB-NORMALIZATION"])
def test_relational_items_not_applicable_because_document_store(items, item_id):
    item = items[item_id]
    assert item["verdict"] == "not_applicable"
    assert "document store (mongodb)" in item["rationale"] and "no database use" not in item["rationale"]


@pytest.mark.parametrize("item_id, reason", [
    ("DB-QUERY-OPTIMIZATION", "not MongoDB queries"),
])
def test_unanalysed_items_are_unknown_with_the_reason(items, item_id, reason):
    item = items[item_id]
    assert item["verdict"] == "unknown" and reason in item["rationale"], item["rationale"]


def test_javascript_query_loops_are_read_for_n_plus_1(items):
    item = items["PERF-N-PLUS-1"]   # the driver's queries run once per request, none inside a loop
    assert item["verdict"] == "pass" and "JavaScript/TypeScript" in item["rationale"], item["rationale"]


def test_javascript_writes_are_read_for_transactions(items):
    item = items["DB-TRANSACTIONS"]   # each handler writes once: nothing to make atomic
    assert item["verdict"] == "not_applicable" and "JavaScript/TypeScript" in item["rationale"], item["rationale"]


def test_shared_mongo_client_is_a_bounded_pool(items):
    line = next(n for n, text in enumerate((ROOT / "server.js").read_text().splitlines(), 1) if "new MongoClient" in text)
    for item_id in ("PERF-POOLING", "REL-BULKHEAD"):
        item = items[item_id]
        assert item["verdict"] == "pass", (item_id, item["rationale"])
        assert ("server.js", line) in {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == "practice"}
