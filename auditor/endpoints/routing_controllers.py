"""routing-controllers routes: `@JsonController('/users')` / `@Controller()` classes and their `@Get/@Post/@Put/
@Patch/@Delete/@Head/@All('sub')` (or `@Method('verb', 'sub')`) methods, under the `routePrefix` of the
`createExpressServer` / `useExpressServer` / `createKoaServer` / `useKoaServer` options.

Controllers are found by their decorators wherever they are, in files that import routing-controllers (NestJS
has a `@Controller` of its own); when the server's `controllers:` option names classes or globs that can be
read (literally, or through the settings object and example environment files, auditor/endpoints/jsvalues.py),
only those are served.

What protects a route, by what it does:
- `@Authorized(roles?)` on the class or the method makes routing-controllers call the configured
  `authorizationChecker(action, roles)`; it counts as authentication only when that checker is configured and
  rejects a request without an identity (read with the helpers and service methods it calls, one level), and as
  authorisation only when roles are given and the checker reads them (a checker that ignores its roles lets any
  signed-in user through); a checker decoding HTTP Basic credentials checks a password on every request, which
  the endpoint's notes say (classify.PASSWORD_PER_REQUEST: SEC-RATE-LIMIT counts such endpoints as sign-ins);
- `@UseBefore(mw)` on the class or the method, and the global `@Middleware({ type: 'before' })` classes the
  `middlewares:` option loads, followed to their definition and classified by what they do
  (auditor/endpoints/protections/javascript.py) or by the package they come from (rules/protections.yml);
- input validation: class-validator is applied to class-typed `@Body()`/`@QueryParams()`/`@Params()` values
  unless the server sets `validation: false` (or the parameter `validate: false`), so such a parameter is
  validated when its class carries class-validator rules; one named scalar value (`@Param('id')`) is typed;
- `@CurrentUser()` (or `@Req()` read for `req.user`) passed on by the handler is an ownership check.
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field

from auditor.budget import budgeted
from auditor.endpoints import nestjs
from auditor.endpoints.classify import PASSWORD_PER_REQUEST
from auditor.endpoints.common import SAFE_METHODS, UNRESOLVED, join_paths, mark, normalize_path, where
from auditor.endpoints.jsparse import matching_paren, split_args, string_literal, strip_comments
from auditor.endpoints.jsvalues import resolve
from auditor.endpoints.nestjs_decorators import Class, Decorator, named
from auditor.endpoints.protections.behaviour import AUTHENTICATION, AUTHORIZATION, RATE_LIMIT
from auditor.endpoints.protections.javascript import js_behaviour
from auditor.endpoints.protections.library import javascript_kinds
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import line_of

FRAMEWORK = "routing-controllers"
VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "Head": "HEAD",
         "All": "ANY"}
IMPORTS_PACKAGE = re.compile(r"from\s+['\"]routing-controllers['\"]|require\(\s*['\"]routing-controllers['\"]\s*\)")
SERVER_CALL = re.compile(r"\b(createExpressServer|useExpressServer|createKoaServer|useKoaServer)\s*\(")
INPUT_DECORATORS = ("Body", "BodyParam", "QueryParam", "QueryParams", "Param", "Params", "HeaderParam",
                    "HeaderParams", "CookieParam", "CookieParams", "UploadedFile", "UploadedFiles")
WHOLE_OBJECT = ("Body", "QueryParams", "Params", "HeaderParams", "CookieParams")
# the checker rejects: returns false, or throws an authorization/authentication error
CHECKER_REJECTS = re.compile(r"\breturn\s+false\b|\bthrow\s+new\s+\w*(Unauthori[sz]ed|Forbidden|Authori[sz]ation\w*|"
                             r"Authentication\w*|HttpError)\b|resolve\(\s*false\s*\)", re.I)
# the checker (or a service method it calls) decodes HTTP Basic credentials: a password on every request
BASIC_CREDENTIALS = re.compile(r"['\"`]Basic\b|\bbasic[-_]?auth\b|\bparseBasic\w*|\bbasicAuth\b", re.I)
PASSWORD = re.compile(r"\bpassword\b", re.I)
CHECKER_IDENTITY = re.compile(r"\b(authorization|token|jwt|bearer|user|session|apiKey|api_key|credentials|"
                              r"password|verify|validateUser|header)\b", re.I)


@dataclass
class _Server:
    file: str
    line: int
    options: dict[str, str]                          # option name -> expression text
    prefix: str = ""
    controllers: list[str] | None = None             # class names or globs, None when not readable
    middlewares: list[str] | None = None
    checker: str = ""                                # where the authorizationChecker is defined
    checker_text: str = ""
    checker_calls: str = ""                          # the service methods the checker calls, one level
    validation: bool = True
    validation_at: str = "routing-controllers default"
    app_middleware: list[tuple[str, str]] = field(default_factory=list)   # (expression, where) of app.use(mw)


def _object_entries(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in split_args(text):
        m = re.match(r"^['\"]?([A-Za-z_$][\w$]*)['\"]?\s*:\s*(.+)$", entry.strip(), re.S)
        if m:
            out[m.group(1)] = m.group(2).strip()
        elif re.fullmatch(r"[A-Za-z_$][\w$]*", entry.strip()):
            out[entry.strip()] = entry.strip()
    return out


def _servers(project: nestjs._Project) -> list[_Server]:
    for path in budgeted(project.repo.paths()):
        if path not in project.files and nestjs.is_source(path):
            text = project.repo.read_text(path) or ""
            if SERVER_CALL.search(text):
                project.add(path, strip_comments(text))
    out = []
    for f in list(project.files.values()):
        for m in SERVER_CALL.finditer(f.src):
            close = matching_paren(f.src, m.end() - 1)
            if close < 0:
                continue
            args = split_args(f.src[m.end():close])
            obj = next((a for a in args if a.startswith("{")), None)
            options = _object_entries(obj[1:-1]) if obj else {}
            server = _Server(f.path, line_of(f.src, m.start()), options)
            _read_options(project, server)
            if m.group(1).startswith("use") and args and re.fullmatch(r"[\w$]+", args[0]):
                for use in re.finditer(rf"\b{re.escape(args[0])}\.use\(", f.src):
                    end = matching_paren(f.src, use.end() - 1)
                    parts = split_args(f.src[use.end():end]) if end > 0 else []
                    if parts and not _mount_path(project.repo, f.path, parts[0]):   # on a path: not every route
                        server.app_middleware += [(p, where(f.path, line_of(f.src, use.start()))) for p in parts]
            out.append(server)
    return out


def _mount_path(repo: Repository, path: str, first: str) -> bool:
    """The first argument of `app.use(...)` is a path (a literal, a value read from the settings, or a settings
    member such as `config.docs.route` that could not be read), not a middleware applying to every route."""
    text = first.strip()
    return (string_literal(text) is not None or isinstance(resolve(repo, path, text), str)
            or bool(re.fullmatch(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+", text)))


def _names_or_globs(repo: Repository, path: str, expr: str | None) -> list[str] | None:
    if expr is None:
        return None
    text = expr.strip()
    if text.startswith("["):
        items = split_args(text[1:-1])
        if items and all(re.fullmatch(r"[A-Za-z_$][\w$]*", i) for i in items):
            return items
    value = resolve(repo, path, text)
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def _read_options(project: nestjs._Project, server: _Server) -> None:
    repo, opts = project.repo, server.options
    if "routePrefix" in opts:
        value = resolve(repo, server.file, opts["routePrefix"])
        server.prefix = value if isinstance(value, str) else UNRESOLVED
    server.controllers = _names_or_globs(repo, server.file, opts.get("controllers"))
    server.middlewares = _names_or_globs(repo, server.file, opts.get("middlewares"))
    if "validation" in opts:
        off = re.fullmatch(r"false|0|null", opts["validation"].strip())
        server.validation = not off
        server.validation_at = f"validation: {opts['validation'].strip()[:30]} at {where(server.file, server.line)}"
    if "authorizationChecker" in opts:
        server.checker, server.checker_text = _function_text(project, server.file, opts["authorizationChecker"])
        server.checker_calls = _called_methods(project, server.checker_text)
        checker_file = server.checker.rsplit(":", 1)[0] or server.file
        for call in sorted(set(re.findall(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(", server.checker_text))):
            if call not in ("if", "for", "while", "switch", "return", "function", "catch", "await"):
                _, text = _function_text(project, checker_file, call)
                if text and text not in server.checker_text:   # a helper of the checker's module, one level
                    server.checker_calls += "\n" + text


def _called_methods(project: nestjs._Project, text: str) -> str:
    """The text of the repository methods a function calls on a service object (`authService.validateUser(`
    with a class AuthService defining validateUser), one level."""
    out = []
    for m in re.finditer(r"\b([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\s*\(", text):
        for places in project.by_name.values():
            for _, cls in places:
                if cls.name.lower() == m.group(1).lower().lstrip("_"):
                    out += [x.text for x in cls.methods if x.name == m.group(2)]
    return "\n".join(out)


def _function_text(project: nestjs._Project, path: str, expr: str) -> tuple[str, str]:
    """(where, text) of the function an option names: written inline, or a function of this file or of the
    relative module its name is imported from (`authorizationChecker(connection)` names the factory)."""
    text = expr.strip()
    if re.match(r"(async\s+)?(function\b|\(|[\w$]+\s*=>)", text):
        return where(path, None), text
    head = re.match(r"([A-Za-z_$][\w$]*)", text)
    if not head:
        return "", ""
    name = head.group(1)
    for file in [path] + _imported_files(project, path, name):
        src = project.files[file].src if file in project.files else _module_source(project, file)
        m = re.search(rf"\bfunction\s+{re.escape(name)}\s*\(|\b(?:const|let|var)\s+{re.escape(name)}\s*(?::[^=]+)?=", src)
        if m:
            brace = _body_brace(src, m.end())
            close = matching_paren(src, brace) if brace >= 0 else -1
            if close > 0:
                return where(file, line_of(src, m.start())), src[m.start():close + 1]
    return "", ""


def _body_brace(src: str, start: int) -> int:
    """The `{` opening a function's body after `function name(` or `const name =`: the parameters and a
    return type written as an object literal (`): { user: string } {`) are skipped."""
    paren = src.find("(", start - 1)
    if paren < 0:
        return -1
    close = matching_paren(src, paren)
    if close < 0:
        return -1
    i, typed = close + 1, ""
    while i < len(src):
        ch = src[i]
        if ch == "{":
            if typed.strip() == ":" or typed.rstrip().endswith(("|", "&", "<", ",")):   # an object type
                end = matching_paren(src, i)
                if end < 0:
                    return -1
                typed += "T"
                i = end + 1
                continue
            return i
        if ch in "([":
            end = matching_paren(src, i)
            if end < 0:
                return -1
            i = end + 1
            continue
        typed += ch
        i += 1
    return -1


def _module_source(project: nestjs._Project, path: str) -> str:
    return strip_comments(project.repo.read_text(path) or "")


def _imported_files(project: nestjs._Project, path: str, name: str) -> list[str]:
    spec = project.files[path].imports.get(name) if path in project.files else None
    if not spec or not spec.startswith("."):
        return []
    base = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
    return [c for c in (base + e for e in nestjs.EXTENSIONS) if project.repo.exists(c)] + \
        [c for c in (f"{base}/index{e}" for e in nestjs.EXTENSIONS) if project.repo.exists(c)]


def _glob_matches(path: str, pattern: str) -> bool:
    """A routing-controllers glob against a repository path, extensions aside (globs often name the built
    `.js` files of `.ts` sources) and from any folder the glob may be relative to."""
    stem = re.sub(r"\.(ts|js|mts|mjs|cjs)$", "", path)
    pat = re.sub(r"\.(ts|js|mts|mjs|cjs|\{[^}]*\})$", "", pattern.strip().lstrip("./"))
    pat = re.sub(r"^(?:\$\{[^}]*\}|__dirname\s*\+\s*)/?", "", pat)
    rx = re.escape(pat).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return bool(re.search(rf"(?:^|/){rx}$", stem)) or fnmatch.fnmatch(stem, pat)


def _selected(project: nestjs._Project, decorator: str, wanted: list[str] | None) -> list[tuple[str, Class]]:
    """Classes carrying `decorator` (in files importing routing-controllers), kept to `wanted` names or globs
    when those were read and match at least one of them."""
    found = [(f.path, c) for f in project.files.values() if IMPORTS_PACKAGE.search(f.src)
             for c in f.classes if named(c.decorators, *decorator.split("|"))]
    if not wanted:
        return found
    kept = [(p, c) for p, c in found if c.name in wanted or any(_glob_matches(p, w) for w in wanted if "/" in w or "*" in w)]
    return kept or found


# ---- what a middleware is ----

def _package_kinds(project: nestjs._Project, path: str, name: str, member: str = "") -> dict[str, str]:
    package = project.package_of(path, name)
    if not package:
        return {}
    pkg = "/".join(package.split("/")[:2]) if package.startswith("@") else package.split("/")[0]
    kinds = javascript_kinds(pkg) + (javascript_kinds(f"{pkg}#{member}") if member else [])
    return {k: f"{name}{'.' + member if member else ''} from {pkg}" for k in kinds}


def middleware_kinds(project: nestjs._Project, path: str, expr: str) -> dict[str, str]:
    """kind -> how, for one middleware expression used in `path`: a middleware class (its `use` method read
    for what it does and for the packages it calls), a package's middleware, or a repository function."""
    text = re.sub(r"^new\s+", "", expr.strip())
    head = re.match(r"([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?", text)
    if not head:
        return {}
    name, member = head.group(1), head.group(2) or ""
    out = _package_kinds(project, path, name, member)
    if out:
        return out
    nestjs.add_imported_module(project, path, name)   # a middleware class written without a decorator
    found = project.find_class(path, name)
    if found:
        cls_path, cls = found
        use = next((m for m in cls.methods if m.name == "use"), None)
        if use is not None:
            at = where(cls_path, use.line)
            kinds = {k: f"{how}; {name} defined at {at}" for k, how in js_behaviour(use.text).items()}
            src = project.files[cls_path].src
            for call in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?\s*\(", use.text):
                callee, member_ = call.group(1), call.group(2) or ""
                if callee == "this" and member_:   # a middleware kept on the instance: `this.limiter(req, res, next)`
                    callee, member_ = member_, ""
                found_kinds = _package_kinds(project, cls_path, callee, member_)
                bound = None if found_kinds else re.search(
                    rf"(?:\b(?:const|let|var)\s+|^\s*(?:(?:private|public|protected|readonly|static)\s+)*){re.escape(callee)}"
                    rf"\s*(?::[^=\n]+)?=\s*([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?\s*\(", src, re.M)
                if bound:   # `const limiter = rateLimit({...})` then `limiter(req, res, next)`
                    found_kinds = _package_kinds(project, cls_path, bound.group(1), bound.group(2) or "")
                for k, how in found_kinds.items():
                    kinds.setdefault(k, f"{name}.use calls {how} ({at})")
            return kinds
    where_, body = _function_text(project, path, text)
    if body:
        return {k: f"{how}; {name} defined at {where_}" for k, how in js_behaviour(body).items()}
    return {k: v for k, v in nestjs.guard_kinds(project, path, expr).items()}


# ---- routes ----

def _sub_paths(d: Decorator, first: int = 0) -> list[str]:
    if len(d.args) <= first:
        return [""]
    arg = d.args[first].strip()
    literal = string_literal(arg)
    if literal is not None:
        return [literal]
    if arg.startswith("["):
        return [s for s in (string_literal(a) for a in split_args(arg[1:-1])) if s is not None] or [UNRESOLVED]
    return [UNRESOLVED] if not arg.startswith("{") else [""]


def _routes(project: nestjs._Project, server: _Server | None) -> list[nestjs._Route]:
    out = []
    for path, cls in _selected(project, "JsonController|Controller", server.controllers if server else None):
        nestjs.add_injected_modules(project, path, cls)
        ctrl = named(cls.decorators, "JsonController", "Controller")[0]
        bases = _sub_paths(ctrl)
        for method in cls.methods:
            for d in method.decorators:
                if d.name in VERBS:
                    verb, subs = VERBS[d.name], _sub_paths(d)
                elif d.name == "Method" and d.args and string_literal(d.args[0]):
                    verb, subs = (string_literal(d.args[0]) or "").upper(), _sub_paths(d, 1)
                else:
                    continue
                for base in bases:
                    for sub in subs:
                        full = join_paths(server.prefix if server else "", base, sub)
                        out.append(nestjs._Route(verb, normalize_path(full), path, d.line, cls, method))
    return out


# ---- one endpoint's protections ----

def _checker_reads_roles(text: str) -> bool:
    """The authorizationChecker uses its second parameter (the roles of `@Authorized(roles)`)."""
    for sig in re.finditer(r"\(\s*([A-Za-z_$][\w$]*)\s*(?::\s*[\w$.<>\[\]]+)?\s*,\s*([A-Za-z_$][\w$]*)\s*"
                           r"(?::\s*[^)]*)?\)\s*(?::\s*[^={]+)?(?:=>|\{)", text):
        roles = sig.group(2)
        rest = text[sig.end():]
        if re.search(rf"(?<![\w$.]){re.escape(roles)}\b", rest):
            return True
    return False


def _protect(project: nestjs._Project, server: _Server | None, globals_: list[tuple[str, str, str]],
             route: nestjs._Route, ep: Endpoint, session: list[str], bearer: list[str]) -> None:
    found: list[tuple[str, str]] = []          # (kind, how)
    for kind, how, _ in globals_:
        found.append((kind, how))
    for scope, decorators in (("class", route.cls.decorators), ("method", route.handler.decorators)):
        for d in named(decorators, "UseBefore"):
            for expr in d.args:
                for kind, how in middleware_kinds(project, route.file, expr).items():
                    found.append((kind, f"@UseBefore({expr.strip()[:50]}) at {where(route.file, d.line)} ({how})"))
    authorized = named(route.handler.decorators, "Authorized") or named(route.cls.decorators, "Authorized")
    roles = [a for a in (authorized[0].args if authorized else []) if a.strip() not in ("", "[]")]
    checker = server.checker_text if server else ""
    helpers = server.checker_calls if server else ""
    if authorized and checker and CHECKER_REJECTS.search(checker) and (
            CHECKER_IDENTITY.search(checker) or CHECKER_IDENTITY.search(helpers)):
        found.append((AUTHENTICATION, f"@Authorized() at {where(route.file, authorized[0].line)} with the "
                      f"authorizationChecker ({server.checker if server else ''}) rejecting a request without valid credentials"))
        everything = checker + "\n" + helpers
        basic = BASIC_CREDENTIALS.search(everything)
        if basic and PASSWORD.search(everything):
            ep.notes.append(f"{PASSWORD_PER_REQUEST} (the authorizationChecker at {server.checker if server else ''} "
                            f"reads HTTP Basic credentials: `{basic.group(0)}`)")
        if roles and _checker_reads_roles(checker):
            found.append((AUTHORIZATION, f"{authorized[0].text} at {where(route.file, authorized[0].line)}: the "
                          f"authorizationChecker ({server.checker if server else ''}) checks the roles"))
    authn = [how for kind, how in found if kind == AUTHENTICATION]
    if authn:
        mark(ep, "authenticated", True, authn[0])
    elif authorized and not checker:
        mark(ep, "authenticated", False, f"@Authorized() at {where(route.file, authorized[0].line)} but no "
             "authorizationChecker is configured on the server")
    elif authorized:
        mark(ep, "authenticated", False, f"@Authorized() at {where(route.file, authorized[0].line)} but the "
             f"authorizationChecker ({server.checker if server else ''}) never rejects a request")
    else:
        mark(ep, "authenticated", False, "no @Authorized() and no authentication middleware on the route, controller or server")

    authz = [how for kind, how in found if kind == AUTHORIZATION]
    owner = [u for u in nestjs._user_params(project, route)
             if len(re.findall(rf"\b{re.escape(u.split('.')[0])}\b", route.handler.text)) > 1]
    if authz:
        mark(ep, "authorized", True, authz[0])
    elif owner:
        mark(ep, "authorized", True, f"the signed-in user ({owner[0]}) is passed on by the handler ({where(ep.file, ep.line)})")
    elif authorized and roles:
        mark(ep, "authorized", False, f"{authorized[0].text} names roles but the authorizationChecker "
             f"({server.checker if server else 'none'}) never reads them")
    else:
        mark(ep, "authorized", False, "no role check and the handler does not use the signed-in user")

    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    elif session:
        ep.csrf_applies = True
        mark(ep, "csrf_protected", False, f"cookie session ({session[0]}) without a CSRF middleware")
        for kind, how in found:
            if kind == "csrf":
                mark(ep, "csrf_protected", True, how)
    else:
        ep.csrf_applies = False
        why = f"bearer-token authentication ({bearer[0]})" if bearer else "no cookie session"
        ep.notes.append(f"csrf: not applicable, {why}")

    rate = [how for kind, how in found if kind == RATE_LIMIT]
    if rate:
        mark(ep, "rate_limited", True, rate[0])
    else:
        mark(ep, "rate_limited", False, "no rate-limit middleware on the route, controller or server")
    _validation(project, server, route, ep)
    nestjs._list(project, route, ep)


def _validation(project: nestjs._Project, server: _Server | None, route: nestjs._Route, ep: Endpoint) -> None:
    inputs = [(p, d) for p in route.handler.params for d in p.decorators if d.name in INPUT_DECORATORS]
    if not inputs:
        ep.notes.append("input: reads no request data")
        return
    on = server.validation if server else True
    at = server.validation_at if server else "routing-controllers default"
    unvalidated, how = [], []
    for param, d in inputs:
        options = " ".join(d.args)
        validates = not re.search(r"\bvalidate\s*:\s*false", options) and (on or re.search(r"\bvalidate\s*:\s*(true|\{)", options))
        named_value = bool(d.args and string_literal(d.args[0]) is not None)
        if not validates:
            unvalidated.append(f"{d.text} {param.name} (validation turned off: {at})")
            continue
        if d.name in WHOLE_OBJECT or not named_value:
            dto = nestjs.dto_validated(project, route.file, param.type) if param.type else None
            if dto:
                how.append(f"class-validator on {d.text} {param.type} ({dto}; {at})")
            else:
                why = (f"{param.type} has no class-validator rules" if param.type and not nestjs.SCALAR_TYPE.match(param.type)
                       else "no class to validate against")
                unvalidated.append(f"{d.text} {param.name} ({why})")
        elif not param.type or nestjs.SCALAR_TYPE.match(param.type) or nestjs.dto_validated(project, route.file, param.type):
            how.append(f"{d.text} is one named {d.name.lower()} value")
        else:
            unvalidated.append(f"{d.text} {param.name} ({param.type} has no class-validator rules)")
    if unvalidated:
        mark(ep, "input_validated", False, "; ".join(unvalidated)[:200])
    else:
        mark(ep, "input_validated", True, how[0])


def _global_middleware(project: nestjs._Project, server: _Server | None) -> list[tuple[str, str, str]]:
    """(kind, how, class) of the `@Middleware({ type: 'before' })` classes the server loads and the
    middleware used on the express app it serves."""
    out = []
    for path, cls in _selected(project, "Middleware", server.middlewares if server else None):
        d = named(cls.decorators, "Middleware")[0]
        if re.search(r"type\s*:\s*['\"]after['\"]", " ".join(d.args)):
            continue
        for kind, how in middleware_kinds(project, path, cls.name).items():
            out.append((kind, f"global middleware {cls.name} ({how})", cls.name))
    for expr, at in server.app_middleware if server else []:
        for kind, how in middleware_kinds(project, server.file if server else "", expr).items():
            out.append((kind, f"app.use({expr.strip()[:40]}) at {at} ({how})", expr))
    return out


def extract(repo: Repository) -> tuple[list[Endpoint], dict]:
    project = nestjs._project(repo)
    servers = _servers(project)
    server = servers[0] if servers else None
    globals_ = _global_middleware(project, server)
    session, bearer = [], []
    for f in project.files.values():
        for m in nestjs.SESSION.finditer(f.src):
            session.append(f"{m.group(0).strip()} at {where(f.path, line_of(f.src, m.start()))}")
        for m in nestjs.BEARER.finditer(f.src):
            bearer.append(f"{m.group(0)} at {where(f.path, line_of(f.src, m.start()))}")
    endpoints = []
    for route in _routes(project, server):
        ep = Endpoint(route.method, route.path, f"{route.cls.name}.{route.handler.name}", route.file, route.line, FRAMEWORK)
        _protect(project, server, globals_, route, ep, session, bearer)
        endpoints.append(ep)
    glob: dict = {"session": session[:3], "bearer_auth": bearer[:3]}
    if server:
        glob["server"] = where(server.file, server.line)
        if server.prefix:
            glob["route_prefix"] = server.prefix
        if server.checker:
            glob["authorization_checker"] = server.checker
        glob["validation"] = server.validation_at if server.validation else f"off ({server.validation_at})"
    if globals_:
        glob["middleware"] = sorted({how for _, how, _ in globals_})[:5]
    return endpoints, {k: v for k, v in glob.items() if v}
