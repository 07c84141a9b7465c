"""The fleet database without a cluster: export as CSV and Parquet, and the aggregate of several runs."""
from __future__ import annotations

import csv
import importlib.util
import sqlite3

import pytest

from auditor.errors import AuditError
from auditor.fleet.aggregate import fleet_document
from auditor.fleet.store import TABLES, FleetStore
from auditor.fleet.synthetic import synthetic_fleet


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("fleet-store")
    synthetic_fleet(out, targets=10, runs=2)
    return out


def counts(folder) -> dict[str, int]:
    db = sqlite3.connect(folder / "fleet.sqlite")
    try:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        db.close()


def test_csv_export_has_every_row_of_every_table(fleet_dir, tmp_path):
    store = FleetStore.read(fleet_dir)
    try:
        written = store.export(tmp_path, "csv")
    finally:
        store.close()
    assert [p.name for p in written] == [f"{t}.csv" for t in TABLES]
    for table, expected in counts(fleet_dir).items():
        with open(tmp_path / f"{table}.csv", newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) == expected + 1    # and the header


def test_parquet_export_needs_pyarrow_and_says_so(fleet_dir, tmp_path):
    store = FleetStore.read(fleet_dir)
    try:
        if importlib.util.find_spec("pyarrow") is None:
            with pytest.raises(AuditError, match="needs pyarrow"):
                store.export(tmp_path, "parquet")
            return
        store.export(tmp_path, "parquet")
    finally:
        store.close()
    import pyarrow.parquet as pq
    for table, expected in counts(fleet_dir).items():
        assert pq.read_table(tmp_path / f"{table}.parquet").num_rows == expected


def test_the_aggregate_counts_agree_with_the_rows(fleet_dir):
    store = FleetStore.read(fleet_dir)
    try:
        doc = fleet_document(store, 2, fleet_dir)
        errors = store.query("SELECT count(*) FROM targets WHERE run_id = 2 AND status = 'error'")[0][0]
        fails = dict(store.query("SELECT item_id, count(*) FROM items WHERE run_id = 2 AND verdict = 'fail' "
                                 "GROUP BY item_id"))
    finally:
        store.close()
    assert doc["summary"]["error"] == errors and doc["summary"]["targets"] == 10
    assert sum(doc["summary"]["grades"].values()) == doc["summary"]["ok"]
    assert {i["id"]: i["fail"] for i in doc["items"] if i["fail"]} == fails
    assert [r["run_id"] for r in doc["trend"]] == [1, 2]
    assert all(t["previous_score"] is not None for t in doc["targets"] if t["status"] == "ok")


def test_a_folder_without_a_database_or_with_another_file_is_a_usage_error(tmp_path):
    with pytest.raises(AuditError, match="no fleet database"):
        FleetStore.read(tmp_path)
    (tmp_path / "fleet.sqlite").write_text("not a database")
    with pytest.raises(AuditError, match="not a fleet database"):
        FleetStore.read(tmp_path)
