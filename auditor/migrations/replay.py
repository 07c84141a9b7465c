"""Apply operations in order to a Schema, and check that up-then-down returns a schema to where it was.

The replay is lenient where the history is incomplete: an operation on an object the replay has never
seen (created by an unparsed statement, or before the first migration) gets that object as a stub in the
state before the migration, so one missing piece of history does not read as a wrong rollback.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from auditor.dbschema import Column, ForeignKey, Index, Schema, Table
from auditor.migrations import operations as ops
from auditor.migrations.operations import Operation


@dataclass
class State:
    schema: Schema = field(default_factory=Schema)
    constraints: dict[str, dict[str, str]] = field(default_factory=dict)   # table -> constraint name -> type
    unnamed: dict[str, set[str]] = field(default_factory=dict)   # table -> types of constraints created without a
                                                                 # name whose database-given name is not known


# Postgres names a constraint created without a name `<table>_<columns>_<suffix>` (`<table>_pkey` for a primary
# key), truncated to 63 bytes in a way the replay does not reproduce: longer names stay unknown.
_PG_SUFFIX = {"foreign_key": "fkey", "unique": "key", "primary_key": "pkey", "check": "check"}
_PG_MAX_NAME = 63


def default_constraint_name(dialect: str | None, table: str | None, columns: tuple[str, ...], ctype: str | None) -> str | None:
    """The name the database gives a constraint created without one, or None when the replay cannot know it."""
    if dialect != "postgres" or not table or ctype not in _PG_SUFFIX:
        return None
    if ctype == "primary_key":
        name = f"{table}_pkey"
    elif not columns:
        return None
    else:
        name = f"{table}_{'_'.join(columns)}_{_PG_SUFFIX[ctype]}"
    return name if len(name) <= _PG_MAX_NAME else None


def _name_table_keys(state: State, t: Table, op: Operation) -> None:
    """Primary and unique keys declared inside CREATE TABLE, under the names the database gives them."""
    pk = tuple(c.name for c in op.column_defs if c.primary_key)
    declared = ([("primary_key", pk)] if pk else []) + [("unique", cols) for cols in op.unique_sets] + \
        [("unique", (c.name,)) for c in op.column_defs if c.unique and not c.primary_key]
    for ctype, cols in declared:
        name = default_constraint_name(state.schema.dialect, t.name, cols, ctype)
        if name is None:
            state.unnamed.setdefault(t.name, set()).add(ctype)
        else:
            state.constraints.setdefault(t.name, {})[name] = ctype


def _name_foreign_keys(state: State, table: str, fks: list[ForeignKey]) -> list[ForeignKey]:
    """Foreign keys with the database's default name where they were declared without one."""
    out = []
    for fk in fks:
        if fk.name is None:
            name = default_constraint_name(state.schema.dialect, table, fk.columns, "foreign_key")
            if name is None:
                state.unnamed.setdefault(table, set()).add("foreign_key")
            else:
                fk = replace(fk, name=name)
        out.append(fk)
    return out


class Missing(Exception):
    """An operation refers to an object the state does not hold: (what, table, name)."""

    def __init__(self, what: str, table: str | None, name: str | None):
        super().__init__(f"{what} {table or ''}{'.' if table and name else ''}{name or ''}")
        self.what, self.table, self.name = what, table, name


def _index_table(state: State, name: str | None) -> str | None:
    for t in state.schema.tables.values():
        if any(ix.name == name for ix in t.indexes):
            return t.name
    return None


def _constraint_table(state: State, name: str | None) -> str | None:
    for table, named in state.constraints.items():
        if name in named:
            return table
    for t in state.schema.tables.values():
        if any(fk.name == name for fk in t.foreign_keys):
            return t.name
    return None


