"""Sequelize models read as text: `sequelize.define('User', {...}, {...})`, `User.init({...}, {...})`
(with `class User extends Model`), and the associations that add foreign key columns
(`A.belongsTo(B)`, `A.hasMany(B)`, `A.hasOne(B)`, with an optional `{ foreignKey: 'x' }`).

What Sequelize adds on its own is modelled: the table name is the plural of the model name unless
`tableName` / `freezeTableName` say otherwise, an `id` INTEGER primary key when no attribute is one, and
`createdAt` / `updatedAt` unless `timestamps: false`. Indexes come from `unique`, `primaryKey` and the
`indexes: [{ fields: [...], unique }]` option; no index is created for a foreign key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.jsobject import Entry, ObjectLiteral, parse_object, string_value, strings_in
from auditor.orm.result import ReadResult

SOURCE_PREFIX = "sequelize:"
_DEFINE = re.compile(r"(?:(?:const|let|var)\s+(\w+)\s*=\s*)?(?:await\s+)?[\w.]+\.define\(\s*([\"'`])(\w+)\2\s*,\s*(?=\{)")
_INIT = re.compile(r"\b([A-Z]\w*)\.init\(\s*(?=\{)")
_ASSOC = re.compile(r"\b(\w+)\.(belongsTo|hasMany|hasOne)\(\s*([\w.]+)\s*(?:,\s*(?=\{))?")
_SEQUELIZE_HINT = re.compile(r"\bsequelize\b|\bDataTypes\.|\bSequelize\.", re.I)
_TYPE = re.compile(r"\b(?:DataTypes|Sequelize|DataType|types)\.([A-Z]+)\b")

TYPES = {"STRING": "varchar", "CHAR": "char", "TEXT": "text", "CITEXT": "citext", "INTEGER": "integer",
         "BIGINT": "bigint", "SMALLINT": "smallint", "TINYINT": "tinyint", "MEDIUMINT": "mediumint",
         "FLOAT": "float", "REAL": "real", "DOUBLE": "double", "DECIMAL": "numeric", "NUMBER": "numeric",
         "DATE": "timestamptz",   # Sequelize stores DATE as TIMESTAMP WITH TIME ZONE (Postgres) / UTC elsewhere
         "DATEONLY": "date", "TIME": "time", "BOOLEAN": "boolean", "JSON": "json", "JSONB": "jsonb",
         "UUID": "uuid", "UUIDV4": "uuid", "ENUM": "enum", "BLOB": "blob", "ARRAY": "array", "INET": "inet",
         "VIRTUAL": "virtual"}


def looks_like_sequelize(text: str) -> bool:
    return bool(_SEQUELIZE_HINT.search(text)) and (".define(" in text or ".init(" in text)


def sequelize_type(value: str) -> str:
    m = _TYPE.search(value or "")
    return TYPES.get(m.group(1), m.group(1).lower()) if m else ""


def plural(name: str) -> str:
    if name.endswith("s"):
        return name
    if name.endswith("y") and len(name) > 1 and name[-2] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def _bool(entry: Entry | None) -> bool | None:
    if entry is None:
        return None
    return {"true": True, "false": False}.get(entry.value.strip())


@dataclass
class _Model:
    names: set[str]
    table: Table
    model_name: str
    associations: list[tuple[str, str, str | None, int, str]] = field(default_factory=list)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _options(text: str, after: int) -> ObjectLiteral | None:
    """The options object right after the attributes object (`}, { ... })`), if any."""
    m = re.compile(r"\s*,\s*(?=\{)").match(text, after + 1)
    return parse_object(text, m.end()) if m else None


def _table(rel: str, text: str, model_name: str, attrs: ObjectLiteral, options: ObjectLiteral | None,
           line: int) -> Table:
    opts = options or ObjectLiteral()
    table_name = string_value(opts.get("tableName").value) if opts.get("tableName") else None
    if not table_name:
        freeze = _bool(opts.get("freezeTableName"))
        table_name = model_name if freeze else plural(model_name)
    table = Table(table_name, file=rel, line=line, source=f"{SOURCE_PREFIX}{rel}")
    for entry in attrs.entries:
        if entry.children is None:
            type_ = sequelize_type(entry.value)
            if not type_:
                continue
            table.columns[entry.key] = Column(entry.key, type_, file=rel, line=entry.line)
            continue
        kind = entry.child("type")
        type_ = sequelize_type(kind.value) if kind else ""
        if type_ == "virtual":
            continue
        name = string_value(entry.child("field").value) if entry.child("field") else None
        column = Column(name or entry.key, type_, file=rel, line=entry.line)
        column.primary_key = bool(_bool(entry.child("primaryKey")))
        column.nullable = not column.primary_key and _bool(entry.child("allowNull")) is not False
        unique = entry.child("unique")
        column.unique = unique is not None and unique.value.strip() not in ("false", "")
        if entry.child("defaultValue") is not None:
            column.default = entry.child("defaultValue").value[:80]
        table.columns[column.name] = column
        references = entry.child("references")
        if references is not None and references.children is not None:
            model = references.child("model")
            ref = (string_value(model.value) or model.value.split(".")[-1]) if model else ""
            key = references.child("key")
            table.foreign_keys.append(ForeignKey((column.name,), ref, tuple(strings_in(key.value)) if key else (),
                                                 file=rel, line=references.line))
    if not table.primary_key:
        table.columns = {"id": Column("id", "integer", nullable=False, primary_key=True, file=rel, line=line),
                         **table.columns}
    if _bool(opts.get("timestamps")) is not False:
        for name in ("createdAt", "updatedAt"):
            table.columns.setdefault(name, Column(name, "timestamptz", nullable=False, file=rel, line=line))
    indexes = opts.get("indexes")
    if indexes is not None:
        for m in re.finditer(r"\{", indexes.value):
            index = parse_object(indexes.value, m.start())
            if index is None or index.get("fields") is None:
                continue
            cols = tuple(strings_in(index.get("fields").value))
            name = index.get("name")
            table.indexes.append(Index(string_value(name.value) if name else None, cols,
                                       unique=_bool(index.get("unique")) is True, file=rel,
                                       line=_line(text, indexes.offset + m.start())))
    return table


def read_file(rel: str, text: str) -> tuple[list[_Model], list[tuple[str, str, str, dict, int, str]]]:
    models: list[_Model] = []
    for m in _DEFINE.finditer(text):
        attrs = parse_object(text, m.end())
        if attrs is None:
            continue
        table = _table(rel, text, m.group(3), attrs, _options(text, attrs.end), _line(text, m.start()))
        names = {m.group(3)} | ({m.group(1)} if m.group(1) else set())
        models.append(_Model(names, table, m.group(3)))
    for m in _INIT.finditer(text):
        if not re.search(r"class\s+" + re.escape(m.group(1)) + r"\s+extends\s+(?:\w+\.)?Model\b", text):
            continue
        attrs = parse_object(text, m.end())
        if attrs is None:
            continue
        options = _options(text, attrs.end)
        model_name = string_value(options.get("modelName").value) if options and options.get("modelName") else None
        table = _table(rel, text, model_name or m.group(1), attrs, options, _line(text, m.start()))
        models.append(_Model({m.group(1)} | ({model_name} if model_name else set()), table, model_name or m.group(1)))
    associations = []
    for m in _ASSOC.finditer(text):
        settings: dict[str, str] = {}
        if text[m.end() - 1:m.end()] == "," or text[m.end():m.end() + 1] == "{":
            brace = text.find("{", m.end() - 1)
            obj = parse_object(text, brace) if brace != -1 else None
            for entry in obj.entries if obj else []:
                value = string_value(entry.value)
                if value is None and entry.children is not None and entry.child("name"):
                    value = string_value(entry.child("name").value)
                if value:
                    settings[entry.key] = value
        associations.append((m.group(1), m.group(2), m.group(3).split(".")[-1], settings, _line(text, m.start()), rel))
    return models, associations


def read_sequelize(files: list[tuple[str, str]]) -> ReadResult:
    """files: (path, text) of JS/TS modules that look like Sequelize models."""
    result = ReadResult()
    models: list[_Model] = []
    associations = []
    for rel, text in files:
        found, assoc = read_file(rel, text)
        models += found
        associations += assoc
        if found:
            result.model_files.append(rel)
    by_name = {name: model for model in models for name in model.names}
    for source, kind, target, options, line, rel in associations:
        a, b = by_name.get(source), by_name.get(target)
        if a is None or b is None:
            continue
        owner, parent = (a, b) if kind == "belongsTo" else (b, a)
        prefix = options.get("as") if kind == "belongsTo" and options.get("as") else parent.model_name
        column = options.get("foreignKey") or f"{prefix}Id"
        table = owner.table
        if column not in table.columns:
            table.columns[column] = Column(column, "integer", file=rel, line=line)
        if not any(column in fk.columns for fk in table.foreign_keys):
            table.foreign_keys.append(ForeignKey((column,), parent.table.name, ("id",), file=rel, line=line))
    for model in models:
        result.add_table(model.table)
    return result
