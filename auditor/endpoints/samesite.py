"""Cookies a Python app sets with a SameSite attribute, and the cookies a handler reads.

A cookie set with `samesite="Lax"` or `"Strict"` (`response.set_cookie(..., samesite="Lax")` in Flask,
Starlette and FastAPI) is not sent by the browser on a cross-site POST, PUT, PATCH or DELETE. A state-changing
route authenticated only by such cookies gives a cross-site form nothing to ride on. Lax cookies are still sent
on top-level cross-site GET navigations, so this says nothing about state-changing GET routes."""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
from auditor.endpoints.common import where
from auditor.endpoints.pyast import PyProject, arg, dotted, kwarg

SAFE_SAMESITE = frozenset({"lax", "strict"})


def samesite_cookies(project: PyProject) -> dict[str, list[tuple[str | None, str]]]:
    """cookie name -> [(its SameSite value in lower case, or None when not a literal or not given; where set)]
    over every `set_cookie(key, ...)` call of the project whose name is a literal."""
    memo = project.__dict__.setdefault("_auditor_samesite", {})
    if "cookies" in memo:
        return memo["cookies"]
    out: dict[str, list[tuple[str | None, str]]] = {}
    for mod in project.modules.values():
        for call in nodes_of(mod.tree, ast.Call):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "set_cookie"):
                continue
            key = arg(call, 0, "key")
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            value = kwarg(call, "samesite")
            same = value.value.lower() if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            out.setdefault(key.value, []).append((same, where(mod.path, call.lineno)))
    memo["cookies"] = out
    return out


def cookies_read(fn: ast.AST) -> list[str] | None:
    """Names of the cookies a handler reads: `request.cookies.get("x")`, `request.cookies["x"]`, a parameter
    `x = Cookie(...)` (its alias when given). None when it reads a cookie whose name is not a literal (or
    the whole cookie jar)."""
    names: list[str] = []
    for node in nodes_of(fn, ast.Attribute):
        if node.attr != "cookies":
            continue
        parent_names = _literal_cookie_reads(fn, node)
        if parent_names is None:
            return None
        names += parent_names
    args = getattr(fn, "args", None)
    if isinstance(args, ast.arguments):
        params = args.posonlyargs + args.args + args.kwonlyargs
        defaults = [None] * (len(args.posonlyargs + args.args) - len(args.defaults)) + list(args.defaults) + \
            list(args.kw_defaults)
        for a, default in zip(params, defaults):
            for sub in [default, a.annotation]:
                for call in nodes_of(sub, ast.Call) if sub is not None else []:
                    if (dotted(call.func) or "").rsplit(".", 1)[-1] == "Cookie":
                        alias = kwarg(call, "alias")
                        names.append(alias.value if isinstance(alias, ast.Constant) and isinstance(alias.value, str)
                                     else a.arg)
    return sorted(set(names))


def _literal_cookie_reads(fn: ast.AST, cookies: ast.Attribute) -> list[str] | None:
    for node in nodes_of(fn, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.value is cookies and node.func.attr == "get":
            first = node.args[0] if node.args else None
            return [first.value] if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    for sub in nodes_of(fn, ast.Subscript):
        if sub.value is cookies:
            key = sub.slice
            return [key.value] if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    return None


def samesite_protected(project: PyProject, fn: ast.AST) -> str | None:
    """Why a state-changing handler's cookie credentials are not sent cross-site: every cookie it reads is set
    with SameSite=Lax or Strict wherever the app sets it. None when it reads no cookie, a cookie the app never
    sets (a browser-set or third-party cookie), or one set without SameSite somewhere."""
    read = cookies_read(fn)
    if not read:
        return None
    set_by_app = samesite_cookies(project)
    reasons = []
    for name in read:
        settings = set_by_app.get(name)
        if not settings or any(same not in SAFE_SAMESITE for same, _ in settings):
            return None
        reasons.append(f"cookie {name!r} set with SameSite={(settings[0][0] or '').capitalize()} at {settings[0][1]}")
    return "; ".join(reasons) + ": browsers do not send it on cross-site POST/PUT/PATCH/DELETE requests"