def apply(state: State, op: Operation, source: str = "") -> None:
    """Apply one operation; raises Missing when it refers to an object the state lacks."""
    tables = state.schema.tables
    k = op.kind
    if k == ops.CREATE_TABLE:
        if op.table in tables and op.if_exists:
            return
        t = Table(op.table or "?", file=op.file, line=op.line, source=source)
        for c in op.column_defs:
            t.columns[c.name] = copy.copy(c)
        t.foreign_keys = _name_foreign_keys(state, t.name, list(op.foreign_keys))
        t.unique_sets = list(op.unique_sets)
        _name_table_keys(state, t, op)
        tables[t.name] = t
    elif k == ops.DROP_TABLE:
        if op.table not in tables:
            if op.if_exists:
                return
            raise Missing("table", op.table, None)
        del tables[op.table]
        state.constraints.pop(op.table, None)
        state.unnamed.pop(op.table, None)
    elif k == ops.RENAME_TABLE:
        t = _table(state, op.table)
        del tables[op.table]
        t.name = op.new_name or t.name
        tables[t.name] = t
        if op.table in state.constraints:
            state.constraints[t.name] = state.constraints.pop(op.table)
        if op.table in state.unnamed:
            state.unnamed[t.name] = state.unnamed.pop(op.table)
    elif k == ops.ADD_COLUMN:
        t = _table(state, op.table)
        for c in op.column_defs:
            t.columns[c.name] = copy.copy(c)
        t.foreign_keys.extend(_name_foreign_keys(state, t.name, list(op.foreign_keys)))
    elif k == ops.DROP_COLUMN:
        t = _table(state, op.table)
        if op.column not in t.columns:
            if op.if_exists:
                return
            raise Missing("column", op.table, op.column)
        was_pk = t.columns[op.column].primary_key
        del t.columns[op.column]
        named = state.constraints.get(t.name, {})
        for fk in t.foreign_keys:
            if op.column in fk.columns and fk.name:
                named.pop(fk.name, None)
        # the database drops the constraints on a dropped column with it (the default-named ones are known)
        for name in (default_constraint_name(state.schema.dialect, t.name, (op.column,), "unique"),
                     default_constraint_name(state.schema.dialect, t.name, (), "primary_key") if was_pk else None):
            if name:
                named.pop(name, None)
        t.foreign_keys = [fk for fk in t.foreign_keys if op.column not in fk.columns]
        t.indexes = [ix for ix in t.indexes if op.column not in ix.columns]
    elif k == ops.ALTER_COLUMN:
        col = _column(state, op.table, op.column)
        if op.new_type:
            col.type = op.new_type
        if op.nullable is not None:
            col.nullable = op.nullable
    elif k == ops.RENAME_COLUMN:
        t = _table(state, op.table)
        col = _column(state, op.table, op.column)
        del t.columns[op.column]
        col.name = op.new_name or col.name
        t.columns[col.name] = col
        rename = lambda cols: tuple(col.name if c == op.column else c for c in cols)  # noqa: E731
        t.indexes = [Index(ix.name, rename(ix.columns), ix.unique, ix.file, ix.line) for ix in t.indexes]
        t.foreign_keys = [replace(fk, columns=rename(fk.columns)) for fk in t.foreign_keys]
    elif k == ops.CREATE_INDEX:
        t = _table(state, op.table)
        t.indexes.append(Index(op.name, op.columns, op.unique, op.file, op.line))
    elif k == ops.DROP_INDEX:
        table = op.table or _index_table(state, op.name)
        t = tables.get(table) if table else None
        if t is None or not any(ix.name == op.name for ix in t.indexes):
            if op.if_exists:
                return
            raise Missing("index", table, op.name)
        t.indexes = [ix for ix in t.indexes if ix.name != op.name]
    elif k == ops.ADD_CONSTRAINT:
        t = _table(state, op.table)
        name = op.name or default_constraint_name(state.schema.dialect, t.name, op.columns, op.constraint_type)
        if op.constraint_type == "foreign_key":
            t.foreign_keys.extend(_name_foreign_keys(state, t.name, list(op.foreign_keys)) if op.foreign_keys
                                  else [ForeignKey(op.columns, op.ref_table or "", (), name)])
        elif op.constraint_type == "unique" and op.columns:
            t.unique_sets.append(op.columns)
        elif op.constraint_type == "primary_key":
            for column_name in op.columns:
                if column_name in t.columns:
                    t.columns[column_name].primary_key = True
        if name:
            state.constraints.setdefault(t.name, {})[name] = op.constraint_type or ""
        elif name is None:
            state.unnamed.setdefault(t.name, set()).add(op.constraint_type or "?")
    elif k == ops.DROP_CONSTRAINT:
        table = op.table or _constraint_table(state, op.name)
        t = tables.get(table) if table else None
        named = state.constraints.get(table or "", {})
        has_fk = t is not None and any(fk.name == op.name for fk in t.foreign_keys)
        if t is None or (op.name not in named and not has_fk):
            if op.if_exists:
                return
            raise Missing("constraint", table, op.name)
        t.foreign_keys = [fk for fk in t.foreign_keys if fk.name != op.name]
        named.pop(op.name, None)
    elif k == ops.CREATE_ENUM:
        state.schema.enums[op.name or "?"] = list(op.values)
    elif k == ops.DROP_ENUM:
        if op.name not in state.schema.enums:
            if op.if_exists:
                return
            raise Missing("enum", None, op.name)
        del state.schema.enums[op.name]


