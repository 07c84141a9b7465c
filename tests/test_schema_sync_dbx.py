"""MIG-SCHEMA-SYNC compares the Go structs ozzo-dbx reads and writes as rows (`Model(&row)`) with the schema the
golang-migrate SQL builds: the table of the struct's snake_case name, a column per exported field (or its db tag),
and their type families. A struct declares no constraints, so nullability and indexes are not compared, and a
column the struct leaves out counts only when an insert without it fails (NOT NULL, no default). Structs never
handed to Model (a login form, a service view of the same name in another package) have no table."""
import shutil
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import edited_copy, item

APP = Path(__file__).parent / "fixtures" / "migrations" / "dbx_app"


def schema_sync(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("MIG-SCHEMA-SYNC",))), "MIG-SCHEMA-SYNC")


def edited(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    return edited_copy(APP, tmp_path / "app", rel, old, new)


def test_row_struct_that_matches_its_migrations_passes():
    row = schema_sync(APP)
    assert row["verdict"] == "pass", row["rationale"]
    assert "1 model table(s)" in row["rationale"] and "golang-migrate" in row["rationale"]
    assert "tables, columns, type families)" in row["rationale"]     # constraints are not claimed as compared


def test_a_field_no_migration_adds_fails(tmp_path):
    root = edited(tmp_path, "internal/entity/track.go", "\tReleasedAt time.Time `json:\"released_at\"`",
                  "\tReleasedAt time.Time `json:\"released_at\"`\n\tGenre      string    `json:\"genre\"`")
    row = schema_sync(root)
    assert row["verdict"] == "fail"
    assert any("track.genre is in the model but no migration adds it" in e["message"] for e in row["evidence"])
    assert any(e["file"] == "internal/entity/track.go" for e in row["evidence"])


def test_a_not_null_column_the_struct_cannot_fill_fails(tmp_path):
    root = edited(tmp_path, "migrations/20240101120000_init.up.sql", "    note        TEXT",
                  "    note        TEXT,\n    isrc        VARCHAR NOT NULL")
    row = schema_sync(root)
    assert row["verdict"] == "fail"
    assert any("track.isrc is in the migrations but not in the model" in e["message"] for e in row["evidence"])


def test_a_type_family_that_differs_fails(tmp_path):
    root = edited(tmp_path, "internal/entity/track.go", "Title      string", "Title      int64 ")
    row = schema_sync(root)
    assert row["verdict"] == "fail"
    assert any("track.title is bigint in the model but varchar in the migrations" in e["message"]
               for e in row["evidence"]), row["evidence"]


def test_without_ozzo_dbx_the_structs_are_not_rows(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(APP, root)
    for rel in ("internal/track/repository.go", "cmd/server/main.go", "go.mod"):
        path = root / rel
        path.write_text(path.read_text().replace("ozzo-dbx", "other-mapper"))
    row = schema_sync(root)
    assert row["verdict"] == "unknown"
