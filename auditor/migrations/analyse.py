"""Order parsed migrations, replay them to a schema, classify each rollback and find dangerous operations."""
from __future__ import annotations

import re
from typing import Callable

from auditor.dbschema import Schema
from auditor.migrations import model as M
from auditor.migrations import operations as ops
from auditor.migrations.model import Migration
from auditor.migrations.replay import State, apply_lenient, round_trip


def version_key(version: str) -> tuple:
    parts = re.findall(r"\d+|[^\d.]+", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def topological(migs: list[Migration], ident, deps) -> list[Migration]:
    """Kahn's order over `deps`; ties and cycles fall back to file order."""
    by_id = {ident(m): m for m in migs}
    pending = {ident(m): {d for d in deps(m) if d in by_id and d != ident(m)} for m in migs}
    order: list[Migration] = []
    ready = sorted(k for k, v in pending.items() if not v)
    done: set[str] = set()
    while ready:
        k = ready.pop(0)
        if k in done:
            continue
        done.add(k)
        order.append(by_id[k])
        newly = [o for o, v in pending.items() if o not in done and k in v and not _without(v, k)]
        ready = sorted(set(ready) | set(newly))
    order.extend(sorted((m for m in migs if ident(m) not in done), key=lambda m: m.file))
    return order


def django_effective(migs: list[Migration]) -> list[Migration]:
    """Drop migrations a squashed migration replaces (a fresh database applies the squash)."""
    replaced = {r for m in migs for r in m.replaces}
    return [m for m in migs if f"{m.app}.{m.name}" not in replaced]


def apply_order(migs: list[Migration]) -> list[Migration]:
    out: list[Migration] = []
    by_system: dict[str, list[Migration]] = {}
    for m in migs:
        by_system.setdefault(m.system, []).append(m)
    for system in sorted(by_system):
        group = by_system[system]
        if system == "alembic":
            out += topological(group, lambda m: m.version, lambda m: m.dependencies)
        elif system == "django":
            eff = django_effective(group)
            squash_of = {r: f"{m.app}.{m.name}" for m in eff for r in m.replaces}
            out += topological(eff, lambda m: f"{m.app}.{m.name}",
                               lambda m: [squash_of.get(d, d) for d in m.dependencies])
        else:
            out += sorted(group, key=lambda m: (m.folder, version_key(m.version), m.file))
    return out


def _data_only(migration_ops: list) -> bool:
    return all(o.kind in (ops.DATA, ops.OTHER) for o in migration_ops)


def classify(m: Migration, state: State, refuses_referenced_drop: bool = False) -> None:
    """Set rollback_class, rollback_correct, mismatch for one migration, given the schema before it.
    `refuses_referenced_drop`: the project may run on Postgres or MySQL (see replay.round_trip)."""
    schema_ops = [o for o in m.forward if o.is_schema_change or o.opaque]
    only_loss = bool(schema_ops) and all(o.loses_data for o in schema_ops)
    if m.auto_reversed:
        _classify_framework(m, state, only_loss)
        return
    if not m.forward and (not m.has_rollback or m.rollback_empty or not m.rollback):
        m.rollback_class, m.rollback_correct = M.VERIFIED, True
        m.rollback_note = m.rollback_note or "nothing to undo: the forward migration changes nothing"
        return
    if not m.has_rollback:
        m.rollback_class = M.IRREVERSIBLE_BY_NATURE if only_loss else M.MISSING
        if only_loss:
            m.rollback_note = m.rollback_note or "the migration only drops data, which no rollback can bring back"
        return
    if m.rollback_raises:
        m.rollback_class = M.IRREVERSIBLE_BY_NATURE if only_loss else M.IRREVERSIBLE
        return
    if m.rollback_empty or (not m.rollback and m.forward):
        if _data_only(m.forward):
            m.rollback_class, m.rollback_noop, m.noop_acceptable = M.NOOP, True, True
            m.rollback_note = "the rollback does nothing for a pure data change"
        else:
            m.rollback_class = M.EMPTY
        return
    _round_trip(m, state, m.forward, m.rollback, refuses_referenced_drop)


def _round_trip(m: Migration, state: State, forward: list, rollback: list,
                refuses_referenced_drop: bool = False) -> None:
    result = round_trip(state, forward, rollback, refuses_referenced_drop)
    if result.ok is None:
        m.rollback_class, m.rollback_correct = M.UNVERIFIABLE, None
        opaque = next((o for o in forward + rollback if o.opaque), None)
        if opaque is None:
            m.rollback_note = m.rollback_note or result.note
        else:
            m.rollback_note = m.rollback_note or f"{opaque.kind} at {opaque.file}:{opaque.line} ({opaque.note}) cannot be verified"
        return
    if result.ok:
        m.rollback_class, m.rollback_correct = M.VERIFIED, True
        return
    m.rollback_class, m.rollback_correct = M.MISMATCHED, False
    m.mismatch = [msg for _, msg in result.rollback_errors] + result.differences
    m.mismatch_evidence = _pair_evidence(m, forward, rollback, result)


def _pair_evidence(m: Migration, forward: list, rollback: list, result) -> list[tuple[str, int | None, str]]:
    """Lines to show for a wrong rollback: the rollback's bad operation and the forward one it should undo."""
    out: list[tuple[str, int | None, str]] = []
    for op, msg in result.rollback_errors:
        out.append((op.file, op.line, msg))
    for diff in result.differences:
        words = diff.split()
        target = words[1] if len(words) > 1 else ""
        if words[0] == "table":
            fwd = next((o for o in forward if o.table == target or o.new_name == target), None)
        elif words[0] == "column":
            t, _, c = target.partition(".")
            fwd = next((o for o in forward if o.table == t and (o.column == c or any(d.name == c for d in o.column_defs))), None)
        else:
            fwd = next((o for o in forward if o.name == target or o.table == target), None)
        if fwd:
            out.append((fwd.file, fwd.line, f"forward: {fwd.describe()}; after the rollback {diff}"))
        else:
            out.append((m.rollback_file or m.file, m.rollback_line, f"after the rollback {diff}"))
    return out


def _classify_framework(m: Migration, state: State, only_loss: bool) -> None:
    """Django and Rails `change`: the framework reverses schema operations itself."""
    who = "Django" if m.system == "django" else "Rails"
    if not m.has_rollback:
        m.rollback_class = M.MISSING
        return
    if m.rollback_empty:
        m.rollback_class = M.EMPTY
        return
    if m.rollback_raises:
        m.rollback_class = M.IRREVERSIBLE
        return
    sql_forward = [o for o in m.forward if o.kind not in (ops.RUN_PYTHON,) and o.text.lstrip().startswith(("migrations.RunSQL", "RunSQL"))]
    sql_rollback = [o for o in m.rollback if o.kind != ops.RUN_PYTHON]
    if sql_rollback:
        _round_trip(m, state, sql_forward, sql_rollback)
        if m.rollback_class == M.MISMATCHED:
            return
    if m.rollback_noop:
        m.rollback_class = M.NOOP
        m.rollback_note = m.rollback_note or ("declared no-op for a data change" if m.noop_acceptable
                                              else "declared no-op although the forward SQL changes the schema")
        return
    if any(o.kind == ops.RUN_PYTHON for o in m.rollback) or any(o.kind == ops.UNKNOWN for o in m.forward):
        m.rollback_class, m.rollback_correct = M.UNVERIFIABLE, None
        m.rollback_note = m.rollback_note or "the rollback is code the parser cannot verify"
        return
    if sql_rollback and m.rollback_class == M.UNVERIFIABLE:
        return
    m.rollback_class, m.rollback_correct = M.VERIFIED, True
    m.rollback_note = m.rollback_note or f"{who} reverses these operations itself"


def dangerous_operations(m: Migration, state: State, dialect: str | None) -> None:
    """Locking and data-loss operations on tables that existed before this migration.

    Initial and squashed migrations are skipped: they run on fresh databases only (a squash is never
    applied where the migrations it replaces already ran).
    """
    if m.initial or m.replaces:
        return
    created = {o.table for o in m.forward if o.kind == ops.CREATE_TABLE}
    tables = state.schema.tables
    for o in m.forward:
        existing = o.table in tables and o.table not in created
        if o.kind == ops.ADD_COLUMN and existing:
            for c in o.column_defs:
                if not c.nullable and c.default is None and not c.primary_key:
                    m.dangerous.append((o, "NOT NULL column without a default on an existing table"))
        elif o.kind == ops.CREATE_INDEX and dialect == "postgres" and existing and not o.concurrently \
                and "auto" not in o.note and "index=True" not in o.note:
            m.dangerous.append((o, "index created without CONCURRENTLY locks writes to the table"))
        elif o.kind == ops.ALTER_COLUMN and o.new_type and existing:
            before = tables[o.table].columns.get(o.column or "")
            old = before.type if before else ""
            if (old and old != o.new_type) or (not old and o.note != "AlterField"):
                m.dangerous.append((o, f"column type change{f' from {old}' if old else ''} to {o.new_type} rewrites or locks the table"))
            elif ops.narrows_length(o.old_type_text, o.type_text):
                m.dangerous.append((o, f"column type change from {o.old_type_text} to {o.type_text} (a tighter length "
                                       "limit) rewrites or locks the table"))
        elif o.kind in (ops.RENAME_COLUMN, ops.RENAME_TABLE):
            m.dangerous.append((o, "rename breaks code still using the old name during the deploy"))
        elif o.kind in (ops.DROP_COLUMN, ops.DROP_TABLE):
            m.dangerous.append((o, "drop loses data and breaks code still reading it"))


def replay_history(ordered: list[Migration], dialect: str | None, server_database: bool = False) -> Schema:
    """Classify, find dangerous operations and build the final schema, walking the history once.
    `server_database`: the project names a Postgres or MySQL driver, whatever its most likely dialect."""
    state = State(Schema(dialect=dialect))
    for m in ordered:
        try:
            dangerous_operations(m, state, dialect)
            classify(m, state, server_database)
        except Exception as exc:  # one odd migration must not hide the others
            m.problems.append(M.ParseProblem(m.file, None, f"replay error: {type(exc).__name__}: {exc}"))
            m.rollback_class = m.rollback_class or M.UNVERIFIABLE
        for o in m.forward:
            if o.is_schema_change:
                apply_lenient(state, o, source=f"migrations:{m.system}")
    return state.schema


def unnamed_constraint_drops(migrations: list[Migration], naming_convention: Callable[[], bool]) -> None:
    """An Alembic rollback that calls `op.drop_constraint(None, ...)` cannot run: Alembic raises for a
    constraint without a name, unless the target metadata's naming convention supplies one. Autogenerate writes
    exactly that for a foreign key created without a name. With no `naming_convention` in the repository such a
    rollback is wrong, not merely unverifiable. `naming_convention` is asked (it reads the repository's Python)
    only when such a rollback exists."""
    unnamed = {id(m): [o for o in m.rollback if o.kind == ops.DROP_CONSTRAINT and o.name is None]
               for m in migrations if m.system == "alembic"}
    if not any(unnamed.values()) or naming_convention():
        return
    for m in migrations:
        drops = unnamed.get(id(m))
        if not drops:
            continue
        m.rollback_class, m.rollback_correct = M.MISMATCHED, False
        m.mismatch = [f"drop_constraint(None, '{o.table}') at line {o.line} cannot run: Alembic needs the "
                      "constraint's name, and no naming convention supplies one" for o in drops]
        m.mismatch_evidence = [(o.file, o.line, msg) for o, msg in zip(drops, m.mismatch)]


def _without(values: set, key) -> set:
    """`values` after removing `key` from it (in place)."""
    values.discard(key)
    return values
