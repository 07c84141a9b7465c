"""SQLModel classes read as the tables SQLModel builds: only `table=True` classes are tables (their bases and the
request/response schemas are not), the table is the class name lower-cased, fields of the bases are columns,
relationships are not, and a field is nullable only when its annotation admits None and it has a default.
MIG-SCHEMA-SYNC then compares them with the Alembic replay."""
import ast
import textwrap
from pathlib import Path

from auditor.options import AuditOptions
from auditor.orm.sqlalchemy_models import read_sqlalchemy
from auditor.pipeline import run_audit
from helpers import item

MODELS = textwrap.dedent('''
    import uuid
    from datetime import datetime
    from typing import Optional

    from pydantic import EmailStr
    from sqlalchemy import Column, DateTime, JSON
    from sqlmodel import Field, Relationship, SQLModel


    class AccountBase(SQLModel):
        email: EmailStr = Field(unique=True, index=True, max_length=255)
        display_name: str | None = Field(default=None, max_length=255)
        is_active: bool = True


    class AccountCreate(AccountBase):
        password: str = Field(min_length=8)


    class Account(AccountBase, table=True):
        id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
        hashed_password: str
        joined_at: datetime | None = Field(default_factory=datetime.utcnow, sa_type=DateTime(timezone=True))
        notes: list["Note"] = Relationship(back_populates="author")


    class Note(SQLModel, table=True):
        id: Optional[int] = Field(default=None, primary_key=True)
        author_id: uuid.UUID = Field(foreign_key="account.id", nullable=False)
        body: str
        extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
        author: Optional[Account] = Relationship(back_populates="notes")
''')

INITIAL = '''"""create accounts and notes"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "a001"
down_revision = None


def upgrade():
    op.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')
    op.create_table("account",
                    sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
                    sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
                    sa.Column("is_active", sa.Boolean(), nullable=False),
                    sa.Column("id", sa.Uuid(), nullable=False),
                    sa.Column("hashed_password", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index(op.f("ix_account_email"), "account", ["email"], unique=True)
    op.create_table("note",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("author_id", sa.Uuid(), nullable=False),
                    sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column("extra", sa.JSON(), nullable=False),
                    sa.ForeignKeyConstraint(["author_id"], ["account.id"]),
                    sa.PrimaryKeyConstraint("id"))


def downgrade():
    op.drop_table("note")
    op.drop_index(op.f("ix_account_email"), table_name="account")
    op.drop_table("account")
'''


def tables():
    return read_sqlalchemy([("app/models.py", ast.parse(MODELS))]).schema.tables


def test_only_table_classes_are_tables_named_in_lower_case():
    assert set(tables()) == {"account", "note"}


def test_columns_come_from_the_class_and_its_bases_and_relationships_are_not_columns():
    account, note = tables()["account"], tables()["note"]
    assert set(account.columns) == {"id", "hashed_password", "joined_at", "email", "display_name", "is_active"}
    assert set(note.columns) == {"id", "author_id", "body", "extra"}
    assert "password" not in account.columns          # only on the create schema


def test_nullability_follows_sqlmodel():
    account, note = tables()["account"], tables()["note"]
    assert account.columns["display_name"].nullable       # str | None with a default
    assert not account.columns["hashed_password"].nullable  # required
    assert not account.columns["is_active"].nullable       # a default, but the annotation does not admit None
    assert not note.columns["id"].nullable and note.columns["id"].primary_key
    assert not note.columns["extra"].nullable              # sa_column says so


def test_types_indexes_and_foreign_keys():
    account, note = tables()["account"], tables()["note"]
    assert account.columns["email"].type == "varchar" and account.columns["email"].unique
    assert [ix.columns for ix in account.indexes] == [("email",)] and account.indexes[0].unique
    assert account.columns["joined_at"].type == "timestamptz"      # sa_type=DateTime(timezone=True)
    assert account.columns["id"].type == "uuid"
    assert note.columns["extra"].type == "json"
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in note.foreign_keys] == [(("author_id",), "account", ("id",))]


def _app(tmp_path: Path, models: str = MODELS) -> Path:
    (tmp_path / "app" / "alembic" / "versions").mkdir(parents=True)
    (tmp_path / "app" / "models.py").write_text(models)
    (tmp_path / "app" / "alembic" / "versions" / "a001_create.py").write_text(INITIAL)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = app/alembic\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "notes"\ndependencies = ["sqlmodel", "psycopg"]\n')
    return tmp_path


def schema_sync(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("MIG-SCHEMA-SYNC",))), "MIG-SCHEMA-SYNC")


def test_sqlmodel_tables_that_match_their_migrations_pass(tmp_path):
    row = schema_sync(_app(tmp_path))
    assert row["verdict"] == "pass", row["rationale"]
    assert "2 model table(s)" in row["rationale"]


def test_a_sqlmodel_field_no_migration_adds_fails(tmp_path):
    row = schema_sync(_app(tmp_path, MODELS.replace("    body: str\n", "    body: str\n    pinned: bool = False\n")))
    assert row["verdict"] == "fail"
    assert any("note.pinned is in the model but no migration adds it" in e["message"] for e in row["evidence"])
