"""TypeORM entities read as TypeScript text: `@Entity('name') class X { @Column(...) prop: T; ... }`.

Modelled as TypeORM's default naming builds the table: name = the `@Entity` argument or snake_case of the
class, columns = property names (or `name:`). `@PrimaryGeneratedColumn` / `@PrimaryColumn` are the primary
key; `@Column({ unique, nullable, type, length })` or `@Column('type')` (`nullable` defaults to false);
`@ManyToOne(() => Y)` / `@OneToOne` with `@JoinColumn` add a `<prop>Id` column with a FOREIGN KEY (TypeORM
creates it, without an index; its `onDelete`, NO ACTION unless given, is recorded); `@Index()` on a property, `@Index(['a', 'b'], { unique })` on the class and
`@Unique([...])` add indexes. 'simple-array' / 'simple-json' are text columns holding a list / JSON.
"""
from __future__ import annotations

import re

from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.jsobject import matching, parse_object, string_value, strings_in
from auditor.orm.result import ReadResult

SOURCE_PREFIX = "typeorm:"
_ENTITY = re.compile(r"@Entity\(([^)]*)\)\s*(?:@\w+\([^)]*\)\s*)*export\s+(?:default\s+)?class\s+(\w+)[^{]*\{")
_DECORATOR = re.compile(r"@(\w+)\(")
_PROPERTY = re.compile(r"\s*(?:public\s+|readonly\s+)*(\w+)\s*[?!]?\s*:\s*([^;=\n]+)")
TS_TYPES = {"string": "varchar", "number": "integer", "boolean": "boolean", "Date": "timestamp"}
COLUMN_TYPES = {"simple-array": "simple-array", "simple-json": "simple-json", "int": "integer", "integer": "integer",
                "varchar": "varchar", "text": "text", "timestamp": "timestamp", "timestamptz": "timestamptz",
                "datetime": "timestamp", "json": "json", "jsonb": "jsonb", "decimal": "numeric", "numeric": "numeric",
                "float": "float", "double": "double", "boolean": "boolean", "uuid": "uuid", "date": "date",
                "bigint": "bigint", "enum": "enum", "timestamp with time zone": "timestamptz"}
PRIMARY = {"PrimaryGeneratedColumn", "PrimaryColumn", "ObjectIdColumn"}
AUTO_COLUMNS = {"CreateDateColumn": "timestamp", "UpdateDateColumn": "timestamp", "DeleteDateColumn": "timestamp",
                "VersionColumn": "integer"}


def looks_like_typeorm(text: str) -> bool:
    return "@Entity(" in text and "typeorm" in text


def snake(name: str) -> str:
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def _decorators(body: str, start: int, end: int) -> list[tuple[str, str, int]]:
    """(name, argument text, offset) of the decorators in body[start:end]."""
    out = []
    for m in _DECORATOR.finditer(body, start, end):
        close = matching(body, m.end() - 1)
        if close is not None and close <= end:
            out.append((m.group(1), body[m.end():close], m.start()))
    return out


def read_entity(rel: str, text: str, match: re.Match) -> tuple[Table, list[tuple[str, str, int, str]]]:
    """The entity's table and its relations (column, target class, line) still to resolve."""
    line_of = lambda offset: text.count("\n", 0, offset) + 1  # noqa: E731
    name = string_value(match.group(1).strip()) if match.group(1).strip().startswith(("'", '"', "`")) else None
    if name is None and match.group(1).strip().startswith("{"):
        options = parse_object(match.group(1), match.group(1).index("{"))
        name = string_value(options.get("name").value) if options and options.get("name") else None
    table = Table(name or snake(match.group(2)), file=rel, line=line_of(match.start()),
                  source=f"{SOURCE_PREFIX}{rel}")
    for deco, args, offset in _decorators(text, max(0, match.start() - 400), match.start()):
        if deco in ("Index", "Unique") and args.strip().startswith("["):
            table.indexes.append(Index(None, tuple(strings_in(args.split("]")[0])), unique=deco == "Unique" or
                                       bool(re.search(r"unique\s*:\s*true", args)), file=rel, line=line_of(offset)))
    open_at = match.end() - 1
    close = matching(text, open_at) or len(text)
    relations: list[tuple[str, str, int, str]] = []
    pending: list[tuple[str, str, int]] = []
    i = open_at + 1
    while i < close:
        deco = _DECORATOR.match(text, i) if text[i] == "@" else None
        if deco:
            end = matching(text, deco.end() - 1)
            if end is None:
                break
            pending.append((deco.group(1), text[deco.end():end], i))
            i = end + 1
            continue
        prop = _PROPERTY.match(text, i)
        if text[i].isspace():
            i += 1
            continue
        if prop and pending:
            _property(table, rel, prop.group(1), prop.group(2).strip(), pending, line_of, relations)
        pending = []
        nl = text.find("\n", i)
        i = close if nl == -1 else nl + 1
    return table, relations


