"""Connexion routes: declared in an OpenAPI/Swagger document, each operation naming its Python handler.

`app = connexion.App(__name__, specification_dir="openapi/")` (also FlaskApp, AsyncApp) then
`app.add_api("api.yml", base_path=...)`: the document is `specification_dir/api.yml`, the directory relative to
the folder of the module that builds the app. Every path x method of the document is an endpoint under the base
path (`base_path=`, else Swagger 2 `basePath`, else the path of the first OpenAPI 3 server URL). Its handler is
the function its `operationId` names (prefixed by `x-openapi-router-controller`), or the RestyResolver's
`module.resource.search|get|post|...` when the API is added with `resolver=RestyResolver("module")`.

Protections, by what Connexion does before the handler runs:
- an operation requiring a security scheme (its own `security`, else the document's) whose check function is
  declared (`x-bearerInfoFunc`, `x-basicInfoFunc`, `x-apikeyInfoFunc`, `x-tokenInfoFunc`/`x-tokenInfoUrl`, or
  the matching environment variable set in the repository) is authenticated: Connexion answers 401 without
  credentials. A scheme with no check function is not enforced. `security: []` makes an operation public. A
  requirement with scopes (oauth2) is authorisation: Connexion checks the token's scopes;
- a request body, or parameters, with a schema that rejects something are validated (Connexion validates
  requests against the document by default); a schema that accepts the empty object and any property
  (types only, nothing required) validates nothing;
- everything else is the handler's own code, judged as the Flask reader judges a view.
Nothing is imported or run: the document is loaded with yaml.safe_load, the handlers are parsed.
"""
from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

from auditor.endpoints.common import SAFE_METHODS, join_paths, mark, normalize_path, where
from auditor.endpoints.openapi_spec import PAGINATION_PARAMS, Operation, Spec, SpecError, load_spec
from auditor.endpoints.pyast import PyModule, PyProject, arg, const_str, dotted, kwarg, last_name, literal_str
from auditor.model import Endpoint

APP_CLASSES = frozenset({"App", "FlaskApp", "AsyncApp"})
# scheme kind -> the extensions that name its check function, and the environment variables Connexion reads
INFO_FUNCTIONS = {
    "bearer": (("x-bearerInfoFunc",), ("BEARERINFO_FUNC",)),
    "basic": (("x-basicInfoFunc",), ("BASICINFO_FUNC",)),
    "apikey": (("x-apikeyInfoFunc",), ("APIKEYINFO_FUNC",)),
    "oauth2": (("x-tokenInfoFunc", "x-tokenInfoUrl"), ("TOKENINFO_FUNC", "TOKENINFO_URL")),
}
RESTY_COLLECTION = "search"


@dataclass
class _App:
    module: PyModule
    var: str
    spec_dir: str        # repository-relative folder ("" = the root)
    line: int


@dataclass
class _Api:
    module: PyModule
    line: int
    spec_path: str | None            # repository-relative, None when not found
    base_path: str | None            # base_path= when given
    resty_module: str | None         # resolver=RestyResolver("module")
    strict: bool                     # strict_validation=True
    reason: str = ""                 # why spec_path is None


def uses_connexion(mod: PyModule) -> bool:
    return any(v.split(".")[0] == "connexion" for v in mod.imports.values())


def extract(project: PyProject) -> tuple[list[Endpoint], dict]:
    """Endpoints of every API a Connexion app adds. Raises SpecError (the reason) when no API could be read (its
    document missing, named at run time or not parsing, or an app with no add_api found): the framework is then
    unread, not empty. When some APIs were read, the others are named in the notes."""
    mods = [m for m in project.modules.values() if uses_connexion(m)]
    apps = _apps(project, mods)
    apis = _apis(project, apps)
    if not apis:
        if apps:
            first = next(iter(apps.values()))
            raise SpecError(f"the Connexion app built at {where(first.module.path, first.line)} adds no API "
                            "document this reader could find (no add_api(...) call on it)")
        return [], {}    # connexion imported as a library (its exceptions, its testing client): no API served
    from auditor.endpoints.flask import view_judge
    judge = view_judge(project)
    env = _environment_names(project)
    endpoints: list[Endpoint] = []
    problems: list[str] = []
    for api in apis:
        if api.spec_path is None:
            problems.append(api.reason)
            continue
        try:
            spec, lines = load_spec(api.spec_path, project.repo.read_text(api.spec_path))
        except SpecError as exc:
            problems.append(str(exc))
            continue
        base = api.base_path if api.base_path is not None else spec.base_path()
        for op in spec.operations(lines):
            endpoints.append(_endpoint(project, spec, api, op, base, judge, env))
    if problems and not endpoints:
        raise SpecError("; ".join(problems))
    return endpoints, {"_notes": [f"connexion: {p}" for p in problems]} if problems else {}


