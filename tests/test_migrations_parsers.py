"""Each migration system's parser on fixture repositories: rollback classes, naming problems, final schema."""
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from auditor.migrations import model as M
from auditor.migrations.alembic import parse_alembic
from auditor.migrations.django import parse_django
from auditor.migrations.inventory import parse_repository
from auditor.migrations.knex import parse_knex
from auditor.migrations.rails import parse_rails
from auditor.migrations.sqlfiles import parse_sectioned
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"


def inventory(name):
    return parse_repository(Repository.scan(FIXTURES / name))


def classes(inv):
    return {m.file.rsplit("/", 1)[-1]: m.rollback_class for m in inv.migrations}


def test_alembic_classes_heads_and_enum():
    inv = inventory("alembic_app")
    assert inv.dialect == "postgres"
    assert classes(inv) == {
        "0001_create_users.py": M.VERIFIED, "0002_add_nickname.py": M.MISSING, "0003_add_age.py": M.EMPTY,
        "0004_create_orders.py": M.MISMATCHED, "0005_index_and_status.py": M.IRREVERSIBLE,
        "0006_branch_a.py": M.VERIFIED, "0006_branch_b.py": M.IRREVERSIBLE_BY_NATURE}
    wrong = next(m for m in inv.migrations if m.version == "0004")
    assert any("order_items" in p for p in wrong.mismatch) and any("orders is left behind" in p for p in wrong.mismatch)
    lines = {(f.rsplit("/", 1)[-1], l) for f, l, _ in wrong.mismatch_evidence}
    assert ("0004_create_orders.py", 14) in lines and ("0004_create_orders.py", 22) in lines
    irreversible = next(m for m in inv.migrations if m.version == "0005")
    assert irreversible.irreversible_reason.startswith("order statuses")
    heads = [msg for msg, _, _ in inv.naming if "heads" in msg]
    assert heads and "0006a" in heads[0] and "0006b" in heads[0]
    assert not next(m for m in inv.migrations if m.version == "0003").documented   # "empty message"
    assert set(inv.final_schema.tables) == {"users", "orders"}
    assert "handle" in inv.final_schema.tables["users"].columns
    assert "order_status" in inv.final_schema.enums


def test_alembic_enum_left_behind_by_drop_table_is_a_mismatch():
    text = '''"""statuses"""
from alembic import op
import sqlalchemy as sa
revision = "a1"
down_revision = None
def upgrade():
    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("s", sa.Enum("x", name="t_status")))
def downgrade():
    op.drop_table("t")
'''
    from auditor.migrations.analyse import replay_history
    m = parse_alembic(text, "versions/a1.py", "postgres")
    replay_history([m], "postgres")
    assert m.rollback_class == M.MISMATCHED and m.mismatch == ["enum type t_status is left behind"]


def test_alembic_merge_revision_with_pass_bodies_is_fine():
    text = 'revision = "m"\ndown_revision = ("a", "b")\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n'
    from auditor.migrations.analyse import replay_history
    m = parse_alembic(text, "versions/m.py", None)
    replay_history([m], None)
    assert m.dependencies == ["a", "b"] and m.rollback_class == M.VERIFIED


def test_django_classes_and_conflicting_leaves():
    inv = inventory("django_app")
    assert classes(inv) == {
        "0001_initial.py": M.VERIFIED, "0002_fill_categories.py": M.NOOP, "0003_price_trigger.py": M.MISSING,
        "0004_audit_table.py": M.MISMATCHED, "0005_product_sku.py": M.VERIFIED, "0005_product_stock.py": M.VERIFIED}
    noop = next(m for m in inv.migrations if m.name == "0002_fill_categories")
    assert noop.noop_acceptable
    missing = next(m for m in inv.migrations if m.name == "0003_price_trigger")
    assert "IrreversibleError" in missing.rollback_note
    assert not missing.documented      # only the generated header
    conflict = [msg for msg, _, _ in inv.naming if "conflicting" in msg]
    assert conflict and "0005_product_sku" in conflict[0] and "0005_product_stock" in conflict[0]
    product = inv.final_schema.tables["shop_product"]
    assert product.foreign_keys[0].ref_table == "shop_category" and product.is_indexed(("category_id",))


def test_django_squashed_migrations_replace_their_originals():
    base = "from django.db import migrations\nclass Migration(migrations.Migration):\n"
    squash = parse_django(base + "    replaces = [('a', '0001_x'), ('a', '0002_y')]\n    dependencies = []\n    operations = []\n",
                          "a/migrations/0001_squashed_0002_y.py", None)
    one = parse_django(base + "    dependencies = []\n    operations = []\n", "a/migrations/0001_x.py", None)
    two = parse_django(base + "    dependencies = [('a', '0001_x')]\n    operations = []\n", "a/migrations/0002_y.py", None)
    three = parse_django(base + "    dependencies = [('a', '0002_y')]\n    operations = []\n", "a/migrations/0003_z.py", None)
    from auditor.migrations.naming import check_django
    assert check_django([squash, one, two, three]) == []


