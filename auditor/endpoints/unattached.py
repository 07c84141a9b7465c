"""Route registrations the extractors could not attach to an application.

An inventory that silently misses most routes turns every endpoint item into a false `not_applicable` or
`pass`. So after extraction, the source is scanned for calls that look like route registrations, and each
one that produced no endpoint is reported as `file:line`:
- JavaScript/TypeScript (Express detected): `x.get('/…', handler)`, `x.post('/…', …)`, `x.route('/…')` with a
  handler-like last argument, on receivers that are not HTTP clients (axios, fetch wrappers, supertest);
- Python (Flask/FastAPI/aiohttp detected): `@x.route('/…')`, `@x.get('/…')` decorators;
- Django: path()/re_path()/url() in urls modules no ROOT_URLCONF reaches (reported by the Django extractor).
Front-end folders and test files are skipped: their `.get('/…')` calls are requests, not routes.
"""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.budget import budgeted
from auditor.endpoints.jsparse import matching_paren, split_args, strip_comments
from auditor.inventory import TEST_FILE
from auditor.model import Endpoint
from auditor.text import line_of

JS_ROUTE = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\.\s*(get|post|put|patch|delete|all|route)"
                      r"\s*\(\s*(['\"`])/")
PY_ROUTE = re.compile(r"^\s*@([A-Za-z_][\w.]*)\.(route|get|post|put|patch|delete|api_route|websocket)\(\s*[rbuf]?['\"]/",
                      re.M)
PY_VERBS = ("route", "get", "post", "put", "patch", "delete", "api_route", "websocket")
HTTP_CLIENTS = {"axios", "http", "https", "$http", "request", "superagent", "got", "ky", "needle", "fetch", "client",
                "api", "instance", "httpclient", "http_client", "cy", "supertest", "agent", "$", "jquery", "vue",
                "wrapper", "mock", "nock"}
FRONTEND = re.compile(r"(^|/)(frontend|client|public|static|web|www|ui|src/components|src/pages|src/views|"
                      r"src/app|dist|build|vendor|cypress|e2e|playwright)/|\.(min\.js|jsx|tsx|gen\.ts|d\.ts)$", re.I)
HANDLER_ARG = re.compile(r"^(async\s+)?(function\b|\(|[\w$]+\s*=>)|^[\w$]+(\.[\w$]+)*$|^[\w$.]+\(")


def unattached_routes(repo, endpoints: list[Endpoint], python: bool, javascript: bool) -> list[str]:
    """`file:line` of route-registration-looking calls that produced no endpoint."""
    by_file: dict[str, set[int]] = {}
    for ep in endpoints:
        by_file.setdefault(ep.file, set()).add(ep.line)
    out: list[str] = []
    for path in budgeted(repo.paths()):
        if TEST_FILE.search(path) or FRONTEND.search(path):
            continue
        if javascript and path.endswith((".js", ".mjs", ".cjs", ".ts")):
            out += [f"{path}:{ln}" for ln in _js_unattached(repo.read_text(path) or "", by_file.get(path, set()))]
        elif python and path.endswith(".py"):
            out += [f"{path}:{ln}" for ln in _py_unattached(repo, path, by_file.get(path, set()))]
    return out


def _js_unattached(text: str, lines: set[int]) -> list[int]:
    if not re.search(r"\.(get|post|put|patch|delete|all|route)\s*\(\s*['\"`]/", text):
        return []
    src = strip_comments(text)
    out = []
    for m in JS_ROUTE.finditer(src):
        receiver = m.group(1)
        if receiver.rsplit(".", 1)[-1].lower() in HTTP_CLIENTS:
            continue
        close = matching_paren(src, src.index("(", m.start(2)))
        if close < 0:
            continue
        args = split_args(src[src.index("(", m.start(2)) + 1:close])
        line = line_of(src, m.start())
        if m.group(2) == "route":
            if len(args) != 1 or any(line <= ln <= line + 30 for ln in lines):
                continue
        elif len(args) < 2 or not HANDLER_ARG.search(args[-1].strip()) or line in lines:
            continue
        out.append(line)
    return out


def _py_unattached(repo, path: str, lines: set[int]) -> list[int]:
    """Route decorators (`@x.route('/…')`, `@x.get('/…')`) read from the AST, so code in strings is not counted."""
    text = repo.read_text(path) or ""
    if "@" not in text or not PY_ROUTE.search(text):
        return []
    tree = repo.python_ast(path)
    if tree is None:
        return []
    out = []
    for node in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in PY_VERBS and \
                    dec.args and isinstance(dec.args[0], ast.Constant) and isinstance(dec.args[0].value, str) and \
                    dec.args[0].value.startswith("/"):
                if not any(dec.lineno <= ln <= node.lineno for ln in lines):
                    out.append(dec.lineno)
    return out


DJANGO_ROUTE_CALLS = ("path", "re_path", "url")


def django_route_declarations(repo) -> list[str]:
    """`file:line` of path()/re_path()/url() calls in modules that define `urlpatterns`: the routes a Django
    project declares, counted when none of them resolved to an endpoint (so the report can say that routes
    were found but could not be resolved, rather than that there are none)."""
    out = []
    for path in budgeted(repo.paths(language="python")):
        if TEST_FILE.search(path):
            continue
        text = repo.read_text(path) or ""
        if "urlpatterns" not in text:
            continue
        tree = repo.python_ast(path)
        if tree is None:
            continue
        for call in nodes_of(tree, ast.Call):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in DJANGO_ROUTE_CALLS and call.args:
                out.append(f"{path}:{call.lineno}")
    return out
