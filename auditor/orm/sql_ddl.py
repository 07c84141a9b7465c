"""Schema files (`schema.sql`, DDL dumps) read with sqlglot 30.30.0 (pinned: its tree changes between releases).

Each statement is parsed on its own so one bad statement does not hide the rest. A statement sqlglot
cannot parse is counted as `unparsed`; one it returns as an opaque `exp.Command` (DO blocks, functions,
some ALTERs) is counted as `opaque`: neither is ever treated as understood.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.result import ParseProblem, ReadResult, SqlStats
from auditor.text import line_of

SOURCE_PREFIX = "sql:"
_CREATE_TABLE = re.compile(r"\bcreate\s+(?:(?:global\s+|local\s+)?(?:temporary|temp|unlogged)\s+)?table\b", re.I)


def looks_like_ddl(text: str) -> bool:
    return bool(_CREATE_TABLE.search(text))


def guess_dialect(text: str, hint: str | None = None) -> str:
    """postgres, mysql or sqlite from the file's own syntax, else the project's hint, else postgres."""
    if re.search(r"\b(serial|bigserial|jsonb|timestamptz|bytea)\b|::\w+|\$\$", text, re.I):
        return "postgres"
    if re.search(r"\bauto_increment\b|\bengine\s*=|`", text, re.I):
        return "mysql"
    if re.search(r"\bautoincrement\b|\bwithout\s+rowid\b", text, re.I):
        return "sqlite"
    return hint or "postgres"


@dataclass
class Statement:
    text: str
    line: int      # 1-based line of the statement's first token in its file
    offset: int    # character offset of the statement in its file


def split_statements(text: str, dialect: str) -> list[Statement]:
    """Statements separated by `;` tokens (quotes, dollar quotes and comments respected by sqlglot's tokenizer)."""
    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(text)
    except (TokenError, ValueError):
        return _split_naively(text)
    out: list[Statement] = []
    start = None
    for tok in tokens:
        if tok.token_type == sqlglot.tokens.TokenType.SEMICOLON:
            if start is not None:
                out.append(Statement(text[start.start:tok.start], start.line, start.start))
            start = None
        elif start is None:
            start = tok
    if start is not None:
        out.append(Statement(text[start.start:], start.line, start.start))
    return out


def _split_naively(text: str) -> list[Statement]:
    out, offset = [], 0
    for chunk in text.split(";"):
        stripped = chunk.strip()
        if stripped:
            lead = chunk.index(stripped[0])
            out.append(Statement(stripped, line_of(text, offset + lead), offset + lead))
        offset += len(chunk) + 1
    return out


def parse_statement(stmt: Statement, dialect: str) -> exp.Expression | None:
    """The parsed expression; None when sqlglot cannot parse it. May be an opaque exp.Command."""
    logger = logging.getLogger("sqlglot")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # its "falling back to Command" warning: we count those ourselves
    try:
        return sqlglot.parse_one(stmt.text, read=dialect)
    except (ParseError, TokenError, ValueError, RecursionError):
        return None
    finally:
        logger.setLevel(previous)


def read_ddl(rel: str, text: str, dialect_hint: str | None = None) -> ReadResult:
    result = ReadResult()
    dialect = guess_dialect(text, dialect_hint)
    result.schema.dialect = dialect
    stats = SqlStats()
    for stmt in split_statements(text, dialect):
        stats.statements += 1
        tree = parse_statement(stmt, dialect)
        if tree is None:
            stats.unparsed += 1
            result.problems.append(ParseProblem(rel, stmt.line, f"sqlglot ({dialect}) could not parse: {_head(stmt.text)}"))
            continue
        if isinstance(tree, exp.Command):
            stats.opaque += 1
            result.problems.append(ParseProblem(rel, stmt.line, f"not understood (sqlglot returned an opaque command): {_head(stmt.text)}"))
            continue
        stats.understood += 1
        _apply(tree, stmt, rel, result)
    result.sql = stats
    if result.schema.tables:
        result.model_files.append(rel)
    return result


def _head(text: str) -> str:
    return " ".join(text.split())[:80]


def _line_of(stmt: Statement, word: str) -> int:
    """Line of the first line of the statement that starts with `word` (a column name), else the statement's."""
    pattern = re.compile(r"^\s*[\"`\[]?" + re.escape(word) + r"[\"`\]]?\s", re.I | re.M)
    m = pattern.search(stmt.text)
    return stmt.line + stmt.text.count("\n", 0, m.start()) if m else stmt.line


def _name(node: exp.Expression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Table):
        return node.name
    return node.name if hasattr(node, "name") else str(node)


def _idents(nodes: list) -> tuple[str, ...]:
    out = []
    for n in nodes or []:
        if isinstance(n, exp.Ordered):
            n = n.this
        out.append(n.name if isinstance(n, (exp.Identifier, exp.Column)) else n.sql())
    return tuple(out)


def normalise_type(kind: exp.DataType | None) -> str:
    if kind is None:
        return ""
    t = kind.this
    name = t.name.lower() if hasattr(t, "name") else str(t).lower()
    aliases = {"int": "integer", "serial": "integer", "bigserial": "bigint", "smallserial": "smallint",
               "decimal": "numeric", "nvarchar": "varchar", "timestampltz": "timestamptz",
               "datetime": "timestamp", "varbinary": "blob", "binary": "blob", "double": "double"}
    return aliases.get(name, name)


def _apply(tree: exp.Expression, stmt: Statement, rel: str, result: ReadResult) -> None:
    tables = result.schema.tables
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "TABLE" and isinstance(tree.this, exp.Schema):
            table = _create_table(tree.this, stmt, rel)
            result.add_table(table)
        elif kind == "INDEX" and isinstance(tree.this, exp.Index):
            index = tree.this
            table = tables.get(_name(index.args.get("table")).lower())
            params = index.args.get("params")
            cols = _idents(params.args.get("columns") if params else [])
            if table is not None:
                table.indexes.append(Index(index.name or None, cols, unique=bool(tree.args.get("unique")),
                                           file=rel, line=stmt.line))
            else:
                result.problems.append(ParseProblem(rel, stmt.line, f"index on unknown table {_name(index.args.get('table'))}"))
    elif isinstance(tree, exp.Alter) and (tree.args.get("kind") or "").upper() == "TABLE":
        table = tables.get(_name(tree.this).lower())
        if table is None:
            return
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                _add_column_def(table, action, stmt, rel)
            for fk in action.find_all(exp.ForeignKey):
                table.foreign_keys.append(_foreign_key(fk, rel, stmt.line))
            for pk in action.find_all(exp.PrimaryKey):
                for c in _idents(pk.expressions):
                    if c in table.columns:
                        table.columns[c].primary_key, table.columns[c].nullable = True, False


def _create_table(schema: exp.Schema, stmt: Statement, rel: str) -> Table:
    table = Table(_name(schema.this), file=rel, line=stmt.line, source=f"{SOURCE_PREFIX}{rel}")
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            _add_column_def(table, item, stmt, rel)
        elif isinstance(item, exp.PrimaryKey):
            for c in _idents(item.expressions):
                if c in table.columns:
                    table.columns[c].primary_key, table.columns[c].nullable = True, False
        elif isinstance(item, (exp.Constraint, exp.ForeignKey, exp.UniqueColumnConstraint, exp.CheckColumnConstraint)):
            for fk in ([item] if isinstance(item, exp.ForeignKey) else list(item.find_all(exp.ForeignKey))):
                table.foreign_keys.append(_foreign_key(fk, rel, _line_of(stmt, "constraint") if isinstance(item, exp.Constraint) else _line_of(stmt, "foreign")))
            for pk in item.find_all(exp.PrimaryKey):
                for c in _idents(pk.expressions):
                    if c in table.columns:
                        table.columns[c].primary_key, table.columns[c].nullable = True, False
            for uq in ([item] if isinstance(item, exp.UniqueColumnConstraint) else list(item.find_all(exp.UniqueColumnConstraint))):
                target = uq.this
                cols = _idents(target.expressions) if isinstance(target, exp.Schema) else ()
                if cols:
                    table.unique_sets.append(cols)
            if isinstance(item, exp.CheckColumnConstraint) or any(True for _ in item.find_all(exp.CheckColumnConstraint)):
                table.checks.append(item.sql())
    return table


def _add_column_def(table: Table, coldef: exp.ColumnDef, stmt: Statement, rel: str) -> None:
    name = coldef.name
    kind = coldef.args.get("kind")
    col = Column(name, normalise_type(kind), file=rel, line=_line_of(stmt, name))
    for constraint in coldef.args.get("constraints") or []:
        c = constraint.args.get("kind")
        if isinstance(c, exp.PrimaryKeyColumnConstraint):
            col.primary_key, col.nullable = True, False
        elif isinstance(c, exp.NotNullColumnConstraint):
            col.nullable = bool(c.args.get("allow_null"))
        elif isinstance(c, exp.UniqueColumnConstraint):
            col.unique = True
        elif isinstance(c, exp.DefaultColumnConstraint):
            col.default = c.this.sql() if c.this is not None else None
        elif isinstance(c, exp.Reference):
            ref = c.this
            ref_table = _name(ref.this) if isinstance(ref, exp.Schema) else _name(ref)
            ref_cols = _idents(ref.expressions) if isinstance(ref, exp.Schema) else ()
            table.foreign_keys.append(ForeignKey((name,), ref_table, ref_cols, file=rel, line=col.line))
    if kind is not None and kind.this in (exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL):
        col.default = col.default or "serial"
    table.columns[name] = col


def _foreign_key(fk: exp.ForeignKey, rel: str, line: int) -> ForeignKey:
    ref = fk.args.get("reference")
    target = ref.this if ref is not None else None
    ref_table = _name(target.this) if isinstance(target, exp.Schema) else _name(target)
    ref_cols = _idents(target.expressions) if isinstance(target, exp.Schema) else ()
    return ForeignKey(_idents(fk.expressions), ref_table, ref_cols, file=rel, line=line)
