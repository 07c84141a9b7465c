"""aiohttp routes declared with literal paths: `app.router.add_get/add_post/add_route`, `web.get(...)` inside
`app.add_routes([...])`, and `@routes.get(...)` on a RouteTableDef. `app.add_subapp('/p', sub)` prefixes.

Protections are read by what the code does. App middlewares (`web.Application(middlewares=[...])`,
`app.middlewares.append(mw)`) are followed to their definitions: one that raises HTTPUnauthorized/HTTPForbidden
or redirects to the login page when no identity is found authenticates every route; one that compares a
session token with a form field or header (and rejects with 403) is CSRF protection. Decorators are followed
the same way (`@authorize()` whose wrapper raises HTTPUnauthorized when no user is in the session). In the
handler, `authorized_userid`/`check_authorized`/`get_session` followed by a redirect or an HTTP 401/403 is an
authentication check. aiohttp_session (cookie sessions) makes CSRF apply to state-changing routes.
"""
from __future__ import annotations

import ast
import re

from auditor.astwalk import walk
from auditor.endpoints.common import SAFE_METHODS, mark, normalize_path
from auditor.endpoints.pyast import PyModule, PyProject, arg, const_str, dotted, kwarg, last_name
from auditor.endpoints.pyprotect import AUTH_DECORATOR, RATE_LIMIT_DECORATOR, role_check, validation_in_body
from auditor.model import Endpoint

VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "head": "HEAD",
         "view": "ANY", "route": None}


def uses_aiohttp(mod: PyModule) -> bool:
    return any(v.startswith("aiohttp") for v in mod.imports.values())


REJECTS = re.compile(r"HTTPUnauthorized|HTTPForbidden|\b40[13]\b|raise\s+redirect\(|HTTPFound\(|HTTPSeeOther\(")
IDENTITY = re.compile(r"authorized_userid|check_authorized|get_auth_user|get_session|session\.get\(|identity|"
                      r"[Tt]oken|\buser\b|Authorization|\bjwt\b")
CSRF_COMPARE = re.compile(r"csrf", re.I)
HANDLER_AUTH = re.compile(r"(?:authorized_userid|check_authorized|get_auth_user|get_session)\(")
# the request is refused when the identity is missing (`if not user:` / `if user is None:`), not when present
# (`if auth_user: raise HTTPForbidden()` keeps signed-in users off a login form)
LOGIN_REDIRECT = re.compile(r"if\s+(?:not\s+[^:\n]+|[^:\n]*\bis\s+None\b[^:\n]*|[^:\n]*==\s*None[^:\n]*):\s*\n\s*raise\s+"
                            r"(?:redirect\([^)]*['\"]login|web\.HTTPFound\([^)]*login|(?:web\.)?\w*HTTPUnauthorized|(?:web\.)?\w*HTTPForbidden)")
BODY_READ = re.compile(r"await\s+request\.(post|json|text|read|multipart)\(\)|request\.(query|match_info)\b")
SESSION_LIBS = ("aiohttp_session",)


def behaviour(text: str) -> set[str]:
    """What a middleware, decorator or wrapper does, from its source text."""
    kinds = set()
    if CSRF_COMPARE.search(text) and re.search(r"HTTPForbidden|compare_digest|!=|==", text) and REJECTS.search(text):
        kinds.add("csrf")
    elif REJECTS.search(text) and IDENTITY.search(text):
        kinds.add("auth")
    return kinds


def _app_middlewares(project: PyProject) -> list[tuple[str, PyModule, int]]:
    """(name, module, line) of every middleware registered on an Application."""
    out = []
    for mod in (m for m in project.modules.values() if uses_aiohttp(m)):
        for node in walk(mod.tree):
            if not isinstance(node, ast.Call):
                continue
            name = dotted(node.func) or ""
            items: list[ast.AST] = []
            if name.rsplit(".", 1)[-1] == "Application":
                value = kwarg(node, "middlewares")
                items = list(value.elts) if isinstance(value, (ast.List, ast.Tuple)) else []
            elif name.endswith("middlewares.append"):
                items = list(node.args[:1])
            elif name.endswith("middlewares.extend") and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
                items = list(node.args[0].elts)
            for item in items:
                target = item.func if isinstance(item, ast.Call) else item
                if dotted(target):
                    out.append((dotted(target) or "", mod, node.lineno))
    return out


