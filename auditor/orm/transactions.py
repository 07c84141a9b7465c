"""Probe for DB-TRANSACTIONS: functions that write more than once, and whether those writes are atomic.

Heuristic, from the ast of each function (nested functions are separate):
- Autocommit writes (Django ORM: `.save()`, `.objects.create()`, queryset `.update(...)`, `.delete()`,
  `bulk_create`, ...) are each their own transaction: two or more outside `transaction.atomic` are not atomic.
- Unit-of-work writes (SQLAlchemy `session.add/delete/merge`, `execute(INSERT|UPDATE|DELETE ...)` on a
  session, connection or cursor, with SQL text or a statement builder such as `table.delete().where(...)`
  or `delete(Model)`, SQLModel `session.exec(delete(...))`) stay in one transaction until `commit()`: they are not atomic only when a
  commit falls between two of them (or a loop both writes and commits).
- Protection: `@transaction.atomic` / `@atomic`, `with transaction.atomic()`, `with session.begin()`,
  `with engine.begin()`, `with conn.transaction()`, `with conn:` (DB-API connection block), an explicit
  `BEGIN`/`START TRANSACTION`, or Django's ATOMIC_REQUESTS=True for request code.
A write inside a loop counts as several writes.
"""
from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of, walk
from auditor.orm.pyast import dotted, last_name, literal

AUTOCOMMIT = "autocommit"
UNIT_OF_WORK = "unit_of_work"
SESSION_WRITES = {"add", "add_all", "merge", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"}
DJANGO_MANAGER_WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
                         "acreate", "aget_or_create", "aupdate_or_create", "abulk_create", "abulk_update"}
WRITE_SQL = re.compile(r"^\s*(insert|update|delete|merge|replace|upsert)\b", re.I)
BEGIN_SQL = re.compile(r"^\s*(begin|start\s+transaction)\b", re.I)
TRANSACTION_CONTEXTS = {"atomic", "begin", "begin_nested", "transaction", "Atomic"}
ATOMIC_DECORATORS = {"atomic", "transactional", "transaction", "with_transaction"}
EXECUTE_METHODS = {"execute", "executemany", "exec_driver_sql", "exec"}   # exec: SQLModel's Session.exec
# methods chained on a SQLAlchemy statement (`table.delete().where(...)`): their receiver builds a statement
# that writes only when executed, so `.delete()` / `.update()` there is not a Django autocommit write
STATEMENT_CHAIN = {"where", "values", "returning", "filter", "filter_by", "execution_options", "prefix_with",
                   "on_conflict_do_nothing", "on_conflict_do_update", "on_duplicate_key_update", "ordered_values",
                   "with_dialect_options", "inline", "from_select"}
NON_REQUEST_CODE = re.compile(r"(^|/)(tasks?|jobs?|workers?|celery|management/commands|scripts?|cli)(/|\.py$)")


@dataclass(frozen=True)
class Write:
    line: int
    kind: str          # AUTOCOMMIT or UNIT_OF_WORK
    call: str          # source text of the call, shortened
    in_loop: bool


@dataclass
class WritingFunction:
    file: str
    name: str
    line: int
    writes: list[Write] = field(default_factory=list)
    commits: list[tuple[int, bool]] = field(default_factory=list)  # (line, in_loop)
    protected_writes: list[Write] = field(default_factory=list)
    protection: str = ""             # what makes it atomic, when it is
    protection_line: int | None = None
    atomic: bool = False
    reason: str = ""

    @property
    def write_count(self) -> int:
        return sum(2 if w.in_loop else 1 for w in self.writes + self.protected_writes)


