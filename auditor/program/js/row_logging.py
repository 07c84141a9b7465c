"""Whole database rows that hold personal data, written to a log (JavaScript/TypeScript, on the JS program model).

`db.getPurchases(user).then(function (rows) { console.log(rows); ... })` prints every column of every row: when
the query reads a table with personal-data columns (e-mail, postal address, phone, birth date, national id,
card number) those values end up in the logs, where they are kept longer and read by more people than the
database. The finding needs both halves, each with its place:
- a repository function whose text runs `SELECT * FROM t` (or selects a personal column of t), where the
  repository declares t with a personal-data column (`CREATE TABLE t (... mail ...)` in code or a .sql file,
  or `INSERT INTO t (..., phone, ...)`);
- a caller that logs that function's result whole: the parameter of a `.then(...)` callback chained on the
  call, or a name bound to `await` of the call, given as an argument of a log call (console, logger, log).
A log of one field (`rows.length`, `row.id`) is not counted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from auditor.program.js import JsProgram
from auditor.program.js.effects import unwrap
from auditor.program.js.parse import line, text
from auditor.program.js.resolve import Resolver
from auditor.program.js.symbols import FUNCTIONS
from auditor.repo import Repository

PERSONAL_COLUMN = re.compile(r"^(?:e_?mail|mail|email_?address|address|street|postal_?code|zip_?code|phone|"
                             r"phone_?number|mobile|telephone|birth_?date|date_?of_?birth|dob|ssn|"
                             r"national_?id|passport|credit_?card|card_?number|iban)$", re.I)
CREATE_TABLE = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"]?(\w+)[`\"]?\s*\(", re.I)
INSERT_COLUMNS = re.compile(r"\bINSERT\s+INTO\s+[`\"]?(\w+)[`\"]?\s*\(([^()]*)\)", re.I)
SELECT_FROM = re.compile(r"\bSELECT\s+(.*?)\s+FROM\s+[`\"]?(\w+)", re.I | re.S)
LOG_CALL = re.compile(r"^(?:console|logger|log|this\.logger|winston|pino)\.(?:log|info|debug|warn|error|trace|"
                      r"verbose|silly)$")
SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".sql")


@dataclass(frozen=True)
class RowLog:
    file: str
    line: int           # the log call
    table: str
    columns: tuple[str, ...]
    query_file: str
    query_line: int


def personal_tables(repo: Repository) -> dict[str, tuple[str, ...]]:
    """table -> its personal-data columns, from the CREATE TABLE and INSERT statements the repository holds."""
    out: dict[str, set[str]] = {}
    for path in repo.paths():
        if not path.endswith(SOURCE_SUFFIXES) or "node_modules/" in path:
            continue
        src = repo.read_text(path) or ""
        if "CREATE" not in src.upper() and "INSERT" not in src.upper():
            continue
        for m in CREATE_TABLE.finditer(src):
            body = _parenthesised(src, m.end() - 1)
            for part in re.split(r",(?![^()]*\))", body):
                word = re.match(r"\s*[`\"]?(\w+)", part)
                if word and PERSONAL_COLUMN.match(word.group(1)):
                    out.setdefault(m.group(1).lower(), set()).add(word.group(1))
        for m in INSERT_COLUMNS.finditer(src):
            for col in m.group(2).split(","):
                col = col.strip().strip("`\"")
                if PERSONAL_COLUMN.match(col):
                    out.setdefault(m.group(1).lower(), set()).add(col)
    return {t: tuple(sorted(c)) for t, c in out.items()}


def _parenthesised(src: str, at: int) -> str:
    depth = 0
    for i in range(at, min(len(src), at + 4000)):
        if src[i] == "(":
            depth += 1
        elif src[i] == ")":
            depth -= 1
            if depth == 0:
                return src[at + 1:i]
    return ""


def _personal_query(node: Node, tables: dict[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...], int] | None:
    """(table, personal columns read, line) of a SELECT in the function's strings that reads personal columns."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("string", "template_string"):
            for m in SELECT_FROM.finditer(text(n)):
                cols = tables.get(m.group(2).lower())
                if not cols:
                    continue
                selected = m.group(1)
                read = cols if re.fullmatch(r"\s*(?:\w+\.)?\*\s*", selected) else \
                    tuple(c for c in cols if re.search(rf"\b{re.escape(c)}\b", selected, re.I))
                if read:
                    return m.group(2), read, line(n)
            continue
        stack.extend(n.named_children)
    return None


