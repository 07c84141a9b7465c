"""NestJS routes: `@Controller('prefix')` classes and their `@Get/@Post/@Put/@Patch/@Delete/@All('sub')` methods,
under `app.setGlobalPrefix(...)`, `RouterModule.register([...])` paths and URI versioning (`enableVersioning`,
`@Version`, `@Controller({ version })`).

What protects a route, by what it is:
- guards (`@UseGuards(...)` on the class or the method, `APP_GUARD` providers, `app.useGlobalGuards`): a
  passport `AuthGuard(...)` or a guard that rejects a request without identity authenticates; one that tests
  roles or permissions authorises; `ThrottlerGuard` rate-limits (with `@SkipThrottle()` lifting it); a
  `@Public()`-style marker on a route exempts it from a global authentication guard;
- middleware applied with `consumer.apply(M).exclude(...).forRoutes(...)` in a module's `configure`, followed
  to its class and read for what it does (auditor/endpoints/protections/javascript.py);
- pipes: `ValidationPipe` (global, `APP_PIPE`, `@UsePipes` or on the parameter) validates a body whose DTO
  class carries class-validator decorators; a schema pipe (zod, joi) validates whatever it is given;
  `ParseIntPipe`-style pipes validate the one parameter they are on.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from auditor.budget import budgeted
from auditor.endpoints.common import SAFE_METHODS, join_paths, mark, normalize_path, where
from auditor.endpoints.jsparse import matching_paren, split_args, string_literal, strip_comments
from auditor.endpoints.nestjs_decorators import Class, Decorator, Method, named, read_classes
from auditor.endpoints.protections.behaviour import AUTHENTICATION, AUTHORIZATION, RATE_LIMIT, VALIDATION
from auditor.endpoints.protections.javascript import js_behaviour
from auditor.endpoints.protections.library import javascript_kinds, nestjs_kinds
from auditor.inventory import TEST_FILE
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import line_of

VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "All": "ANY",
         "Options": "OPTIONS", "Head": "HEAD"}
EXTENSIONS = (".ts", ".js", ".mts", ".mjs")
IMPORT = re.compile(r"import\s*(?:type\s+)?\{([^}]*)\}\s*from\s*['\"]([^'\"]+)['\"]|"
                    r"import\s+(?:\*\s+as\s+)?([\w$]+)\s+from\s*['\"]([^'\"]+)['\"]")
# guards and markers by name, when their definition cannot be read
AUTH_GUARD_NAME = re.compile(r"(Jwt|Auth|Authenticated|LoggedIn|Session|Login|Token|Bearer|ApiKey)\w*Guard$", re.I)
AUTHZ_GUARD_NAME = re.compile(r"(Role|Roles|Permission|Permissions|Policies|Policy|Admin|Acl|Casl|Scope|Scopes|"
                              r"Ownership|Owner)\w*Guard$", re.I)
PUBLIC_MARKER = re.compile(r"^(Public|IsPublic|SkipAuth|NoAuth|AllowAnonymous|Anonymous|PublicRoute|Unprotected)$")
ROLES_MARKER = re.compile(r"^(Roles|Role|Permissions|RequirePermissions|RequireRoles|Auth|CheckPolicies|Scopes)$")
ROLE_TEST = re.compile(r"\b(roles?|permissions?|isAdmin|admin|scopes?|policies|ability)\b", re.I)
IDENTITY = re.compile(r"\b(authorization|token|jwt|bearer|user|session|apiKey|api_key)\b", re.I)
REJECT = re.compile(r"\breturn\s+false\b|throw\s+new\s+\w*(Unauthori[sz]ed|Forbidden)\w*|HttpStatus\.(UNAUTHORIZED|FORBIDDEN)|"
                    r"\b40[13]\b", re.I)
SCALAR_PIPE = re.compile(r"^(new\s+)?(Parse(Int|Float|Bool|UUID|Enum|Array|Date)Pipe)\b")
SCHEMA_CALL = re.compile(r"\.(parse|safeParse|parseAsync|validate|validateAsync)\s*\(|\bvalidate(Sync|OrReject)?\s*\(")
CLASS_VALIDATOR = re.compile(r"from\s+['\"]class-validator['\"]")
SCALAR_TYPE = re.compile(r"^(string|number|boolean|bigint|String|Number|Boolean)$")
SESSION = re.compile(r"\b(session|cookieSession|expressSession)\s*\(|passport\.session\(\)")
BEARER = re.compile(r"ExtractJwt\.fromAuthHeader\w*|headers\.authorization|AuthGuard\(\s*['\"]jwt|Bearer", re.I)


@dataclass
class _File:
    path: str
    src: str
    classes: list[Class]
    imports: dict[str, str]           # local name -> module specifier


@dataclass
class _Project:
    repo: Repository
    files: dict[str, _File] = field(default_factory=dict)
    by_name: dict[str, list[tuple[str, Class]]] = field(default_factory=dict)

    def add(self, path: str, src: str) -> None:
        imports: dict[str, str] = {}
        for m in IMPORT.finditer(src):
            if m.group(1) is not None:
                for name in m.group(1).split(","):
                    local = name.split(" as ")[-1].strip()
                    if local:
                        imports[local] = m.group(2)
            else:
                imports[m.group(3)] = m.group(4)
        f = _File(path, src, read_classes(src), imports)
        self.files[path] = f
        for cls in f.classes:
            self.by_name.setdefault(cls.name, []).append((path, cls))

    def package_of(self, path: str, name: str) -> str | None:
        spec = self.files[path].imports.get(name) if path in self.files else None
        return spec if spec and not spec.startswith(".") else None

    def find_class(self, path: str, name: str) -> tuple[str, Class] | None:
        """The class `name` means in `path`: defined there, imported by relative path, or the only one so named."""
        places = self.by_name.get(name, [])
        here = [p for p in places if p[0] == path]
        if here:
            return here[0]
        spec = self.files[path].imports.get(name) if path in self.files else None
        if spec and spec.startswith("."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
            near = [p for p in places if p[0].rsplit(".", 1)[0] in (base, base + "/index") or
                    p[0].startswith(base + "/")]
            if len(near) >= 1:
                return near[0]
        return places[0] if len(places) == 1 else None


@dataclass
class _Protection:
    kind: str          # authentication, authorization, rate_limit, input_validation
    text: str          # what provides it, with where
    scope: str         # "global", "class", "method", "middleware"


def is_source(path: str) -> bool:
    return (path.endswith(EXTENSIONS) and not path.endswith(".d.ts") and not TEST_FILE.search(path)
            and "node_modules/" not in path)


def _project(repo: Repository) -> _Project:
    memo = repo.__dict__.get("_auditor_nestjs_project")
    if memo is not None:
        return memo
    project = _Project(repo)
    for path in budgeted(repo.paths()):
        if not is_source(path):
            continue
        text = repo.read_text(path) or ""
        if "@" not in text and "NestFactory" not in text and "consumer" not in text:
            continue
        if "from '@nestjs/" not in text and 'from "@nestjs/' not in text and "@nestjs/" not in text:
            if not re.search(r"^\s*@\w+\(", text, re.M):
                continue
        project.add(path, strip_comments(text))
    repo.__dict__["_auditor_nestjs_project"] = project
    return project


# ---- the application: global prefix, versioning, app-wide guards, pipes and middleware ----

@dataclass
class _App:
    prefix: str = ""
    version_type: str = ""                  # URI, HEADER, MEDIA_TYPE, CUSTOM, "" (none)
    default_version: str | None = None
    guards: list[tuple[str, str, str]] = field(default_factory=list)    # (expression, file, where)
    pipes: list[tuple[str, str, str]] = field(default_factory=list)
    middleware: list[tuple[str, str, str]] = field(default_factory=list)   # app.use(...)
    throttler_module: str = ""


def _app(project: _Project) -> _App:
    app = _App()
    for f in project.files.values():
        m = re.search(r"\.setGlobalPrefix\(\s*([^,)]+)", f.src)
        if m and string_literal(m.group(1)) is not None:
            app.prefix = string_literal(m.group(1)) or ""
        v = re.search(r"\.enableVersioning\(", f.src)
        if v:
            close = matching_paren(f.src, v.end() - 1)
            opts = f.src[v.end():close]
            kind = re.search(r"VersioningType\.(\w+)", opts)
            app.version_type = kind.group(1) if kind else "URI"
            dv = re.search(r"defaultVersion\s*:\s*(['\"`])([^'\"`]+)\1", opts)
            app.default_version = dv.group(2) if dv else None
        for method, bucket in (("useGlobalGuards", app.guards), ("useGlobalPipes", app.pipes), ("use", app.middleware)):
            for call in re.finditer(rf"\bapp\.{method}\(", f.src):
                close = matching_paren(f.src, call.end() - 1)
                for arg in split_args(f.src[call.end():close]) if close > 0 else []:
                    bucket.append((arg, f.path, where(f.path, line_of(f.src, call.start()))))
        for prov in [] if "APP_GUARD" not in f.src and "APP_PIPE" not in f.src else re.finditer(
                r"\{(?:[^{}]|\{[^{}]*\})*?\bprovide\s*:\s*(APP_GUARD|APP_PIPE)\b"
                r"(?:[^{}]|\{[^{}]*\})*\}", f.src):
            use = re.search(r"\b(?:useClass|useValue|useExisting)\s*:\s*([^,}]+)", prov.group(0))
            if use:
                bucket = app.guards if prov.group(1) == "APP_GUARD" else app.pipes
                bucket.append((use.group(1).strip(), f.path, where(f.path, line_of(f.src, prov.start()))))
        t = re.search(r"ThrottlerModule\.forRoot(Async)?\(", f.src)
        if t:
            app.throttler_module = where(f.path, line_of(f.src, t.start()))
    return app


# ---- controllers and their routes ----

@dataclass
class _Route:
    method: str
    path: str
    file: str
    line: int
    cls: Class
    handler: Method


def _controller_paths(d: Decorator) -> tuple[list[str], str | None]:
    """(paths, version) of `@Controller('p')`, `@Controller(['a', 'b'])`, `@Controller({ path, version })`."""
    if not d.args:
        return [""], None
    arg = d.args[0].strip()
    literal = string_literal(arg)
    if literal is not None:
        return [literal], None
    if arg.startswith("["):
        return [s for s in (string_literal(a) for a in split_args(arg[1:-1])) if s is not None] or [""], None
    if arg.startswith("{"):
        path = re.search(r"\bpath\s*:\s*(['\"`])([^'\"`]*)\1", arg)
        version = re.search(r"\bversion\s*:\s*(['\"`])([^'\"`]+)\1", arg)
        return [path.group(2) if path else ""], version.group(2) if version else None
    return ["{?}"], None


def _router_module_prefixes(project: _Project) -> dict[str, str]:
    """Controller class -> path prefix given by `RouterModule.register([{ path, module, children }])`."""
    module_prefix: dict[str, str] = {}
    for f in project.files.values():
        for m in re.finditer(r"RouterModule\.(?:register|forRoutes)\(\s*\[", f.src):
            close = matching_paren(f.src, m.end() - 1)
            if close > 0:
                _route_tree(f.src[m.end():close], "", module_prefix)
    out: dict[str, str] = {}
    for f in project.files.values():
        for cls in f.classes:
            if cls.name in module_prefix:
                mod = named(cls.decorators, "Module")
                ctrls = re.search(r"controllers\s*:\s*\[([^\]]*)\]", mod[0].args[0]) if mod and mod[0].args else None
                for c in (ctrls.group(1).split(",") if ctrls else []):
                    if c.strip():
                        out[c.strip()] = module_prefix[cls.name]
    return out


def _route_tree(text: str, prefix: str, out: dict[str, str]) -> None:
    for entry in split_args(text):
        entry = entry.strip()
        if not entry.startswith("{"):
            continue
        body = entry[1:-1]
        path = re.search(r"\bpath\s*:\s*(['\"`])([^'\"`]*)\1", body)
        here = join_paths(prefix, path.group(2)) if path else prefix
        module = re.search(r"\bmodule\s*:\s*([\w$]+)", body)
        if module:
            out[module.group(1)] = here
        children = re.search(r"\bchildren\s*:\s*\[", body)
        if children:
            close = matching_paren(body, children.end() - 1)
            if close > 0:
                _route_tree(body[children.end():close], here, out)


def _routes(project: _Project, app: _App) -> list[_Route]:
    prefixes = _router_module_prefixes(project)
    out = []
    for f in project.files.values():
        for cls in f.classes:
            ctrl = named(cls.decorators, "Controller")
            if not ctrl:
                continue
            paths, class_version = _controller_paths(ctrl[0])
            for method in cls.methods:
                verbs = [d for d in method.decorators if d.name in VERBS]
                for verb in verbs:
                    subs = [""]
                    if verb.args:
                        arg = verb.args[0].strip()
                        subs = ([s for s in (string_literal(a) for a in split_args(arg[1:-1])) if s is not None]
                                if arg.startswith("[") else [string_literal(arg) if string_literal(arg) is not None else "{?}"])
                    version = _version(method, class_version, app)
                    for base in paths:
                        for sub in subs:
                            full = join_paths(app.prefix, f"v{version}" if version else "", prefixes.get(cls.name, ""),
                                              base, sub)
                            out.append(_Route(VERBS[verb.name], normalize_path(full), f.path, verb.line, cls, method))
    return out


def _version(method: Method, class_version: str | None, app: _App) -> str | None:
    if app.version_type != "URI":
        return None
    own = named(method.decorators, "Version")
    if own and own[0].args:
        literal = string_literal(own[0].args[0])
        return literal
    if class_version:
        return class_version
    return app.default_version


# ---- what a guard, pipe or middleware is ----

def _class_text(project: _Project, path: str, name: str) -> tuple[str, Class] | None:
    found = project.find_class(path, name)
    return found if found else None


def guard_kinds(project: _Project, path: str, expr: str) -> dict[str, str]:
    """kind -> how, for one guard expression used in `path` (`AuthGuard('jwt')`, `RolesGuard`, `new X()`)."""
    text = re.sub(r"^new\s+", "", expr.strip())
    head = re.match(r"([\w$]+)", text)
    if not head:
        return {}
    name = head.group(1)
    package = project.package_of(path, name)
    if package:
        kinds = nestjs_kinds(f"{package}#{name}")
        if kinds:
            return {k: f"{name} from {package}" for k in kinds}
    found = _class_text(project, path, name)
    if found:
        cls_path, cls = found
        out: dict[str, str] = {}
        if cls.extends:
            base = re.match(r"([\w$]+)", cls.extends)
            if base and base.group(1) != name:
                out.update({k: f"{name} extends {cls.extends.strip()[:40]} ({v})"
                            for k, v in guard_kinds(project, cls_path, cls.extends).items()})
        gate = next((m for m in cls.methods if m.name in ("canActivate", "use")), None)
        if gate is not None:
            at = where(cls_path, gate.line)
            body = _with_helpers(cls, gate)
            reject = REJECT.search(body)
            if reject and ROLE_TEST.search(body):
                out[AUTHORIZATION] = f"{name}.{gate.name} rejects when a role/permission test fails ({at})"
            elif reject and IDENTITY.search(body):
                out[AUTHENTICATION] = f"{name}.{gate.name} rejects a request without identity ({at})"
            elif gate.name == "use":
                out.update({k: f"{how}; {name} defined at {at}" for k, how in js_behaviour(body).items()})
        if out:
            return out
    if AUTH_GUARD_NAME.search(name):
        return {AUTHENTICATION: f"{name} (by its name)"}
    if AUTHZ_GUARD_NAME.search(name):
        return {AUTHORIZATION: f"{name} (by its name)"}
    if re.search(r"Throttl\w*Guard$|RateLimit\w*Guard$", name):
        return {RATE_LIMIT: f"{name} (by its name)"}
    return {}


def _with_helpers(cls: Class, method: Method) -> str:
    """A method's text plus the class's other methods it calls as `this.helper(`, one level."""
    text = method.text
    for m in cls.methods:
        if m is not method and re.search(rf"\bthis\.{re.escape(m.name)}\s*\(", method.text):
            text += "\n" + m.text
    return text


@dataclass
class _Pipe:
    kind: str          # "class-validator", "schema", "scalar"
    text: str


def pipe_kind(project: _Project, path: str, expr: str) -> _Pipe | None:
    text = expr.strip()
    if SCALAR_PIPE.match(text):
        return _Pipe("scalar", text)
    head = re.match(r"(?:new\s+)?([\w$]+)", text)
    if not head:
        return None
    name = head.group(1)
    package = project.package_of(path, name)
    if package:
        if VALIDATION in nestjs_kinds(f"{package}#{name}"):
            return _Pipe("class-validator", f"{name} from {package}")
        if javascript_kinds(package.split("/")[0] if not package.startswith("@") else "/".join(package.split("/")[:2])):
            return _Pipe("schema", f"{name} from {package}")
        return None
    found = _class_text(project, path, name)
    if not found:
        return _Pipe("class-validator", f"{name} (by its name)") if re.search(r"Validat", name) else None
    cls_path, cls = found
    transform = next((m for m in cls.methods if m.name == "transform"), None)
    if transform is None:
        return None
    body = _with_helpers(cls, transform)
    src = project.files[cls_path].src
    if CLASS_VALIDATOR.search(src) and re.search(r"\bvalidate(Sync|OrReject)?\s*\(", body):
        return _Pipe("class-validator", f"{name}.transform validates with class-validator ({where(cls_path, transform.line)})")
    if SCHEMA_CALL.search(body):
        return _Pipe("schema", f"{name}.transform applies a schema ({where(cls_path, transform.line)})")
    return None


def dto_validated(project: _Project, path: str, type_text: str, depth: int = 0) -> str | None:
    """Where the DTO class `type_text` carries class-validator decorators (directly or through the class it
    extends, `PartialType(CreateDto)` included), or None."""
    name = re.match(r"([\w$]+)", type_text.strip())
    if not name or depth > 3:
        return None
    found = project.find_class(path, name.group(1))
    if not found:
        return None
    cls_path, cls = found
    if cls.fields and CLASS_VALIDATOR.search(project.files[cls_path].src):
        return where(cls_path, cls.line)
    base = re.search(r"(?:\w+Type\(\s*)?([A-Z][\w$]*)", cls.extends or "")
    if base:
        inner = re.search(r"\(\s*([A-Z][\w$]*)", cls.extends)
        return dto_validated(project, cls_path, (inner or base).group(1), depth + 1)
    return None


# ---- middleware applied by modules: consumer.apply(M).exclude(...).forRoutes(...) ----

@dataclass
class _Applied:
    middleware: list[str]
    file: str
    line: int
    targets: list[str]         # forRoutes arguments
    excludes: list[str]


def _consumers(project: _Project) -> list[_Applied]:
    out = []
    for f in project.files.values():
        for m in re.finditer(r"\.apply\(", f.src):
            close = matching_paren(f.src, m.end() - 1)
            if close < 0:
                continue
            applied = _Applied(split_args(f.src[m.end():close]), f.path, line_of(f.src, m.start()), [], [])
            pos = close + 1
            while True:
                nxt = re.compile(r"\s*\.\s*(exclude|forRoutes)\s*\(").match(f.src, pos)
                if not nxt:
                    break
                end = matching_paren(f.src, nxt.end() - 1)
                if end < 0:
                    break
                args = split_args(f.src[nxt.end():end])
                (applied.excludes if nxt.group(1) == "exclude" else applied.targets).extend(args)
                pos = end + 1
            if applied.targets:
                out.append(applied)
    return out


def _target_matches(target: str, route: _Route, app: _App) -> bool:
    t = target.strip()
    literal = string_literal(t)
    method = "ALL"
    if literal is None and t.startswith("{"):
        path = re.search(r"\bpath\s*:\s*(['\"`])([^'\"`]*)\1", t)
        verb = re.search(r"RequestMethod\.(\w+)", t)
        literal = path.group(2) if path else None
        method = verb.group(1) if verb else "ALL"
    if literal is None:
        return bool(re.fullmatch(r"[\w$]+", t)) and t == route.cls.name
    if method not in ("ALL", route.method):
        return False
    own = route.path
    prefix = normalize_path(app.prefix).rstrip("/") if app.prefix else ""
    if prefix and (own == prefix or own.startswith(prefix + "/")):
        own = own[len(prefix):] or "/"
    pattern = normalize_path(literal).rstrip("/")
    if pattern in ("", "/*", "*", "/(.*)", "/{*splat}", "/*path"):
        return True
    rx = re.escape(pattern).replace(r"\*", ".*").replace(r"\(\.\*\)", ".*")
    rx = re.sub(r"\\\{\w+\\\}", r"[^/]+", rx)
    own_stripped = re.sub(r"/v[\w.]+(?=/|$)", "", own, count=1) if app.version_type == "URI" else own
    return any(re.fullmatch(rx + "/?", candidate) for candidate in {own.rstrip("/") or "/", own_stripped.rstrip("/") or "/"})


# ---- one endpoint's protections ----

def _guard_protections(project: _Project, app: _App, route: _Route) -> list[_Protection]:
    out = []
    for expr, path, at in app.guards:
        for kind, how in guard_kinds(project, path, expr).items():
            out.append(_Protection(kind, f"global guard {expr.strip()[:50]} at {at} ({how})", "global"))
    for scope, decorators in (("class", route.cls.decorators), ("method", route.handler.decorators)):
        for d in named(decorators, "UseGuards"):
            for expr in d.args:
                for kind, how in guard_kinds(project, route.file, expr).items():
                    out.append(_Protection(kind, f"@UseGuards({expr.strip()[:50]}) at {where(route.file, d.line)} ({how})",
                                           scope))
    return out


def _middleware_protections(project: _Project, app: _App, applied: list[_Applied], route: _Route) -> list[_Protection]:
    out = []
    for a in applied:
        if not any(_target_matches(t, route, app) for t in a.targets):
            continue
        if any(_target_matches(e, route, app) for e in a.excludes):
            continue
        for mw in a.middleware:
            for kind, how in guard_kinds(project, a.file, mw).items():
                out.append(_Protection(kind, f"middleware {mw.strip()[:50]} applied at {where(a.file, a.line)} ({how})",
                                       "middleware"))
    for expr, path, at in app.middleware:
        head = re.match(r"([\w$]+)", expr.strip())
        package = project.package_of(path, head.group(1)) if head else None
        if package:
            name = "/".join(package.split("/")[:2]) if package.startswith("@") else package.split("/")[0]
            for kind in javascript_kinds(name):
                out.append(_Protection(kind, f"app.use({expr.strip()[:40]}) at {at} ({name} middleware)", "global"))
    return out


def _validation(project: _Project, app: _App, route: _Route, ep: Endpoint) -> None:
    pipes: list[tuple[_Pipe, str]] = []
    for expr, path, at in app.pipes:
        p = pipe_kind(project, path, expr)
        if p:
            pipes.append((p, f"global pipe {p.text} at {at}"))
    for decorators in (route.cls.decorators, route.handler.decorators):
        for d in named(decorators, "UsePipes"):
            for expr in d.args:
                p = pipe_kind(project, route.file, expr)
                if p:
                    pipes.append((p, f"@UsePipes({p.text}) at {where(route.file, d.line)}"))
    inputs = [(p, d) for p in route.handler.params for d in p.decorators if d.name in ("Body", "Query", "Param")]
    if not inputs:
        ep.notes.append("input: reads no request data")
        return
    unvalidated, how = [], []
    for param, d in inputs:
        own = [pipe_kind(project, route.file, a) for a in d.args if not string_literal(a)]
        own_pipes = [(p, f"{p.text} on {d.text}") for p in own if p]
        applying = own_pipes + pipes
        scalar_named = bool(d.args and string_literal(d.args[0]) is not None) and (
            not param.type or SCALAR_TYPE.match(param.type))
        ok = None
        for p, text in applying:
            if p.kind in ("schema",) or (p.kind == "scalar" and own_pipes):
                ok = text
            elif p.kind == "class-validator":
                dto = dto_validated(project, route.file, param.type) if param.type else None
                if dto:
                    ok = f"{text}; {param.type} has class-validator rules ({dto})"
                elif scalar_named and d.name != "Body":
                    ok = f"{text}; {d.text} is one named {d.name.lower()} value"
            if ok:
                break
        if ok:
            how.append(ok)
        else:
            why = (f"{param.type} has no class-validator rules" if param.type and not SCALAR_TYPE.match(param.type)
                   else "no type to validate against") if applying else "no validation pipe"
            unvalidated.append(f"{d.text} {param.name} ({why})")
    if unvalidated:
        mark(ep, "input_validated", False, "; ".join(unvalidated)[:200])
    else:
        mark(ep, "input_validated", True, how[0])


def _user_params(project: _Project, route: _Route) -> list[str]:
    """Handler parameters that carry the signed-in user (`@User('id') userId`, `@CurrentUser() user`, `@Req() req`)."""
    out = []
    for p in route.handler.params:
        for d in p.decorators:
            if re.fullmatch(r"(User|CurrentUser|AuthUser|GetUser|ReqUser|Me|AuthenticatedUser|UserId|CurrentUserId)", d.name):
                out.append(p.name)
            elif d.name in ("Req", "Request") and re.search(rf"\b{re.escape(p.name)}\.user\b", route.handler.text):
                out.append(f"{p.name}.user")
    return out


def _protect(project: _Project, app: _App, applied: list[_Applied], route: _Route, ep: Endpoint,
             session: list[str], bearer: list[str]) -> None:
    found = _guard_protections(project, app, route) + _middleware_protections(project, app, applied, route)
    markers = [d for d in route.handler.decorators + route.cls.decorators if PUBLIC_MARKER.match(d.name)]
    by_kind: dict[str, list[_Protection]] = {}
    for p in found:
        by_kind.setdefault(p.kind, []).append(p)
    authn = [p for p in by_kind.get(AUTHENTICATION, []) if not (markers and p.scope == "global")]
    if markers:
        ep.protections.setdefault("public", []).append(f"@{markers[0].name}() at {where(route.file, markers[0].line)}")
    if authn:
        mark(ep, "authenticated", True, authn[0].text)
    else:
        mark(ep, "authenticated", False, "no authentication guard or middleware on the route, controller or app"
             + (f" (exempted by @{markers[0].name}())" if markers else ""))

    roles = [d for d in route.handler.decorators + route.cls.decorators if ROLES_MARKER.match(d.name)]
    authz = [p for p in by_kind.get(AUTHORIZATION, []) if not (markers and p.scope == "global")]
    owner = [u for u in _user_params(project, route)
             if len(re.findall(rf"\b{re.escape(u.split('.')[0])}\b", route.handler.text)) > 1]
    if authz:
        extra = f" with {roles[0].text}" if roles else ""
        mark(ep, "authorized", True, authz[0].text + extra)
    elif owner:
        mark(ep, "authorized", True, f"the signed-in user ({owner[0]}) is passed on by the handler ({where(ep.file, ep.line)})")
    else:
        mark(ep, "authorized", False, "no roles/permission guard and the handler does not use the signed-in user")

    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    elif session:
        ep.csrf_applies = True
        mark(ep, "csrf_protected", False, f"cookie session ({session[0]}) without a CSRF middleware")
        for p in found:
            if p.kind == "csrf":
                mark(ep, "csrf_protected", True, p.text)
    else:
        ep.csrf_applies = False
        why = f"bearer-token authentication ({bearer[0]})" if bearer else "no cookie session"
        ep.notes.append(f"csrf: not applicable, {why}")

    skip = [d for d in route.handler.decorators + route.cls.decorators if d.name == "SkipThrottle"
            and not (d.args and re.search(r"false", d.args[0]))]
    rate = [p for p in by_kind.get(RATE_LIMIT, []) if not (skip and "hrottl" in p.text)]
    if rate:
        mark(ep, "rate_limited", True, rate[0].text)
    elif skip:
        mark(ep, "rate_limited", False, f"@SkipThrottle() at {where(route.file, skip[0].line)}")
    elif app.throttler_module:
        mark(ep, "rate_limited", False, f"ThrottlerModule configured ({app.throttler_module}) but no ThrottlerGuard applies")
    else:
        mark(ep, "rate_limited", False, "no throttler guard or rate-limit middleware")
    _validation(project, app, route, ep)
    _list(project, route, ep)


LIST_QUERY = re.compile(r"\.find\(|\.findAll\(|\.findMany\(|\.getMany(AndCount)?\(|\bSELECT\b")
SINGLE_ROW = re.compile(r"\.findOne\w*\(|\.findById\(|\.findByPk\(|\.findUnique\w*\(|\.getOne\w*\(|\bfindOneBy\w*\(")
PAGINATION = re.compile(r"\.limit\(|\.skip\(|\.offset\(|\.take\(|\btake\s*:|\bskip\s*:|\bLIMIT\s+[$?:]|\.paginate\(")


def _list(project: _Project, route: _Route, ep: Endpoint) -> None:
    """A GET of a collection (no trailing path parameter, a many-row query in the handler or the service
    methods it calls, no single-row read of its own): paginated when a limit/skip/take bounds the query."""
    if ep.method != "GET" or ep.path.rstrip("/").endswith("}"):
        return
    services = [m.text for _, m in _service_methods(project, route.file, route.cls, route.handler.text)]
    text = "\n".join([route.handler.text] + services)
    own = route.handler.text if not services else services[0]
    if SINGLE_ROW.search(own) and not LIST_QUERY.search(own):
        return
    if LIST_QUERY.search(text):
        ep.paginated = bool(PAGINATION.search(text))
        if ep.paginated:
            ep.protections.setdefault("paginated", []).append("limit/offset (take/skip) on the query")
            bound = _size_bound(project, route)
            if bound:
                ep.protections["paginated"].append(bound)


PAGE_SIZE_FIELD = re.compile(r"^(limit|take|size|pageSize|perPage|page_size|per_page|first|count)$")


def _size_bound(project: _Project, route: _Route) -> str:
    """Where a query DTO caps the page size the client sends (`@Max(100) limit` on the class of an `@Query()` /
    `@QueryParams()` parameter, validated by class-validator): a bounded page size."""
    for param in route.handler.params:
        if not param.type or not any(d.name in ("Query", "QueryParams") for d in param.decorators):
            continue
        found = project.find_class(route.file, re.sub(r"<.*", "", param.type).strip())
        for name, decorators in (found[1].fields.items() if found else ()):
            cap = next((d for d in decorators if d.name == "Max"), None)
            if PAGE_SIZE_FIELD.match(name) and cap is not None:
                return f"page size bounded by {cap.text} on {found[1].name}.{name} ({where(found[0], cap.line)})"
    return ""


def extract(repo: Repository) -> tuple[list[Endpoint], dict]:
    project = _project(repo)
    app = _app(project)
    applied = _consumers(project)
    session, bearer = [], []
    for f in project.files.values():
        for m in SESSION.finditer(f.src):
            session.append(f"{m.group(0).strip()} at {where(f.path, line_of(f.src, m.start()))}")
        for m in BEARER.finditer(f.src):
            bearer.append(f"{m.group(0)} at {where(f.path, line_of(f.src, m.start()))}")
    endpoints = []
    for route in _routes(project, app):
        ep = Endpoint(route.method, route.path, f"{route.cls.name}.{route.handler.name}", route.file, route.line, "nestjs")
        _protect(project, app, applied, route, ep, session, bearer)
        endpoints.append(ep)
    glob: dict = {"session": session[:3], "bearer_auth": bearer[:3]}
    if app.prefix:
        glob["global_prefix"] = app.prefix
    if app.version_type:
        glob["versioning"] = app.version_type
    return endpoints, {k: v for k, v in glob.items() if v}


def handler_text(repo: Repository, ep: Endpoint) -> str:
    """The decorated method an endpoint names (decorators, signature and body), or ""."""
    cls_name, _, method_name = ep.handler.rpartition(".")
    f = _project(repo).files.get(ep.file)
    for cls in f.classes if f else []:
        if cls.name == cls_name:
            for m in cls.methods:
                if m.name == method_name:
                    return m.text
    return ""


SERVICE_CALL = re.compile(r"\bthis\.([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\s*\(")


def add_injected_modules(project: _Project, path: str, cls: Class) -> None:
    """Bring the modules of the services a class's constructor takes into the project (a plain service class
    carries no decorator, so the decorator scan left its module out), so handlers are followed into them."""
    ctor = next((m for m in cls.methods if m.name == "constructor"), None)
    for p in ctor.params if ctor else []:
        add_imported_module(project, path, re.sub(r"<.*", "", p.type).strip())


def add_imported_module(project: _Project, path: str, name: str) -> None:
    """Bring the repository module `name` is imported from in `path` into the project, when it is not there."""
    spec = project.files[path].imports.get(name) if path in project.files else None
    if not name or not spec or not spec.startswith(".") or project.find_class(path, name) is not None:
        return
    base = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
    for file in [base + e for e in EXTENSIONS] + [f"{base}/index{e}" for e in EXTENSIONS]:
        if file not in project.files and project.repo.exists(file):
            project.add(file, strip_comments(project.repo.read_text(file) or ""))
            return


def _service_methods(project: _Project, path: str, cls: Class, text: str) -> list[tuple[str, Method]]:
    """(file, method) of each method `text` calls on a service injected into `cls` through its constructor
    (`constructor(private readonly articleService: ArticleService)` ... `this.articleService.findAll(query)`)."""
    ctor = next((m for m in cls.methods if m.name == "constructor"), None)
    types = {p.name: re.sub(r"<.*", "", p.type).strip() for p in ctor.params} if ctor else {}
    out = []
    seen = set()
    for m in SERVICE_CALL.finditer(text):
        key = (m.group(1), m.group(2))
        if key in seen or m.group(1) not in types:
            continue
        seen.add(key)
        found = project.find_class(path, types[m.group(1)])
        if found:
            method = next((x for x in found[1].methods if x.name == m.group(2)), None)
            if method is not None:
                out.append((found[0], method))
    return out


def handler_with_services(repo: Repository, ep: Endpoint) -> str:
    """The handler method's text and the service methods it calls, one level (what the handler does)."""
    cls_name, _, method_name = ep.handler.rpartition(".")
    project = _project(repo)
    f = project.files.get(ep.file)
    for cls in f.classes if f else []:
        method = next((m for m in cls.methods if m.name == method_name), None) if cls.name == cls_name else None
        if method is not None:
            return "\n".join([method.text] + [m.text for _, m in _service_methods(project, ep.file, cls, method.text)])
    return ""