def _property(table: Table, rel: str, prop: str, ts_type: str, decorators: list[tuple[str, str, int]],
              line_of, relations: list[tuple[str, str, int, str]]) -> None:
    names = [d[0] for d in decorators]
    line = line_of(decorators[0][2])
    if any(n in ("ManyToOne", "OneToOne") for n in names):
        if "OneToOne" in names and "JoinColumn" not in names:
            return
        deco = next(d for d in decorators if d[0] in ("ManyToOne", "OneToOne"))
        target = re.search(r"=>\s*(\w+)", deco[1])
        join = next((d for d in decorators if d[0] == "JoinColumn"), None)
        m = re.search(r"name\s*:\s*[\"'`](\w+)", join[1]) if join else None
        column = m.group(1) if m else f"{prop}Id"
        nullable = not re.search(r"nullable\s*:\s*false", deco[1])
        table.columns.setdefault(column, Column(column, "integer", nullable=nullable, file=rel, line=line))
        if target:
            on_delete = re.search(r"onDelete\s*:\s*[\"'`]([\w ]+)", deco[1])
            relations.append((column, target.group(1), line, on_delete.group(1).lower() if on_delete else "no action"))
        if "Index" in names:
            table.indexes.append(Index(None, (column,), file=rel, line=line))
        return
    kind = next((n for n in names if n in ("Column", *PRIMARY, *AUTO_COLUMNS)), None)
    if kind is None:
        return
    args = next(d[1] for d in decorators if d[0] == kind).strip()
    options = None
    type_ = ""
    first = string_value(args.split(",")[0]) if args else None
    if first:
        type_ = COLUMN_TYPES.get(first.lower(), first.lower())
    brace = args.find("{")
    if brace != -1:
        options = parse_object(args, brace)

    def get(key: str):
        return options.get(key) if options else None
    if get("type") is not None:
        value = string_value(get("type").value)
        type_ = COLUMN_TYPES.get((value or "").lower(), (value or "").lower())
    if not type_:
        type_ = AUTO_COLUMNS.get(kind) or TS_TYPES.get(ts_type, "")
    name = string_value(get("name").value) if get("name") is not None else None
    column = Column(name or prop, type_, file=rel, line=line)
    column.primary_key = kind in PRIMARY or (get("primary") is not None and get("primary").value == "true")
    column.nullable = not column.primary_key and get("nullable") is not None and get("nullable").value == "true"
    column.unique = get("unique") is not None and get("unique").value == "true"
    table.columns[column.name] = column
    for deco_name, deco_args, _ in decorators:
        if deco_name == "Index":
            table.indexes.append(Index(None, (column.name,), unique=bool(re.search(r"unique\s*:\s*true", deco_args)),
                                       file=rel, line=line))


def read_typeorm(files: list[tuple[str, str]]) -> ReadResult:
    result = ReadResult()
    tables: dict[str, Table] = {}
    relations = []
    for rel, text in files:
        for m in _ENTITY.finditer(text):
            table, rels = read_entity(rel, text, m)
            tables[m.group(2)] = table
            relations += [(table, column, target, line, on_delete) for column, target, line, on_delete in rels]
            if rel not in result.model_files:
                result.model_files.append(rel)
    for table, column, target, line, on_delete in relations:
        if target in tables:
            table.foreign_keys.append(ForeignKey((column,), tables[target].name, ("id",), file=table.file, line=line,
                                                 on_delete=on_delete))
    for table in tables.values():
        result.add_table(table)
    return result
