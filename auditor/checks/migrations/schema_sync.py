"""MIG-SCHEMA-SYNC: the schema the migrations build matches the ORM models ("Schema validation after each
migration", "Verify schema matches specifications").

The static equivalent of `makemigrations --check` and an Alembic autogenerate diff, from what the audit
already has: the migrations replayed without a database (auditor.migrations.replay, the "migrations"
collector's final schema) and the models read with `ast` (auditor.orm, the "orm_models" collector).
Django models are compared with the Django migrations' state, SQLAlchemy/SQLModel models with the Alembic
versions, TypeORM entities with the TypeORM migrations (foreign keys too, with their ON DELETE action),
Sequelize models with the sequelize-cli migrations (names compared case-insensitively), the Go structs
ozzo-dbx reads as rows with golang-migrate's SQL (tables, columns and type families only). Compared per table: presence, columns, type family (integer, text, float, timestamps, json,
numeric; widths inside a family are not compared), nullability, uniqueness and indexes; primary keys are
compared by presence only (their implicit types differ by setting). Each difference names the model's
file:line and the migrations' file:line.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from auditor.catalog import CatalogItem
from auditor.collectors.migrations import MIGRATIONS
from auditor.collectors.orm_models import ORM_MODELS
from auditor.context import AuditContext, Unavailable
from auditor.dbschema import Column, Schema, Table
from auditor.model import VIOLATION, Evidence, ItemResult
from auditor.orm.coltypes import family
from auditor.registry import check

ITEM = "MIG-SCHEMA-SYNC"
# model source -> the migration system whose replay it is compared with
PAIRINGS = {"models:django": "django", "models:sqlalchemy": "alembic", "models:typeorm": "typeorm",
            "models:sequelize": "sequelize", "models:dbx": "golang-migrate"}
# model sources that declare names and types only (auditor.orm.dbx_models)
NAMES_ONLY = frozenset({"models:dbx"})
TIMESTAMP_FAMILIES = {"naive_timestamp": "timestamp", "aware_timestamp": "timestamp"}
# model sources compared by lower-cased names: the replay of their migrations folds identifiers to lower case
# (Sequelize quotes them, so "Users"."firstName" is one table and column on both sides)
CASE_FOLDED = frozenset({"models:sequelize"})
UNMANAGED = re.compile(r"^\s*managed\s*=\s*False", re.M)
MAX_EVIDENCE = 40


@dataclass(frozen=True)
class Difference:
    table: str
    what: str
    model_at: tuple[str, int | None]        # where the model declares it ("", None when only in the migrations)
    migrations_at: tuple[str, int | None]   # where the migrations declare it (the folder when missing there)


def _at(obj: Table | Column | None, fallback: tuple[str, int | None]) -> tuple[str, int | None]:
    if obj is None or not obj.file:
        return fallback
    return obj.file, obj.line


def compare_table(model: Table, migrated: Table | None, folder: str, names_only: bool = False) -> list[Difference]:
    """Every difference between one model table and the table the migrations build. `names_only`: the model
    declares names and types, not constraints (a struct a reflection mapper reads as a row), so nullability,
    uniqueness and indexes are not compared, and a column it leaves out matters only when a row written
    without it cannot be inserted (NOT NULL, no default)."""
    m_at = (model.file, model.line)
    if migrated is None:
        return [Difference(model.name, f"table {model.name} is declared by a model but no migration creates it",
                           m_at, (folder, None))]
    t_at = (migrated.file, migrated.line)
    out = []
    for col in model.columns.values():
        other = migrated.columns.get(col.name)
        where = _at(col, m_at)
        if other is None:
            out.append(Difference(model.name, f"column {model.name}.{col.name} is in the model but no migration adds it",
                                  where, t_at))
            continue
        o_at = _at(other, t_at)
        if col.primary_key or other.primary_key:
            continue
        mf, of = family(col.type), family(other.type)
        if names_only:   # a Go time.Time holds either kind of timestamp
            mf, of = (TIMESTAMP_FAMILIES.get(f, f) for f in (mf, of))
        if mf != of and "other" not in (mf, of):
            out.append(Difference(model.name, f"column {model.name}.{col.name} is {col.type} in the model but "
                                              f"{other.type} in the migrations", where, o_at))
        if names_only:
            continue
        if col.nullable != other.nullable:
            out.append(Difference(model.name, f"column {model.name}.{col.name} is "
                                              f"{'nullable' if col.nullable else 'NOT NULL'} in the model but "
                                              f"{'nullable' if other.nullable else 'NOT NULL'} in the migrations",
                                  where, o_at))
        if col.unique != other.unique and not _unique_elsewhere(migrated if col.unique else model, col.name):
            out.append(Difference(model.name, f"column {model.name}.{col.name} is "
                                              f"{'unique' if col.unique else 'not unique'} in the model but "
                                              f"{'unique' if other.unique else 'not unique'} in the migrations",
                                  where, o_at))
    for name, other in migrated.columns.items():
        if name in model.columns or other.primary_key or (names_only and (other.nullable or other.default is not None)):
            continue
        out.append(Difference(model.name, f"column {model.name}.{name} is in the migrations but not in the model "
                                          "(removed from the model without a migration)", m_at, _at(other, t_at)))
    if names_only:
        return out
    migrated_indexes = {ix.columns for ix in migrated.indexes} | set(migrated.unique_sets)
    for ix in model.indexes:
        if ix.columns not in migrated_indexes and not _covered_by_column(migrated, ix.columns):
            out.append(Difference(model.name, f"index on {model.name}({', '.join(ix.columns)}) is in the model but no "
                                              "migration creates it", (ix.file or model.file, ix.line or model.line), t_at))
    model_indexes = {ix.columns for ix in model.indexes} | set(model.unique_sets)
    for cols in model.unique_sets:
        if cols not in migrated_indexes and not _covered_by_column(migrated, cols):
            out.append(Difference(model.name, f"unique constraint on {model.name}({', '.join(cols)}) is in the model but "
                                              "no migration creates it", m_at, t_at))
    for cols in migrated.unique_sets:
        if cols not in model_indexes and not _covered_by_column(model, cols):
            out.append(Difference(model.name, f"unique constraint on {model.name}({', '.join(cols)}) is in the "
                                              "migrations but not in the model", m_at, t_at))
    return out


def _unique_elsewhere(table: Table, column: str) -> bool:
    """A single-column unique index or constraint says the same as a unique column."""
    return (column,) in set(table.unique_sets) or any(ix.unique and ix.columns == (column,) for ix in table.indexes)


def _covered_by_column(table: Table, columns: tuple[str, ...]) -> bool:
    """A single-column index or unique constraint one side expresses as the column's own flag: `unique=True` on
    a column is the same constraint as `UniqueConstraint('name')` or a unique index on that column alone."""
    return len(columns) == 1 and columns[0] in table.columns and table.columns[columns[0]].unique


def compare_foreign_keys(model: Table, migrated: Table) -> list[Difference]:
    """Foreign keys by their columns: present on both sides, and with the same ON DELETE action when both
    readers record it (TypeORM: a relation's `onDelete` and a TableForeignKey's, NO ACTION unless given)."""
    out = []
    m_at, t_at = (model.file, model.line), (migrated.file, migrated.line)
    theirs = {fk.columns: fk for fk in migrated.foreign_keys}
    ours = {fk.columns: fk for fk in model.foreign_keys}
    for cols, fk in ours.items():
        other = theirs.get(cols)
        at = (fk.file or model.file, fk.line or model.line)
        if other is None:
            out.append(Difference(model.name, f"foreign key {model.name}({', '.join(cols)}) -> {fk.ref_table} is in the "
                                              "model but no migration creates it", at, t_at))
        elif fk.on_delete and other.on_delete and fk.on_delete != other.on_delete:
            out.append(Difference(model.name, f"foreign key {model.name}({', '.join(cols)}) is ON DELETE "
                                              f"{fk.on_delete.upper()} in the model but ON DELETE "
                                              f"{other.on_delete.upper()} in the migrations", at,
                                  (other.file or migrated.file, other.line or migrated.line)))
    for cols, other in theirs.items():
        if cols not in ours:
            out.append(Difference(model.name, f"foreign key {model.name}({', '.join(cols)}) -> {other.ref_table} is in "
                                              "the migrations but not in the model", m_at,
                                  (other.file or migrated.file, other.line or migrated.line)))
    return out


def source_kind(source: str) -> str:
    """The model source a table comes from, as PAIRINGS names it (TypeORM tables name their file)."""
    for prefix in ("typeorm", "sequelize"):
        if source.startswith(f"{prefix}:"):
            return f"models:{prefix}"
    return source


def case_folded(table: Table) -> Table:
    """The table with its own, its columns' and its indexes' names in lower case."""
    columns = {name.lower(): dataclasses.replace(col, name=col.name.lower()) for name, col in table.columns.items()}
    indexes = [dataclasses.replace(ix, columns=tuple(c.lower() for c in ix.columns)) for ix in table.indexes]
    foreign_keys = [dataclasses.replace(fk, columns=tuple(c.lower() for c in fk.columns), ref_table=fk.ref_table.lower())
                    for fk in table.foreign_keys]
    return dataclasses.replace(table, name=table.name.lower(), columns=columns, indexes=indexes,
                               foreign_keys=foreign_keys,
                               unique_sets=[tuple(c.lower() for c in cols) for cols in table.unique_sets])


# model sources whose readers record every foreign key the ORM creates, so that foreign keys are compared
FOREIGN_KEYS_COMPARED = frozenset({"models:typeorm"})


def compare(models: Schema, migrated: Schema, system: str, folder: str, source: str,
            unmanaged: set[str] = frozenset()) -> tuple[list[Difference], int]:
    """(differences, tables compared) between the models of one source and the migrations of its system."""
    out, compared = [], 0
    for table in sorted(models.tables.values(), key=lambda t: t.name):
        if source_kind(table.source) != source or table.name in unmanaged:
            continue
        compared += 1
        if source in CASE_FOLDED:
            table = case_folded(table)
        mig = migrated.tables.get(table.name)
        mig = mig if mig is not None and mig.source == f"migrations:{system}" else None
        out += compare_table(table, mig, folder, names_only=source in NAMES_ONLY)
        if mig is not None and source in FOREIGN_KEYS_COMPARED:
            out += compare_foreign_keys(table, mig)
    return out, compared


FULL_COMPARISON = "tables, columns, type families, nullability, uniqueness, indexes"


def evaluate_schema_sync(item_id: str, differences: list[Difference], compared: int, systems: list[str],
                         unparsed: list[str], not_compared: list[str], what: str = FULL_COMPARISON) -> ItemResult:
    notes = ""
    if not_compared:
        notes += f" Not compared: {', '.join(not_compared)}."
    if unparsed:
        notes += (f" {len(unparsed)} migration(s) hold operations the replay did not understand "
                  f"({', '.join(unparsed[:3])}).")
    if not compared:
        raise Unavailable("no ORM model of a kind whose migrations are replayed (Django models with Django "
                          "migrations, SQLAlchemy/SQLModel models with Alembic, TypeORM entities with TypeORM "
                          "migrations, Sequelize models with sequelize-cli migrations, ozzo-dbx row structs with golang-migrate)."
                          + notes)
    evidence = [Evidence(d.model_at[0] or d.migrations_at[0], d.model_at[1] if d.model_at[0] else d.migrations_at[1],
                         "", rule_id="schema-drift", engine="ast",
                         message=f"{d.what}; migrations: {d.migrations_at[0]}"
                                 + (f":{d.migrations_at[1]}" if d.migrations_at[1] else ""), kind=VIOLATION)
                for d in differences[:MAX_EVIDENCE]]
    details = {"tables_compared": compared, "differences": len(differences), "systems": systems,
               "drift": [d.what for d in differences]}
    if differences:
        tables = len({d.table for d in differences})
        return ItemResult(item_id, "fail",
                          f"{len(differences)} difference(s) in {tables} of {compared} table(s) between the models and "
                          f"the schema the {'/'.join(systems)} migrations build: a migration is missing or was edited "
                          "by hand." + notes, evidence, details=details)
    if unparsed:
        raise Unavailable(f"the {compared} model table(s) match the replayed migrations, but the replay is incomplete:"
                          + notes)
    return ItemResult(item_id, "pass",
                      f"All {compared} model table(s) match the schema the {'/'.join(systems)} migrations build "
                      f"({what})." + notes,
                      details=details)


def unmanaged_tables(ctx: AuditContext, models: Schema) -> set[str]:
    """Django models with Meta.managed = False: their tables are not the migrations' business."""
    out = set()
    for table in models.tables.values():
        if table.source == "models:django" and table.line:
            body = "\n".join(ctx.repo.lines(table.file)[table.line:table.line + 80])
            end = re.search(r"^class\s", body, re.M)
            if UNMANAGED.search(body[:end.start()] if end else body):
                out.add(table.name)
    return out


