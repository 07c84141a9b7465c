"""Probes for DB-QUERY-OPTIMIZATION that semgrep cannot express well (heuristic).

- `unbounded_handler_queries`: a request handler that loads a whole table (`Model.query.all()`,
  `session.query(M).all()`, `session.scalars(select(M)).all()`, `Model.objects.all()` used directly) with
  no filter, limit or pagination anywhere in the handler.
- `select_star_in_sql`: `SELECT *` in `.sql` files, parsed with sqlglot (`EXISTS (SELECT * ...)` and
  `count(*)` are fine and not reported).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from sqlglot import exp

from auditor.astwalk import nodes_of, walk
from auditor.orm.pyast import dotted, last_name
from auditor.orm.sql_ddl import guess_dialect, parse_statement, split_statements

ROUTE_DECORATORS = {"route", "get", "api_view", "list_route"}
BOUNDING_CALLS = {"filter", "filter_by", "where", "limit", "paginate", "offset", "slice", "get", "first", "one",
                  "exclude", "one_or_none", "scalar", "fetch", "page", "get_object_or_404", "Paginator",
                  "paginate_queryset", "get_list_or_404", "with_for_update", "having", "group_by", "distinct"}
LIST_METHOD_NAMES = {"get", "list"}


@dataclass(frozen=True)
class QueryFinding:
    file: str
    line: int
    message: str


def _is_handler(fn: ast.FunctionDef | ast.AsyncFunctionDef, rel: str, in_class: bool) -> bool:
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and last_name(dec.func) in ROUTE_DECORATORS:
            methods = [kw.value for kw in dec.keywords if kw.arg == "methods"]
            if methods and isinstance(methods[0], (ast.List, ast.Tuple)):
                values = {getattr(e, "value", "").upper() for e in methods[0].elts}
                if "GET" not in values:
                    return False
            return True
    args = [a.arg for a in fn.args.args]
    if is_graphql_resolver(fn):
        return True
    is_views = rel.endswith(("views.py", "api.py")) or "/views/" in rel
    if not is_views:
        return False
    if in_class:
        return fn.name in LIST_METHOD_NAMES and args[:2] == ["self", "request"]
    return bool(args) and args[0] == "request"


def is_graphql_resolver(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A graphene/strawberry-style resolver (`def resolve_posts(self, info, ...)`): the server calls it per request."""
    args = [a.arg for a in fn.args.args]
    return fn.name.startswith("resolve_") and "info" in args[:2]


def _chain_names(node: ast.AST) -> list[str]:
    """Names of every call and attribute along a method chain and inside its call arguments."""
    names = []
    for sub in walk(node):
        if isinstance(sub, ast.Call):
            names.append(last_name(sub.func))
        elif isinstance(sub, ast.Attribute):
            names.append(sub.attr)
    return names


def _whole_table_all(call: ast.Call) -> bool:
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "all" and not call.args and not call.keywords):
        return False
    receiver = call.func.value
    names = set(_chain_names(receiver))
    if names & BOUNDING_CALLS:
        return False
    text = dotted(receiver)
    return (text.endswith(".query") or text.endswith(".objects") or "query" in names or "select" in names
            or "scalars" in names)


def unbounded_handler_queries(rel: str, tree: ast.Module) -> list[QueryFinding]:
    found = []
    classes = {id(fn) for node in nodes_of(tree, ast.ClassDef)
               for fn in node.body if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if not _is_handler(fn, rel, id(fn) in classes):
            continue
        calls = [n for n in walk(fn) if isinstance(n, ast.Call)]
        if any(last_name(c.func) in ("paginate", "Paginator", "paginate_queryset", "limit") for c in calls) \
                or any(isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice) for n in walk(fn)):
            continue
        for call in calls:
            if _whole_table_all(call):
                found.append(QueryFinding(rel, call.lineno,
                                          f"handler {fn.name}() loads a whole table with {ast.unparse(call)[:70]} "
                                          "(no filter, limit or pagination)"))
    return found


