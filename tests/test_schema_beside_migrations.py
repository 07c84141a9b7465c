"""MIG-PRESENT (issue 15, group 5): a migration system does not make the item pass when the running
application also builds its schema from the models (SQLAlchemy metadata.create_all / drop_all, also passed to
run_sync; Flask-SQLAlchemy db.create_all(); Sequelize sync({force|alter: true})). Tests, scripts and a
function that runs the migrations too (a SQLite fallback) do not count."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


@pytest.fixture(scope="module")
def at_startup(audited):
    return audited(FIXTURES / "schema_at_startup_app")


@pytest.fixture(scope="module")
def fallback(audited):
    return audited(FIXTURES / "schema_fallback_app")


def test_dropping_and_creating_tables_at_start_up_fails(at_startup):
    result = item(at_startup, "MIG-PRESENT")
    assert result["verdict"] == "fail", result["rationale"]
    assert result["details"]["schema_built_by_code"] == ["app/main.py:13", "app/main.py:14"]
    assert "drops tables" in result["rationale"]


def test_a_create_all_fallback_beside_the_migrations_and_test_setup_pass(fallback):
    result = item(fallback, "MIG-PRESENT")
    assert result["verdict"] == "pass", result["rationale"]
    assert "schema_built_by_code" not in result["details"]


def test_schema_calls_read_from_the_ast():
    import ast

    from auditor.checks.migrations.present import _python_schema_calls
    source = ("from app import db, models\n\n\ndef create_app():\n    db.create_all()\n\n\n"
              "def reset():\n    models.Base.metadata.drop_all(bind=None)\n\n\n"
              "def migrate_or_create():\n    db.create_all()\n    stamp()\n\n\n"
              "def unrelated(cache):\n    cache.create_all()\n")
    found = _python_schema_calls("app/boot.py", ast.parse(source))
    assert found == [("app/boot.py", 5, "db.create_all", False), ("app/boot.py", 9, "models.Base.metadata.drop_all", True)]
