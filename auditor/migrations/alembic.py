"""Alembic revisions, read with `ast`: revision ids, the down_revision chain, upgrade()/downgrade() op calls."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.dbschema import ForeignKey
from auditor.migrations import operations as ops
from auditor.migrations.model import Migration, ParseProblem
from auditor.migrations.operations import Operation, column_def
from auditor.migrations.pyast import (
    UNKNOWN,
    arg,
    const,
    dotted,
    is_empty_body,
    kwarg,
    raise_reason,
    source_line,
    string,
    strings,
)
from auditor.migrations.sql import parse_sql

_ENUM_TYPES = ("Enum", "ENUM")
_IGNORED_CALLS = ("op.get_bind", "op.get_context", "print", "logger.", "logging.", "log.")


def parse_alembic(text: str, file: str, dialect: str | None) -> Migration:
    folder = file.rsplit("/", 1)[0] if "/" in file else "."
    stem = file.rsplit("/", 1)[-1][:-3]
    mig = Migration("alembic", stem, stem, file, 1, folder=folder)
    try:
        tree = ast.parse(text, filename=file)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        mig.problems.append(ParseProblem(file, getattr(exc, "lineno", None), f"does not parse as Python: {exc}"))
        return mig
    lines = text.splitlines()
    doc = ast.get_docstring(tree) or ""
    message = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    mig.doc = message
    mig.documented = bool(message) and message.lower() not in ("empty message", "initial", "none") \
        and not message.lower().startswith("revision id")
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        targets: list[tuple[str, ast.AST]] = []
        if isinstance(node, ast.Assign):
            targets = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            targets = [(node.target.id, node.value)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node
        for name, value in targets:
            v = const(value)
            if name == "revision" and isinstance(v, str):
                mig.version = v
                mig.line = node.lineno
            elif name == "down_revision":
                if isinstance(v, str):
                    mig.dependencies = [v]
                elif isinstance(v, (tuple, list)):
                    mig.dependencies = [x for x in v if isinstance(x, str)]
                elif v is UNKNOWN:
                    mig.problems.append(ParseProblem(file, node.lineno, "down_revision is not a literal"))
    if mig.version == stem:
        mig.problems.append(ParseProblem(file, None, "no literal `revision = ...` found"))
    m = re.match(r"^[0-9a-f]+_(.+)$", stem)
    mig.name = m.group(1) if m else stem
    enums = _module_enums(tree)
    up = functions.get("upgrade")
    if up is None:
        mig.problems.append(ParseProblem(file, None, "no upgrade() function"))
    else:
        mig.forward = _BodyReader(file, lines, dialect, enums, functions).read(up.body)
    down = functions.get("downgrade")
    if down is not None:
        mig.has_rollback = True
        mig.rollback_line = down.lineno
        mig.rollback_file = file
        mig.rollback_empty = is_empty_body(down.body)
        mig.rollback_raises, mig.irreversible_reason = raise_reason(down.body)
        mig.rollback = _BodyReader(file, lines, dialect, enums, functions).read(down.body)
    for op in mig.forward + mig.rollback:
        if op.kind == ops.RAW_SQL and op.note:
            mig.problems.append(ParseProblem(file, op.line, op.note))
    return mig


def _ref_table(target: str) -> str:
    """'users.id' -> users; 'schema.users.id' -> users."""
    parts = target.lower().split(".")
    return parts[-2] if len(parts) >= 2 else parts[0]


def _module_enums(tree: ast.Module) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Variables bound to sa.Enum(..., name=X) / postgresql.ENUM(...): var -> (type name, values)."""
    out = {}
    for node in nodes_of(tree, ast.Assign):
        if isinstance(node.value, ast.Call):
            enum = _enum_of(node.value)
            if enum:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        out[t.id] = enum
    return out


def _enum_of(call: ast.AST) -> tuple[str, tuple[str, ...]] | None:
    if isinstance(call, ast.Call) and dotted(call.func).rsplit(".", 1)[-1] in _ENUM_TYPES:
        name = string(kwarg(call, "name"))
        if name:
            return name, tuple(s for s in (string(a) for a in call.args) if s)
    return None


