"""Knex schema builder: primary keys, foreign keys, unique keys and indexes declared by multi-line chains
(`table\n  .uuid("id")\n  .primary()`), read into the schema the DB-* checks judge; and the link-table rule of
DB-CONSTRAINTS (a surrogate-keyed pair table must make its pair unique)."""
from pathlib import Path

import pytest

from auditor.dbschema import ForeignKey, Schema, Table
from auditor.migrations import operations as ops
from auditor.migrations.knex import parse_knex
from auditor.migrations.replay import State, round_trip
from auditor.migrations.operations import column_def
from auditor.orm.schema_probes import constraint_places, link_table_pair
from auditor.pipeline import run_audit

FIXTURES = Path(__file__).parent / "fixtures" / "knex_schema"
MIGRATION = "src/migrations/20240301120000_init.js"


def _parse(variant: str):
    text = (FIXTURES / variant / MIGRATION).read_text()
    return parse_knex(text, MIGRATION, "postgresql")


def _tables(variant: str) -> dict:
    return {o.table: o for o in _parse(variant).forward if o.kind == ops.CREATE_TABLE}


def test_chained_uuid_primary_and_increments_are_primary_keys():
    tables = _tables("flawed")
    users = {c.name: c for c in tables["users"].column_defs}
    assert users["id"].primary_key and users["id"].unique and not users["id"].nullable
    assert users["id"].line == 5                          # the line of `.uuid("id")`, not of `table`
    assert users["email"].unique and not users["email"].nullable
    stars = {c.name: c for c in tables["stars"].column_defs}
    assert stars["id"].primary_key and stars["id"].type == "integer"   # table.increments(): id, primary
    assert not users["password"].primary_key


def test_references_declare_foreign_keys_with_on_delete():
    tables = _tables("flawed")
    (owner,) = tables["bookmarks"].foreign_keys
    assert (owner.columns, owner.ref_table, owner.ref_columns, owner.on_delete, owner.line) == \
        (("owner",), "users", ("id",), "cascade", 23)
    by_column = {fk.columns: fk for fk in tables["stars"].foreign_keys}
    assert by_column[("user",)].ref_table == "users"          # .references("id").inTable("users")
    assert by_column[("bookmark",)].ref_table == "bookmarks"  # .references("bookmarks.id")


def test_table_level_primary_foreign_and_index():
    parsed = _parse("safe")
    tables = {o.table: o for o in parsed.forward if o.kind == ops.CREATE_TABLE}
    stars = {c.name: c for c in tables["stars"].column_defs}
    assert stars["user"].primary_key and stars["bookmark"].primary_key   # table.primary(["user", "bookmark"])
    assert {fk.columns[0]: fk.ref_table for fk in tables["stars"].foreign_keys} == \
        {"user": "users", "bookmark": "bookmarks"}
    indexes = {(o.table, o.columns, o.unique) for o in parsed.forward if o.kind == ops.CREATE_INDEX}
    assert ("bookmarks", ("owner",), False) in indexes                   # .index() in the column chain
    assert ("follows", ("follower", "followed"), True) in indexes        # table.unique([...])
    assert not [o for o in parsed.forward + parsed.rollback if o.opaque]


def test_chained_drops_are_each_read():
    parsed = _parse("safe")
    assert [(o.kind, o.table, o.line) for o in parsed.rollback] == [
        (ops.DROP_TABLE, "follows", 54), (ops.DROP_TABLE, "stars", 55), (ops.DROP_TABLE, "bookmarks", 56),
        (ops.DROP_TABLE, "users", 57)]


def test_dropping_a_referenced_table_first_stops_a_server_database_rollback():
    flawed = _parse("flawed")
    result = round_trip(State(Schema(dialect="postgres")), flawed.forward, flawed.rollback, refuses_referenced_drop=True)
    assert result.ok is False
    assert [(op.table, op.line) for op, _ in result.rollback_errors] == [("users", 49), ("bookmarks", 50)]
    assert "bookmarks, stars still reference it" in result.rollback_errors[0][1]
    # SQLite drops a referenced table (an implicit DELETE): the same rollback returns the schema there
    assert round_trip(State(Schema(dialect="sqlite")), flawed.forward, flawed.rollback).ok is True
    safe = _parse("safe")
    assert round_trip(State(Schema(dialect="postgres")), safe.forward, safe.rollback, refuses_referenced_drop=True).ok