def _definition_text(project: PyProject, mod: PyModule, name: str) -> tuple[str, str] | None:
    found = project.resolve_function(mod, name)
    if found is None:
        return None
    return ast.unparse(found[1]), f"{found[0].path}:{found[1].lineno}"


EXEMPT_TEST = re.compile(r"request\.(?:path|rel_url\.path)\s+not\s+in\s+([A-Za-z_]\w*)")


def _exempt_paths(project: PyProject, mod: PyModule, name: str, text: str) -> list[str]:
    """Paths a middleware lets through untouched: `if request.path not in PUBLIC:` with PUBLIC a literal
    set, list or tuple of strings in the middleware's module."""
    test = EXEMPT_TEST.search(text)
    found = project.resolve_function(mod, name)
    if test is None or found is None:
        return []
    value = found[0].assignments.get(test.group(1))
    if not isinstance(value, (ast.Set, ast.List, ast.Tuple)):
        return []
    return [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def app_protections(project: PyProject) -> dict[str, list[str]]:
    """kind -> evidence for the app-wide middlewares, classified by behaviour; "session" when cookie sessions;
    "<kind> exempt" -> the paths that middleware lets through."""
    out: dict[str, list[str]] = {}
    for name, mod, line in _app_middlewares(project):
        found = _definition_text(project, mod, name)
        if found is None:
            if "session" in name.lower():
                out.setdefault("session", []).append(f"{name} at {mod.path}:{line}")
            continue
        text, at = found
        for kind in behaviour(text):
            out.setdefault(kind, []).append(f"middleware {name} at {mod.path}:{line} (defined at {at})")
            out.setdefault(f"{kind} exempt", []).extend(_exempt_paths(project, mod, name, text))
        if "session_middleware" in text or "session" in name.lower() and "aiohttp_session" in text:
            out.setdefault("session", []).append(f"{name} at {mod.path}:{line}")
    if any(v.startswith(SESSION_LIBS) for m in project.modules.values() for v in m.imports.values()):
        out.setdefault("session", []).append("aiohttp_session")
    return out


def extract(project: PyProject) -> tuple[list[Endpoint], dict]:
    endpoints = _routes(project)
    app = app_protections(project)
    for ep, mod, fn in endpoints:
        _protect(ep, project, mod, fn, app)
    return [ep for ep, _, _ in endpoints], {}


def _routes(project: PyProject):
    endpoints = []
    for mod in project.modules.values():   # a routes module need not import aiohttp itself
        # `add_route = app.router.add_route` then `add_route('*', '/graphql', view)`
        aliases = {t.id: n.value for n in walk(mod.tree) if isinstance(n, ast.Assign)
                   and isinstance(n.value, ast.Attribute) and n.value.attr.startswith("add_")
                   and (dotted(n.value.value) or "").endswith("router") for t in n.targets if isinstance(t, ast.Name)}
        for node in walk(mod.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases:
                node = ast.Call(func=aliases[node.func.id], args=node.args, keywords=node.keywords,
                                lineno=node.lineno, col_offset=node.col_offset)
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
                if isinstance(handler, ast.Call):   # a view instance: GQL(), SomeView()
                    handler = handler.func
                fn = mod.functions.get(last_name(handler)) if handler is not None else None
                if fn is None and handler is not None:
                    hit = project.resolve_function(mod, dotted(handler) or "")
                    fn = hit[1] if hit else None
                endpoints.append((_endpoint(method.upper() if method != "*" else "ANY", path,
                                            dotted(handler) or "<expression>", mod, node.lineno, fn), mod, fn))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in node.decorator_list:
                    if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in VERBS \
                            and dec.func.attr != "route" and const_str(arg(dec, 0)) is not None \
                            and "route" in (dotted(dec.func.value) or "").lower():
                        endpoints.append((_endpoint(VERBS[dec.func.attr], const_str(arg(dec, 0)) or "/", node.name,
                                                    mod, dec.lineno, node), mod, node))
    return endpoints


def _endpoint(method: str, path: str, handler: str, mod: PyModule, line: int, fn) -> Endpoint:
    return Endpoint(method, normalize_path(path), handler, mod.path, line, "aiohttp")


def _protect(ep: Endpoint, project: PyProject, mod: PyModule, fn, app: dict[str, list[str]]) -> None:
    if fn is None:
        ep.notes.append("aiohttp: handler definition not found; protections unknown")
        ep.csrf_applies = False if ep.method in SAFE_METHODS else None
        return
    decorators = [(dotted(d.func if isinstance(d, ast.Call) else d) or "") for d in fn.decorator_list]
    found: dict[str, str] = {}
    for name in decorators:
        if AUTH_DECORATOR.search(name):
            found.setdefault("auth", f"@{name}")
        if RATE_LIMIT_DECORATOR.search(name):
            found.setdefault("rate", f"@{name}")
        definition = _definition_text(project, mod, name)
        if definition:
            for kind in behaviour(definition[0]):
                found.setdefault(kind, f"@{name} (defined at {definition[1]})")
            if "auth" in behaviour(definition[0]) and re.search(r"HTTPForbidden|is_admin|role", definition[0]) and \
                    isinstance(fn.decorator_list[decorators.index(name)], ast.Call) and \
                    any(kw.arg and "admin" in kw.arg for kw in fn.decorator_list[decorators.index(name)].keywords):
                found.setdefault("authz", f"@{name} with an admin check")
    body = ast.unparse(fn)
    for kind, evidence in app.items():
        if kind in ("auth", "csrf") and ep.path not in app.get(f"{kind} exempt", []):
            found.setdefault(kind, evidence[0])
    if "auth" not in found and HANDLER_AUTH.search(body) and LOGIN_REDIRECT.search(body):
        found["auth"] = f"{ep.handler} rejects or redirects anonymous requests ({HANDLER_AUTH.search(body).group(0)})"
    if "auth" in found:
        mark(ep, "authenticated", True, found["auth"])
    else:
        mark(ep, "authenticated", False, "no authenticating middleware or decorator, and the handler does not "
                                         "reject anonymous requests")
    role = role_check(fn)
    if "authz" in found:
        mark(ep, "authorized", True, found["authz"])
    elif role:
        mark(ep, "authorized", True, f"role check `{role}` in {ep.handler}")
    else:
        mark(ep, "authorized", False, "no role or ownership check")
    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    elif "session" in app:
        ep.csrf_applies = True
        if "csrf" in found:
            mark(ep, "csrf_protected", True, found["csrf"])
        else:
            mark(ep, "csrf_protected", False, f"cookie session ({app['session'][0]}) without a CSRF check")
    else:
        ep.csrf_applies = False
        ep.notes.append("csrf: not applicable, no cookie session")
    if "rate" in found:
        mark(ep, "rate_limited", True, found["rate"])
    else:
        mark(ep, "rate_limited", False, "no rate limit on the route or the app")
    reads = BODY_READ.search(body)
    validated = validation_in_body(fn)
    if validated:
        mark(ep, "input_validated", True, f"`{validated}` in {ep.handler}")
    elif reads and reads.group(1):
        mark(ep, "input_validated", False, f"reads `{reads.group(0)}` without a schema")
    elif reads:
        ep.notes.append(f"input: only path or query strings ({reads.group(0)}), not judged")
    else:
        ep.notes.append("input: reads no request data")
