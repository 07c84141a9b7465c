"""MIG-SCHEMA-SYNC compares Sequelize models with the schema the sequelize-cli migrations build. Sequelize quotes
its identifiers ("Tickets"."closedAt"), and the replay folds them to lower case: names are compared
case-insensitively, so a model and its migrations that agree pass, and a column added to a model without a
migration fails."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import edited_copy, item

APP = Path(__file__).parent / "fixtures" / "migrations" / "sequelize_app"


def schema_sync(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("MIG-SCHEMA-SYNC",))), "MIG-SCHEMA-SYNC")


def drifted(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    return edited_copy(APP, tmp_path / "app", rel, old, new)


def test_models_that_match_their_migrations_pass():
    row = schema_sync(APP)
    assert row["verdict"] == "pass", row["rationale"]
    assert "2 model table(s)" in row["rationale"] and "sequelize" in row["rationale"]


def test_a_model_column_no_migration_adds_fails(tmp_path):
    root = drifted(tmp_path, "models/ticket.js", "closedAt: DataTypes.DATE",
                   "closedAt: DataTypes.DATE,\n    reopenedAt: DataTypes.DATE")
    row = schema_sync(root)
    assert row["verdict"] == "fail"
    assert any("tickets.reopenedat is in the model but no migration adds it" in e["message"].lower()
               for e in row["evidence"]), row["evidence"]


def test_nullability_that_differs_fails(tmp_path):
    root = drifted(tmp_path, "models/agent.js", "email: { type: DataTypes.STRING, allowNull: false, unique: true }",
                   "email: { type: DataTypes.STRING, unique: true }")
    row = schema_sync(root)
    assert row["verdict"] == "fail"
    assert any("email is nullable in the model but NOT NULL in the migrations" in e["message"] for e in row["evidence"])