def _table(state: State, name: str | None) -> Table:
    t = state.schema.tables.get(name or "")
    if t is None:
        raise Missing("table", name, None)
    return t


def _column(state: State, table: str | None, name: str | None) -> Column:
    col = _table(state, table).columns.get(name or "")
    if col is None:
        raise Missing("column", table, name)
    return col


def add_stub(state: State, miss: Missing) -> None:
    """Create the object a Missing names, as an empty stub (history we could not see)."""
    tables = state.schema.tables
    if miss.what == "enum":
        state.schema.enums.setdefault(miss.name or "?", [])
        return
    if not miss.table:
        return
    t = tables.setdefault(miss.table, Table(miss.table, source="stub"))
    if miss.what == "column":
        t.columns.setdefault(miss.name or "?", Column(miss.name or "?"))
    elif miss.what == "index":
        t.indexes.append(Index(miss.name, ()))
    elif miss.what == "constraint":
        state.constraints.setdefault(t.name, {})[miss.name or "?"] = "?"


def apply_lenient(state: State, op: Operation, source: str = "", before: State | None = None) -> None:
    """Apply, creating missing objects as stubs (also in `before`, so they read as pre-existing)."""
    for _ in range(4):
        try:
            apply(state, op, source)
            return
        except Missing as miss:
            if miss.what != "table" and miss.table is None and miss.what != "enum":
                return  # an index/constraint on an unknown table: nothing to model
            add_stub(state, miss)
            if before is not None:
                add_stub(before, miss)


def substate(state: State, operations: list[Operation]) -> State:
    """A deep copy of only the tables these operations touch (fast for long histories)."""
    names: set[str] = set()
    for op in operations:
        for n in (op.table, op.new_name):
            if n:
                names.add(n)
        if op.kind == ops.DROP_INDEX and not op.table:
            t = _index_table(state, op.name)
            if t:
                names.add(t)
        if op.kind == ops.DROP_CONSTRAINT and not op.table:
            t = _constraint_table(state, op.name)
            if t:
                names.add(t)
    schema = Schema(tables={n: _clone(state.schema.tables[n]) for n in names if n in state.schema.tables},
                    enums={k: list(v) for k, v in state.schema.enums.items()}, dialect=state.schema.dialect)
    return State(schema, {n: dict(state.constraints[n]) for n in names if n in state.constraints},
                 {n: set(state.unnamed[n]) for n in names if n in state.unnamed})


def _clone(t: Table) -> Table:
    """A copy deep enough for replay (columns are mutated; keys and indexes are replaced, not mutated)."""
    return Table(t.name, {k: copy.copy(c) for k, c in t.columns.items()}, list(t.foreign_keys), list(t.indexes),
                 list(t.unique_sets), list(t.checks), t.file, t.line, t.source)


def fingerprint(state: State) -> dict:
    """What a rollback must restore: tables, columns (with type), indexes, foreign keys, constraints, enums."""
    out = {}
    for t in state.schema.tables.values():
        out[t.name] = {
            "columns": {c.name: c.type for c in t.columns.values()},
            "indexes": sorted((ix.name or "", ix.columns) for ix in t.indexes),
            "foreign_keys": sorted((fk.columns, fk.ref_table) for fk in t.foreign_keys),
            "constraints": sorted(set(state.constraints.get(t.name, {})) | {fk.name for fk in t.foreign_keys if fk.name}),
            "stub": t.source == "stub",
        }
    return {"tables": out, "enums": sorted(state.schema.enums)}


@dataclass
class RoundTrip:
    ok: bool | None                       # None when the operations hold opaque code or SQL
    differences: list[str] = field(default_factory=list)
    rollback_errors: list[tuple[Operation, str]] = field(default_factory=list)
    note: str = ""                        # why ok is None when no operation is opaque


