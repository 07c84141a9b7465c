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
    credentials; None otherwise (or when no module reads that header). flask-jwt-extended reads that header
    for the app unless JWT_TOKEN_LOCATION names cookies (or another place)."""
    header: str | None = None
    for mod in project.modules.values():
        if _browser_credentials(mod):
            return None
        if header is None:
            header = _authorization_read(mod)
    return header or jwt_header_location(project)


JWT_MANAGERS = {"flask_jwt_extended.JWTManager", "flask_jwt.JWT"}
UNKNOWN = frozenset({"?"})   # a configuration value that is not a literal


def _jwt_manager(project: PyProject) -> str | None:
    for mod in project.modules.values():
        names = {local for local, full in mod.imports.items() if full in JWT_MANAGERS}
        modules = {local for local, full in mod.imports.items() if full in ("flask_jwt_extended", "flask_jwt")}
        for call in nodes_of(mod.tree, ast.Call):
            name = dotted(call.func) or ""
            if name in names or (name.rsplit(".", 1)[0] in modules and name.rsplit(".", 1)[-1] in ("JWTManager", "JWT")):
                return where(mod.path, call.lineno)
    return None


def config_values(project: PyProject, key: str) -> list[tuple[frozenset[str], str]]:
    """Every literal the project gives a Flask setting (`KEY = ...` in a config class or module,
    `app.config["KEY"] = ...`, `config.update(KEY=...)`, `{"KEY": ...}`): the strings it holds (UNKNOWN when the
    value is computed), and where."""
    found: list[tuple[frozenset[str], str]] = []
    for mod in project.modules.values():
        for node in ast.walk(mod.tree):
            value: ast.expr | None = None
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_names_key(t, key) for t in targets):
                    value = node.value
            elif isinstance(node, ast.Call):
                value = next((kw.value for kw in node.keywords if kw.arg == key), None)
            elif isinstance(node, ast.Dict):
                value = next((v for k, v in zip(node.keys, node.values)
                              if isinstance(k, ast.Constant) and k.value == key), None)
            if value is not None:
                found.append((_strings(value), where(mod.path, getattr(node, "lineno", 0))))
    return found


def _names_key(target: ast.expr, key: str) -> bool:
    if isinstance(target, ast.Name):
        return target.id == key
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Constant) and target.slice.value == key
    return False


def _strings(value: ast.expr) -> frozenset[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, (str, bool)):
        return frozenset({str(value.value).lower()})
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
        return frozenset(str(e.value).lower() for e in value.elts if isinstance(e, ast.Constant))
    return UNKNOWN


def jwt_header_location(project: PyProject) -> str | None:
    """Where flask-jwt-extended (or flask-jwt) is set up, when it reads tokens from the Authorization header
    only: JWT_TOKEN_LOCATION unset (the default is ["headers"]) or set to literals that name no cookie, query
    string or JSON body. None when no JWT manager is set up or the location is computed or includes cookies."""
    manager = _jwt_manager(project)
    if manager is None:
        return None
    locations = config_values(project, "JWT_TOKEN_LOCATION")
    if not locations:
        return f"flask-jwt-extended at {manager}, JWT_TOKEN_LOCATION unset: tokens come from the Authorization header"
    if all(values and values <= {"headers"} for values, _ in locations):
        return f"flask-jwt-extended at {manager}, JWT_TOKEN_LOCATION = headers at {locations[0][1]}"
    return None


def jwt_cookie_csrf(project: PyProject) -> str | None:
    """flask-jwt-extended with tokens in cookies and its double-submit CSRF check on (JWT_COOKIE_CSRF_PROTECT,
    True unless set to a literal False): every @jwt_required state-changing route then demands the X-CSRF-TOKEN
    header. Without that check, JWT_COOKIE_SAMESITE="Lax"/"Strict" keeps the cookies off cross-site writes.
    Returns how, or None."""
    manager = _jwt_manager(project)
    if manager is None or not any("cookies" in values for values, _ in config_values(project, "JWT_TOKEN_LOCATION")):
        return None
    protect = config_values(project, "JWT_COOKIE_CSRF_PROTECT")
    if not any(values != {"true"} for values, _ in protect):
        return f"flask-jwt-extended cookie tokens with JWT_COOKIE_CSRF_PROTECT (default True) at {manager}"
    same_site = config_values(project, "JWT_COOKIE_SAMESITE")
    if same_site and all(values and values <= {"lax", "strict"} for values, _ in same_site):
        return (f"flask-jwt-extended cookie tokens set with JWT_COOKIE_SAMESITE={sorted(same_site[0][0])[0].capitalize()} "
                f"at {same_site[0][1]}: browsers do not send them on cross-site POST/PUT/PATCH/DELETE requests")
    return None


def jwt_in_cookies(project: PyProject) -> bool:
    return _jwt_manager(project) is not None and any(
        "cookies" in values or values == UNKNOWN for values, _ in config_values(project, "JWT_TOKEN_LOCATION"))


def session_credentials(project: PyProject) -> bool:
    """Some module keeps a login in the Flask session or a login cookie (flask-login and friends) or asks for
    HTTP basic/digest authentication: credentials every request carries, whatever the handler reads."""
    for mod in project.modules.values():
        if any(v.split(".")[0] in COOKIE_PACKAGES or v.rsplit(".", 1)[-1] in BROWSER_AUTH for v in mod.imports.values()):
            return True
        sessions = {local for local, full in mod.imports.items() if full in ("flask.session", "quart.session")}
        if any(node.id in sessions for node in nodes_of(mod.tree, ast.Name)):
            return True
        if any(node.attr == "session" and dotted(node.value) == "flask" for node in nodes_of(mod.tree, ast.Attribute)):
            return True
    return False


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