def _link(unique: bool) -> Table:
    t = Table("favorites", file="m.js", line=1)
    for c in (column_def("id", "uuid", primary_key=True), column_def("user", "uuid", False),
              column_def("article", "uuid", False), column_def("created_at", "timestamp")):
        t.columns[c.name] = c
    t.foreign_keys = [ForeignKey(("user",), "users", ("id",), file="m.js", line=7),
                      ForeignKey(("article",), "articles", ("id",), file="m.js", line=9)]
    if unique:
        t.unique_sets.append(("article", "user"))
    return t


def test_link_table_without_a_unique_pair_fails_and_with_one_passes():
    flawed = [p for p in constraint_places(Schema({"favorites": _link(False)})) if p.rule.startswith("link-")]
    assert [(p.ok, p.line, p.rule) for p in flawed] == [(False, 7, "link-pair-not-unique")]
    safe = [p for p in constraint_places(Schema({"favorites": _link(True)})) if p.rule.startswith("link-")]
    assert [(p.ok, p.rule) for p in safe] == [(True, "link-pair-unique")]


def test_a_table_with_its_own_data_is_not_a_link_table():
    t = _link(False)
    t.columns["body"] = column_def("body", "text", False)
    assert link_table_pair(t) is None


@pytest.fixture(scope="module")
def reports():
    def items(path):
        return {i["id"]: i for i in run_audit(path)["items"]}
    return {variant: items(FIXTURES / variant) for variant in ("flawed", "safe")}


def test_fk_index_judges_the_knex_foreign_keys(reports):
    flawed, safe = reports["flawed"]["DB-FK-INDEX"], reports["safe"]["DB-FK-INDEX"]
    assert flawed["verdict"] == "fail", flawed["rationale"]
    assert any(e["file"] == MIGRATION and e["line"] == 23 for e in flawed["evidence"])
    assert safe["verdict"] == "pass", safe["rationale"]


def test_constraints_see_primary_keys_and_the_duplicable_link(reports):
    flawed, safe = reports["flawed"]["DB-CONSTRAINTS"], reports["safe"]["DB-CONSTRAINTS"]
    assert "has no primary key" not in flawed["rationale"] + str(flawed["evidence"])
    assert flawed["verdict"] in ("fail", "partial"), flawed["rationale"]
    assert any("link table stars" in (e.get("message") or "") for e in flawed["evidence"])
    assert safe["verdict"] == "pass", safe["rationale"]


def test_rollback_order_is_judged_on_the_full_audit(reports):
    flawed, safe = reports["flawed"]["MIG-ROLLBACK-CORRECT"], reports["safe"]["MIG-ROLLBACK-CORRECT"]
    assert flawed["verdict"] == "fail", flawed["rationale"]
    assert any(e["line"] == 49 for e in flawed["evidence"])
    assert safe["verdict"] == "pass", safe["rationale"]
    assert reports["flawed"]["MIG-REVERSIBLE"]["verdict"] == "pass"     # a down() exists and drops every table


def test_knex_instance_counts_as_a_pool(reports):
    for variant in ("flawed", "safe"):
        item = reports[variant]["PERF-POOLING"]
        assert item["verdict"] == "pass", item["rationale"]
        assert any(e["file"] == "src/db.js" and e["line"] == 5 for e in item["evidence"])


def test_node_config_default_secret_is_hard_coded(reports):
    flawed, safe = reports["flawed"]["SEC-SECRETS"], reports["safe"]["SEC-SECRETS"]
    assert flawed["verdict"] == "fail", flawed["rationale"]
    hits = [(e["file"], e["line"]) for e in flawed["evidence"]]
    assert ("config/default.yml", 2) in hits
    assert not any(f.startswith("config/test") or "custom-environment" in f for f, _ in hits)
    assert safe["verdict"] == "pass", safe["rationale"]


@pytest.mark.parametrize("dialect, call, expected", [
    ("postgres", 'table.timestamps(true, true)', "timestamptz"),
    ("postgres", 'table.datetime("sent_at")', "timestamptz"),
    ("postgres", 'table.timestamp("sent_at", { useTz: false })', "timestamp"),
    ("mysql", 'table.timestamp("sent_at")', "timestamptz"),      # MySQL TIMESTAMP is stored in UTC
    ("mysql", 'table.datetime("sent_at")', "timestamp"),
    ("sqlite", 'table.timestamps(true, true)', "timestamp"),
])
def test_knex_time_columns_follow_the_dialect(dialect, call, expected):
    text = 'exports.up = function(knex) {\n  return knex.schema.createTable("mails", function(table) {\n    ' + call + \
        '\n  })\n}\n'
    (create,) = parse_knex(text, "migrations/1_mails.js", dialect).forward
    assert {c.type for c in create.column_defs} == {expected}
