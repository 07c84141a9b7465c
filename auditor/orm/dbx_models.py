"""Go structs that a reflection mapper reads and writes as table rows: ozzo-dbx's `Model(&row)`.

ozzo-dbx maps a struct to the table named by its `TableName()` method, else the snake_case of the struct's
name (not plural), and each exported field to the column of its `db:"..."` tag, else the snake_case of the
field's name (`db:"-"` leaves it out; `db:"pk,name"` marks the key). Only structs the code actually hands to
`Model(...)` are read as tables: a struct that is never a row (a DTO, a JWT identity) has no table.

Such a struct declares names and Go types only: no nullability, uniqueness or index. Its tables are kept apart
from the ORM schema the DB-* items judge (`mapped_rows`), and MIG-SCHEMA-SYNC compares their tables, columns
and type families with the migrations, nothing more.
"""
from __future__ import annotations

import re

from auditor.dbschema import Column, Schema, Table
from auditor.orm.gorm_models import GO_STRUCT, GO_TYPES, snake, table_name_methods
from auditor.orm.jsobject import matching

SOURCE = "models:dbx"
_FIELD = re.compile(r"^\s*([A-Z]\w*)\s+([\w.*\[\]]+)\s*(`[^`]*`)?")
_MODEL_CALL = re.compile(r"\.Model\(([^()]*)\)")
_ROW_ARG = re.compile(r"&\s*(?:(\w+)|(?:(\w+)\.)?(\w+)\s*\{)")
_PACKAGE = re.compile(r"^package\s+(\w+)", re.M)
_DB_TAG = re.compile(r'\bdb:"([^"]*)"')


def uses_dbx(files: list[tuple[str, str]]) -> bool:
    return any("github.com/go-ozzo/ozzo-dbx" in text for _, text in files)


def package_of(text: str) -> str:
    m = _PACKAGE.search(text)
    return m.group(1) if m else ""


def _variable_type(text: str, before: int, name: str) -> tuple[str, str] | None:
    """(package qualifier, struct type) of the variable `name` as the nearest declaration above `before` gives it:
    `var row pkg.T`, a parameter `row pkg.T`, `row := pkg.T{...}`."""
    pattern = re.compile(rf"\b(?:var\s+)?{re.escape(name)}\s+\*?(?:(\w+)\.)?([A-Z]\w*)\b|"
                         rf"\b{re.escape(name)}\s*:=\s*&?(?:(\w+)\.)?([A-Z]\w*)\s*\{{")
    found = None
    for m in pattern.finditer(text, 0, before):
        found = (m.group(1) or m.group(3) or "", m.group(2) or m.group(4))
    return found


def row_structs(files: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(package, name) of the structs handed to `Model(...)` as rows; the package is the qualifier the code
    names (`entity.Album`), else the calling file's own."""
    out = set()
    for _, text in files:
        own = package_of(text)
        for call in _MODEL_CALL.finditer(text):
            for arg in _ROW_ARG.finditer(call.group(1)):
                typed = (arg.group(2) or "", arg.group(3)) if arg.group(3) else \
                    _variable_type(text, call.start(), arg.group(1))
                if typed:
                    out.add((typed[0] or own, typed[1]))
    return out


def read_dbx_rows(files: list[tuple[str, str]]) -> Schema:
    schema = Schema()
    if not uses_dbx(files):
        return schema
    rows = row_structs(files)
    table_names = table_name_methods(files)
    for rel, text in files:
        package = package_of(text)
        for m in GO_STRUCT.finditer(text):
            name = m.group(1)
            close = matching(text, m.end() - 1)
            if (package, name) not in rows or close is None:
                continue
            line = text.count("\n", 0, m.start()) + 1
            table = Table(table_names.get(name) or snake(name), file=rel, line=line, source=SOURCE)
            for offset, raw in enumerate(text[m.end():close].splitlines()):
                field = _FIELD.match(raw)
                if field is None:
                    continue
                tag = _DB_TAG.search(field.group(3) or "")
                parts = tag.group(1).split(",") if tag else []
                if parts[:1] == ["-"]:
                    continue
                column_name = next((p for p in parts if p and p != "pk"), "") or snake(field.group(1))
                go_type = field.group(2).lstrip("*")
                table.columns[column_name] = Column(
                    column_name, GO_TYPES.get(go_type, ""), primary_key="pk" in parts or field.group(1) in ("ID", "Id"),
                    file=rel, line=line + offset)
            schema.tables.setdefault(table.name.lower(), table)
    return schema
