"""Django's get_or_create/update_or_create look a row up by their keyword fields and create it when none is
found. Without a unique constraint over those fields, two concurrent requests both create the row, and every
later call raises MultipleObjectsReturned: the lookup fields need a unique key (unique=True, unique_together,
UniqueConstraint, or the primary key). The rows this reads: `Model.objects.get_or_create(...)` with Model a
Django model of the repository; related managers (`user.tags.get_or_create`) name no model and are left out."""
from __future__ import annotations

import ast
import re

from auditor.dbschema import Schema, Table
from auditor.orm.schema_probes import Place
from auditor.pyast import last_name
from auditor.repo import Repository

LOOKUPS = ("get_or_create", "update_or_create")
NOT_FIELDS = frozenset({"defaults", "create_defaults"})
CLASS_LINE = re.compile(r"^\s*class\s+(\w+)\s*[(:]")


def lookup_places(repo: Repository, paths: list[str], models: Schema, judged: Schema) -> list[Place]:
    by_class = _tables_by_class(repo, models)
    places = []
    for path in paths:
        text = repo.read_text(path) or ""
        if "_or_create(" not in text:
            continue
        tree = repo.python_ast(path)
        if tree is None:
            continue
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in LOOKUPS):
                continue
            manager = call.func.value
            if not (isinstance(manager, ast.Attribute) and manager.attr == "objects"):
                continue
            table = by_class.get(last_name(manager.value))
            if table is None:
                continue
            table = judged.tables.get(table.name, table)
            place = _judge(table, call, path)
            if place is not None:
                places.append(place)
    return places


def _tables_by_class(repo: Repository, models: Schema) -> dict[str, Table]:
    out = {}
    for table in models.tables.values():
        if table.source != "models:django" or not table.line:
            continue
        lines = repo.lines(table.file)
        found = CLASS_LINE.match(lines[table.line - 1]) if 0 < table.line <= len(lines) else None
        if found:
            out[found.group(1)] = table
    return out


def _judge(table: Table, call: ast.Call, path: str) -> Place | None:
    spread = any(kw.arg is None for kw in call.keywords)
    fields = set()
    for kw in call.keywords:
        if kw.arg is None or kw.arg in NOT_FIELDS:
            continue
        name = kw.arg.split("__", 1)[0]
        fields.add(name if name in table.columns or f"{name}_id" not in table.columns else f"{name}_id")
    if not fields and not spread:
        return None
    if "pk" in fields or table.unique_within(fields):
        return Place(True, path, call.lineno, f"{call.func.attr} on {table.name} looks up ({', '.join(sorted(fields))}), "
                     "which a unique key covers", table.name, table.source, "lookup-unique")
    if spread and table.unique_keys(primary=False):
        return None   # the spread fields are not known: a unique key may cover them
    looked = ", ".join(sorted(fields)) + (" and spread fields" if spread else "")
    return Place(False, path, call.lineno, f"{call.func.attr} on {table.name} looks up ({looked}) but no unique key "
                 "covers those fields: concurrent calls create duplicates, and later calls raise "
                 "MultipleObjectsReturned", table.name, table.source, "lookup-without-unique")