class _BodyReader:
    """Reads upgrade()/downgrade(). A call to a helper function of the same module (`create_users_table()`,
    `*timestamps()` inside create_table) is read as if its body were written in place, once per call stack."""

    def __init__(self, file: str, lines: list[str], dialect: str | None, enums: dict,
                 helpers: dict[str, ast.FunctionDef] | None = None):
        self.file, self.lines, self.dialect, self.enums = file, lines, dialect, enums
        self.helpers = {k: v for k, v in (helpers or {}).items() if k not in ("upgrade", "downgrade")}
        self.following: set[str] = set()
        self.out: list[Operation] = []

    def helper(self, name: str) -> ast.FunctionDef | None:
        fn = self.helpers.get(name)
        return fn if fn is not None and name not in self.following and not fn.args.args else None

    def helper_columns(self, node: ast.AST) -> list[ast.AST]:
        """`*timestamps()`: the Column calls a helper returns as a tuple or list."""
        if not (isinstance(node, ast.Starred) and isinstance(node.value, ast.Call)):
            return [node]
        fn = self.helper(dotted(node.value.func))
        returns = [s.value for s in fn.body if isinstance(s, ast.Return)] if fn else []
        if len(returns) == 1 and isinstance(returns[0], (ast.Tuple, ast.List)):
            return list(returns[0].elts)
        return [node]

    def op(self, kind: str, node: ast.AST, **kw) -> Operation:
        o = Operation(kind, self.file, getattr(node, "lineno", None), text=source_line(self.lines, getattr(node, "lineno", None)), **kw)
        self.out.append(o)
        return o

    def read(self, body: list[ast.stmt]) -> list[Operation]:
        for stmt in body:
            self.statement(stmt, None)
        return self.out

    def statement(self, stmt: ast.stmt, batch_table: str | None) -> None:
        if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom, ast.Raise, ast.Return)):
            return
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):
                return
            if isinstance(stmt.value, ast.Call):
                self.call(stmt.value, batch_table)
                return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            table = batch_table
            for item in stmt.items:
                ctx = item.context_expr
                if isinstance(ctx, ast.Call) and dotted(ctx.func).endswith("batch_alter_table"):
                    table = (string(arg(ctx, 0, "table_name")) or "").lower() or None
            for s in stmt.body:
                self.statement(s, table)
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            value = stmt.value
            if isinstance(value, ast.Call):
                name = dotted(value.func)
                if name.startswith("op.") and not name.startswith(_IGNORED_CALLS):
                    self.call(value, batch_table)
            return   # other assignments (sa.table(...), bind = op.get_bind()) prepare, they change nothing
        if isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try)):
            self.op(ops.RUN_PYTHON, stmt, opaque=True, note=f"{type(stmt).__name__.lower()} block: conditional or repeated operations")
            for field in ("body", "orelse", "finalbody"):
                for s in getattr(stmt, field, []) or []:
                    self.statement(s, batch_table)
            return
        self.op(ops.RUN_PYTHON, stmt, opaque=True, note="code the parser does not follow")

    def call(self, call: ast.Call, batch: str | None) -> None:
        name = dotted(call.func)
        method = name.rsplit(".", 1)[-1]
        receiver = name.rsplit(".", 1)[0] if "." in name else ""
        if name.startswith(_IGNORED_CALLS):
            return
        if method in ("create", "drop") and (receiver in self.enums or _enum_of(call.func.value if isinstance(call.func, ast.Attribute) else None)):
            enum = self.enums.get(receiver) or _enum_of(call.func.value)
            self.op(ops.CREATE_ENUM if method == "create" else ops.DROP_ENUM, call, name=enum[0], values=enum[1],
                    if_exists=method == "drop")
            return
        fn = self.helper(name) if not receiver else None
        if fn is not None:
            self.following.add(name)
            for stmt in fn.body:
                self.statement(stmt, batch)
            self.following.discard(name)
            return
        if not (receiver in ("op", "batch_op") or batch is not None and receiver not in ("", "sa", "conn", "connection", "bind")):
            if method == "execute" and call.args:
                self.execute(call, data_default=True)
                return
            self.op(ops.RUN_PYTHON, call, opaque=True, note=f"call to {name or 'an expression'}")
            return
        if batch is not None and receiver != "op":
            self.batch_call(call, method, batch)
            return
        handler = getattr(self, f"op_{method}", None)
        if handler is None:
            self.op(ops.UNKNOWN, call, opaque=True, note=f"op.{method} not modelled")
            return
        handler(call)

    # ---- op.* -----------------------------------------------------------------------------------
    def op_create_table(self, call: ast.Call) -> None:
        table = (string(arg(call, 0, "table_name")) or "").lower()
        o = self.op(ops.CREATE_TABLE, call, table=table)
        pk: tuple[str, ...] = ()
        indexes = []
        for a in [c for node in call.args[1:] for c in self.helper_columns(node)]:
            if not isinstance(a, ast.Call):
                continue
            kind = dotted(a.func).rsplit(".", 1)[-1]
            if kind == "Column":
                col, fk, index, enum = self.sa_column(a)
                if col is None:
                    continue
                o.column_defs.append(col)
                if fk:
                    o.foreign_keys.append(fk)
                if index:
                    indexes.append((col.name, index))
                if enum:
                    self._implied_enum(a, enum)
            elif kind == "PrimaryKeyConstraint":
                pk = strings(ast.List(elts=list(a.args))) if a.args else ()
            elif kind == "ForeignKeyConstraint":
                cols = strings(arg(a, 0, "columns"))
                refs = strings(arg(a, 1, "refcolumns"))
                if refs:
                    o.foreign_keys.append(ForeignKey(tuple(c.lower() for c in cols), _ref_table(refs[0]),
                                                     tuple(r.split(".")[-1].lower() for r in refs),
                                                     string(kwarg(a, "name")), self.file, a.lineno))
            elif kind == "UniqueConstraint":
                cols = tuple(s.lower() for s in (string(x) for x in a.args) if s)
                if cols:
                    o.unique_sets.append(cols)
        for c in o.column_defs:
            if c.name in [p.lower() for p in pk]:
                c.primary_key, c.nullable = True, False
        for col, unique in indexes:
            self.out.append(Operation(ops.CREATE_INDEX, self.file, call.lineno, table=table, name=f"ix_{table}_{col}",
                                      columns=(col,), unique=unique == "unique", text=o.text, note="Column(index=True)"))

    def _implied_enum(self, node: ast.AST, enum: tuple[str, tuple[str, ...]]) -> None:
        """sa.Enum(name=X) in a column creates the type X on Postgres; drop_table does not drop it."""
        if self.dialect == "postgres":
            self.out.append(Operation(ops.CREATE_ENUM, self.file, node.lineno, name=enum[0], values=enum[1],
                                      if_exists=True, text=source_line(self.lines, node.lineno),
                                      note="implicit enum type"))

    def sa_column(self, call: ast.Call):
        """(Column, ForeignKey|None, index flag, enum) from sa.Column(name, type, ...)."""
        name = string(arg(call, 0))
        if not name:
            return None, None, None, None
        name = name.lower()
        type_ = ""
        fk = None
        enum = None
        for a in call.args[1:]:
            if isinstance(a, ast.Call) and dotted(a.func).rsplit(".", 1)[-1] == "ForeignKey":
                target = string(arg(a, 0)) or ""
                fk = ForeignKey((name,), _ref_table(target), (target.split(".")[-1].lower(),),
                                string(kwarg(a, "name")), self.file, a.lineno)
            elif isinstance(a, (ast.Call, ast.Attribute, ast.Name)) and not type_:
                type_ = dotted(a.func if isinstance(a, ast.Call) else a).rsplit(".", 1)[-1]
                if isinstance(a, ast.Call) and const(kwarg(a, "timezone")) is True:
                    type_ = "timestamptz"
                enum = _enum_of(a) if isinstance(a, ast.Call) else None
                if isinstance(a, ast.Call) and type_ in ("Enum", "ENUM") and const(kwarg(a, "create_type")) is False:
                    enum = None
        nullable = const(kwarg(call, "nullable"))
        pk = const(kwarg(call, "primary_key")) is True
        unique = const(kwarg(call, "unique")) is True
        default_node = kwarg(call, "server_default")
        default = ast.unparse(default_node) if default_node is not None else None
        index = const(kwarg(call, "index"))
        col = column_def(name, type_, nullable is not False, pk, unique, default, self.file, call.lineno)
        return col, fk, ("unique" if index is True and unique else "plain") if index is True else None, enum

    def op_add_column(self, call: ast.Call, table: str | None = None, col_node: ast.AST | None = None) -> None:
        table = table or (string(arg(call, 0, "table_name")) or "").lower()
        col_node = col_node if col_node is not None else arg(call, 1, "column")
        if not isinstance(col_node, ast.Call):
            self.op(ops.ADD_COLUMN, call, table=table, opaque=True, note="column is not a literal sa.Column")
            return
        col, fk, index, enum = self.sa_column(col_node)
        if col is None:
            self.op(ops.ADD_COLUMN, call, table=table, opaque=True, note="column name is not a literal")
            return
        if enum:
            self._implied_enum(call, enum)
        o = self.op(ops.ADD_COLUMN, call, table=table, column=col.name)
        o.column_defs.append(col)
        if fk:
            o.foreign_keys.append(fk)

    def op_drop_column(self, call: ast.Call, table: str | None = None) -> None:
        if table is None:
            table = (string(arg(call, 0, "table_name")) or "").lower()
            col = string(arg(call, 1, "column_name"))
        else:
            col = string(arg(call, 0, "column_name"))
        self.op(ops.DROP_COLUMN, call, table=table, column=(col or "").lower() or None, opaque=col is None)

    def op_alter_column(self, call: ast.Call, table: str | None = None) -> None:
        if table is None:
            table = (string(arg(call, 0, "table_name")) or "").lower()
            col = (string(arg(call, 1, "column_name")) or "").lower()
        else:
            col = (string(arg(call, 0, "column_name")) or "").lower()
        type_node = kwarg(call, "type_")
        new_type = None
        if type_node is not None:
            new_type = ops.normalise_type(ast.unparse(type_node))
        nullable = const(kwarg(call, "nullable"))
        if new_type or isinstance(nullable, bool):
            old_type_node = kwarg(call, "existing_type")
            self.op(ops.ALTER_COLUMN, call, table=table, column=col, new_type=new_type,
                    nullable=nullable if isinstance(nullable, bool) else None,
                    type_text=ast.unparse(type_node) if type_node is not None else "",
                    old_type_text=ast.unparse(old_type_node) if old_type_node is not None else "")
        new_name = string(kwarg(call, "new_column_name"))
        if new_name:
            self.op(ops.RENAME_COLUMN, call, table=table, column=col, new_name=new_name.lower())
        if not new_type and not isinstance(nullable, bool) and not new_name:
            self.op(ops.OTHER, call, table=table, column=col, note="alter_column: default/comment only")

    def op_create_index(self, call: ast.Call, table: str | None = None) -> None:
        name = string(arg(call, 0, "index_name"))
        if table is None:
            table = (string(arg(call, 1, "table_name")) or "").lower()
            cols_node = arg(call, 2, "columns")
        else:
            cols_node = arg(call, 1, "columns")
        self.op(ops.CREATE_INDEX, call, table=table, name=name, columns=tuple(c.lower() for c in strings(cols_node)),
                unique=const(kwarg(call, "unique")) is True,
                concurrently=const(kwarg(call, "postgresql_concurrently")) is True)

    def op_drop_index(self, call: ast.Call, table: str | None = None) -> None:
        name = string(arg(call, 0, "index_name"))
        table = table or (string(arg(call, 1, "table_name")) or "").lower() or None
        self.op(ops.DROP_INDEX, call, table=table, name=name, opaque=name is None,
                concurrently=const(kwarg(call, "postgresql_concurrently")) is True)

    def _constraint(self, call: ast.Call, ctype: str, table: str | None, cols_index: int) -> Operation:
        name = string(arg(call, 0, "constraint_name"))
        if table is None:
            table = (string(arg(call, 1, "table_name")) or "").lower()
        else:
            cols_index -= 1
        cols = tuple(c.lower() for c in strings(arg(call, cols_index, "columns")))
        return self.op(ops.ADD_CONSTRAINT, call, table=table, name=name, columns=cols, constraint_type=ctype)

    def op_create_unique_constraint(self, call: ast.Call, table: str | None = None) -> None:
        self._constraint(call, "unique", table, 2)

    def op_create_primary_key(self, call: ast.Call, table: str | None = None) -> None:
        self._constraint(call, "primary_key", table, 2)

    def op_create_check_constraint(self, call: ast.Call, table: str | None = None) -> None:
        o = self._constraint(call, "check", table, 99)
        o.columns = ()

    def op_create_foreign_key(self, call: ast.Call, table: str | None = None) -> None:
        name = string(arg(call, 0, "constraint_name"))
        offset = 0 if table is None else -1
        if table is None:
            table = (string(arg(call, 1, "source_table")) or "").lower()
        ref = (string(arg(call, 2 + offset, "referent_table")) or "").lower()
        local = tuple(c.lower() for c in strings(arg(call, 3 + offset, "local_cols")))
        remote = tuple(c.lower() for c in strings(arg(call, 4 + offset, "remote_cols")))
        o = self.op(ops.ADD_CONSTRAINT, call, table=table, name=name, columns=local, constraint_type="foreign_key",
                    ref_table=ref)
        o.foreign_keys.append(ForeignKey(local, ref, remote, name, self.file, call.lineno))

    def op_drop_constraint(self, call: ast.Call, table: str | None = None) -> None:
        name = string(arg(call, 0, "constraint_name"))
        if table is None:
            table = (string(arg(call, 1, "table_name")) or "").lower()
        ctype = {"foreignkey": "foreign_key", "unique": "unique", "primary": "primary_key", "check": "check"}.get(
            string(kwarg(call, "type_")) or "")
        self.op(ops.DROP_CONSTRAINT, call, table=table, name=name, opaque=name is None, constraint_type=ctype,
                note="" if name else "drop_constraint(None, ...): no name to verify, and Alembic cannot drop an "
                                     "unnamed constraint unless a naming convention supplies one")

    def op_drop_table(self, call: ast.Call) -> None:
        table = string(arg(call, 0, "table_name"))
        self.op(ops.DROP_TABLE, call, table=(table or "").lower() or None, opaque=table is None)

    def op_rename_table(self, call: ast.Call) -> None:
        old, new = string(arg(call, 0, "old_table_name")), string(arg(call, 1, "new_table_name"))
        self.op(ops.RENAME_TABLE, call, table=(old or "").lower(), new_name=(new or "").lower(), opaque=not (old and new))

    def op_bulk_insert(self, call: ast.Call) -> None:
        self.op(ops.DATA, call, note="bulk_insert")

    def op_execute(self, call: ast.Call) -> None:
        self.execute(call, data_default=False)

    def execute(self, call: ast.Call, data_default: bool) -> None:
        sql = string(arg(call, 0, "sqltext"))
        if sql is None:
            inner = arg(call, 0)
            # op.execute(table.update()...) / conn.execute(select(...)): SQLAlchemy Core expressions
            core = dotted(inner.func) if isinstance(inner, ast.Call) else ""
            if re.search(r"\b(update|insert|delete|values|where|select)\b", ast.unparse(inner) if inner else ""):
                self.op(ops.DATA, call, note=f"SQLAlchemy Core {core or 'expression'}")
                return
            self.op(ops.RAW_SQL, call, opaque=True, note="execute() of SQL that is not a literal string")
            return
        parsed, problems = parse_sql(sql, self.file, self.dialect, first_line=call.lineno)
        for o in parsed:
            o.line = call.lineno
            o.text = source_line(self.lines, call.lineno)
            if o.opaque and not o.note.startswith("parse"):
                o.note = f"execute(): {o.note}"
        self.out.extend(parsed)

    def op_f(self, call: ast.Call) -> None:
        return

    # ---- batch_op.* (table implied by the with-block) --------------------------------------------
    def batch_call(self, call: ast.Call, method: str, table: str) -> None:
        handler = getattr(self, f"op_{method}", None)
        if method == "add_column":
            self.op_add_column(call, table, arg(call, 0, "column"))
        elif method in ("drop_column", "alter_column", "create_index", "drop_index", "create_unique_constraint",
                        "create_foreign_key", "drop_constraint", "create_check_constraint", "create_primary_key"):
            assert handler is not None, method   # every method listed has an op_<method>
            handler(call, table)
        elif method == "execute":
            self.execute(call, data_default=False)
        else:
            self.op(ops.UNKNOWN, call, opaque=True, note=f"batch_op.{method} not modelled")