def select_star_in_sql(rel: str, text: str, dialect_hint: str | None = None) -> list[QueryFinding]:
    dialect = guess_dialect(text, dialect_hint)
    found = []
    for stmt in split_statements(text, dialect):
        if "*" not in stmt.text:
            continue
        tree = parse_statement(stmt, dialect)
        if tree is None or isinstance(tree, exp.Command):
            continue
        for select in tree.find_all(exp.Select):
            if select.find_ancestor(exp.Exists) is not None:
                continue
            if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                   for e in select.expressions):
                found.append(QueryFinding(rel, stmt.line, "SELECT * in SQL: " + " ".join(stmt.text.split())[:80]))
                break
    return found


# a SELECT of rows (not one aggregate) with no WHERE and no LIMIT: every row of the table
SQL_SELECT = re.compile(r"^\s*SELECT\b(?P<columns>.*?)\bFROM\b", re.I | re.S)
SQL_BOUNDED = re.compile(r"\b(?:WHERE|LIMIT|FETCH\s+FIRST|TOP)\b", re.I)
SQL_AGGREGATE_ONLY = re.compile(r"^\s*(?:DISTINCT\s+)?(?:count|max|min|sum|avg|exists)\s*\([^)]*\)\s*(?:AS\s+\w+\s*)?$", re.I)
EXECUTES = {"execute", "fetch", "fetchall", "fetchrow", "query", "raw", "executemany", "scalars", "exec_driver_sql"}


@dataclass(frozen=True)
class WholeTableRead:
    line: int
    query: str
    bound_by: str | None     # the parameter that adds the LIMIT when given (`get_many(conn, limit=None)`), if any


def _assigned_values(fn: ast.AST) -> dict[str, ast.expr]:
    """name -> the expression last assigned to it in the function (awaits unwrapped)."""
    values: dict[str, ast.expr] = {}
    for node in walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            values[node.targets[0].id] = value
    return values


def whole_table_reads(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[WholeTableRead]:
    """Reads of every row of a table in one function: an ORM `.all()` whose query (in the chain or in the
    variable it is called on, `rows = await s.scalars(select(M)); rows.all()`) has no filter or limit, and an
    executed SQL SELECT with no WHERE and no LIMIT. A LIMIT the function appends only when a parameter is given
    names that parameter (`bound_by`): the read is whole-table for callers that leave it out."""
    found: list[WholeTableRead] = []
    values = _assigned_values(fn)
    calls = [n for n in walk(fn) if isinstance(n, ast.Call)]
    if any(last_name(c.func) in ("paginate", "Paginator", "paginate_queryset", "limit") for c in calls):
        return found
    for call in calls:
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "all" and not call.args and not call.keywords):
            continue
        receiver = call.func.value
        if isinstance(receiver, ast.Name) and receiver.id in values:
            receiver = values[receiver.id]
        synthetic = ast.Call(func=ast.Attribute(value=receiver, attr="all", ctx=ast.Load()), args=[], keywords=[])
        if _whole_table_all(synthetic):
            text = ast.unparse(receiver)
            found.append(WholeTableRead(call.lineno, (text if len(text) <= 70 else text[:67] + "...") + ".all()", None))
    if not any(last_name(c.func) in EXECUTES for c in calls):
        return found
    params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
    for node in walk(fn):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        select = SQL_SELECT.match(node.value)
        if not select or SQL_BOUNDED.search(node.value) or SQL_AGGREGATE_ONLY.match(select.group("columns")):
            continue
        bound_by = _conditional_limit(fn, params)
        if bound_by == "":
            continue
        found.append(WholeTableRead(node.lineno, " ".join(node.value.split())[:80], bound_by))
    return found


def _conditional_limit(fn: ast.AST, params: set[str]) -> str | None:
    """"" when the function always adds a LIMIT, the parameter when it adds one only under `if <param>`, None
    when it adds none."""
    for node in walk(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"\bLIMIT\b", node.value, re.I) \
                and not SQL_SELECT.match(node.value):
            for branch in walk(fn):
                if isinstance(branch, ast.If) and any(n is node for stmt in branch.body for n in walk(stmt)):
                    named = [n.id for n in walk(branch.test) if isinstance(n, ast.Name) and n.id in params]
                    return named[0] if named else ""
            return ""
    return None
