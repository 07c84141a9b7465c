"""Prisma schema files (`schema.prisma`): `model X { field Type attributes }` blocks, read as text.

Modelled as Prisma Migrate builds the table: name = the model (or `@@map`), columns = the scalar fields
(or `@map`), `?` nullable, `@id` / `@@id([...])` the primary key, `@unique` / `@@unique([...])` unique,
`@@index([...])` indexes, `@relation(fields: [a], references: [b])` a FOREIGN KEY (Prisma creates no
index for it on PostgreSQL), `@db.Timestamptz` and other native types. A `DateTime` without `@db.*` is a
PostgreSQL `timestamp(3)` without time zone.
"""
from __future__ import annotations

import re

from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.result import ReadResult

SOURCE_PREFIX = "prisma:"
_MODEL = re.compile(r"^model\s+(\w+)\s*\{(.*?)^\}", re.M | re.S)
_FIELD = re.compile(r"^\s*(\w+)\s+(\w+)(\[\])?(\?)?(.*)$")
SCALARS = {"Int": "integer", "BigInt": "bigint", "String": "text", "Boolean": "boolean", "DateTime": "timestamp",
           "Float": "double", "Decimal": "numeric", "Json": "jsonb", "Bytes": "blob"}
NATIVE = {"timestamptz": "timestamptz", "timestamp": "timestamp", "varchar": "varchar", "text": "text",
          "char": "char", "uuid": "uuid", "json": "json", "jsonb": "jsonb", "money": "money", "integer": "integer",
          "doubleprecision": "double", "real": "real", "date": "date", "datetime": "timestamp"}


def _list(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def read_prisma(rel: str, text: str) -> ReadResult:
    result = ReadResult()
    if re.search(r'provider\s*=\s*"mongodb"', text):
        return result
    models = {m.group(1) for m in _MODEL.finditer(text)}
    for m in _MODEL.finditer(text):
        body_at = m.start(2)
        mapped = re.search(r'@@map\(\s*"(\w+)"', m.group(2))
        table = Table(mapped.group(1) if mapped else m.group(1), file=rel, line=text.count("\n", 0, m.start()) + 1,
                      source=f"{SOURCE_PREFIX}{rel}")
        names = {f.group(1): mapped_name.group(1) for raw in m.group(2).splitlines()
                 if (f := _FIELD.match(raw.split("//", 1)[0])) and (mapped_name := re.search(r'@map\(\s*"(\w+)"', f.group(5)))}
        for offset, raw in enumerate(m.group(2).splitlines()):
            line = text.count("\n", 0, body_at) + 1 + offset
            s = raw.split("//", 1)[0].rstrip()
            block = re.match(r"^\s*@@(id|unique|index)\(\s*(?:fields:\s*)?\[([^\]]*)\]", s)
            if block:
                cols = tuple(names.get(c, c) for c in _list(block.group(2)))
                if block.group(1) == "id":
                    for c in cols:
                        if c in table.columns:
                            table.columns[c].primary_key, table.columns[c].nullable = True, False
                elif block.group(1) == "unique":
                    table.unique_sets.append(cols)
                else:
                    table.indexes.append(Index(None, cols, file=rel, line=line))
                continue
            field = _FIELD.match(s)
            if not field or s.lstrip().startswith("@"):
                continue
            name, type_, is_list, optional, attrs = field.groups()
            relation = re.search(r"@relation\((.*)\)", attrs)
            if type_ in models or is_list:
                if relation and type_ in models:
                    fields = re.search(r"fields:\s*\[([^\]]*)\]", relation.group(1))
                    refs = re.search(r"references:\s*\[([^\]]*)\]", relation.group(1))
                    if fields:
                        target = _target_name(text, type_)
                        table.foreign_keys.append(ForeignKey(tuple(names.get(c, c) for c in _list(fields.group(1))),
                                                             target, _list(refs.group(1)) if refs else (),
                                                             file=rel, line=line))
                continue
            column = names.get(name, name)
            native = re.search(r"@db\.(\w+)", attrs)
            kind = NATIVE.get(native.group(1).lower(), native.group(1).lower()) if native else SCALARS.get(type_, "")
            col = Column(column, kind, nullable=bool(optional), file=rel, line=line)
            col.primary_key = "@id" in attrs
            col.nullable = col.nullable and not col.primary_key
            col.unique = "@unique" in attrs
            default = re.search(r"@default\(([^)]*\)?)\)", attrs)
            col.default = default.group(1) if default else None
            table.columns[column] = col
        result.add_table(table)
    if result.schema.tables:
        result.model_files.append(rel)
    return result


def _target_name(text: str, model: str) -> str:
    m = re.search(r"^model\s+" + re.escape(model) + r"\s*\{(.*?)^\}", text, re.M | re.S)
    mapped = re.search(r'@@map\(\s*"(\w+)"', m.group(1)) if m else None
    return mapped.group(1) if mapped else model
