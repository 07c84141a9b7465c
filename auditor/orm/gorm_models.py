"""GORM models read as Go text: the structs passed to `AutoMigrate(&X{})` (or, with no AutoMigrate call, every
struct embedding `gorm.Model` or carrying `gorm:"..."` tags).

Modelled as GORM builds the table: name = snake_case plural of the struct (or its `TableName()` string),
columns = snake_case of the fields (or `column:`), `ID` the primary key, `gorm.Model` adds
id/created_at/updated_at/deleted_at (deleted_at indexed). Tags: primary_key/primaryKey, unique,
unique_index/uniqueIndex, index, not null, type:, size:, column:, foreignkey:. A field `Author User` next to
`AuthorID uint` is a belongs-to relation: gorm v2 (gorm.io/gorm) creates the FOREIGN KEY; gorm v1
(github.com/jinzhu/gorm) does not, so there the column is recorded as an undeclared reference.
Neither version indexes a foreign key column.
"""
from __future__ import annotations

import re

from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.jsobject import matching
from auditor.orm.result import ReadResult

SOURCE_PREFIX = "gorm:"
GO_STRUCT = re.compile(r"^type\s+(\w+)\s+struct\s*\{", re.M)
_FIELD = re.compile(r"^\s*(\w+)\s+([\w.*\[\]]+)\s*(`[^`]*`)?")
_EMBED = re.compile(r"^\s*(\*?[\w.]+)\s*(`[^`]*`)?\s*(//.*)?$")
_AUTOMIGRATE = re.compile(r"\.AutoMigrate\(([^)]*)\)")
TABLE_NAME_METHOD = re.compile(r"func\s*\(\s*(?:\w+\s+)?\*?(\w+)\s*\)\s*TableName\(\)\s*string\s*\{\s*return\s*\"(\w+)\"")
GO_TYPES = {"string": "varchar", "bool": "boolean", "int": "bigint", "int64": "bigint", "int32": "integer",
            "int16": "smallint", "int8": "smallint", "uint": "bigint", "uint64": "bigint", "uint32": "integer",
            "uint16": "smallint", "uint8": "smallint", "float64": "double", "float32": "float",
            "time.Time": "timestamptz", "[]byte": "blob", "sql.NullString": "varchar", "sql.NullInt64": "bigint",
            "sql.NullTime": "timestamptz", "sql.NullBool": "boolean", "sql.NullFloat64": "double",
            "gorm.DeletedAt": "timestamptz", "decimal.Decimal": "numeric", "uuid.UUID": "uuid",
            "datatypes.JSON": "json"}


def looks_like_gorm(text: str) -> bool:
    """Declares gorm structs, or migrates them (`db.AutoMigrate(&pkg.X{})` in a file without structs)."""
    return ("gorm" in text and "struct" in text) or ".AutoMigrate(" in text


def table_name_methods(files: list[tuple[str, str]]) -> dict[str, str]:
    """struct name -> the table its `TableName() string` method returns (GORM and ozzo-dbx both ask it)."""
    return {m.group(1): m.group(2) for _, text in files for m in TABLE_NAME_METHOD.finditer(text)}


def snake(name: str) -> str:
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def plural(name: str) -> str:
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    return name + "s"


def _tags(tag: str | None) -> dict[str, str]:
    m = re.search(r'gorm:"([^"]*)"', tag or "")
    out = {}
    for part in (m.group(1).split(";") if m else []):
        key, _, value = part.partition(":")
        if key.strip():
            out[key.strip().lower().replace("_", "").replace(" ", "")] = value.strip()
    return out


def _structs(files: list[tuple[str, str]]) -> dict[str, tuple[str, str, int, str]]:
    """struct name -> (file, body, line, file text)."""
    out: dict[str, tuple[str, str, int, str]] = {}
    for rel, text in files:
        for m in GO_STRUCT.finditer(text):
            close = matching(text, m.end() - 1)
            if close is not None:
                out.setdefault(m.group(1), (rel, text[m.end():close], text.count("\n", 0, m.start()) + 1, text))
    return out


