"""An Alembic rollback that drops a constraint by the name None (what autogenerate writes for a foreign key
created without a name) cannot run: Alembic raises unless the metadata's naming convention supplies the name.
Without a naming convention anywhere in the repository, MIG-ROLLBACK-CORRECT counts that rollback as wrong;
with one, it stays unverifiable (the name is computed at run time)."""
from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item, line_of, write_files

CREATE = '''"""create teams and users"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("teams", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("users")
    op.drop_table("teams")
'''
ADD_TEAM = '''"""add users.team_id"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("team_id", sa.Integer(), nullable=True))
    op.create_foreign_key(None, "users", "teams", ["team_id"], ["id"])


def downgrade():
    op.drop_constraint(None, "users", type_="foreignkey")
    op.drop_column("users", "team_id")
'''
MODELS = '''from sqlalchemy import Column, ForeignKey, Integer, MetaData
from sqlalchemy.orm import declarative_base

Base = declarative_base(metadata=MetaData({convention}))


class Team(Base):
    __tablename__ = "teams"
    id = Column(Integer, primary_key=True)


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    team_id = Column(Integer, ForeignKey("teams.id"))
'''
CONVENTION = 'naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}'


def app(tmp_path, convention: str):
    return write_files(tmp_path / "app", {
        "requirements.txt": "sqlalchemy\nalembic\n",
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/versions/0001_create.py": CREATE,
        "migrations/versions/0002_add_team.py": ADD_TEAM,
        "app/models.py": MODELS.format(convention=convention),
    })


def rollback_correct(root):
    return item(run_audit(root, AuditOptions(only=("MIG-ROLLBACK-CORRECT",))), "MIG-ROLLBACK-CORRECT")


def test_an_unnamed_drop_without_a_naming_convention_is_a_wrong_rollback(tmp_path):
    root = app(tmp_path, "")
    row = rollback_correct(root)
    assert row["verdict"] == "fail", row["rationale"]
    line = line_of(root, "migrations/versions/0002_add_team.py", "op.drop_constraint(None")
    assert any(e["file"] == "migrations/versions/0002_add_team.py" and e["line"] == line
               and "cannot run" in e["message"] for e in row["evidence"]), row["evidence"]


def test_a_naming_convention_leaves_it_unverified_not_wrong(tmp_path):
    row = rollback_correct(app(tmp_path, CONVENTION))
    assert row["verdict"] == "pass", row["rationale"]      # 0001 verified; 0002 cannot be verified
    assert "1 could not be verified" in row["rationale"]
