"""N+1 in server-rendered pages: a handler renders a template with query results, and the template loops
over them and reads a lazy relationship of each row (`{% for post in posts %}{{ post.author.username }}`).
Each row's relationship is loaded by its own query while the page renders.

Templates are read as text (Jinja2 and Django templates share `{% for x in y %}`, `{{ x.a }}` and
`{% include "t.html" %}`), never rendered. A loop's included templates are read with the loop variable in
scope, as the engines do. A handler that loads relationships eagerly (joinedload, selectinload,
select_related, prefetch_related ...) is left alone.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable

from auditor.astwalk import nodes_of
from auditor.pyast import dotted
from auditor.text import line_of

RENDER_CALLS = frozenset({"render_template", "render", "TemplateResponse", "render_to_response", "render_to_string"})
# a value that holds many rows read from the database
QUERY_RESULT = re.compile(r"\.(all|paginate|scalars|fetchall|filter|filter_by|order_by|objects|items|select)\b|"
                          r"\bpaginate\(|\bselect\(|\.query\b")
EAGER = re.compile(r"\b(joinedload|selectinload|subqueryload|contains_eager|immediateload|select_related|"
                   r"prefetch_related)\b")
FOR_TAG = re.compile(r"\{%-?\s*for\s+(\w+)(?:\s*,\s*\w+)?\s+in\s+(\w+)(?:\.(\w+))?\b[^%]*-?%\}")
END_FOR = re.compile(r"\{%-?\s*endfor\s*-?%\}")
INCLUDE = re.compile(r"\{%-?\s*include\s+['\"]([^'\"]+)['\"]")
MAX_INCLUDE_DEPTH = 3


@dataclass(frozen=True)
class TemplateLoop:
    handler_file: str
    handler_line: int      # the render call
    template: str          # the template that holds the loop
    loop_line: int
    access_file: str       # the template (maybe an included one) that reads the relationship
    access_line: int
    access: str            # "post.author"
    rows: str              # the handler's expression for the rows


def _render_context(call: ast.Call) -> tuple[str | None, dict[str, ast.expr]]:
    """(template name, context name -> value) of a render call, for literal names and keyword/dict contexts."""
    args = list(call.args)
    name_node = next((a for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)), None)
    if name_node is None:
        name_node = next((k.value for k in call.keywords if k.arg in ("template_name", "name")), None)
    template = name_node.value if isinstance(name_node, ast.Constant) and isinstance(name_node.value, str) else None
    context: dict[str, ast.expr] = {k.arg: k.value for k in call.keywords if k.arg}
    for a in args + [k.value for k in call.keywords if k.arg == "context"]:
        if isinstance(a, ast.Dict):
            for key, value in zip(a.keys, a.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    context[key.value] = value
    return template, context


def _rows_text(fn: ast.AST, value: ast.expr) -> str | None:
    """The expression behind a context value when it reads many rows (through one local name, as written)."""
    text = ast.unparse(value)
    names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    assigned = [ast.unparse(a.value) for a in nodes_of(fn, ast.Assign)
                if any(isinstance(t, ast.Name) and t.id in names for t in a.targets)]
    for candidate in [text, *assigned]:
        if QUERY_RESULT.search(candidate):
            return candidate if candidate == text else f"{text} = {candidate}"
    return None


def _loops(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end offset, loop variable, iterable name) for each {% for %} block, nested ones included."""
    out: list[tuple[int, int, str, str]] = []
    stack: list[tuple[int, str, str]] = []
    tokens = sorted([(m.start(), "for", m) for m in FOR_TAG.finditer(text)] +
                    [(m.start(), "end", m) for m in END_FOR.finditer(text)], key=lambda t: t[0])
    for pos, kind, m in tokens:
        if kind == "for":
            stack.append((pos, m.group(1), m.group(2) if not m.group(3) else f"{m.group(2)}.{m.group(3)}"))
        elif stack:
            start, var, iterable = stack.pop()
            out.append((start, m.end(), var, iterable))
    return out


def _accesses(text: str, var: str, lazy: set[str]) -> list[tuple[int, str]]:
    """(offset, "var.attr") where the template reads a lazy relationship of `var`."""
    return [(m.start(), f"{var}.{m.group(1)}") for m in re.finditer(rf"(?<![\w.]){re.escape(var)}\.(\w+)", text)
            if m.group(1) in lazy]


def template_loops(path: str, tree: ast.Module, lazy: set[str], find_template: Callable[[str], str | None],
                   read: Callable[[str], str | None]) -> list[TemplateLoop]:
    out: list[TemplateLoop] = []
    for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        renders = [c for c in nodes_of(fn, ast.Call) if (dotted(c.func) or "").rsplit(".", 1)[-1] in RENDER_CALLS]
        # unparsed only for the few functions that render a page, not for every function of the repository
        if not renders or EAGER.search(ast.unparse(fn)):
            continue
        for call in renders:
            template, context = _render_context(call)
            rows = {name: r for name, value in context.items() if (r := _rows_text(fn, value))}
            template_path = find_template(template) if template and rows else None
            text = read(template_path) if template_path else None
            if template_path is None or text is None:
                continue
            for start, end, var, iterable in _loops(text):
                if iterable.split(".")[0] not in rows:
                    continue
                body = text[start:end]
                found = [(template_path, line_of(text, start + off), what) for off, what in _accesses(body, var, lazy)]
                found += _included(body, var, lazy, find_template, read, 1)
                for file, line, what in found[:1]:
                    out.append(TemplateLoop(path, call.lineno, template_path, line_of(text, start), file, line,
                                            what, rows[iterable.split(".")[0]]))
    return out


def _included(body: str, var: str, lazy: set[str], find_template: Callable[[str], str | None],
              read: Callable[[str], str | None], depth: int) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for m in INCLUDE.finditer(body):
        path = find_template(m.group(1))
        text = read(path) if path else None
        if path is None or text is None:
            continue
        out += [(path, line_of(text, off), what) for off, what in _accesses(text, var, lazy)]
        if depth < MAX_INCLUDE_DEPTH:
            out += _included(text, var, lazy, find_template, read, depth + 1)
    return out


def template_finder(paths: list[str]) -> Callable[[str], str | None]:
    """Template name -> repository path: the file under a templates folder whose path ends with the name."""
    candidates = [p for p in paths if "templates/" in p and p.endswith((".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt"))]

    def find(name: str) -> str | None:
        hits = [p for p in candidates if p == name or p.endswith("/" + name.lstrip("/"))]
        return min(hits, key=len) if hits else None
    return find
