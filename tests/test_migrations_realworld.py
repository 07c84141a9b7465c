"""Rollback replay, MIG-IMMUTABLE edit location and Django MIG-DOCUMENTED, on the shapes real projects write."""

import git

from auditor.migrations import model as M
from auditor.migrations.alembic import parse_alembic
from auditor.migrations.analyse import replay_history
from auditor.migrations.django import parse_django
from auditor.migrations.history import locate_edit, migration_edits
from auditor.migrations.replay import default_constraint_name

SQLMODEL_INITIAL = '''"""create books"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
revision = "b001"
down_revision = None
def upgrade():
    op.create_table("author", sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_table("book", sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column("author_id", sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(["author_id"], ["author.id"]),
                    sa.PrimaryKeyConstraint("id"))
def downgrade():
    op.drop_table("book")
    op.drop_table("author")
'''

LIMIT_TITLE = '''"""limit book titles to 200 characters"""
from alembic import op
import sqlalchemy as sa
revision = "b002"
down_revision = "b001"
def upgrade():
    op.alter_column("book", "title", existing_type=sa.String(), type_=sa.String(length=200))
def downgrade():
    op.alter_column("book", "title", existing_type=sa.String(length=200), type_=sa.String())
'''

CASCADE = '''"""delete books with their author"""
from alembic import op
revision = "b003"
down_revision = "b002"
def upgrade():
    op.drop_constraint("book_author_id_fkey", "book", type_="foreignkey")
    op.create_foreign_key(None, "book", "author", ["author_id"], ["id"], ondelete="CASCADE")
def downgrade():
    op.drop_constraint("{down_name}", "book", type_="foreignkey")
    op.create_foreign_key("book_author_id_fkey", "book", "author", ["author_id"], ["id"])
'''


def _replay(dialect, down_name="book_author_id_fkey"):
    migs = [parse_alembic(SQLMODEL_INITIAL, "versions/b001.py", dialect),
            parse_alembic(LIMIT_TITLE, "versions/b002.py", dialect),
            parse_alembic(CASCADE.replace("{down_name}", down_name), "versions/b003.py", dialect)]
    replay_history(migs, dialect)
    return {m.version: m for m in migs}


def test_sqlmodel_autostring_is_varchar_and_a_length_limit_is_still_dangerous():
    migs = _replay("postgres")
    assert migs["b002"].rollback_class == M.VERIFIED, migs["b002"].mismatch
    assert migs["b002"].dangerous and "tighter length limit" in migs["b002"].dangerous[0][1]


def test_unnamed_foreign_key_gets_the_postgres_default_name():
    migs = _replay("postgres")
    assert migs["b003"].rollback_class == M.VERIFIED, migs["b003"].mismatch
    assert default_constraint_name("postgres", "book", ("author_id",), "foreign_key") == "book_author_id_fkey"
    assert default_constraint_name("postgres", "book", ("isbn",), "unique") == "book_isbn_key"
    assert default_constraint_name("postgres", "book", (), "primary_key") == "book_pkey"
    assert default_constraint_name("postgres", "t" * 60, ("c",), "foreign_key") is None   # truncated by Postgres
    assert default_constraint_name("mysql", "book", ("author_id",), "foreign_key") is None


def test_unnamed_constraint_on_an_unknown_dialect_is_unverifiable_never_a_mismatch():
    migs = _replay(None)
    assert migs["b003"].rollback_class == M.UNVERIFIABLE
    assert "created without a name" in migs["b003"].rollback_note


def test_a_rollback_dropping_the_wrong_constraint_is_still_a_mismatch():
    migs = _replay("postgres", down_name="book_owner_fkey")
    assert migs["b003"].rollback_class == M.MISMATCHED
    assert any("book_owner_fkey" in p for p in migs["b003"].mismatch)


# ---- MIG-IMMUTABLE: where the edit is and which function it changed ---------------------------------
def test_locate_edit_names_the_changed_function_and_line():
    before = CASCADE.replace("{down_name}", "book_fk")
    after = "# tidy\n" + CASCADE.replace("{down_name}", "book_author_id_fkey")
    line, text, parts = locate_edit("versions/b003.py", before, after)
    assert parts == ("downgrade()",)   # the added comment on line 1 changes nothing
    assert line == 10 and text == 'op.drop_constraint("book_author_id_fkey", "book", type_="foreignkey")'
    both = before.replace('"CASCADE"', '"SET NULL"').replace('["id"])', '["id"], ondelete="RESTRICT")')
    assert locate_edit("versions/b003.py", before, both)[2] == ("downgrade()", "upgrade()")


def test_migration_edits_report_a_rollback_only_edit(tmp_path):
    repo = git.Repo.init(tmp_path)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Dev").set_value("user", "email", "dev@example.com")
    files = {"versions/b001.py": SQLMODEL_INITIAL, "versions/b002.py": LIMIT_TITLE}
    for n, (rel, text) in enumerate(files.items()):
        (tmp_path / "versions").mkdir(exist_ok=True)
        (tmp_path / rel).write_text(text)
        repo.index.add([rel])
        repo.index.commit(f"add {rel}", author_date=f"2024-01-0{n + 1}T00:00:00", commit_date=f"2024-01-0{n + 1}T00:00:00")
    (tmp_path / "versions/b001.py").write_text(SQLMODEL_INITIAL.replace('op.drop_table("author")',
                                                                        'op.drop_table("author", if_exists=True)'))
    repo.index.add(["versions/b001.py"])
    repo.index.commit("fix rollback", author_date="2024-02-01T00:00:00", commit_date="2024-02-01T00:00:00")
    folders = {rel: "versions" for rel in files}
    edits, _, _ = migration_edits(tmp_path, sorted(folders), folders)
    assert [(e.file, e.line, e.changed_parts) for e in edits] == [("versions/b001.py", 18, ("downgrade()",))]


# ---- MIG-DOCUMENTED: Django's generated names -----------------------------------------------------
DJANGO_HEAD = "# Generated by Django 4.2 on 2024-01-01 10:00\n\nfrom django.db import migrations, models\n\n\n"


def _django(name, body, doc=""):
    text = DJANGO_HEAD + ("class Migration(migrations.Migration):\n" + (f"    {doc}\n" if doc else "") +
                                "    dependencies = [('shop', '0001_initial')]\n"
                                f"    operations = [\n{body}\n    ]\n")
    return parse_django(text, f"shop/migrations/{name}.py", "postgres")


ADD_EMAIL = "        migrations.AddField(model_name='customer', name='email', field=models.EmailField(max_length=254, default='')),"
BACKFILL = "        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),"


def test_a_descriptive_django_name_documents_generated_schema_operations():
    m = _django("0003_customer_email", ADD_EMAIL)
    assert m.documented and m.documented_by == "name" and "customer email" in m.doc


def test_auto_timestamp_names_and_hand_written_operations_need_a_comment():
    assert not _django("0004_auto_20240101_1000", ADD_EMAIL).documented
    assert not _django("0005_backfill_emails", BACKFILL).documented
    assert not _django("0006_customer_email_and_more", ADD_EMAIL + "\n" + BACKFILL).documented
    commented = _django("0007_auto_20240102_0900", ADD_EMAIL, doc='"""Customers now log in with their email."""')
    assert commented.documented and commented.documented_by == "docstring"
