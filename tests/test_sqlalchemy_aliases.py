"""SQLAlchemy 2.0 models reached through aliases (issue 15): a declarative base re-exported under a typed alias
(`Base: Type[DeclarativeBase] = DBTable`) maps its subclasses, and `Mapped`/`mapped_column` imported under
other names are still read as columns; MIG-SCHEMA-SYNC then compares them with the Alembic replay."""
import ast
import textwrap
from pathlib import Path

from auditor.options import AuditOptions
from auditor.orm.sqlalchemy_models import read_sqlalchemy
from auditor.pipeline import run_audit
from helpers import item

TABLE = textwrap.dedent('''
    import typing

    import sqlalchemy
    from sqlalchemy.orm import DeclarativeBase


    class DBTable(DeclarativeBase):
        metadata: sqlalchemy.MetaData = sqlalchemy.MetaData()


    Base: typing.Type[DeclarativeBase] = DBTable
''')

MODELS = textwrap.dedent('''
    import sqlalchemy
    from sqlalchemy.orm import Mapped as SAMapped, mapped_column as sa_column

    from app.table import Base


    class Member(Base):
        __tablename__ = "member"

        id: SAMapped[int] = sa_column(primary_key=True)
        handle: SAMapped[str] = sa_column(sqlalchemy.String(length=64), nullable=False, unique=True)
        bio: SAMapped[str | None] = sa_column(sqlalchemy.Text, nullable=True)
''')

INITIAL = '''"""create members"""
from alembic import op
import sqlalchemy as sa

revision = "m001"
down_revision = None


def upgrade():
    op.create_table("member",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("handle", sa.String(length=64), nullable=False),
                    sa.Column("bio", sa.Text(), nullable=True),
                    sa.PrimaryKeyConstraint("id"),
                    sa.UniqueConstraint("handle"))


def downgrade():
    op.drop_table("member")
'''


def test_a_typed_alias_of_the_declarative_base_maps_its_subclasses():
    schema = read_sqlalchemy([("app/table.py", ast.parse(TABLE)), ("app/models.py", ast.parse(MODELS))]).schema
    assert set(schema.tables) == {"member"}                 # DBTable itself is the base, not a table
    member = schema.tables["member"]
    assert set(member.columns) == {"id", "handle", "bio"}
    assert member.columns["handle"].type == "varchar" and member.columns["handle"].unique
    assert member.columns["bio"].nullable and member.columns["id"].primary_key


def test_an_alias_of_an_unmapped_class_maps_nothing():
    plain = TABLE.replace("class DBTable(DeclarativeBase):", "class DBTable:")
    schema = read_sqlalchemy([("app/table.py", ast.parse(plain)), ("app/models.py", ast.parse(MODELS))]).schema
    assert not schema.tables


def _app(tmp_path: Path, models: str = MODELS) -> Path:
    (tmp_path / "app" / "alembic" / "versions").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "table.py").write_text(TABLE)
    (tmp_path / "app" / "models.py").write_text(models)
    (tmp_path / "app" / "alembic" / "versions" / "m001_create.py").write_text(INITIAL)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = app/alembic\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "club"\ndependencies = ["sqlalchemy", "alembic"]\n')
    return tmp_path


def schema_sync(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("MIG-SCHEMA-SYNC",))), "MIG-SCHEMA-SYNC")


def test_aliased_models_that_match_their_migrations_pass(tmp_path):
    row = schema_sync(_app(tmp_path))
    assert row["verdict"] == "pass", row["rationale"]


def test_an_aliased_model_column_no_migration_adds_fails(tmp_path):
    drifted = MODELS + "    karma: SAMapped[int] = sa_column(sqlalchemy.Integer, nullable=False)\n"
    row = schema_sync(_app(tmp_path, drifted))
    assert row["verdict"] == "fail"
    assert any("member.karma" in e["message"] for e in row["evidence"])