@check("MIG-SCHEMA-SYNC")
def check_schema_sync(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    migrations = ctx.get(MIGRATIONS)
    orm = ctx.get(ORM_MODELS)
    models = Schema(tables={**orm.mapped_rows.tables, **orm.schema.tables}, dialect=orm.schema.dialect)
    sources = {source_kind(t.source) for t in models.tables.values()}
    differences, compared, systems, not_compared = [], 0, [], []
    names_only_compared = 0
    unmanaged = unmanaged_tables(ctx, models)
    for source, system in PAIRINGS.items():
        if source not in sources:
            continue
        if system not in migrations.systems:
            not_compared.append(f"{source.split(':')[1]} models (no {system} migrations)")
            continue
        folder = ", ".join(migrations.systems[system])
        found, n = compare(models, migrations.final_schema, system, folder, source, unmanaged)
        differences += found
        compared += n
        systems.append(system)
        names_only_compared += n if source in NAMES_ONLY else 0
    for system in migrations.systems:
        if system not in PAIRINGS.values():
            not_compared.append(f"{system} migrations (no model reader pairs with them)")
    unparsed = [m.file for m in migrations.unparsed() if m.system in systems]
    what = FULL_COMPARISON if names_only_compared < compared else "tables, columns, type families"
    result = evaluate_schema_sync(item.id, differences, compared, systems, unparsed, not_compared, what)
    result.evidence = [Evidence(ev.file, ev.line, ctx.repo.snippet(ev.file, ev.line), rule_id=ev.rule_id,
                                engine=ev.engine, message=ev.message, kind=ev.kind) for ev in result.evidence]
    return result
