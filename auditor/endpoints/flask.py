"""Flask routes: `@app.route`/`@bp.get`, `add_url_rule`, blueprints and `register_blueprint(url_prefix=)`.

Protections: login/JWT/HTTPAuth decorators and `before_request` guards (authentication), role decorators,
role checks and ownership filters (authorisation), Flask-WTF CSRFProtect and `@csrf.exempt`, flask-limiter
(`default_limits`, `@limiter.limit`, `@limiter.exempt`), marshmallow/webargs/WTForms/pydantic (validation).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of, walk
from auditor.endpoints.classify import (
    DEVELOPMENT_ONLY,
    FIRST_RUN,
    OPTIONAL_AUTH_NOTE,
    authorize_children_of_public_reads,
)
from auditor.endpoints.common import (
    HTTP_METHODS,
    SAFE_METHODS,
    has_path_params,
    join_paths,
    mark,
    normalize_path,
    where,
)
from auditor.endpoints.flask_credentials import header_token_only, jwt_cookie_csrf, jwt_in_cookies, session_credentials
from auditor.endpoints.flask_resources import api_mounts, prefix_of, resource_methods, resource_routes
from auditor.endpoints.protections import (
    AUTHENTICATION,
    AUTHORIZATION,
    CSRF,
    RATE_LIMIT,
    VALIDATION,
    Finding,
    classify_function,
    protections_of,
)
from auditor.endpoints.protections.behaviour import PUBLIC_WHEN, guards, permission_predicate
from auditor.endpoints.protections.counters import counter_limit
from auditor.endpoints.protections.resolve import delegated_protections
from auditor.endpoints.protections.switched import first_run_only, off_unless_configured
from auditor.endpoints.pyast import (
    PyModule,
    PyProject,
    arg,
    class_bases,
    const_str,
    dotted,
    kwarg,
    last_name,
    source_text,
    str_list,
)
from auditor.endpoints.pyprotect import (
    AUTH_DECORATOR,
    AUTHZ_DECORATOR,
    CREATES_AS_CALLER,
    RATE_LIMIT_DECORATOR,
    VALIDATION_DECORATOR,
    acts_as_current_user,
    creates_as_caller,
    method_name,
    optional_auth_decorator,
    ownership_filter,
    parent_only_ownership,
    reads_pagination,
    repo_auth_decorator,
    role_check,
    takes_any,
    validation_in_body,
)
from auditor.endpoints.samesite import samesite_protected
from auditor.model import Endpoint

REQUEST_INPUT = ("request.form", "request.json", "request.get_json", "request.args", "request.values",
                 "request.data", "request.files", "request.get_data")
BODY_INPUT = ("request.form", "request.json", "request.get_json", "request.values", "request.data",
              "request.files", "request.get_data")


@dataclass
class _Route:
    module: PyModule
    owner: str              # variable name of the app/blueprint in its module
    path: str
    methods: list[str]
    handler: ast.FunctionDef | ast.AsyncFunctionDef | None
    handler_name: str
    line: int
    view_class: ast.ClassDef | None = None


@dataclass
class _Blueprint:
    module: PyModule
    var: str
    prefix: str
    line: int
    guards: list[str] = field(default_factory=list)   # before_request auth guards
    hooks: list[Finding] = field(default_factory=list)  # what its before_request hooks do


@dataclass
class _Globals:
    csrf: list[str] = field(default_factory=list)
    limiter_default: list[str] = field(default_factory=list)
    limiter_names: set[str] = field(default_factory=set)
    csrf_names: set[str] = field(default_factory=set)
    bearer_auth: list[str] = field(default_factory=list)
    token_auth_names: set[str] = field(default_factory=set)   # HTTPTokenAuth() objects: per-route bearer auth
    token_owners: set[tuple[str, str]] = field(default_factory=set)  # blueprints with token-auth routes
    app_hooks: list[Finding] = field(default_factory=list)    # what the app's before_request hooks do
    header_token: str | None = None   # where the app reads an Authorization header, when no credential is a cookie
    jwt_cookie_csrf: str | None = None  # flask-jwt-extended cookie tokens with its CSRF check on
    session_auth: bool = False          # a session or login cookie, or basic auth, somewhere in the app
    project: PyProject | None = None


# verify_jwt_in_request() in the handler, unless called with optional=True
REQUIRED_JWT_CHECK = re.compile(r"verify_jwt_in_request\((?![^)]*optional\s*=\s*True)")

FLASK_PACKAGES = ("flask", "flask_restx", "flask_restful", "flask_restplus", "flask_smorest", "apiflask")


def uses_flask(mod: PyModule) -> bool:
    return any(v.split(".")[0] in FLASK_PACKAGES for v in mod.imports.values())


def extract(project: PyProject) -> tuple[list[Endpoint], dict]:
    mods = [m for m in project.modules.values() if uses_flask(m) or _has_route_decorators(m)]
    apps, blueprints, g = _app_setup(project, mods)
    routes = [r for mod in mods for r in _routes(mod)]
    for mod in mods:
        for rr in resource_routes(project, mod):
            for method, handler in resource_methods(rr.cls):
                routes.append(_Route(rr.module, rr.owner, rr.path, [method], handler,
                                     f"{rr.cls.name}.{method.lower()}", rr.line, rr.cls))
    mounts = api_mounts(project, mods)
    registrations = _registrations(project, mods, blueprints)
    for r in routes:
        if r.handler is not None and _token_auth(r.handler, g):
            g.token_owners.add(_owner_key(project, r, set(blueprints) | set(apps) | set(mounts)))
    endpoints = []
    known = set(blueprints) | set(apps) | set(mounts)
    for r in routes:
        owner = _owner_key(project, r, known)
        for bp, prefix in _served_under(owner, blueprints, registrations, mounts):
            for method in r.methods:
                ep = Endpoint(method, normalize_path(join_paths(prefix, r.path)), r.handler_name, r.module.path,
                              r.line, "flask")
                if bp is None and owner not in apps and owner not in mounts:
                    ep.notes.append(f"route owner {r.owner!r} is neither a Flask app nor a known blueprint")
                _protect(ep, r, bp, g, owner in g.token_owners)
                endpoints.append(ep)
    authorize_children_of_public_reads(endpoints, CREATES_AS_CALLER)
    glob = {"csrf": g.csrf, "rate_limit": g.limiter_default, "bearer_auth": g.bearer_auth}
    return endpoints, {k: v for k, v in glob.items() if v}


def _app_setup(project: PyProject, mods: list[PyModule]
               ) -> tuple[dict[tuple[str, str], PyModule], dict[tuple[str, str], _Blueprint], _Globals]:
    """The Flask apps and blueprints of the project, and what applies app-wide (CSRFProtect, limiter defaults,
    token authentication, before_request hooks)."""
    apps: dict[tuple[str, str], PyModule] = {}
    blueprints: dict[tuple[str, str], _Blueprint] = {}
    g = _Globals(project=project)
    for mod in mods:
        for node in walk(mod.tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                ctor = last_name(node.value.func)
                for target in node.targets:
                    if not isinstance(target, (ast.Name, ast.Attribute)):
                        continue
                    var = dotted(target) or ""
                    if ctor in ("Flask", "APIFlask"):
                        apps[(mod.name, var)] = mod
                    elif ctor in ("Blueprint", "APIBlueprint"):
                        prefix = prefix_of(project, mod, kwarg(node.value, "url_prefix"))
                        blueprints[(mod.name, var)] = _Blueprint(mod, var, prefix, node.lineno)
                    elif ctor == "Limiter":
                        g.limiter_names.add(var)
                        if kwarg(node.value, "default_limits") is not None or kwarg(node.value, "application_limits") is not None:
                            g.limiter_default.append(f"Limiter(default_limits=...) at {where(mod.path, node.lineno)}")
                    elif ctor == "CSRFProtect":
                        g.csrf_names.add(var)
                        if node.value.args:
                            g.csrf.append(f"CSRFProtect(app) at {where(mod.path, node.lineno)}")
                    elif ctor == "HTTPTokenAuth":
                        g.token_auth_names.add(var)
                    elif ctor == "JWTManager":
                        g.bearer_auth.append(f"{ctor} at {where(mod.path, node.lineno)}")
            if isinstance(node, ast.Call):
                name = dotted(node.func) or ""
                if name.endswith(".init_app") and name.split(".")[0] in g.csrf_names | {"csrf"}:
                    g.csrf.append(f"{name}(app) at {where(mod.path, node.lineno)}")
                if last_name(node.func) == "CSRFProtect" and node.args and not g.csrf:
                    g.csrf.append(f"CSRFProtect(app) at {where(mod.path, node.lineno)}")
    for mod in project.modules.values():   # flask_httpauth objects often live in their own module
        for node in mod.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    last_name(node.value.func) == "HTTPTokenAuth":
                g.token_auth_names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    g.header_token = header_token_only(project)
    g.jwt_cookie_csrf = jwt_cookie_csrf(project)
    g.session_auth = session_credentials(project)
    if jwt_in_cookies(project):     # tokens the browser sends by itself: not bearer-header authentication
        g.bearer_auth = [b for b in g.bearer_auth if not b.startswith("JWTManager")]
    _guards(project, mods, blueprints, g)
    for f in g.app_hooks:
        if f.kind == CSRF:
            g.csrf.append(f.text())
    return apps, blueprints, g


def view_judge(project: PyProject):
    """A function that judges a view declared outside Flask's own route table (a Connexion operationId handler)
    as this reader judges its routes: `judge(endpoint, module, function)` fills the endpoint's protection fields
    from the function's decorators and body and the app-wide setup (before_request hooks, CSRFProtect, limiter
    defaults, where the credentials travel)."""
    mods = [m for m in project.modules.values() if uses_flask(m) or _has_route_decorators(m)]
    _, _, g = _app_setup(project, mods)

    def judge(ep: Endpoint, module: PyModule, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        _protect(ep, _Route(module, "", ep.path, [ep.method], fn, ep.handler, fn.lineno), None, g)
    return judge


def _served_under(owner, blueprints, registrations, mounts) -> list[tuple[_Blueprint | None, str]]:
    """(blueprint, full prefix) for every place a route owner's routes are served: a blueprint under each of
    its registrations, a flask-restx Api or Namespace under the blueprint (or app) it is attached to."""
    def of_blueprint(key) -> list[tuple[_Blueprint | None, str]]:
        bp = blueprints.get(key)
        if bp is None:
            return [(None, "")]
        return [(bp, p) for p, _ in registrations.get((bp.module.name, bp.var)) or [(bp.prefix, "")]]
    if owner in mounts:
        out = []
        for parent, prefix in mounts[owner]:
            for bp, pp in of_blueprint(parent):
                out.append((bp, join_paths(pp, prefix)))
        return out
    return of_blueprint(owner)


def _has_route_decorators(mod: PyModule) -> bool:
    """Views modules often use an app or blueprint imported from elsewhere without importing flask."""
    for fn in nodes_of(mod.tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "route":
                return True
    return False


def _owner_key(project: PyProject, r: _Route, known) -> tuple[str, str]:
    key = (r.module.name, r.owner)
    if key in known:
        return key
    hit = project.resolve(r.module, r.owner)
    if hit is not None and (hit[0].name, hit[1]) in known:
        return (hit[0].name, hit[1])
    return key


def _routes(mod: PyModule) -> list[_Route]:
    out = []
    for node in walk(mod.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if not isinstance(dec, ast.Call) or not isinstance(dec.func, ast.Attribute):
                    continue
                verb = dec.func.attr
                owner = dotted(dec.func.value) or ""
                path = const_str(arg(dec, 0, "rule"))
                if path is None:
                    continue
                if verb == "route":
                    methods = str_list(kwarg(dec, "methods")) or ["GET"]
                elif verb.upper() in HTTP_METHODS and verb.islower():
                    methods = [verb.upper()]
                else:
                    continue
                out.append(_Route(mod, owner, path, [m.upper() for m in methods], node, node.name, dec.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_url_rule":
            path = const_str(arg(node, 0, "rule"))
            view = arg(node, 2, "view_func")
            if path is None or view is None:
                continue
            owner = dotted(node.func.value) or ""
            handler = None
            view_class = None
            name = dotted(view) or ""
            methods = str_list(kwarg(node, "methods"))
            if isinstance(view, ast.Call) and last_name(view.func) == "as_view":
                cls_name = dotted(view.func.value) or ""
                view_class = mod.classes.get(cls_name.rsplit(".", 1)[-1])
                if view_class is not None and not methods:
                    methods = [f.name.upper() for f in view_class.body
                               if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name.upper() in HTTP_METHODS]
                name = cls_name
            else:
                handler = mod.functions.get(name.rsplit(".", 1)[-1])
            for method in methods or ["GET"]:
                h = handler
                hname = name
                if view_class is not None:
                    h = next((f for f in view_class.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                              and f.name == method.lower()), None)
                    hname = f"{name}.{method.lower()}"
                out.append(_Route(mod, owner, path, [method.upper()], h, hname, node.lineno, view_class))
    return out


def _guards(project: PyProject, mods: list[PyModule], blueprints: dict[tuple[str, str], _Blueprint],
            g: _Globals) -> None:
    """`before_request` hooks, read for what they do: on a blueprint they protect its routes, on the app (or
    `before_app_request`) every route. `@bp.before_request` decorators and `bp.before_request(fn)` calls."""
    for mod in mods:
        hooks: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | None, ast.AST]] = []
        for fn in nodes_of(mod.tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in fn.decorator_list:
                name = dotted(dec) or ""
                if name.endswith((".before_request", ".before_app_request")):
                    hooks.append((name, fn, fn))
        for call in nodes_of(mod.tree, ast.Call):
            name = dotted(call.func) or ""
            if name.endswith((".before_request", ".before_app_request")) and call.args:
                hooks.append((name, None, call.args[0]))
        for name, fn, target in hooks:
            owner, _, hook = name.rpartition(".")
            bp = blueprints.get((mod.name, owner))
            if bp is None:
                hit = project.resolve(mod, owner)
                bp = blueprints.get((hit[0].name, hit[1])) if hit else None
            if fn is not None:
                label = f"before_request hook {fn.name}"
                found = classify_function(fn, label, where(mod.path, fn.lineno),
                                          lambda call: protections_of(project, mod, call.func, 1))
            else:
                label = f"before_request hook {dotted(target) or '?'}"
                found = [Finding(f.kind, label, f.where, f.how) for f in protections_of(project, mod, target)]
            body = ast.unparse(fn) if fn is not None else ""
            if bp is not None and hook == "before_request":
                bp.hooks += found
                if fn is not None and not any(f.kind == AUTHENTICATION for f in found) and \
                        any(s in body for s in ("is_authenticated", "abort(401", "verify_jwt_in_request",
                                                "Unauthorized", "login_required")):
                    bp.guards.append(f"before_request {fn.name} at {where(mod.path, fn.lineno)}")
            else:
                g.app_hooks += found


def _registrations(project: PyProject, mods: list[PyModule],
                   blueprints: dict[tuple[str, str], _Blueprint]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Blueprint -> [(url prefix, where registered)]; nested blueprints get their parent's prefix."""
    edges: list[tuple[tuple[str, str] | None, tuple[str, str], str, str]] = []
    for mod in mods:
        for call in nodes_of(mod.tree, ast.Call):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "register_blueprint" and call.args):
                continue
            target = dotted(call.args[0]) or ""
            hit = project.resolve(mod, target)
            key = (hit[0].name, hit[1]) if hit else None
            if key not in blueprints:
                cands = [k for k in blueprints if k[1] == target.rsplit(".", 1)[-1]]
                key = cands[0] if len(cands) == 1 else None
            if key is None:
                continue
            prefix_node = kwarg(call, "url_prefix")
            prefix = prefix_of(project, mod, prefix_node) if prefix_node is not None else blueprints[key].prefix
            parent_expr = dotted(call.func.value) or ""
            parent = (mod.name, parent_expr)
            if parent not in blueprints:
                hit = project.resolve(mod, parent_expr)
                parent = (hit[0].name, hit[1]) if hit else parent
            edges.append((parent if parent in blueprints else None, key, prefix or "", where(mod.path, call.lineno)))
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def prefixes(key, depth=0):
        res = []
        for parent, child, prefix, at in edges:
            if child != key:
                continue
            if parent is None or depth > 5:
                res.append((prefix, at))
            else:
                for pp, _ in prefixes(parent, depth + 1) or [(blueprints[parent].prefix, "")]:
                    res.append((join_paths(pp, prefix), at))
        return res
    for key in blueprints:
        found = prefixes(key)
        if found:
            out[key] = found
    return out


