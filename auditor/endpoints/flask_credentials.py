"""How a Flask app's clients carry their credentials: whether a browser would send them on its own.

CSRF needs credentials the browser attaches by itself, a cookie (the Flask session, a flask-login remember
cookie, a cookie the app sets) or HTTP basic/digest authentication. An app that reads a token from the
Authorization header and never keeps a session, sets a cookie, reads one or asks for basic authentication
gives a cross-site form nothing to ride on: CSRF does not apply to it."""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
from auditor.endpoints.common import where
from auditor.endpoints.pyast import PyModule, PyProject, dotted

# packages whose use means cookie or browser-sent credentials
COOKIE_PACKAGES = ("flask_login", "flask_session", "flask_security", "flask_user", "flask_praetorian")
BROWSER_AUTH = frozenset({"HTTPBasicAuth", "HTTPDigestAuth", "MultiAuth"})
REQUEST_NAMES = frozenset({"request", "flask.request"})


def header_token_only(project: PyProject) -> str | None:
    """Where the app reads the Authorization header, when no module of the project uses cookie or browser-sent
    credentials; None otherwise (or when no module reads that header)."""
    header: str | None = None
    for mod in project.modules.values():
        if _browser_credentials(mod):
            return None
        if header is None:
            header = _authorization_read(mod)
    return header


def _browser_credentials(mod: PyModule) -> bool:
    if any(v.split(".")[0] in COOKIE_PACKAGES or v.rsplit(".", 1)[-1] in BROWSER_AUTH for v in mod.imports.values()):
        return True
    sessions = {local for local, full in mod.imports.items() if full in ("flask.session", "quart.session")}
    for node in nodes_of(mod.tree, ast.Name):
        if node.id in sessions:
            return True          # the Flask session: a signed cookie
    for node in nodes_of(mod.tree, ast.Attribute):
        if node.attr in ("set_cookie", "session_interface", "session_cookie_name"):
            return True
        if node.attr in ("cookies", "authorization") and dotted(node.value) in REQUEST_NAMES:
            return True
        if node.attr == "session" and dotted(node.value) == "flask":
            return True
    return False


def _authorization_read(mod: PyModule) -> str | None:
    """`request.headers.get("Authorization")` or `request.headers["Authorization"]`."""
    for node in nodes_of(mod.tree, ast.Call):
        if (isinstance(node.func, ast.Attribute) and node.func.attr == "get" and _headers(node.func.value)
                and node.args and _authorization(node.args[0])):
            return where(mod.path, node.lineno)
    for sub in nodes_of(mod.tree, ast.Subscript):
        if _headers(sub.value) and _authorization(sub.slice):
            return where(mod.path, sub.lineno)
    return None


def _headers(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "headers" and dotted(node.value) in REQUEST_NAMES


def _authorization(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() == "authorization"
