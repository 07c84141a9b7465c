"""FastAPI routes: `@app.get`/`@router.post`, `api_route`, `add_api_route`, `APIRouter(prefix=)` and
`include_router(prefix=, dependencies=)`, chained through modules.

Protections: `Depends`/`Security` on the route's parameters, the route's `dependencies=`, the router, the
include and the app (authentication when the dependency is an auth dependency: by name, or a function whose
own parameters depend on an OAuth2/HTTPBearer/APIKey scheme); ownership filters and scopes (authorisation);
slowapi and fastapi-limiter (rate limits); declared, typed parameters and pydantic bodies (validation).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of, walk
from auditor.endpoints.classify import DEVELOPMENT_ONLY, OPTIONAL_AUTH_NOTE
from auditor.endpoints.common import HTTP_METHODS, SAFE_METHODS, UNRESOLVED, join_paths, mark, normalize_path, where
from auditor.endpoints.protections import AUTHENTICATION, AUTHORIZATION
from auditor.endpoints.protections.behaviour import guards as guards_of
from auditor.endpoints.pyast import (
    PyModule,
    PyProject,
    alias_value,
    arg,
    const_str,
    dotted,
    kwarg,
    last_name,
    literal_str,
    str_list,
)
from auditor.endpoints.pyprotect import (
    ROLE_CHECK,
    declares_optional,
    ownership_filter,
    parent_only_ownership,
    reads_pagination,
    source_text,
)
from auditor.endpoints.samesite import samesite_protected
from auditor.model import Endpoint

AUTH_DEP_NAME = re.compile(r"(current_user|current_active|get_user|authenticat|auth|token|jwt|login|verify|"
                           r"oauth2|api_key|apikey|bearer|principal|require_user|logged_in|session_user|"
                           r"get_me\b|requires_user)", re.I)
AUTHZ_DEP_NAME = re.compile(r"(admin|role|permission|scope|superuser|owner|authori[sz]e|can_|allowed|policy)", re.I)
SECURITY_SCHEMES = ("OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "HTTPBearer", "HTTPBasic",
                    "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "OpenIdConnect", "OAuth2")
COOKIE_SCHEMES = ("APIKeyCookie",)
UNVALIDATED_TYPES = re.compile(r"^(dict|Dict|Any|typing\.Any|object|Request|dict\[.*\]|Dict\[.*\])$")
RAW_REQUEST = re.compile(r"\b(\w+)\.(json|form|body|query_params)\b")


@dataclass
class _Router:
    module: PyModule
    var: str
    kind: str                        # "app" or "router"
    prefix: str
    deps: list[tuple[str, str]]      # (dependency callable, where)
    line: int


@dataclass
class _Mount:
    parent: tuple[str, str]
    prefix: str
    deps: list[tuple[str, str]]
    at: str
    guard: str | None = None         # `if settings.ENVIRONMENT == "local":` around the include_router


# a condition that holds only outside production: == "development"/"local", != "production", DEBUG
DEV_GUARD = re.compile(r"==\s*['\"](development|develop|dev|local|debug|test|testing)['\"]|"
                       r"['\"](development|develop|dev|local|debug|test|testing)['\"]\s*==|"
                       r"!=\s*['\"](production|prod)['\"]|\bDEBUG\b|\bin\s*[(\[{]\s*['\"](local|dev|development)['\"]",
                       re.I)


def _dev_guarded(tree: ast.AST) -> dict[int, str]:
    """id(node) -> guard text for every node in the body of a development-only `if`."""
    out: dict[int, str] = {}
    for node in nodes_of(tree, ast.If):
        test = ast.unparse(node.test)
        if DEV_GUARD.search(test):
            for stmt in node.body:
                for sub in walk(stmt):
                    out.setdefault(id(sub), f"if {test}: ({node.lineno})")
    return out


@dataclass
class _Ctx:
    project: PyProject
    schemes: set[str] = field(default_factory=set)           # module-level names bound to security schemes
    cookie_schemes: set[str] = field(default_factory=set)
    optional_schemes: set[str] = field(default_factory=set)  # schemes built with auto_error=False
    auth_functions: set[str] = field(default_factory=set)    # functions that authenticate (by their own deps)
    authz_functions: dict[str, str] = field(default_factory=dict)  # functions whose guards check a role: how
    auth_defs: dict[str, str] = field(default_factory=dict)        # functions whose guards reject the anonymous
    # dependencies that read the caller only when credentials are sent (`user = Depends(authorizer(required=False))`
    # among their parameters): function name -> how
    optional_auth_functions: dict[str, str] = field(default_factory=dict)
    limiter_names: set[str] = field(default_factory=set)
    global_limits: list[str] = field(default_factory=list)
    csrf_middleware: list[str] = field(default_factory=list)
    session_middleware: list[str] = field(default_factory=list)
    models: set[str] = field(default_factory=set)             # pydantic model class names


def uses_fastapi(mod: PyModule) -> bool:
    return any(v == "fastapi" or v.startswith("fastapi.") for v in mod.imports.values())


def extract(project: PyProject) -> tuple[list[Endpoint], dict]:
    mods = [m for m in project.modules.values() if uses_fastapi(m) or _decorates_routes(m)]
    c = _Ctx(project)
    _scan_globals(project, c)
    routers: dict[tuple[str, str], _Router] = {}
    mounts: dict[tuple[str, str], list[_Mount]] = {}
    for mod in mods:
        for node in nodes_of(mod.tree, ast.Assign):
            if isinstance(node.value, ast.Call):
                ctor = last_name(node.value.func)
                if ctor in ("FastAPI", "APIRouter"):
                    for t in node.targets:
                        var = dotted(t)
                        if var:
                            routers[(mod.name, var)] = _Router(
                                mod, var, "app" if ctor == "FastAPI" else "router",
                                _prefix(project, mod, kwarg(node.value, "prefix")),
                                _deps_list(kwarg(node.value, "dependencies"), mod.path), node.lineno)
    for mod in mods:
        guarded = _dev_guarded(mod.tree)
        for call in nodes_of(mod.tree, ast.Call):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "include_router" and call.args:
                parent = _key(project, mod, dotted(call.func.value) or "", routers)
                child = _key(project, mod, dotted(call.args[0]) or "", routers)
                if child in routers:
                    guard = guarded.get(id(call))
                    mounts.setdefault(child, []).append(_Mount(
                        parent, _prefix(project, mod, kwarg(call, "prefix")),
                        _deps_list(kwarg(call, "dependencies"), mod.path), where(mod.path, call.lineno),
                        f"{guard.rsplit(' (', 1)[0]} at {where(mod.path, call.lineno)}" if guard else None))
    endpoints: list[Endpoint] = []
    for mod in mods:
        for fn, dec, owner, path, methods, extra_deps in _routes(mod):
            key = _key(project, mod, owner, routers)
            chains = _chains(key, routers, mounts)
            for prefix, deps, guards in chains:
                for method in methods:
                    ep = Endpoint(method, normalize_path(join_paths(prefix, path)), fn.name, mod.path,
                                  dec.lineno, "fastapi")
                    if guards:
                        ep.notes.append(f"{DEVELOPMENT_ONLY}: included under {guards[0]}")
                    if key not in routers:
                        ep.notes.append(f"route owner {owner!r} is not a known FastAPI app or APIRouter")
                    _protect(ep, fn, mod, deps + extra_deps, c, dec)
                    endpoints.append(ep)
    glob = {"rate_limit": c.global_limits, "csrf": c.csrf_middleware, "session": c.session_middleware}
    return endpoints, {k: v for k, v in glob.items() if v}


def _prefix(project: PyProject, mod: PyModule, node: ast.AST | None) -> str:
    if node is None:
        return ""
    value = literal_str(project, mod, node)
    return value if value is not None else UNRESOLVED


def _decorates_routes(mod: PyModule) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in
               ("get", "post", "put", "patch", "delete", "api_route")
               and const_str(arg(d, 0, "path")) is not None and (dotted(d.func.value) or "").endswith(("router", "app"))
               for fn in mod.functions.values() for d in fn.decorator_list)


def _key(project: PyProject, mod: PyModule, expr: str, routers) -> tuple[str, str]:
    key = (mod.name, expr)
    if key in routers:
        return key
    hit = project.resolve(mod, expr)
    if hit is not None and (hit[0].name, hit[1]) in routers:
        return (hit[0].name, hit[1])
    return key


def _chains(key, routers, mounts, depth: int = 0) -> list[tuple[str, list[tuple[str, str]], list[str]]]:
    """Every (full prefix, inherited dependencies, development-only guards) under which a router's routes
    are served."""
    r = routers.get(key)
    if r is None:
        return [("", [], [])]
    own: tuple[str, list[tuple[str, str]], list[str]] = (r.prefix, [(d, f"{w} (dependencies of {r.var})") for d, w in r.deps], [])
    if r.kind == "app" or depth > 6:
        return [own]
    parents = mounts.get(key)
    if not parents:
        return [own]
    out = []
    for m in parents:
        for pprefix, pdeps, pguards in _chains(m.parent, routers, mounts, depth + 1):
            out.append((join_paths(pprefix, m.prefix, r.prefix),
                        pdeps + [(d, f"{m.at} (include_router)") for d, _ in m.deps] + own[1],
                        pguards + ([m.guard] if m.guard else [])))
    return out


def _deps_list(node: ast.AST | None, path: str) -> list[tuple[str, str]]:
    out = []
    if isinstance(node, (ast.List, ast.Tuple)):
        for e in node.elts:
            if isinstance(e, ast.Call) and last_name(e.func) in ("Depends", "Security") and e.args:
                out.append((source_text(e), where(path, e.lineno)))
    return out


def _routes(mod: PyModule):
    for fn in nodes_of(mod.tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for dec in fn.decorator_list:
            if not isinstance(dec, ast.Call) or not isinstance(dec.func, ast.Attribute):
                continue
            verb = dec.func.attr
            path = const_str(arg(dec, 0, "path"))
            if path is None:
                continue
            if verb == "api_route":
                methods = [m.upper() for m in (str_list(kwarg(dec, "methods")) or ["GET"])]
            elif verb.upper() in HTTP_METHODS and verb.islower():
                methods = [verb.upper()]
            else:
                continue
            yield fn, dec, dotted(dec.func.value) or "", path, methods, _deps_list(kwarg(dec, "dependencies"), mod.path)
    for call in nodes_of(mod.tree, ast.Call):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_api_route":
            path = const_str(arg(call, 0, "path"))
            target = dotted(arg(call, 1, "endpoint"))
            fn = mod.functions.get((target or "").rsplit(".", 1)[-1])
            if path is None or fn is None:
                continue
            methods = [m.upper() for m in (str_list(kwarg(call, "methods")) or ["GET"])]
            yield fn, call, dotted(call.func.value) or "", path, methods, _deps_list(kwarg(call, "dependencies"), mod.path)


def _scan_globals(project: PyProject, c: _Ctx) -> None:
    for mod in project.modules.values():
        for name, value in mod.assignments.items():
            if isinstance(value, ast.Call):
                ctor = last_name(value.func)
                if ctor in SECURITY_SCHEMES and declares_optional(value):
                    c.optional_schemes.add(name)
                elif ctor in SECURITY_SCHEMES:
                    c.schemes.add(name)
                    if ctor in COOKIE_SCHEMES:
                        c.cookie_schemes.add(name)
                elif ctor == "Limiter":
                    c.limiter_names.add(name)
                    if kwarg(value, "default_limits") is not None:
                        c.global_limits.append(f"slowapi Limiter(default_limits=...) at {mod.path}")
        for cls in mod.classes.values():
            if any(last_name(b) in ("BaseModel", "SQLModel", "Schema") for b in cls.bases):
                c.models.add(cls.name)
        for call in nodes_of(mod.tree, ast.Call):
            if last_name(call.func) == "add_middleware" and call.args:
                mw = last_name(call.args[0])
                if "csrf" in mw.lower():
                    c.csrf_middleware.append(f"{mw} at {where(mod.path, call.lineno)}")
                if mw == "SessionMiddleware":
                    c.session_middleware.append(f"SessionMiddleware at {where(mod.path, call.lineno)}")
    # pydantic models inherit from repo-defined models too
    for _ in range(3):
        for mod in project.modules.values():
            for cls in mod.classes.values():
                if any(last_name(b) in c.models for b in cls.bases):
                    c.models.add(cls.name)
    # functions that authenticate or authorise by what they do: raise HTTPException(401/403) when no user
    for mod in project.modules.values():
        for fn in mod.functions.values():
            found = guards_of(fn)
            if AUTHENTICATION in found:
                c.auth_functions.add(fn.name)
                c.auth_defs[fn.name] = f"{fn.name} ({found[AUTHENTICATION]}; defined at {where(mod.path, fn.lineno)})"
            if AUTHORIZATION in found:
                c.authz_functions[fn.name] = f"{fn.name} ({found[AUTHORIZATION]}; defined at {where(mod.path, fn.lineno)})"
    # functions that authenticate: their own parameters depend on a security scheme (or another auth function)
    for _ in range(3):
        for mod in project.modules.values():
            for fn in mod.functions.values():
                for dep in _param_deps(fn, project, mod):
                    target = _dep_target(dep)
                    if declares_optional(arg(dep, 0, "dependency")):
                        continue    # Security(APIKeyHeader(..., auto_error=False)): read only when sent
                    if target in c.schemes or target in c.auth_functions or target in SECURITY_SCHEMES:
                        c.auth_functions.add(fn.name)
    # functions that read the caller optionally: a parameter depends on an optional authentication dependency
    for _ in range(3):
        for mod in project.modules.values():
            for fn in mod.functions.values():
                if fn.name in c.optional_auth_functions:
                    continue
                deps = _param_deps(fn, project, mod)
                optional = [d for d in deps if _optional_auth(d, c)]
                if optional and not any(_is_auth_dep(_dep_target(d), c) and not _optional_auth(d, c) for d in deps):
                    c.optional_auth_functions[fn.name] = (f"{fn.name} (depends on {source_text(optional[0])[:70]}; "
                                                          f"defined at {where(mod.path, fn.lineno)})")


def _optional_auth(call: ast.AST, c: _Ctx) -> bool:
    """`Depends(get_current_user_authorizer(required=False))`, `Depends(get_optional_user)`,
    `Security(APIKeyHeader(name=..., auto_error=False))`, or a dependency that itself depends on one: the
    route serves anonymous callers and only reads the caller when credentials are sent."""
    if not isinstance(call, ast.Call):
        return False
    target = _dep_target(call)
    if target in c.optional_auth_functions:
        return True
    inner = arg(call, 0, "dependency")
    if target in c.optional_schemes:
        return True
    return _is_auth_dep(target, c) and (declares_optional(inner) or "optional" in target.lower())


def _param_deps(fn: ast.FunctionDef | ast.AsyncFunctionDef, project: PyProject | None = None,
                mod: PyModule | None = None) -> list[ast.Call]:
    """Depends()/Security() calls among the parameters (defaults, Annotated[...] metadata, and type
    aliases such as `CurrentUser = Annotated[User, Depends(get_current_user)]`)."""
    out = []
    for a, d in _params_with_defaults(fn):
        out.extend(_deps_of(a, d, project, mod))
    return out


def _deps_of(a: ast.arg, default: ast.AST | None, project: PyProject | None, mod: PyModule | None) -> list[ast.Call]:
    nodes = [default, a.annotation]
    if project is not None and mod is not None and a.annotation is not None:
        nodes.append(alias_value(project, mod, a.annotation))
    out = []
    for node in nodes:
        if node is None:
            continue
        for sub in nodes_of(node, ast.Call):
            if last_name(sub.func) in ("Depends", "Security"):
                out.append(sub)
    return out


def _dep_target(call: ast.Call) -> str:
    """The last name of what a Depends()/Security() call depends on: `get_user`, `deps.get_user` -> get_user;
    a scheme built in place (`OAuth2PasswordBearer(...)`) -> its class; dependency-injector's
    `Provide[Container.user_service]` -> user_service; "" for anything else (a lambda)."""
    target = arg(call, 0, "dependency")
    while target is not None:
        name = dotted(target)
        if name:
            return name.rsplit(".", 1)[-1]
        if isinstance(target, ast.Call):
            target = target.func
        elif isinstance(target, ast.Subscript):
            target = target.slice
        else:
            return ""
    return ""


def _is_auth_dep(target: str, c: _Ctx) -> bool:
    return target in c.schemes or target in c.auth_functions or bool(AUTH_DEP_NAME.search(target)) \
        or target in SECURITY_SCHEMES


def _protect(ep: Endpoint, fn, mod: PyModule, inherited: list[tuple[str, str]], c: _Ctx, dec: ast.Call) -> None:
    at = where(mod.path, fn.lineno)
    param_deps = [(source_text(d), where(mod.path, fn.lineno)) for d in _param_deps(fn, c.project, mod)]
    auth_sources = []
    authz_sources = []
    user_params: set[str] = set()
    optional_sources = []
    for text, w in inherited + param_deps:
        call = ast.parse(text, mode="eval").body
        target = _dep_target(call) if isinstance(call, ast.Call) else ""
        if _optional_auth(call, c):
            how = c.optional_auth_functions.get(target, "")
            optional_sources.append(f"{text} at {w}" + (f": {how}" if how else ""))
        elif target in c.auth_defs:
            auth_sources.append(f"{text} at {w}: {c.auth_defs[target]}")
        elif _is_auth_dep(target, c):
            auth_sources.append(f"{text} at {w}")
        if target in c.authz_functions:
            authz_sources.append(f"{text}: {c.authz_functions[target]}")
        elif AUTHZ_DEP_NAME.search(target) or (isinstance(call, ast.Call) and kwarg(call, "scopes") is not None):
            authz_sources.append(f"{text} at {w}")
    for a, d in _params_with_defaults(fn):
        deps = _deps_of(a, d, c.project, mod)
        if any(_is_auth_dep(_dep_target(s), c) for s in deps):
            user_params.add(a.arg)
    cookie = [t for t, _ in inherited + param_deps if any(s in t for s in c.cookie_schemes)]

    if auth_sources:
        mark(ep, "authenticated", True, auth_sources[0])
    elif optional_sources:
        mark(ep, "authenticated", False, f"authentication optional ({optional_sources[0]}): anonymous callers are served")
        ep.notes.append(f"{OPTIONAL_AUTH_NOTE}: {optional_sources[0]}")
    else:
        mark(ep, "authenticated", False, "no authentication dependency on the route, its routers or the app")

    own = ownership_filter(fn, user_params)
    role = ROLE_CHECK.search(source_text(fn))
    parent_only = parent_only_ownership(fn, re.findall(r"\{(\w+)", ep.path), user_params)
    if authz_sources:
        mark(ep, "authorized", True, authz_sources[0])
    elif parent_only:
        mark(ep, "authorized", False, parent_only)
    elif own:
        mark(ep, "authorized", True, f"ownership filter `{own}` in {fn.name}")
    elif role:
        mark(ep, "authorized", True, f"role check `{role.group(0)}` in {fn.name}")
    else:
        mark(ep, "authorized", False, "no permission dependency, scope, role check or query filtered by the current user")

    # CSRF: FastAPI has no cookie session unless the app adds one
    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    elif cookie or c.session_middleware or "request.cookies" in source_text(fn):
        ep.csrf_applies = True
        same_site = samesite_protected(c.project, fn) if not cookie and not c.session_middleware else None
        if c.csrf_middleware:
            mark(ep, "csrf_protected", True, c.csrf_middleware[0])
        elif same_site:
            mark(ep, "csrf_protected", True, same_site)
        else:
            mark(ep, "csrf_protected", False, "cookie or session authentication without CSRF middleware")
    else:
        ep.csrf_applies = False
        ep.notes.append("csrf: not applicable, no cookie or session authentication")

    limits = [dotted(d) for d in fn.decorator_list if isinstance(d, ast.Call) and last_name(d.func) in ("limit", "shared_limit")
              and (dotted(d.func) or "").split(".")[0] in c.limiter_names | {"limiter"}]
    dep_limits = [t for t, _ in inherited + param_deps if "RateLimiter" in t or "rate_limit" in t.lower()]
    exempt = any((dotted(d) or "").endswith(".exempt") for d in fn.decorator_list)
    if limits:
        mark(ep, "rate_limited", True, f"@{limits[0]} at {at}")
    elif dep_limits:
        mark(ep, "rate_limited", True, dep_limits[0])
    elif c.global_limits and not exempt:
        mark(ep, "rate_limited", True, c.global_limits[0])
    else:
        mark(ep, "rate_limited", False, "no slowapi or fastapi-limiter limit")

    _validation(ep, fn, c, mod)

    if ep.method == "GET" and not ep.path.rstrip("/").endswith("}"):
        if reads_pagination(fn.args) or "Page[" in source_text(dec):
            ep.paginated = True
            ep.protections.setdefault("paginated", []).append(f"limit/offset parameters of {fn.name}")
        elif _lists(fn, dec):
            ep.paginated = False


def _params_with_defaults(fn):
    args = fn.args.args + fn.args.kwonlyargs
    defaults = [None] * (len(fn.args.args) - len(fn.args.defaults)) + list(fn.args.defaults) + list(fn.args.kw_defaults)
    return list(zip(args, defaults))


def _validation(ep: Endpoint, fn, c: _Ctx, mod: PyModule) -> None:
    inputs = []
    models = []
    unvalidated = []
    request_names = set()
    for a, d in _params_with_defaults(fn):
        if a.arg in ("self", "cls"):
            continue
        ann = source_text(a.annotation) if a.annotation is not None else ""
        deps = _deps_of(a, d, c.project, mod)
        if deps:
            if any(not s.args and not s.keywords for s in deps) and a.annotation is not None:
                inputs.append(a.arg)  # `Annotated[Form, Depends()]`: the class itself parses the request
                models.append(a.arg)
            continue
        if ann in ("Request", "WebSocket", "BackgroundTasks", "Response", "Session", "AsyncSession"):
            if ann in ("Request", "WebSocket"):
                request_names.add(a.arg)
            continue
        inputs.append(a.arg)
        if a.annotation is not None and last_name(a.annotation) in c.models:
            models.append(a.arg)
        if not ann or UNVALIDATED_TYPES.match(ann):
            unvalidated.append(f"{a.arg}: {ann or 'no type'}")
    raw = [m.group(0) for m in RAW_REQUEST.finditer(source_text(fn)) if m.group(1) in request_names]
    if unvalidated:
        mark(ep, "input_validated", False, f"parameter {unvalidated[0]} is not validated")
    elif raw:
        mark(ep, "input_validated", False, f"reads {raw[0]} directly instead of a declared model")
    elif inputs:
        what = f"model parameter {models[0]}" if models else f"typed parameters ({', '.join(inputs[:4])})"
        mark(ep, "input_validated", True, f"{what} of {fn.name}")
    else:
        ep.notes.append("input: declares no request parameters")


def _lists(fn, dec: ast.Call) -> bool:
    rm = kwarg(dec, "response_model")
    text = source_text(rm) if rm is not None else source_text(fn.returns) if fn.returns is not None else ""
    return text.lower().startswith(("list[", "typing.list[", "sequence[", "page[")) or fn.name.startswith("list_")