def _calls(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            yield n
        stack.extend(n.named_children)


def _first_param(fn: Node) -> str | None:
    one = fn.child_by_field_name("parameter")
    if one is not None:
        return text(one)
    params = fn.child_by_field_name("parameters")
    first = next((p for p in (params.named_children if params is not None else []) if p.type != "comment"), None)
    if first is None:
        return None
    pattern = first.child_by_field_name("pattern") if first.type in ("required_parameter", "optional_parameter") \
        else first
    return text(pattern) if pattern is not None and pattern.type == "identifier" else None


def _logs_whole(body: Node, name: str) -> Node | None:
    for call in _calls(body):
        callee = call.child_by_field_name("function")
        if callee is None or not LOG_CALL.match(" ".join(text(callee).split())):
            continue
        args = call.child_by_field_name("arguments")
        if any(unwrap(a).type == "identifier" and text(unwrap(a)) == name
               for a in (args.named_children if args is not None else [])):
            return call
    return None


def logged_personal_rows(repo: Repository, program: JsProgram) -> list[RowLog]:
    tables = personal_tables(repo)
    if not tables:
        return []
    queries = {}
    for fid, fn in program.functions.items():
        if fn.node is not None and not fn.module_code:
            found = _personal_query(fn.node, tables)
            if found:
                queries[fid] = found
    if not queries:
        return []
    resolver = Resolver(program.modules)
    out: list[RowLog] = []
    for fn in program.functions.values():
        if fn.node is None or fn.module_code:
            continue
        mod = program.modules[fn.rel]
        for call in _calls(fn.node):
            target, logged = _result_logged(resolver, mod, fn.cls, call)
            if target in queries and logged is not None:
                table, cols, qline = queries[target]
                out.append(RowLog(fn.rel, line(logged), table, cols, program.functions[target].rel, qline))
    return sorted(set(out), key=lambda r: (r.file, r.line))


def _result_logged(resolver: Resolver, mod, cls, call: Node) -> tuple[str | None, Node | None]:
    """(the repository function whose result is logged, the log call) for `f(...).then(rows => log(rows))` and
    `const rows = await f(...); log(rows)`."""
    callee = unwrap(call.child_by_field_name("function"))
    if callee.type == "member_expression" and text(callee.child_by_field_name("property")) == "then":
        inner = unwrap(callee.child_by_field_name("object"))
        args = call.child_by_field_name("arguments")
        cb = unwrap(args.named_children[0]) if args is not None and args.named_child_count else None
        if inner.type != "call_expression" or cb is None or cb.type not in FUNCTIONS:
            return None, None
        target = resolver.callee(mod, cls, unwrap(inner.child_by_field_name("function")))
        name = _first_param(cb)
        body = cb.child_by_field_name("body")
        return (target, _logs_whole(body, name)) if target and name and body is not None else (None, None)
    parent = call.parent
    if parent is not None and parent.type == "await_expression":
        parent = parent.parent
    if parent is None or parent.type != "variable_declarator":
        return None, None
    name_node = parent.child_by_field_name("name")
    if name_node is None or name_node.type != "identifier":
        return None, None
    target = resolver.callee(mod, cls, callee)
    scope = parent.parent.parent if parent.parent is not None else None
    return (target, _logs_whole(scope, text(name_node))) if target and scope is not None else (None, None)