def _note_switched(ep: Endpoint, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """A route that is not always there (protections/switched.py): off unless configured, or the first-run
    installer."""
    off = off_unless_configured(fn)
    if off:
        ep.notes.append(f"{DEVELOPMENT_ONLY}: off unless configured (answers 404 unless `{off}`)")
    first = first_run_only(fn)
    if first:
        ep.notes.append(f"{FIRST_RUN}: works only while `{first}`, then sends callers away")


def _protect(ep: Endpoint, r: _Route, bp: _Blueprint | None, g: _Globals, token_blueprint: bool = False) -> None:
    fn = r.handler
    # `@jwt_optional` / `@jwt_required(optional=True)` authenticate nobody: they only read a token when one is sent
    optional = [d for d in (fn.decorator_list if fn is not None else []) if optional_auth_decorator(d)]
    decorators = [(dotted(d) or "") for d in (fn.decorator_list if fn is not None else []) if d not in optional]
    if r.view_class is not None:
        for target in r.view_class.body:
            if isinstance(target, ast.Assign) and any(getattr(t, "id", "") == "decorators" for t in target.targets):
                decorators += [dotted(e) or "" for e in getattr(target.value, "elts", [])]
    at = where(r.module.path, fn.lineno if fn is not None else r.line)

    dec_nodes = list(fn.decorator_list) if fn is not None else []
    if r.view_class is not None:
        for target in r.view_class.body:
            if isinstance(target, ast.Assign) and any(getattr(t, "id", "") in ("decorators", "method_decorators")
                                                      for t in target.targets):
                dec_nodes += [e for e in getattr(target.value, "elts", []) if isinstance(e, ast.expr)]
        dec_nodes += list(r.view_class.decorator_list)
    behaviour: dict[str, list[str]] = {}
    for d in dec_nodes:
        if d in optional:
            continue
        for f in protections_of(g.project, r.module, d):
            behaviour.setdefault(f.kind, []).append(f"@{f.text()}")
    for f in (bp.hooks if bp is not None else []) + g.app_hooks:
        if f.kind not in (CSRF, VALIDATION):     # a hook reading the request validates no route's own input
            behaviour.setdefault(f.kind, []).append(f.text())
    if fn is not None:
        for kind, how in delegated_protections(g.project, r.module, fn).items():
            behaviour.setdefault(kind, []).append(f"hands the request to {how}")
        for kind, how in guards(fn, top_level=True).items():
            if kind in (AUTHENTICATION, AUTHORIZATION):
                behaviour.setdefault(kind, []).append(f"check in {r.handler_name}: {how} ({at})")
        counted = counter_limit(g.project, r.module, fn)
        if counted:
            behaviour.setdefault(RATE_LIMIT, []).append(counted)

    # authentication
    auth = [d for d in decorators if AUTH_DECORATOR.search(d)]
    custom = next((found for found in (repo_auth_decorator(g.project, r.module, d)
                                       for d in (fn.decorator_list if fn is not None else [])) if found), None)
    if auth:
        mark(ep, "authenticated", True, f"@{auth[0]} at {at}")
    elif behaviour.get(AUTHENTICATION):
        mark(ep, "authenticated", True, behaviour[AUTHENTICATION][0])
        if all(PUBLIC_WHEN in how for how in behaviour[AUTHENTICATION]):
            ep.notes.append(f"{OPTIONAL_AUTH_NOTE}: {behaviour[AUTHENTICATION][0]}")
    elif custom:
        mark(ep, "authenticated", True, custom)
    elif bp is not None and bp.guards:
        mark(ep, "authenticated", True, bp.guards[0])
    elif fn is None:
        ep.authenticated = None
    else:
        body = ast.unparse(fn)
        if "current_user.is_authenticated" in body or REQUIRED_JWT_CHECK.search(body):
            mark(ep, "authenticated", True, f"check in {r.handler_name} at {at}")
        elif optional:
            how = f"@{optional_auth_decorator(optional[0])} at {at}"
            mark(ep, "authenticated", False, f"authentication optional ({how}): anonymous callers are served")
            ep.notes.append(f"{OPTIONAL_AUTH_NOTE}: {how}")
        else:
            mark(ep, "authenticated", False, "no login_required/jwt_required decorator or before_request guard")
            _note_switched(ep, fn)

    # authorisation
    authz = [d for d in decorators if AUTHZ_DECORATOR.search(d)]
    own = ownership_filter(fn) if fn is not None else None
    role = role_check(fn) if fn is not None else None
    actor = acts_as_current_user(fn) if fn is not None and ep.authenticated else None
    if authz:
        mark(ep, "authorized", True, f"@{authz[0]} at {at}")
    elif behaviour.get(AUTHORIZATION):
        mark(ep, "authorized", True, behaviour[AUTHORIZATION][0])
    elif fn is not None and (parent_only := parent_only_ownership(fn, re.findall(r"\{(\w+)", ep.path))):
        mark(ep, "authorized", False, parent_only)
    elif own:
        mark(ep, "authorized", True, f"ownership filter `{own}` in {r.handler_name}")
    elif actor:
        mark(ep, "authorized", True, f"acts as the logged-in user on the addressed record (`{actor}`)")
    elif role:
        mark(ep, "authorized", True, f"role check `{role}` in {r.handler_name}")
    elif fn is not None and (asked := permission_predicate(fn)):
        mark(ep, "authorized", True, f"permission check in {r.handler_name}: {asked} ({at})")
    elif fn is not None:
        mark(ep, "authorized", False, "no role decorator, role check or query filtered by the current user")
        created = creates_as_caller(fn) if ep.authenticated else None
        if created:
            ep.notes.append(f"{CREATES_AS_CALLER}: `{created}`")

    # CSRF
    exempt = any(d.endswith(".exempt") and d.split(".")[0] in g.csrf_names | {"csrf"} for d in decorators)
    token = _token_auth(fn, g) if fn is not None else None
    form_check = _flask_form_check(g.project, r.module, fn) if fn is not None else None
    if ep.method in SAFE_METHODS:
        mark(ep, "csrf_applies", False, None)
        ep.csrf_applies = False
    elif token:
        ep.csrf_applies = False
        ep.notes.append(f"csrf: not applicable, bearer-token authentication (@{token} at {at})")
    elif token_blueprint and fn is not None and not _uses_cookie_session(fn):
        ep.csrf_applies = False
        ep.notes.append("csrf: not applicable, a token-authenticated API blueprint and this route neither reads "
                        "a form nor uses the login session")
    elif g.bearer_auth and not g.csrf:
        ep.csrf_applies = False
        ep.notes.append(f"csrf: not applicable, token authentication ({g.bearer_auth[0]})")
    elif g.header_token and not g.csrf:
        ep.csrf_applies = False
        ep.notes.append(f"csrf: not applicable, the Authorization header carries the credentials "
                        f"({g.header_token}) and no session, login cookie, set_cookie or basic authentication "
                        "is used anywhere")
    else:
        ep.csrf_applies = True
        if exempt:
            mark(ep, "csrf_protected", False, f"@csrf.exempt at {at}")
        elif g.jwt_cookie_csrf and any(re.search(r"(^|\.)jwt_required$", d) for d in decorators):
            mark(ep, "csrf_protected", True, g.jwt_cookie_csrf)
        elif g.csrf:
            mark(ep, "csrf_protected", True, g.csrf[0])
        elif form_check:
            mark(ep, "csrf_protected", True, form_check)
        elif not g.session_auth and fn is not None and g.project is not None and \
                (same_site := samesite_protected(g.project, fn)):
            mark(ep, "csrf_protected", True, same_site)   # the cookies it reads are its only credentials
        else:
            mark(ep, "csrf_protected", False, "no CSRFProtect (Flask-WTF) in the app and no FlaskForm validated "
                                              "in the handler")

    # rate limiting
    limited = [d for d in decorators if RATE_LIMIT_DECORATOR.search(d) and d.split(".")[0] in g.limiter_names | {"limiter"}]
    limiter_exempt = any(d.endswith(".exempt") and d.split(".")[0] in g.limiter_names | {"limiter"} for d in decorators)
    if limited:
        mark(ep, "rate_limited", True, f"@{limited[0]} at {at}")
    elif behaviour.get(RATE_LIMIT):
        mark(ep, "rate_limited", True, behaviour[RATE_LIMIT][0])
    elif g.limiter_default and not limiter_exempt:
        mark(ep, "rate_limited", True, g.limiter_default[0])
    else:
        mark(ep, "rate_limited", False, "no flask-limiter limit")

    # input validation
    if fn is None:
        return
    reads = takes_any(fn, REQUEST_INPUT)
    validators = [d for d in decorators if VALIDATION_DECORATOR.search(d)]
    in_body = validation_in_body(fn)
    typed = _typed_query_reads(fn)
    if validators:
        mark(ep, "input_validated", True, f"@{validators[0]} at {at}")
    elif behaviour.get(VALIDATION):
        mark(ep, "input_validated", True, behaviour[VALIDATION][0])
    elif in_body:
        mark(ep, "input_validated", True, f"`{in_body}` in {r.handler_name}")
    elif reads and typed:
        mark(ep, "input_validated", True, f"typed query reads (request.args.get(..., type=...)) in {r.handler_name}")
    elif reads:
        mark(ep, "input_validated", False, f"reads {reads[0]} without a schema or form")
    elif has_path_params(ep.path):
        typed = all(":" in p for p in _angle_params(r.path))
        if typed:
            mark(ep, "input_validated", True, "typed URL converters")
        else:
            mark(ep, "input_validated", False, "untyped URL parameter")
    else:
        ep.notes.append("input: reads no request data")

    # pagination (list endpoints only)
    if ep.method == "GET" and not ep.path.rstrip("/").endswith("}") and \
            (_returns_collection(fn) or _marshals_many(g.project, r.module, fn)):
        ep.paginated = reads_pagination(fn)
        if ep.paginated:
            ep.protections.setdefault("paginated", []).append(f"limit/page parameter in {r.handler_name}")


def _angle_params(path: str) -> list[str]:
    import re
    return re.findall(r"<([^>]+)>", path)


SINGLE_ROW_CALLS = ("scalar", "scalar_one", "scalar_one_or_none", "first", "one", "one_or_none", "first_or_404",
                    "get_or_404", "one_or_404", "get")


def _returns_collection(fn: ast.AST) -> bool:
    for node in walk(fn):
        if isinstance(node, ast.Call) and method_name(node) in ("all", "fetchall", "paginate", "find"):
            return True
        if isinstance(node, ast.ListComp):
            return True
    # a query handed to a collection helper with page parameters: to_collection_dict(sa.select(User), page, per_page)
    return reads_pagination(fn) and _unbound_select(fn)


# decorators that serialise the handler's return value with a schema: flask-apispec/flask-restx `marshal_with`,
# flask-smorest/APIFlask `response`/`output`
MARSHAL_DECORATORS = frozenset({"marshal_with", "marshal_list_with", "response", "output"})


def _marshals_many(project: PyProject | None, mod: PyModule, fn: ast.AST) -> str | None:
    """The handler's answer is serialised as a list: `@marshal_with(ArticleSchema(many=True))`, or a schema
    instance bound with many=True in the repository (`articles_schema = ArticleSchema(many=True)`), or
    `@marshal_list_with(model)`. Returns the decorator's text."""
    for dec in getattr(fn, "decorator_list", []):
        if not isinstance(dec, ast.Call) or last_name(dec.func) not in MARSHAL_DECORATORS:
            continue
        if last_name(dec.func) == "marshal_list_with":
            return source_text(dec)[:80]
        for value in list(dec.args) + [kw.value for kw in dec.keywords]:
            if _many(value) or (project is not None and _bound_many(project, mod, value)):
                return source_text(dec)[:80]
    return None


def _many(node: ast.AST | None) -> bool:
    many = kwarg(node, "many") if isinstance(node, ast.Call) else None
    return isinstance(many, ast.Constant) and many.value is True


def _bound_many(project: PyProject, mod: PyModule, node: ast.AST) -> bool:
    name = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    hit = project.resolve(mod, name) if name else None
    return hit is not None and _many(hit[0].assignments.get(hit[1]))


def _unbound_select(fn: ast.AST) -> bool:
    """A select()/query built in the handler that is not fed to a single-row accessor."""
    single: set[int] = set()
    for node in nodes_of(fn, ast.Call):
        if last_name(node.func) in SINGLE_ROW_CALLS:
            single |= {id(n) for n in walk(node)}
    return any(isinstance(n, ast.Call) and last_name(n.func) in ("select", "query") and id(n) not in single
               for n in walk(fn))


def _typed_query_reads(fn: ast.AST) -> bool:
    """Every request read is `request.args.get(name, default, type=int)`: converted (a bad value falls back to
    the default), so the input is validated."""
    typed: set[int] = set()
    for node in walk(fn):
        if isinstance(node, ast.Call) and dotted(node.func) in ("request.args.get", "request.values.get") and \
                kwarg(node, "type") is not None:
            typed |= {id(n) for n in walk(node)}
    if not typed:
        return False
    for node in walk(fn):
        name = dotted(node) if isinstance(node, (ast.Attribute, ast.Call)) else None
        if name and any(name == p or name.startswith(p + ".") for p in REQUEST_INPUT) and id(node) not in typed:
            return False
    return True


def _token_auth(fn: ast.AST, g: _Globals) -> str | None:
    """`@token_auth.login_required` with token_auth = HTTPTokenAuth(): credentials in a header, not a cookie."""
    for d in getattr(fn, "decorator_list", []):
        name = dotted(d) or ""
        if name.endswith(".login_required") and name.rsplit(".", 1)[0].rsplit(".", 1)[-1] in g.token_auth_names:
            return name
    return None


def _uses_cookie_session(fn: ast.AST) -> bool:
    text = ast.unparse(fn)   # flask-login's current_user, not flask-httpauth's token_auth.current_user()
    return bool(re.search(r"request\.form|(?<![.\w])current_user\b|\blogin_user\(|(?<![.\w])session\b|"
                          r"validate_on_submit", text))


def _flask_form_check(project: PyProject | None, mod: PyModule, fn: ast.AST) -> str | None:
    """Flask-WTF checks the CSRF token of every FlaskForm it validates (`form.validate_on_submit()`), with no
    CSRFProtect needed, unless the form turns it off (`class Meta: csrf = False`)."""
    forms: dict[str, str] = {}
    for node in walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            forms[node.targets[0].id] = dotted(node.value.func) or ""
    for node in walk(fn):
        if not (isinstance(node, ast.Call) and last_name(node.func) == "validate_on_submit"
                and isinstance(node.func, ast.Attribute)):
            continue
        var = dotted(node.func.value) or ""
        cls_name = forms.get(var)
        if not cls_name or project is None:
            continue
        found = project.resolve_class(mod, cls_name)
        if found is None:
            continue
        if "FlaskForm" not in class_bases(project, found[0], found[1]) or _csrf_disabled(found[1]):
            continue
        return (f"{found[1].name} (FlaskForm) validate_on_submit() checks the CSRF token "
                f"({where(mod.path, node.lineno)})")
    return None


def _csrf_disabled(cls: ast.ClassDef) -> bool:
    for sub in cls.body:
        if isinstance(sub, ast.ClassDef) and sub.name == "Meta":
            for a in sub.body:
                if isinstance(a, ast.Assign) and any(getattr(t, "id", "") == "csrf" for t in a.targets) and \
                        isinstance(a.value, ast.Constant) and a.value.value is False:
                    return True
    return False