# --- apps and add_api calls --------------------------------------------------------------------------------

def _is_connexion_call(mod: PyModule, call: ast.Call) -> bool:
    name = dotted(call.func) or ""
    head = name.split(".")[0]
    return last_name(call.func) in APP_CLASSES and mod.imports.get(head, "").split(".")[0] == "connexion"


def _apps(project: PyProject, mods: list[PyModule]) -> dict[tuple[str, str], _App]:
    out: dict[tuple[str, str], _App] = {}
    for mod in mods:
        for node in ast.walk(mod.tree):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and _is_connexion_call(mod, node.value)):
                continue
            folder = posixpath.dirname(mod.path)
            value = _path_value(project, mod, kwarg(node.value, "specification_dir"))
            spec_dir = folder if value is None else _join_repo(folder, value)
            for target in node.targets:
                var = dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
                if var:
                    out[(mod.name, var)] = _App(mod, var, spec_dir, node.lineno)
    return out


def _apis(project: PyProject, apps: dict[tuple[str, str], _App]) -> list[_Api]:
    """add_api calls anywhere in the project (the app is often imported by the module that adds the API)."""
    out = []
    for mod in project.modules.values():
        for call in ast.walk(mod.tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "add_api"):
                continue
            owner = _owner(project, mod, call.func.value, apps)
            if owner is None:
                continue
            spec_name = _path_value(project, mod, arg(call, 0, "specification"))
            base = literal_str(project, mod, kwarg(call, "base_path"))
            resolver = kwarg(call, "resolver")
            resty = const_str(arg(resolver, 0, "default_module_name")) if isinstance(resolver, ast.Call) and \
                last_name(resolver.func) == "RestyResolver" else None
            strict_node = kwarg(call, "strict_validation")
            strict = isinstance(strict_node, ast.Constant) and strict_node.value is True
            api = _Api(mod, call.lineno, None, base, resty, strict)
            if spec_name is None:
                api.reason = f"the document added at {where(mod.path, call.lineno)} is named at run time"
            else:
                api.spec_path = _find_spec(project, owner.spec_dir, spec_name)
                if api.spec_path is None:
                    api.reason = (f"the document {spec_name!r} added at {where(mod.path, call.lineno)} is not in the "
                                  f"repository (looked in {owner.spec_dir or '.'}/)")
            out.append(api)
    return out


def _owner(project: PyProject, mod: PyModule, node: ast.AST, apps: dict[tuple[str, str], _App]) -> _App | None:
    """The Connexion app an add_api call is made on: a name bound to one (here or imported), or a
    `connexion.App(...)(...).add_api` chained on the constructor itself."""
    if isinstance(node, ast.Call) and _is_connexion_call(mod, node):
        value = _path_value(project, mod, kwarg(node, "specification_dir"))
        folder = posixpath.dirname(mod.path)
        return _App(mod, "", folder if value is None else _join_repo(folder, value), node.lineno)
    name = dotted(node) or ""
    if (mod.name, name) in apps:
        return apps[(mod.name, name)]
    hit = project.resolve(mod, name)
    if hit is not None and (hit[0].name, hit[1]) in apps:
        return apps[(hit[0].name, hit[1])]
    return None


def _path_value(project: PyProject, mod: PyModule, node: ast.AST | None, depth: int = 0) -> str | None:
    """A filesystem path known without running code: a string, a module constant, and the usual spellings of
    "next to this file": os.path.join(os.path.dirname(__file__), "x"), pathlib.Path(__file__).parent / "x".
    `__file__` stands for "/" + the module's repository path (absolute, so it is not joined again)."""
    if node is None or depth > 6:
        return None
    if isinstance(node, ast.Name) and node.id == "__file__":
        return "/" + mod.path
    text = literal_str(project, mod, node)
    if text is not None:
        return text
    if isinstance(node, ast.Call):
        name = dotted(node.func) or ""
        parts = [_path_value(project, mod, a, depth + 1) for a in node.args]
        if name.endswith("path.join") and parts and all(p is not None for p in parts):
            return posixpath.join(*[p for p in parts if p is not None])
        if name.endswith("path.dirname") and len(parts) == 1 and parts[0] is not None:
            return posixpath.dirname(parts[0])
        if name.endswith(("path.abspath", "path.realpath", "path.normpath")) or last_name(node.func) in ("Path", "PurePath"):
            return parts[0] if len(parts) == 1 else None
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute") and not node.args:
            return _path_value(project, mod, node.func.value, depth + 1)
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _path_value(project, mod, node.value, depth + 1)
        return posixpath.dirname(inner) if inner is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = _path_value(project, mod, node.left, depth + 1)
        right = _path_value(project, mod, node.right, depth + 1)
        return posixpath.join(left, right) if left is not None and right is not None else None
    return None