def classify_write(call: ast.Call, statements: frozenset[str] = frozenset()) -> str | None:
    """AUTOCOMMIT, UNIT_OF_WORK, or None when this call is not a database write. `statements`: local names
    bound to a write statement (`stmt = delete(Item).where(...)`), so `session.exec(stmt)` is a write."""
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = call.func.attr
    receiver = dotted(call.func.value).lower()
    if attr in SESSION_WRITES and "session" in receiver:
        return UNIT_OF_WORK
    if attr == "delete" and len(call.args) == 1 and "session" in receiver:
        return UNIT_OF_WORK
    if attr in EXECUTE_METHODS and call.args:
        first = call.args[0]
        if isinstance(first, ast.Call) and last_name(first.func) in ("text", "SQL") and first.args:
            first = first.args[0]  # sqlalchemy.text("INSERT ..."), psycopg.sql.SQL("UPDATE ...")
        text = literal(first)
        if isinstance(first, ast.JoinedStr):
            text = "".join(v.value for v in first.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if isinstance(text, str) and WRITE_SQL.match(text):
            return UNIT_OF_WORK
        if isinstance(first, ast.Call) and last_name(first.func) in ("insert", "update", "delete") \
                or _chain_root_name(first) in ("insert", "update", "delete"):
            return UNIT_OF_WORK
        if isinstance(first, ast.Name) and first.id in statements:
            return UNIT_OF_WORK
        return None
    if attr in ("save", "asave") and not call.args and "session" not in receiver:
        return AUTOCOMMIT
    if attr in DJANGO_MANAGER_WRITES and ("objects" in receiver or "_set" in receiver):
        return AUTOCOMMIT
    if attr in ("update", "aupdate") and not call.args and call.keywords and _queryset_like(receiver):
        return AUTOCOMMIT
    if attr in ("delete", "adelete") and not call.args and not call.keywords and "session" not in receiver \
            and "cache" not in receiver:
        return AUTOCOMMIT
    return None


def _queryset_like(receiver: str) -> bool:
    return any(k in receiver for k in ("objects", "filter", "exclude", "_set", "select_for_update"))


def _chain_root_name(node: ast.AST) -> str:
    """The first call of a method chain: `delete` for `users.delete().where(...)` and `delete(User).where(...)`."""
    last_call = None
    while isinstance(node, ast.Call):
        last_call = node
        if not isinstance(node.func, ast.Attribute):
            break
        node = node.func.value
    return last_name(last_call.func) if last_call is not None else ""


def _write_statement_names(fn: ast.AST) -> set[str]:
    """Local names assigned an insert/update/delete statement builder in this function."""
    names = set()
    for node in walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and _chain_root_name(node.value) in ("insert", "update", "delete"):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _statement_builders(call: ast.Call) -> list[ast.Call]:
    """Calls that only build a SQL statement: every call inside the arguments of execute()/exec(), and the
    receivers of a `.where()/.values()/...` chain."""
    out: list[ast.Call] = []
    if isinstance(call.func, ast.Attribute) and call.func.attr in EXECUTE_METHODS:
        for arg in call.args:
            out += [n for n in walk(arg) if isinstance(n, ast.Call)]
    if isinstance(call.func, ast.Attribute) and call.func.attr in STATEMENT_CHAIN:
        node = call.func.value
        while isinstance(node, ast.Call):
            out.append(node)
            node = node.func.value if isinstance(node.func, ast.Attribute) else None
    return out


def _is_commit(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "commit" and not call.args


def _is_begin_sql(call: ast.Call) -> bool:
    if isinstance(call.func, ast.Attribute) and call.func.attr == "execute" and call.args:
        text = literal(call.args[0])
        return isinstance(text, str) and bool(BEGIN_SQL.match(text))
    return False


def _transaction_context(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Call):
        name = last_name(expr.func)
        return name in TRANSACTION_CONTEXTS or "transaction" in dotted(expr.func).lower()
    name = dotted(expr).lower()
    return name.endswith(("conn", "connection")) or "transaction" in name


def _atomic_decorator(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    for dec in fn.decorator_list:
        name = last_name(dec)
        if name in ATOMIC_DECORATORS or "atomic" in name.lower():
            if "non_atomic" not in name:
                return dec
    return None


def _non_atomic_requests(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any("non_atomic_requests" in dotted(d) for d in fn.decorator_list)


class _FunctionScan:
    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, result: WritingFunction) -> None:
        self.fn = fn
        self.result = result
        self.explicit_begin: int | None = None
        self.protection_lines: list[tuple[int, str]] = []
        self.builders: set[int] = set()      # ids of calls that build a statement, not write
        self.statements = frozenset(_write_statement_names(fn))

    def run(self) -> None:
        for stmt in self.fn.body:
            self.visit(stmt, False, None)

    def visit(self, node: ast.AST, in_loop: bool, protected: tuple[int, str] | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self.visit(node.iter if not isinstance(node, ast.While) else node.test, in_loop, protected)
            for stmt in node.body + node.orelse:
                self.visit(stmt, True, protected)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for child in ast.iter_child_nodes(node):
                self.visit(child, True, protected)
            return
        if isinstance(node, (ast.With, ast.AsyncWith)):
            inner = protected
            for item in node.items:
                self.visit(item.context_expr, in_loop, protected)
                if _transaction_context(item.context_expr):
                    inner = (node.lineno, ast.unparse(item.context_expr)[:60])
                    self.protection_lines.append(inner)
            for stmt in node.body:
                self.visit(stmt, in_loop, inner)
            return
        if isinstance(node, ast.Call):
            self.builders.update(id(c) for c in _statement_builders(node))
            kind = classify_write(node, self.statements) if id(node) not in self.builders else None
            if kind:
                write = Write(node.lineno, kind, ast.unparse(node)[:80], in_loop)
                (self.result.protected_writes if protected else self.result.writes).append(write)
            elif _is_commit(node) and not protected:
                self.result.commits.append((node.lineno, in_loop))
            elif _is_begin_sql(node) and self.explicit_begin is None:
                self.explicit_begin = node.lineno
        for child in ast.iter_child_nodes(node):
            self.visit(child, in_loop, protected)


# Every method name classify_write can call a write: a function calling none of them has no write to judge.
WRITE_METHOD_NAMES = (SESSION_WRITES | EXECUTE_METHODS | DJANGO_MANAGER_WRITES
                      | {"delete", "adelete", "save", "asave", "update", "aupdate"})


def _write_call_lines(tree: ast.Module) -> list[int]:
    return sorted(n.lineno for n in nodes_of(tree, ast.Call)
                  if isinstance(n.func, ast.Attribute) and n.func.attr in WRITE_METHOD_NAMES)


def scan_functions(rel: str, tree: ast.Module, atomic_requests_at: str | None = None) -> list[WritingFunction]:
    """Every function in the module that performs two or more writes, with its atomicity judged."""
    out: list[WritingFunction] = []
    write_lines = _write_call_lines(tree)
    if not write_lines:
        return out
    for node in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        first = bisect.bisect_left(write_lines, node.lineno)
        if first == len(write_lines) or write_lines[first] > node.end_lineno:
            continue  # no call in its lines could be a write (the line range is read, not its subtree)
        fn = WritingFunction(rel, node.name, node.lineno)
        scan = _FunctionScan(node, fn)
        scan.run()
        if fn.write_count < 2:
            continue
        _judge(fn, node, scan, rel, atomic_requests_at)
        out.append(fn)
    return out


def _judge(fn: WritingFunction, node, scan: _FunctionScan, rel: str, atomic_requests_at: str | None) -> None:
    decorator = _atomic_decorator(node)
    if decorator is not None:
        fn.atomic, fn.protection, fn.protection_line = True, f"@{ast.unparse(decorator)}", decorator.lineno
        return
    if scan.explicit_begin is not None:
        fn.atomic, fn.protection, fn.protection_line = True, "explicit BEGIN", scan.explicit_begin
        return
    if atomic_requests_at and not NON_REQUEST_CODE.search(rel) and not _non_atomic_requests(node):
        fn.atomic, fn.protection, fn.protection_line = True, f"ATOMIC_REQUESTS=True ({atomic_requests_at})", node.lineno
        return
    autocommit = [w for w in fn.writes if w.kind == AUTOCOMMIT]
    unit = [w for w in fn.writes if w.kind == UNIT_OF_WORK]
    weight = sum(2 if w.in_loop else 1 for w in autocommit)
    if autocommit and (weight >= 2 or unit or fn.protected_writes):
        fn.reason = (f"{len(autocommit)} autocommitted write(s) outside a transaction"
                     + (" (in a loop)" if any(w.in_loop for w in autocommit) else ""))
        return
    lines = sorted(w.line for w in unit)
    split = [c for c, _ in fn.commits if lines and lines[0] < c < lines[-1]]
    looped = [c for c, in_loop in fn.commits if in_loop and any(w.in_loop for w in unit)]
    if split or looped:
        where = (split or looped)[0]
        fn.reason = f"commit() at line {where} splits the writes into separate transactions"
        return
    fn.atomic = True
    if not fn.writes and scan.protection_lines:
        fn.protection_line, fn.protection = scan.protection_lines[0][0], f"with {scan.protection_lines[0][1]}"
    elif fn.writes:
        commit = fn.commits[-1][0] if fn.commits else None
        fn.protection = "one unit of work" + (f", committed once at line {commit}" if commit else ", committed by the caller")
        fn.protection_line = commit or fn.line
    else:
        fn.protection, fn.protection_line = "transaction block", fn.line


def direct_writes(rel: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> WritingFunction:
    """The writes and commits a function makes in its own body, not judged (any number of writes): callers
    combine them with the writes of the helpers the function calls (auditor/checks/database/transactions.py)."""
    fn = WritingFunction(rel, node.name, node.lineno)
    _FunctionScan(node, fn).run()
    return fn