def read_gorm(files: list[tuple[str, str]]) -> ReadResult:
    result = ReadResult()
    structs = _structs(files)
    migrated = [name.split(".")[-1] for _, text in files for call in _AUTOMIGRATE.findall(text)
                for name in re.findall(r"&?([\w.]+)\{\}", call)]
    v1 = any("github.com/jinzhu/gorm" in text for _, text in files)
    names = {n for n in migrated if n in structs} or {
        n for n, (_, body, _, _) in structs.items() if "gorm.Model" in body or 'gorm:"' in body}
    table_names = table_name_methods(files)
    tables = {n: table_names.get(n) or plural(snake(n)) for n in names}
    pending_fks: list[tuple[str, str, str, str, int]] = []     # (struct, column, referenced struct, file, line)
    built: dict[str, Table] = {}
    for name in sorted(names):
        rel, body, line, text = structs[name]
        table = Table(tables[name], file=rel, line=line, source=f"{SOURCE_PREFIX}{rel}")
        fields = body.splitlines()
        declared = {m.group(1): m.group(2) for f in fields if (m := _FIELD.match(f))}
        for offset, raw in enumerate(fields):
            at = line + offset
            field = _FIELD.match(raw)
            if field is None:
                embed = _EMBED.match(raw)
                if embed and embed.group(1).lstrip("*") == "gorm.Model":
                    table.columns["id"] = Column("id", "bigint", nullable=False, primary_key=True, file=rel, line=at)
                    for col in ("created_at", "updated_at", "deleted_at"):
                        table.columns[col] = Column(col, "timestamptz", file=rel, line=at)
                    table.indexes.append(Index(f"idx_{table.name}_deleted_at", ("deleted_at",), file=rel, line=at))
                continue
            fname, ftype, tag = field.group(1), field.group(2), field.group(3)
            tags = _tags(tag)
            if tags.get("-") is not None or fname[0].islower():
                continue
            base = ftype.lstrip("*").split(".")[-1]
            if ftype.startswith("[]") and ftype != "[]byte":
                fk = tags.get("foreignkey")
                elem = ftype[2:].lstrip("*").split(".")[-1]
                if fk and elem in tables and "many2many" not in tags:
                    pending_fks.append((elem, snake(fk), name, rel, at))
                continue
            if base in structs and ftype not in GO_TYPES:
                if f"{fname}ID" in declared and base in tables:
                    pending_fks.append((name, snake(tags.get("foreignkey") or f"{fname}ID"), base, rel, at))
                continue
            column = Column(tags.get("column") or snake(fname), _type(ftype, tags), file=rel, line=at)
            column.primary_key = "primarykey" in tags or (fname == "ID" and not any(
                "primarykey" in _tags(f) for f in fields))
            column.nullable = not column.primary_key and "notnull" not in tags
            column.unique = "unique" in tags
            if "default" in tags:
                column.default = tags["default"]
            table.columns[column.name] = column
            for key in ("uniqueindex", "index"):
                if key in tags:
                    index_name = tags[key] or None
                    table.indexes.append(Index(index_name, (column.name,), unique=key == "uniqueindex", file=rel, line=at))
        built[name] = table
    for owner, col_name, target, rel, at in pending_fks:
        owner_table = built.get(owner)
        if owner_table is None or col_name not in owner_table.columns:
            continue
        if v1:
            owner_table.references.setdefault(col_name, tables[target])
        elif not any(col_name in fk.columns for fk in owner_table.foreign_keys):
            owner_table.foreign_keys.append(ForeignKey((col_name,), tables[target], ("id",), file=rel, line=at))
    for name in sorted(built):
        result.add_table(built[name])
        if built[name].file not in result.model_files:
            result.model_files.append(built[name].file)
    return result


def _type(go_type: str, tags: dict[str, str]) -> str:
    if tags.get("type"):
        return tags["type"].split("(")[0].strip().lower()
    base = go_type.lstrip("*")
    type_ = GO_TYPES.get(base, "")
    if type_ == "varchar" and tags.get("size", "").isdigit() and int(tags["size"]) > 65535:
        return "text"
    return type_