def _join_repo(folder: str, value: str) -> str:
    joined = value.lstrip("/") if value.startswith("/") else posixpath.join(folder, value)
    norm = posixpath.normpath(joined) if joined else ""
    return "" if norm == "." else norm


def _find_spec(project: PyProject, spec_dir: str, name: str) -> str | None:
    """The document `name` in `spec_dir`; else, when the folder was not where we thought (an absolute
    directory of the deployment image), the one file of the repository with that relative path's ending."""
    candidate = _join_repo(spec_dir, name)
    if project.repo.exists(candidate):
        return candidate
    tail = name.lstrip("./")
    hits = [p for p in project.repo.paths() if p == tail or p.endswith("/" + tail)]
    return hits[0] if len(hits) == 1 else None


def _environment_names(project: PyProject) -> set[str]:
    """Connexion's *INFO_FUNC / TOKENINFO_URL environment variables the repository sets (Dockerfile, compose
    file, .env, os.environ[...] = ...)."""
    names = {n for _, envs in INFO_FUNCTIONS.values() for n in envs}
    found: set[str] = set()
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b\s*[=:]|environ\[\s*['\"](" + "|".join(sorted(names)) + r")['\"]\s*\]\s*=|"
                         r"setdefault\(\s*['\"](" + "|".join(sorted(names)) + r")['\"]")
    for path in project.repo.paths():
        base = path.rsplit("/", 1)[-1].lower()
        if not (path.endswith((".py", ".yml", ".yaml", ".env", ".cfg", ".ini", ".toml", ".sh")) or
                base.startswith(("dockerfile", ".env"))):
            continue
        text = project.repo.read_text(path) or ""
        if not any(n in text for n in names):
            continue
        for m in pattern.finditer(text):
            found.add(next(g for g in m.groups() if g))
    return found


# --- one operation ----------------------------------------------------------------------------------------

def _operation_id(api: _Api, op: Operation) -> str | None:
    controller = op.data.get("x-openapi-router-controller") or op.path_item.get("x-openapi-router-controller") or \
        op.data.get("x-swagger-router-controller") or op.path_item.get("x-swagger-router-controller")
    op_id = op.data.get("operationId")
    if isinstance(op_id, str) and op_id:
        return f"{controller}.{op_id}" if isinstance(controller, str) and controller else op_id
    if api.resty_module is None:
        return None
    # RestyResolver: /pets -> module.pets.search (GET) / .post; /pets/{id} -> module.pets.get / .put / .delete
    m = re.match(r"^/?(?P<resource>[\w-]*)(?P<slash>/*)(?P<rest>.*)$", op.path)
    resource = m.group("resource") if m else ""
    module = controller if isinstance(controller, str) and controller else \
        api.resty_module + ("." + resource.replace("-", "_") if resource else "")
    collection = op.method == "get" and resource and not (m.group("rest") if m else "")
    return f"{module}.{RESTY_COLLECTION if collection else op.method}"


def _resolve_handler(project: PyProject, name: str) -> tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef, str] | None:
    """`package.module.function` or `package.module.Class.method` to its definition in the repository."""
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        mod = project.find_module(".".join(parts[:i]))
        if mod is None:
            continue
        rest = parts[i:]
        if len(rest) == 1:
            if rest[0] in mod.functions:
                return mod, mod.functions[rest[0]], rest[0]
            found = project.resolve_function(mod, rest[0])
            if found is not None:
                return found[0], found[1], rest[0]
        elif len(rest) == 2 and rest[0] in mod.classes:
            for sub in mod.classes[rest[0]].body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub.name == rest[1]:
                    return mod, sub, ".".join(rest)
        return None
    return None


