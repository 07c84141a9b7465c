"""SQL migrations: split into statements (with line numbers), parse each with sqlglot, map to Operations.

sqlglot is pinned (pyproject) because its expression tree changes shape between releases. It is lenient:
a statement it does not understand comes back as an opaque `exp.Command` with only a logged warning.
Those are kept as `raw_sql` operations with `opaque=True` and a parse problem: never treated as understood.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditor.dbschema import ForeignKey
from auditor.migrations import operations as ops
from auditor.migrations.model import ParseProblem
from auditor.migrations.operations import Operation, column_def

logging.getLogger("sqlglot").setLevel(logging.CRITICAL)  # its "falling back to Command" warnings are ours to report

DIALECTS = ("postgres", "mysql", "sqlite")


@dataclass
class Statement:
    text: str
    line: int          # 1-based line of the statement's first non-blank character


def split_statements(sql: str, first_line: int = 1) -> list[Statement]:
    """Split on top-level `;`, respecting quotes, comments and Postgres dollar quoting. Never raises.

    Statements that hold only comments are dropped.
    """
    out: list[Statement] = []
    n = len(sql)
    i = 0
    start = 0
    line = first_line
    start_line = first_line
    while i < n:
        c = sql[i]
        if c == "\n":
            line += 1
            i += 1
        elif c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif c == "#" and False:
            i += 1
        elif c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += sql.count("\n", i, j)
            i = j
        elif c in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:   # doubled quote escapes itself
                        j += 2
                        continue
                    break
                if sql[j] == "\\" and c == "'":
                    j += 1
                j += 1
            j = min(j + 1, n)
            line += sql.count("\n", i, j)
            i = j
        elif c == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:i + 64])
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                line += sql.count("\n", i, j)
                i = j
            else:
                i += 1
        elif c == ";":
            _emit(out, sql[start:i], start_line)
            i += 1
            start = i
            start_line = line
        else:
            i += 1
    _emit(out, sql[start:], start_line)
    return out


_LEADING = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)


def _emit(out: list[Statement], chunk: str, chunk_line: int) -> None:
    if not strip_comments(chunk).strip():
        return
    lead = _LEADING.match(chunk).end()   # leading blanks and comments are not the statement
    out.append(Statement(chunk[lead:].strip(), chunk_line + chunk.count("\n", 0, lead)))


def strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?(\*/|$)", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def guess_dialect(texts: list[str]) -> str | None:
    """Postgres, MySQL or SQLite from configuration and manifests text; None when nothing says."""
    scores = dialect_scores(texts)
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else None


def possible_dialects(texts: list[str]) -> set[str]:
    """Every dialect the configuration and manifests name (a project may run SQLite locally, Postgres deployed)."""
    return {k for k, v in dialect_scores(texts).items() if v}


def dialect_scores(texts: list[str]) -> dict[str, int]:
    blob = "\n".join(texts).lower()
    return {
        "postgres": len(re.findall(r"postgres|psycopg|asyncpg|\bpg\b|\"pg\"|jackc/pgx|lib/pq|postgis|"
                                   r"django\.db\.backends\.postgresql|provider\s*=\s*\"postgresql\"", blob)),
        "mysql": len(re.findall(r"mysql|pymysql|mariadb|provider\s*=\s*\"mysql\"", blob)),
        "sqlite": len(re.findall(r"sqlite", blob)),
    }


# statements sqlglot leaves opaque that change no table, column, index or constraint: extensions, sequences,
# privileges, comments, session settings, statistics
NO_TABLE_EFFECT = re.compile(r"\s*(?:(?:CREATE|ALTER|DROP)\s+(?:EXTENSION|SEQUENCE)\b|GRANT\b|REVOKE\b|"
                             r"COMMENT\s+ON\b|SET\b|RESET\b|ANALYZE\b|VACUUM\b)", re.I)


def parse_sql(sql: str, file: str, dialect: str | None, first_line: int = 1) -> tuple[list[Operation], list[ParseProblem]]:
    """Operations and parse problems of a SQL text. Never raises."""
    operations: list[Operation] = []
    problems: list[ParseProblem] = []
    for stmt in split_statements(sql, first_line):
        operations.extend(parse_statement(stmt, file, dialect, problems))
    return operations, problems


def parse_statement(stmt: Statement, file: str, dialect: str | None,
                    problems: list[ParseProblem]) -> list[Operation]:
    first = stmt.text.splitlines()[0][:200]
    try:
        tree = sqlglot.parse_one(stmt.text, read=dialect)
    except (SqlglotError, RecursionError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        problems.append(ParseProblem(file, stmt.line, f"sqlglot could not parse: {_short(exc)}"))
        return [Operation(ops.RAW_SQL, file, stmt.line, opaque=True, text=first, note="parse error")]
    if tree is None:
        return []
    if isinstance(tree, exp.Command) and NO_TABLE_EFFECT.match(stmt.text):
        return [Operation(ops.OTHER, file, stmt.line, text=first, note="no effect on tables")]
    if isinstance(tree, exp.Command):
        problems.append(ParseProblem(file, stmt.line, f"not understood (sqlglot returned an opaque Command): {first[:80]}"))
        return [Operation(ops.RAW_SQL, file, stmt.line, opaque=True, text=first, note="opaque Command")]
    try:
        result = _to_operations(tree, file, stmt.line, first)
    except Exception as exc:  # an unexpected tree shape: report, never guess
        problems.append(ParseProblem(file, stmt.line, f"unexpected statement shape: {_short(exc)}"))
        return [Operation(ops.RAW_SQL, file, stmt.line, opaque=True, text=first, note="unexpected shape")]
    for op in result:
        if op.opaque:
            problems.append(ParseProblem(file, stmt.line, f"not understood: {op.note or first[:80]}"))
    return result


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _name(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Table):
        return node.name.lower() or None
    if isinstance(node, (exp.Identifier, exp.Column)):
        return node.name.lower() or None
    name = getattr(node, "name", None)
    return name.lower() if isinstance(name, str) and name else None


def _ids(nodes) -> tuple[str, ...]:
    out = []
    for n in nodes or []:
        if isinstance(n, exp.Ordered):
            n = n.this
        nm = _name(n)
        if nm:
            out.append(nm)
    return tuple(out)


def _to_operations(tree: exp.Expression, file: str, line: int, text: str) -> list[Operation]:
    def op(kind: str, **kw) -> Operation:
        return Operation(kind, file, line, text=text, **kw)

    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        target = tree.this
        if kind == "TABLE":
            return [_create_table(tree, op)]
        if kind == "INDEX" and isinstance(target, exp.Index):
            params = target.args.get("params")
            cols = _ids(params.args.get("columns")) if params else ()
            return [op(ops.CREATE_INDEX, table=_name(target.args.get("table")), name=_name(target.this),
                       columns=cols, unique=bool(tree.args.get("unique")),
                       concurrently=bool(tree.args.get("concurrently")))]
        if kind == "TYPE":
            dtype = tree.args.get("expression")
            if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ENUM:
                vals = tuple(e.name for e in dtype.expressions)
                return [op(ops.CREATE_ENUM, name=_name(target), values=vals)]
        return [op(ops.OTHER, name=_name(target), note=f"CREATE {kind}")]
    if isinstance(tree, exp.Drop):
        kind = (tree.args.get("kind") or "").upper()
        names = [_name(t) for t in tree.args.get("tables") or ([tree.this] if tree.this else [])]
        exists = bool(tree.args.get("exists"))
        if kind == "TABLE":
            return [op(ops.DROP_TABLE, table=n, if_exists=exists) for n in names]
        if kind == "INDEX":
            table = _name(tree.args.get("cluster")) if tree.args.get("cluster") else None
            return [op(ops.DROP_INDEX, name=n, table=table, if_exists=exists,
                       concurrently=bool(tree.args.get("concurrently"))) for n in names]
        if kind == "TYPE":
            return [op(ops.DROP_ENUM, name=n, if_exists=exists) for n in names]
        return [op(ops.OTHER, name=names[0] if names else None, note=f"DROP {kind}")]
    if isinstance(tree, exp.Alter):
        kind = (tree.args.get("kind") or "").upper()
        table = _name(tree.this)
        if kind != "TABLE":
            return [op(ops.OTHER, name=table, note=f"ALTER {kind}")] if kind in ("VIEW", "SEQUENCE") else \
                [op(ops.UNKNOWN, name=table, opaque=True, note=f"ALTER {kind} not modelled")]
        return [a for action in tree.args.get("actions") or [] for a in _alter_action(action, table, op)]
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.TruncateTable)):
        tables = [_name(t) for t in tree.find_all(exp.Table)]
        return [op(ops.DATA, table=tables[0] if tables else None)]
    if isinstance(tree, (exp.Comment, exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Select,
                         exp.Grant, exp.Use, exp.Pragma, exp.Analyze)):
        return [op(ops.OTHER, note=type(tree).__name__)]
    return [op(ops.UNKNOWN, opaque=True, note=f"statement type {type(tree).__name__} not modelled")]


def _column_from_def(cd: exp.ColumnDef, op_file: str, line: int) -> tuple:
    name = _name(cd.this) or ""
    dtype = cd.args.get("kind")
    type_ = dtype.sql().lower() if isinstance(dtype, exp.DataType) else ""
    nullable, pk, unique, default, fk = True, False, False, None, None
    for cons in cd.args.get("constraints") or []:
        k = cons.args.get("kind") if isinstance(cons, exp.ColumnConstraint) else cons
        if isinstance(k, exp.NotNullColumnConstraint):
            nullable = bool(k.args.get("allow_null"))
        elif isinstance(k, exp.PrimaryKeyColumnConstraint):
            pk = True
        elif isinstance(k, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(k, exp.DefaultColumnConstraint):
            default = k.this.sql() if k.this is not None else "NULL"
        elif isinstance(k, exp.Reference):
            fk = _reference(k, (name,), None, op_file, line)
        elif isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
            default = "identity"
    if type_ in ("serial", "bigserial", "smallserial"):
        default = default or "serial"
    return column_def(name, type_, nullable, pk, unique, default, op_file, line), fk


def _reference(ref: exp.Reference, cols: tuple[str, ...], name: str | None, file: str, line: int) -> ForeignKey:
    target = ref.this
    if isinstance(target, exp.Schema):
        return ForeignKey(cols, _name(target.this) or "", _ids(target.expressions), name, file, line)
    return ForeignKey(cols, _name(target) or "", (), name, file, line)


def _create_table(tree: exp.Create, op) -> Operation:
    schema = tree.this
    table_node = schema.this if isinstance(schema, exp.Schema) else schema
    result = op(ops.CREATE_TABLE, table=_name(table_node), if_exists=bool(tree.args.get("exists")))
    if not isinstance(schema, exp.Schema):
        result.note = "CREATE TABLE AS: columns not known"
        return result
    pk_cols: tuple[str, ...] = ()
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            col, fk = _column_from_def(item, result.file, result.line)
            result.column_defs.append(col)
            if fk:
                result.foreign_keys.append(fk)
        else:
            kind, name, cols, fk = _table_constraint(item, result.file, result.line)
            if kind == "primary_key":
                pk_cols = cols
            elif kind == "unique" and cols:
                result.unique_sets.append(cols)
            elif kind == "foreign_key" and fk:
                result.foreign_keys.append(fk)
    for col in result.column_defs:
        if col.name in pk_cols:
            col.primary_key, col.nullable = True, False
    return result


def _table_constraint(item: exp.Expression, file: str, line: int):
    """(kind, name, columns, ForeignKey|None) of a table-level constraint."""
    name = None
    if isinstance(item, exp.Constraint):
        name = _name(item.this)
        inner = item.expressions[0] if item.expressions else None
    else:
        inner = item
    if isinstance(inner, exp.PrimaryKey):
        return "primary_key", name, _ids(inner.expressions), None
    if isinstance(inner, exp.ForeignKey):
        cols = _ids(inner.expressions)
        ref = inner.args.get("reference")
        return "foreign_key", name, cols, _reference(ref, cols, name, file, line) if ref else None
    if isinstance(inner, exp.UniqueColumnConstraint):
        target = inner.this
        cols = _ids(target.expressions) if isinstance(target, exp.Schema) else ()
        return "unique", name, cols, None
    if isinstance(inner, (exp.CheckColumnConstraint, exp.Check)):
        return "check", name, (), None
    return (type(inner).__name__.lower() if inner is not None else "unknown"), name, (), None


def _alter_action(action: exp.Expression, table: str | None, op) -> list[Operation]:
    if isinstance(action, exp.ColumnDef):
        col, fk = _column_from_def(action, "", 0)
        o = op(ops.ADD_COLUMN, table=table, column=col.name)
        col.file, col.line = o.file, o.line
        o.column_defs.append(col)
        if fk:
            fk.file, fk.line = o.file, o.line
            o.foreign_keys.append(fk)
        return [o]
    if isinstance(action, exp.Drop):
        kind = (action.args.get("kind") or "").upper()
        names = [_name(t) for t in action.args.get("tables") or ([action.this] if action.this else [])]
        if kind == "COLUMN":
            return [op(ops.DROP_COLUMN, table=table, column=n) for n in names]
        if kind == "CONSTRAINT" or kind == "FOREIGN KEY":
            return [op(ops.DROP_CONSTRAINT, table=table, name=n) for n in names]
        if kind == "INDEX":
            return [op(ops.DROP_INDEX, table=table, name=n) for n in names]
        return [op(ops.UNKNOWN, table=table, opaque=True, note=f"ALTER TABLE DROP {kind} not modelled")]
    if isinstance(action, exp.AlterColumn):
        col = _name(action.this)
        dtype = action.args.get("dtype")
        new_type = dtype.sql().lower() if isinstance(dtype, exp.DataType) else None
        nullable = None
        if action.args.get("allow_null") is not None:
            nullable = bool(action.args.get("allow_null"))
        if new_type is None and nullable is None:   # SET/DROP DEFAULT, comments: no structural change
            return [op(ops.OTHER, table=table, column=col, note="ALTER COLUMN default")]
        return [op(ops.ALTER_COLUMN, table=table, column=col, new_type=ops.normalise_type(new_type or "") or None,
                   nullable=nullable)]
    if isinstance(action, exp.ModifyColumn):
        cd = action.this
        if isinstance(cd, exp.ColumnDef):
            col, _ = _column_from_def(cd, "", 0)
            return [op(ops.ALTER_COLUMN, table=table, column=col.name, new_type=col.type or None, nullable=col.nullable)]
    if isinstance(action, exp.RenameColumn):
        return [op(ops.RENAME_COLUMN, table=table, column=_name(action.this), new_name=_name(action.args.get("to")))]
    if isinstance(action, exp.AlterRename):
        return [op(ops.RENAME_TABLE, table=table, new_name=_name(action.this))]
    if isinstance(action, exp.AddConstraint):
        out = []
        for item in action.expressions:
            kind, name, cols, fk = _table_constraint(item, "", 0)
            o = op(ops.ADD_CONSTRAINT, table=table, name=name, columns=cols, constraint_type=kind)
            if fk:
                fk.file, fk.line = o.file, o.line
                o.foreign_keys.append(fk)
                o.ref_table = fk.ref_table
            out.append(o)
        return out
    return [op(ops.UNKNOWN, table=table, opaque=True, note=f"ALTER TABLE action {type(action).__name__} not modelled")]