def referencing_tables(state: State, table: str | None) -> list[str]:
    """The other tables whose foreign keys point at `table`."""
    return sorted({t.name for t in state.schema.tables.values()
                   if t.name != table and any(fk.ref_table == table for fk in t.foreign_keys)})


def round_trip(state: State, forward: list[Operation], rollback: list[Operation],
               refuses_referenced_drop: bool = False) -> RoundTrip:
    """Apply forward then rollback on a copy of `state`; compare with the state before.

    `refuses_referenced_drop`: the migrations run on a database that refuses DROP TABLE of a table another
    table's FOREIGN KEY still references (Postgres, MySQL; SQLite does not): a rollback dropping a parent
    before its children stops at that drop, without CASCADE."""
    before = substate(state, forward + rollback)
    work = substate(before, forward + rollback)
    for op in forward:
        apply_lenient(work, op, before=before)
    errors: list[tuple[Operation, str]] = []
    unknown_names: list[str] = []
    for op in rollback:
        if refuses_referenced_drop and op.kind == ops.DROP_TABLE and "cascade" not in (op.text + op.note).lower():
            dependants = referencing_tables(work, op.table)
            if dependants:
                errors.append((op, f"the rollback's {op.describe()} runs while {', '.join(dependants)} still "
                                   "reference it by FOREIGN KEY: Postgres and MySQL refuse to drop a referenced "
                                   "table, so the rollback stops there (drop the referencing tables first)"))
        try:
            apply(work, op)
        except Missing as miss:
            unnamed = work.unnamed.get(miss.table or "", set()) | before.unnamed.get(miss.table or "", set())
            if miss.what == "constraint" and unnamed and (op.constraint_type is None or op.constraint_type in unnamed):
                unknown_names.append(f"the rollback's {op.describe()} at {op.file}:{op.line} names a constraint the "
                                     f"replay cannot see: {miss.table} has constraints created without a name, whose "
                                     f"name the {state.schema.dialect or 'unidentified'} database chooses")
                continue
            errors.append((op, f"the rollback's {op.describe()} refers to {miss} which does not exist after the forward migration"))
    diffs = compare(fingerprint(before), fingerprint(work))
    if any(op.opaque for op in forward + rollback):
        return RoundTrip(None, diffs, errors)
    if unknown_names:
        return RoundTrip(None, diffs, errors, note=unknown_names[0])
    return RoundTrip(not diffs and not errors, diffs, errors)


def compare(before: dict, after: dict) -> list[str]:
    diffs = []
    bt, at = before["tables"], after["tables"]
    for name in sorted(set(at) - set(bt)):
        diffs.append(f"table {name} is left behind")
    for name in sorted(set(bt) - set(at)):
        diffs.append(f"table {name} is missing")
    for name in sorted(set(bt) & set(at)):
        b, a = bt[name], at[name]
        stub = b["stub"]   # a table from history we could not see: its full content is unknown
        for col in sorted(set(a["columns"]) - set(b["columns"])):
            if not stub:
                diffs.append(f"column {name}.{col} is left behind")
        for col in sorted(set(b["columns"]) - set(a["columns"])):
            diffs.append(f"column {name}.{col} is missing")
        for col in sorted(set(a["columns"]) & set(b["columns"])):
            if a["columns"][col] and b["columns"][col] and a["columns"][col] != b["columns"][col]:
                diffs.append(f"column {name}.{col} has type {a['columns'][col]} instead of {b['columns'][col]}")
        for key in ("indexes", "foreign_keys", "constraints"):
            extra = [x for x in a[key] if x not in b[key]]
            gone = [x for x in b[key] if x not in a[key]]
            label = key.rstrip("es") if key == "indexes" else key[:-1].replace("_", " ")
            label = "index" if key == "indexes" else label
            for x in extra if not stub else []:
                diffs.append(f"{label} {_show(x)} on {name} is left behind")
            for x in gone:
                diffs.append(f"{label} {_show(x)} on {name} is missing")
    for enum in sorted(set(after["enums"]) - set(before["enums"])):
        diffs.append(f"enum type {enum} is left behind")
    for enum in sorted(set(before["enums"]) - set(after["enums"])):
        diffs.append(f"enum type {enum} is missing")
    return diffs


def _show(x) -> str:
    if isinstance(x, tuple):
        return " ".join(_show(p) for p in x if p)
    return str(x)