def _always_returns(stmts: list[ast.stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, ast.Try):
        return (_always_returns(last.body) or _always_returns(last.orelse)) and \
            all(_always_returns(h.body) for h in last.handlers)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _always_returns(last.body)
    return False


def never_rejects(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A check function that always returns a value and never raises: Connexion rejects a credential only when
    its check returns None (or raises), so this one lets every credential through."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Raise):
            return False
        if isinstance(node, ast.Return) and (node.value is None or
                                             isinstance(node.value, ast.Constant) and node.value.value in (None, False)):
            return False
        if isinstance(node, ast.Call) and last_name(node.func) in ("abort", "unauthorized"):
            return False     # flask.abort raises
    return _always_returns(fn.body)


def _endpoint(project: PyProject, spec: Spec, api: _Api, op: Operation, base: str, judge, env: set[str]) -> Endpoint:
    op_id = _operation_id(api, op)
    full = normalize_path(join_paths(base, op.path))
    resolved = _resolve_handler(project, op_id) if op_id else None
    at_spec = where(spec.path, op.line or None)
    if resolved is not None:
        mod, fn, qualname = resolved
        ep = Endpoint(op.method.upper(), full, qualname, mod.path, fn.lineno, "connexion")
        judge(ep, mod, fn)
    else:
        ep = Endpoint(op.method.upper(), full, op_id or f"{op.method} {op.path}", spec.path, op.line, "connexion")
        ep.notes.append(f"handler: {'operationId ' + repr(op_id) if op_id else 'no operationId'} declared at "
                        f"{at_spec} was not found in the repository")
    ep.notes.append(f"declared in {at_spec}" + (f" (operationId {op_id})" if op_id else ""))
    _spec_security(project, spec, op, ep, at_spec, env)
    _spec_validation(spec, api, op, ep, at_spec)
    _spec_pagination(spec, op, ep, at_spec)
    return ep


def _reset(ep: Endpoint, prop: str) -> None:
    """Forget what the handler's judgement said about `prop`: the document decides it."""
    ep.protections.pop(prop, None)
    ep.notes = [n for n in ep.notes if not n.startswith(f"{prop}:")]


def _spec_security(project: PyProject, spec: Spec, op: Operation, ep: Endpoint, at_spec: str, env: set[str]) -> None:
    declared = op.data["security"] if "security" in op.data else spec.doc.get("security")
    if not isinstance(declared, list):
        return   # no requirement: the handler's own code decides
    if not declared:
        if not ep.authenticated:
            _reset(ep, "authenticated")
            mark(ep, "authenticated", False, f"`security: []` in {at_spec}: public")
        return
    if any(isinstance(req, dict) and not req for req in declared):
        ep.notes.append(f"authenticated: an empty requirement `{{}}` in {at_spec} lets anonymous callers through")
        return
    schemes = spec.security_schemes()
    enforced: list[str] = []
    scoped: list[str] = []
    unchecked: list[str] = []
    for req in declared:
        if not isinstance(req, dict):
            continue
        names = [str(n) for n in req]
        checks = [_check_function(schemes.get(n), env) for n in names]
        if all(checks):
            enforced.append(" + ".join(f"{n} ({c})" for n, c in zip(names, checks)))
            scoped += [f"{n}: {', '.join(map(str, req[n]))}" for n in names if isinstance(req[n], list) and req[n]]
        else:
            unchecked += [n for n, c in zip(names, checks) if not c]
    if len(enforced) == len([r for r in declared if isinstance(r, dict)]) and enforced:
        _reset(ep, "authenticated")
        lax = _lax_checks(project, schemes, declared)
        mark(ep, "authenticated", True, f"security {' or '.join(enforced)} in {at_spec}: Connexion answers 401 "
                                        "before the handler runs" + (
                                            f" to a request without credentials (but {lax} never returns None nor "
                                            "raises, so any credential passes the gate and the handler must check "
                                            "it)" if lax else ""))
        if scoped and not ep.authorized:
            _reset(ep, "authorized")
            mark(ep, "authorized", True, f"required scopes {'; '.join(scoped)} in {at_spec}")
        if ep.method not in SAFE_METHODS and all(_header_scheme(schemes.get(str(n))) for r in declared
                                                 if isinstance(r, dict) for n in r):
            ep.csrf_applies = False
            ep.csrf_protected = None
            _reset(ep, "csrf_protected")
            ep.notes = [n for n in ep.notes if not n.startswith("csrf:")]
            ep.notes.append(f"csrf: not applicable, the credentials travel in a header ({at_spec})")
    elif unchecked:
        ep.notes.append(f"authenticated: security scheme(s) {', '.join(sorted(set(unchecked)))} required in {at_spec} "
                        "declare no check function (x-*InfoFunc), so Connexion does not enforce them")


def _lax_checks(project: PyProject, schemes: dict[str, dict], declared: list) -> str:
    """The check functions of the required schemes, found in the repository, that let every credential through."""
    lax = []
    for req in declared:
        for name in (req if isinstance(req, dict) else {}):
            scheme = schemes.get(str(name)) or {}
            func = next((scheme[k] for k in scheme if str(k).endswith("InfoFunc") and isinstance(scheme[k], str)), None)
            found = _resolve_handler(project, func) if func else None
            if found is not None and never_rejects(found[1]):
                lax.append(f"{func} ({where(found[0].path, found[1].lineno)})")
    return ", ".join(sorted(set(lax)))


def _check_function(scheme: dict | None, env: set[str]) -> str | None:
    """What Connexion calls to check a scheme's credentials, or None when it has nothing to call."""
    if not isinstance(scheme, dict):
        return None
    kind = str(scheme.get("type", "")).lower()
    if kind == "http":
        kind = str(scheme.get("scheme", "")).lower()
    if kind not in INFO_FUNCTIONS:
        return None
    extensions, variables = INFO_FUNCTIONS[kind]
    for ext in extensions:
        if isinstance(scheme.get(ext), str) and scheme[ext]:
            return f"{ext}: {scheme[ext]}"
    for var in variables:
        if var in env:
            return f"environment {var}"
    return None


def _header_scheme(scheme: dict | None) -> bool:
    """Credentials a browser does not attach by itself: a bearer or OAuth token, an API key in a header."""
    if not isinstance(scheme, dict):
        return False
    kind = str(scheme.get("type", "")).lower()
    if kind == "apikey":
        return str(scheme.get("in", "")).lower() == "header"
    if kind == "http":
        return str(scheme.get("scheme", "")).lower() == "bearer"
    return kind in ("oauth2", "openidconnect")


def _spec_validation(spec: Spec, api: _Api, op: Operation, ep: Endpoint, at_spec: str) -> None:
    takes_body, schema = spec.body_schema(op)
    strict = " (strict_validation: unknown query parameters rejected too)" if api.strict else ""
    if takes_body:
        if schema is not None and spec.constrains(schema):
            _reset(ep, "input_validated")
            ep.notes = [n for n in ep.notes if not n.startswith("input:")]
            mark(ep, "input_validated", True, f"request body schema in {at_spec}, validated by Connexion{strict}")
        elif not ep.input_validated:
            _reset(ep, "input_validated")
            why = "accepts any object (types only, no required property, length, format or pattern)" \
                if schema is not None else "has no schema"
            mark(ep, "input_validated", False, f"the request body declared in {at_spec} {why}, and the handler "
                                               "applies no schema")
        return
    params = [p for p in op.parameters if p.get("in") in ("path", "query", "header", "formData")]
    if not params or ep.input_validated and ep.protections.get("input_validated", [""])[0] != "typed URL converters":
        return
    loose = [str(p.get("name")) for p in params if not spec.constrains(spec.parameter_schema(p))]
    _reset(ep, "input_validated")
    ep.notes = [n for n in ep.notes if not n.startswith("input:")]
    if loose:
        mark(ep, "input_validated", False, f"parameter(s) {', '.join(loose)} in {at_spec}: any string")
    else:
        mark(ep, "input_validated", True, f"typed parameters in {at_spec}, validated by Connexion{strict}")


def _spec_pagination(spec: Spec, op: Operation, ep: Endpoint, at_spec: str) -> None:
    if op.method != "get" or op.path.rstrip("/").endswith("}") or not spec.collection_response(op):
        return
    names = [str(p.get("name", "")).lower() for p in op.parameters if p.get("in") == "query"]
    paging = [n for n in names if n in PAGINATION_PARAMS]
    if paging:
        ep.paginated = True
        ep.protections.setdefault("paginated", []).append(f"query parameter {paging[0]} in {at_spec}")
    elif ep.paginated is None:
        ep.paginated = False
        ep.notes.append(f"paginated: the list answered by {at_spec} takes no limit/page parameter")