@pytest.mark.parametrize("name, expected", [
    ("golang_app", {"000001_create_users.up.sql": M.VERIFIED, "000002_add_name.up.sql": M.MISSING,
                    "000003_add_orgs.up.sql": M.EMPTY, "000004_create_invoices.up.sql": M.MISMATCHED,
                    "000004_add_phone.up.sql": M.VERIFIED, "000005_touch_trigger.up.sql": M.UNVERIFIABLE,
                    "000006_users_status.up.sql": M.VERIFIED}),
    ("flyway_app", {"V1__create_account.sql": M.VERIFIED, "V2__add_balance.sql": M.MISSING,
                    "V2__add_currency.sql": M.MISSING}),
    ("dbmate_app", {"20240101000000_create_posts.sql": M.VERIFIED, "20240102000000_add_body.sql": M.MISSING,
                    "20240103000000_add_slug.sql": M.EMPTY, "20240104000000_tags.sql": M.MISMATCHED}),
    ("sqlmigrate_app", {"1_init.sql": M.VERIFIED, "2_price.sql": M.MISSING}),
    ("prisma_app", {"migration.sql": M.MISSING}),
    ("rails_app", {"20240101000000_create_users.rb": M.VERIFIED, "20240102000000_remove_legacy_flag.rb": M.MISSING,
                   "20240103000000_add_nickname.rb": M.EMPTY, "20240104000000_create_orders.rb": M.MISMATCHED,
                   "20240104000000_add_phone.rb": M.VERIFIED, "20240105000000_freeze_orders.rb": M.IRREVERSIBLE}),
    ("knex_app", {"20240101000000_create_users.js": M.VERIFIED, "20240102000000_add_name.js": M.MISSING,
                  "20240103000000_add_bio.js": M.EMPTY, "20240104000000_create_posts.js": M.MISMATCHED}),
])
def test_rollback_classes_per_system(name, expected):
    inv = inventory(name)
    got = classes(inv)
    if name == "prisma_app":   # two folders, both named migration.sql: check each
        by_version = {m.version: m.rollback_class for m in inv.migrations}
        assert by_version == {"20240101000000": M.MISSING, "20240102000000": M.VERIFIED}
        assert "prisma migrate diff" in inv.migrations[0].rollback_note
        return
    assert got == expected


def test_duplicate_versions_are_naming_problems():
    for name in ("golang_app", "flyway_app", "rails_app"):
        assert any("duplicate version" in msg for msg, _, _ in inventory(name).naming), name
    assert inventory("dbmate_app").naming == []


def test_opaque_sql_is_reported_as_unparsed():
    inv = inventory("golang_app")
    assert any("opaque Command" in p.message and p.file.endswith("000005_touch_trigger.up.sql") for p in inv.parse_errors)


def test_dangerous_operations_on_existing_tables_only():
    inv = inventory("golang_app")
    first = next(m for m in inv.migrations if m.version == "000001")
    assert first.dangerous == []          # index on the table created in the same migration
    risky = next(m for m in inv.migrations if m.version == "000006")
    reasons = sorted(why.split(" ")[0] for _, why in risky.dangerous)
    assert reasons == ["NOT", "column", "index"]


def test_json_rows_carry_the_contract_fields():
    rows = inventory("alembic_app").to_json_rows()
    assert {"system", "version", "file", "reversible", "rollback_correct", "dangerous_operations"} <= set(rows[0])


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_parsers_never_raise_on_arbitrary_text(text):
    parse_alembic(text, "v/x.py", "postgres")
    parse_django(text, "a/migrations/0001_x.py", "postgres")
    parse_rails(text, "db/migrate/1_x.rb", None)
    parse_knex(text, "migrations/1_x.js", None)
    parse_sectioned("dbmate", "db/migrations/1_x.sql", text, None)
    parse_sectioned("sql-migrate", "migrations/1_x.sql", text, None)


def test_sequelize_cli_classes_and_final_schema():
    inv = inventory("sequelize_app")
    assert inv.systems == {"sequelize": ["migrations"]}
    assert classes(inv) == {"20240101090000-create-agent.js": M.VERIFIED, "20240102090000-create-ticket.js": M.VERIFIED,
                            "20240103090000-add-priority.js": M.EMPTY,
                            "20240104090000-add-closed.js": M.MISMATCHED}   # removes a column that up did not add
    tickets = inv.final_schema.tables["tickets"]
    assert set(tickets.columns) == {"id", "title", "agentid", "priority", "closedat"}
    assert [(fk.columns, fk.ref_table) for fk in tickets.foreign_keys] == [(("agentid",), "agents")]
    assert tickets.is_indexed(("agentid",)) and inv.final_schema.tables["agents"].columns["email"].unique


def test_alembic_helper_functions_are_read_in_place():
    text = '''"""accounts

Revision ID: a1
"""
import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None


def timestamps():
    return (
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False),
    )


def create_accounts_table() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id")),
        *timestamps(),
    )


def upgrade() -> None:
    create_accounts_table()


def downgrade() -> None:
    op.drop_table("accounts")
'''
    mig = parse_alembic(text, "versions/a1_accounts.py", "postgres")
    assert [(o.kind, o.table, o.line) for o in mig.forward] == [("create_table", "accounts", 20)]
    create = mig.forward[0]
    assert [c.name for c in create.column_defs] == ["id", "owner_id", "created_at", "updated_at"]
    assert create.column_defs[-1].type == "timestamptz" and create.foreign_keys[0].ref_table == "users"
    assert not mig.opaque
