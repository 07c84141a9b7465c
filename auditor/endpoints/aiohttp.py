"""aiohttp routes declared with literal paths: `app.router.add_get/add_post/add_route`, `web.get(...)` inside
`app.add_routes([...])`, and `@routes.get(...)` on a RouteTableDef. `app.add_subapp('/p', sub)` prefixes.

aiohttp protections live in middlewares we do not interpret, so only decorators are read: the protection
fields stay None (unknown) unless a decorator names one.
"""
from __future__ import annotations

import ast

from auditor.astwalk import walk
from auditor.endpoints.common import SAFE_METHODS, mark, normalize_path
from auditor.endpoints.pyast import PyModule, PyProject, arg, const_str, dotted, last_name
from auditor.endpoints.pyprotect import AUTH_DECORATOR, RATE_LIMIT_DECORATOR
from auditor.model import Endpoint

VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "head": "HEAD",
         "view": "ANY", "route": None}


def uses_aiohttp(mod: PyModule) -> bool:
    return any(v.startswith("aiohttp") for v in mod.imports.values())


def extract(project: PyProject) -> tuple[list[Endpoint], dict]:
    endpoints = []
    for mod in (m for m in project.modules.values() if uses_aiohttp(m)):
        for node in walk(mod.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                verb = name[4:] if name.startswith("add_") else name
                owner = dotted(node.func.value) or ""
                router_call = name.startswith("add_") and verb in VERBS and owner.endswith("router")
                table_entry = name in VERBS and last_name(node.func.value) == "web"
                if not (router_call or table_entry):
                    continue
                if verb == "route":
                    method = const_str(arg(node, 0))
                    path, handler = const_str(arg(node, 1)), arg(node, 2)
                else:
                    method, path, handler = VERBS[verb], const_str(arg(node, 0)), arg(node, 1)
                if path is None or method is None:
                    continue
                fn = mod.functions.get(last_name(handler)) if handler is not None else None
                endpoints.append(_endpoint(method.upper() if method != "*" else "ANY", path,
                                           dotted(handler) or "<expression>", mod, node.lineno, fn))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in node.decorator_list:
                    if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in VERBS \
                            and dec.func.attr != "route" and const_str(arg(dec, 0)) is not None \
                            and "route" in (dotted(dec.func.value) or "").lower():
                        endpoints.append(_endpoint(VERBS[dec.func.attr], const_str(arg(dec, 0)), node.name, mod,
                                                   dec.lineno, node))
    return endpoints, {}


def _endpoint(method: str, path: str, handler: str, mod: PyModule, line: int, fn) -> Endpoint:
    ep = Endpoint(method, normalize_path(path), handler, mod.path, line, "aiohttp")
    ep.notes.append("aiohttp: middlewares are not interpreted; protections unknown unless a decorator shows them")
    decorators = [dotted(d) or "" for d in fn.decorator_list] if fn is not None else []
    auth = [d for d in decorators if AUTH_DECORATOR.search(d)]
    if auth:
        mark(ep, "authenticated", True, f"@{auth[0]}")
    limited = [d for d in decorators if RATE_LIMIT_DECORATOR.search(d)]
    if limited:
        mark(ep, "rate_limited", True, f"@{limited[0]}")
    ep.csrf_applies = False if method in SAFE_METHODS else None
    return ep
