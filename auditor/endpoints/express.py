"""Express routes: `app.get(...)`, `router.post(...)`, `router.route(p).get(...)`, `app.use('/prefix', mw, router)`
across files linked by `require()`/`import` and `module.exports`/`export default`.

Middleware applies in registration order: an `app.use(mw)` or `router.use(mw)` protects the routes registered
after it, a mount's middleware protects the mounted router, a route's own middleware protects it. Each
middleware is classified by what it is built from (passport.authenticate, express-jwt, rateLimit, csurf,
express-validator/celebrate/joi/zod) or, for functions defined elsewhere, by its name.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from auditor.budget import budgeted
from auditor.endpoints.classify import OPTIONAL_AUTH_NOTE
from auditor.endpoints.common import SAFE_METHODS, UNRESOLVED, join_paths, mark, normalize_path, where
from auditor.endpoints.jsparse import (
    Call,
    matching_paren,
    method_calls,
    split_args,
    string_literal,
    strip_comments,
)
from auditor.endpoints.protections.javascript import js_behaviour
from auditor.endpoints.protections.library import javascript_kinds
from auditor.endpoints.protections.ownership_js import ownership_check
from auditor.inventory import TEST_FILE
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import bracket_depths, line_of

VERBS = frozenset({"get", "post", "put", "patch", "delete", "all", "options", "head"})
KINDS = {
    "auth": re.compile(r"passport\.authenticate\(|express-?jwt|expressjwt\(|\bjwt\(\{|ensureLoggedIn|ensureAuthenticated|"
                       r"\b(require|ensure|check|verify|is)_?(auth\w*|user|login|logged\w*|token|jwt|session)\b|"
                       r"\bauth(enticate|enticated|Middleware|Required|Guard|orize)?\b|\bprotect(ed)?\b|\bcheckJwt\b|"
                       r"\bverifyJWT\b|\bisLoggedIn\b|\brequireUser\b", re.I),
    "authz": re.compile(r"\b(require|has|check)_?(role|roles|admin|permission|permissions|scope)\w*|\bauthorize\w*|"
                        r"\bisAdmin\b|\bpermit\w*|\brbac\b|\bcan\(|\bguard\(", re.I),
    "rate": re.compile(r"rateLimit\(|RateLimit\(|slowDown\(|RateLimiter|\w*[lL]imiter\b|rateLimiter\w*"),
    "csrf": re.compile(r"\bcsurf\b|\bcsrf\w*|doubleCsrf\w*|lusca\.csrf", re.I),
    "validation": re.compile(r"^\s*\[?\s*(body|param|query|check|checkSchema|header|cookie|oneOf)\(|celebrate\(|"
                             r"\bvalidat\w*|\w+Schema\b|\bzValidator\(", re.I),
}
SESSION = re.compile(r"\b(session|cookieSession|expressSession)\s*\(|passport\.session\(\)")
BEARER = re.compile(r"session\s*:\s*false|expressjwt|express-jwt|ExtractJwt\.fromAuthHeader|authorization|Bearer", re.I)
OWNERSHIP = re.compile(r"req\.user\.(id|_id|sub|userId|accountId|tenantId)\b|req\.auth\.(sub|id)\b|req\.userId\b")
ROLE = re.compile(r"req\.user\.(role|roles|isAdmin|permissions|scope)\b")
BODY_VALIDATION = re.compile(r"\.(validate|validateAsync|parse|safeParse|parseAsync)\s*\(\s*req\.|validationResult\(req\)|"
                             r"matchedData\(req\)")
SINGLE_ROW = re.compile(r"WHERE\s+(\w+\.)?(id|_id|uuid)\s*=|findOne|findById|findByPk|findUnique|rows\[0\]|"
                        r"\.first\(", re.I)
# a Knex query builder reading rows: `db('articles').select(...)`, `knex('tags').where(...)`
KNEX_ROWS = re.compile(r"\b(?:knex|db|trx)\(\s*['\"][\w.]+['\"]\s*\)\s*\.\s*(?:select|where\w*|orderBy|join|leftJoin)\(")
# a collection read by name: `dao.getAllMemos(`, `Customer.listCustomers(`; `GET /getCustomers`, `/listOrders`
LIST_CALL = re.compile(r"\.(getAll|findAll|fetchAll|list)[A-Z]\w*\(")
LIST_PATH = re.compile(r"/(get|list|fetch)(All)?[A-Z][a-z]\w*s/?$|/(get|list|fetch)[-_]?all[-_]?\w+/?$", re.I)
# the handler reads the request's cookies itself: a browser sends them on cross-site requests too
COOKIE_READ = re.compile(r"req\.(?:signedC|c)ookies\b|req\.headers\.cookie\b|req\.headers\[\s*['\"]cookie['\"]\s*\]|"
                         r"req\.(?:get|header)\(\s*['\"]cookie['\"]\s*\)", re.I)
REQ_INPUT = re.compile(r"req\.(body|query|params)\b")
PAGINATION = re.compile(r"req\.query\.(limit|offset|page|perPage|per_page|pageSize|cursor|skip|take)\b|\bLIMIT\s+[$?:]|"
                        r"\.limit\(|\.skip\(|\.offset\(")


@dataclass
class _File:
    path: str
    src: str
    apps: set[str] = field(default_factory=set)
    routers: set[str] = field(default_factory=set)
    requires: dict[str, str] = field(default_factory=dict)      # local name -> repo path
    exports: str | None = None
    defs: dict[str, str] = field(default_factory=dict)          # name -> definition text
    calls: list[Call] = field(default_factory=list)
    functions: dict[str, list[str]] = field(default_factory=dict)  # function name -> parameter names
    export_params: list[str] | None = None                      # parameters of the exported function
    returns_param: int | None = None                            # the exported function returns this parameter
    aliases: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # param -> (caller file, arg, offset)


@dataclass
class _Mount:
    prefix: str
    chain: list[tuple[str, str]]                                  # (middleware text, where)


@dataclass
class _Global:
    session: list[str] = field(default_factory=list)
    bearer: list[str] = field(default_factory=list)


# function declarations and function-valued consts: `function routes(app, db) {`, `const index = (app, db) => {`
FUNCTION_DEF = re.compile(
    r"function\s+(?P<name>[\w$]+)\s*\((?P<params>[^()]*)\)\s*\{|"
    r"(?:const|let|var)\s+(?P<const>[\w$]+)\s*=\s*(?:async\s+)?(?:function\s*[\w$]*\s*\((?P<fparams>[^()]*)\)|"
    r"\((?P<aparams>[^()]*)\)\s*=>|(?P<single>[\w$]+)\s*=>)")
# `module.exports = function (app) {`, `module.exports = (app, db) => {`, `export default function (app) {`
EXPORTED_FUNCTION = re.compile(
    r"(?:module\.exports|export\s+default)\s*=?\s*(?:async\s+)?(?:function\s*[\w$]*\s*\((?P<params>[^()]*)\)|"
    r"\((?P<aparams>[^()]*)\)\s*=>|(?P<single>[\w$]+)\s*=>)")


def _params(m: re.Match) -> str:
    return next((g for g in (m.groupdict().get(k) for k in ("params", "fparams", "aparams", "single")) if g), "")


def _link_parameters(files: dict[str, _File]) -> None:
    """`require('./routes')(app, db)` / `routes(app, db)`: the callee's parameters alias the caller's app/router.

    Runs to a fixed point so a parameter passed on again (`module.exports = (app) => { api(app) }`) links too.
    """
    calls = []
    for f in files.values():
        for m in re.finditer(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\(|(?<![\w$.])([\w$]+)\s*\(", f.src):
            if m.group(2):
                if m.group(2) not in f.requires or re.search(r"\bnew\s+$", f.src[max(0, m.start() - 6):m.start()]):
                    continue
                target = f.requires[m.group(2)]
            else:
                target = _resolve_in(files, f.path, m.group(1))
            if target not in files or not files[target].export_params:
                continue
            close = matching_paren(f.src, m.end() - 1)
            if close < 0:
                continue
            calls.append((f, target, split_args(f.src[m.end():close]), m.start()))
    for _ in range(4):
        changed = False
        for f, target, args, offset in calls:
            callee = files[target]
            for param, a in zip(callee.export_params or [], args):
                a = a.strip()
                if param in callee.aliases or not re.fullmatch(r"[\w$]+", a):
                    continue
                if a in f.apps or a in f.routers or a in f.aliases:
                    callee.aliases[param] = (f.path, a, offset)
                    changed = True
        if not changed:
            break


def _resolve_in(files: dict[str, _File], base: str, spec: str) -> str | None:
    if not spec.startswith("."):
        return None
    root = posixpath.normpath(posixpath.join(posixpath.dirname(base), spec))
    for cand in (root, root + ".js", root + ".ts", root + ".mjs", root + "/index.js", root + "/index.ts"):
        if cand in files:
            return cand
    return None


def _canonical(files: dict[str, _File], f: _File, owner: str):
    """(file, name) of the app or router `owner` stands for, and the parameter passings that led there."""
    callers: list[tuple[str, str, int]] = []
    path, name = f.path, owner
    for _ in range(6):
        alias = files[path].aliases.get(name)
        if alias is None:
            break
        callers.append(alias)
        path, name = alias[0], alias[1]
    return (path, name), callers


def _caller_chain(files: dict[str, _File], callers: list[tuple[str, str, int]], path: str) -> list[tuple[str, str]]:
    """Middleware the callers registered on the app before passing it in (outermost caller first)."""
    out: list[tuple[str, str]] = []
    for file, name, offset in reversed(callers):
        out += _uses_before(files[file], name, offset, path)
    return out


def _handler_body(source_of, f: _File, handler: str) -> str:
    """The handler's source: inline, a function of this file, or `obj.method` defined as `this.method = ...`,
    `exports.method = ...`, `export const method = ...`, `export function method` or a class/object method in
    the module `obj` comes from (a `require`, a default import or a namespace import `import * as obj`)."""
    h = handler.strip()
    if re.fullmatch(r"[\w$]+", h):
        return f.defs.get(h, "")
    m = re.fullmatch(r"([\w$]+)\.([\w$]+)", h)
    if not m:
        return handler
    obj, method = m.groups()
    target = f.requires.get(obj)
    if target is None:
        ctor = re.match(r"new\s+([\w$]+)\s*\(", f.defs.get(obj, ""))
        target = f.requires.get(ctor.group(1)) if ctor else None
    src = source_of(target) if target else f.src
    d = re.search(rf"(?:\bthis|\bexports|module\.exports|\.prototype)\s*\.\s*{re.escape(method)}\s*=|"
                  rf"^\s*export\s+(?:(?:const|let|var)\s+{re.escape(method)}\b[^=\n]*=|"
                  rf"(?:async\s+)?function\s*\*?\s*{re.escape(method)}\s*[(<])|"
                  rf"(?<![\w$.]){re.escape(method)}\s*:\s*(?:async\s+)?(?:function\b|\()|"
                  rf"^\s*(?:async\s+)?{re.escape(method)}\s*\([^)]*\)\s*\{{", src, re.M)
    if not d:
        return ""
    arrow = _expression_arrow_end(src, d.end())
    if arrow is not None:
        return src[d.start():arrow]
    brace = src.find("{", d.end())
    close = matching_paren(src, brace) if brace >= 0 else -1
    return src[d.start():close + 1] if close > 0 else ""


def _expression_arrow_end(src: str, start: int) -> int | None:
    """The end of an arrow function whose body is an expression (`exports.get = (req, res) => res.json(...);`):
    the `;`, `,` or line end at bracket depth 0 after its `=>`, or the bracket closing one opened before it.
    None when the definition has a block body (`=> {`, `function (...) {`): its closing brace ends it."""
    arrow = False
    for i, ch, depth in bracket_depths(src, start):
        if depth < 0:
            return i if arrow else None
        if ch == "{" and depth == 1 and not arrow:
            return None     # `function (req, res) {`
        if depth != 0:
            continue
        if ch == "=" and src.startswith("=>", i):
            body = src[i + 2:].lstrip()
            if body.startswith("{"):
                return None
            arrow = True
        elif arrow and (ch in ";," or ch == "\n" and not src[i + 1:].lstrip(" \t").startswith((".", "?", ":"))
                                                     and src[:i].rstrip()[-1:] not in ("=", "(", ",", ">", "?", ":", "&", "|")):
            return i
    return len(src) if arrow else None


def is_js(path: str) -> bool:
    return path.endswith((".js", ".mjs", ".cjs", ".ts")) and not path.endswith(".d.ts") and not TEST_FILE.search(path)


def extract(repo: Repository) -> tuple[list[Endpoint], dict]:
    files: dict[str, _File] = {}
    glue: list[str] = []
    for path in budgeted(repo.paths()):
        if not is_js(path):
            continue
        text = repo.read_text(path)
        if not text:
            continue
        if "express" not in text and ".Router(" not in text and "Router()" not in text \
                and not re.search(r"\.(get|post|put|delete|patch|use)\(", text):
            glue.append(path)
            continue
        files[path] = _read(repo, path, strip_comments(text))
    for path in glue:   # routes/index.js: `module.exports = (router) => { users(router); return router }`
        if _requires_route_module(repo, path, files):
            files[path] = _read(repo, path, strip_comments(repo.read_text(path) or ""))
    _link_parameters(files)
    others: dict[str, str] = {}

    def source_of(path: str) -> str:
        if path in files:
            return files[path].src
        if path not in others:
            others[path] = strip_comments(repo.read_text(path) or "")
        return others[path]
    g = _Global()
    for f in files.values():
        for m in SESSION.finditer(f.src):
            g.session.append(f"{m.group(0).strip()} at {where(f.path, line_of(f.src, m.start()))}")
        for m in BEARER.finditer(f.src):
            g.bearer.append(f"{m.group(0)} at {where(f.path, line_of(f.src, m.start()))}")
    mounts = _mounts(files)
    app_prefixed = _app_prefixed_middleware(files)
    endpoints: list[Endpoint] = []
    for f in files.values():
        for owner, path, method, mws, handler, line, offset in _routes(f):
            (target_file, target), callers = _canonical(files, f, owner)
            tf = files[target_file]
            if target not in tf.apps and target not in tf.routers:
                continue
            contexts = [_Mount("", [])] if target in tf.apps else (mounts.get((target_file, target)) or [])
            orphan = not contexts
            passed_in = _caller_chain(files, callers, path)
            for ctx in contexts or [_Mount("", [])]:
                chain = ctx.chain + passed_in + _uses_before(f, owner, offset, path) + \
                    [(m, where(f.path, line)) for m in mws]
                full = normalize_path(join_paths(ctx.prefix, path))
                if ctx.prefix:   # app.use('/v1/auth', limiter) reaches the routes a router mounts under /v1/auth
                    chain += [(m, at) for prefix, m, at in app_prefixed
                              if _under(full, prefix) and (m, at) not in chain]
                ep = Endpoint(method, full, _handler_name(handler), f.path, line, "express")
                if orphan:
                    ep.notes.append(f"router {target!r} is not mounted by any app.use() found: path prefix unknown")
                if callers:
                    ep.notes.append(f"registered on parameter {owner!r}, passed {target!r} at "
                                    f"{where(callers[-1][0], line_of(files[callers[-1][0]].src, callers[-1][2]))}")
                body = _handler_body(source_of, f, handler)
                _protect(ep, f, chain, handler, g, body,
                         lambda text, at: _middleware_behaviour(repo, files, source_of, text, at),
                         lambda: ownership_check(repo, _body_file(f, handler), body))
                endpoints.append(ep)
    glob = {"session": g.session[:3], "bearer_auth": g.bearer[:3]}
    return endpoints, {k: v for k, v in glob.items() if v}


def _requires_route_module(repo: Repository, path: str, files: dict[str, _File]) -> bool:
    """A module with no route call of its own that requires one that has them and passes its parameter on:
    the glue between an app and its route modules."""
    text = repo.read_text(path) or ""
    if not EXPORTED_FUNCTION.search(text):
        return False
    for m in re.finditer(r"require\(\s*['\"](\.[^'\"]+)['\"]\s*\)|\bfrom\s+['\"](\.[^'\"]+)['\"]", text):
        if _resolve(repo, path, m.group(1) or m.group(2)) in files:
            return True
    return False


def _read(repo: Repository, path: str, src: str) -> _File:
    f = _File(path, src)
    for m in re.finditer(r"(?:const|let|var)\s+([\w$]+)\s*=\s*(?:await\s+)?([^;\n]+)", src):
        name, value = m.group(1), m.group(2).strip()
        if re.match(r"(express|Express)\s*\(\s*\)", value) or re.match(r"new\s+(Koa|Express)\b", value):
            f.apps.add(name)
        elif re.match(r"(express\.)?Router\s*\(|new\s+Router\s*\(|express\.Router\b|"
                      r"require\(\s*['\"]express['\"]\s*\)\.Router\s*\(", value):
            f.routers.add(name)
        req = re.match(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)", value)
        if req and req.group(1).startswith("."):
            target = _resolve(repo, path, req.group(1))
            if target:
                f.requires[name] = target
        full = value
        if value.rstrip().endswith("("):
            open_at = m.start(2) + value.index("(")
            close = matching_paren(src, open_at)
            full = src[m.start(2):close + 1] if close > 0 else value
        f.defs[name] = full
    # `import ctl from './c'` and `import * as ctl from './c'`: `ctl.method` handlers come from that module
    for m in re.finditer(r"import\s+(?:\*\s+as\s+)?([\w$]+)\s+from\s+['\"]([^'\"]+)['\"]", src):
        if m.group(2).startswith("."):
            target = _resolve(repo, path, m.group(2))
            if target:
                f.requires[m.group(1)] = target
    for m in re.finditer(r"(?:const|let|var)\s+\{([^}]+)\}\s*=\s*require\(\s*['\"]([^'\"]+)['\"]", src):
        for name in re.split(r"\s*,\s*", m.group(1).strip()):
            name = name.split(":")[-1].strip()
            if name:
                f.defs.setdefault(name, f"{name} from {m.group(2)}")
    for m in re.finditer(r"import\s*\{([^}]+)\}\s*from\s*['\"]([^'\"]+)['\"]", src):
        for name in re.split(r"\s*,\s*", m.group(1).strip()):
            name = name.split(" as ")[-1].strip()
            if name:
                f.defs.setdefault(name, f"{name} from {m.group(2)}")
    for m in re.finditer(r"function\s+([\w$]+)\s*\(", src):
        f.defs.setdefault(m.group(1), f"function {m.group(1)}")
    exp = re.search(r"module\.exports\s*=\s*([\w$]+)\s*;?|export\s+default\s+([\w$]+)", src)
    if exp and exp.group(0).split("=")[-1].split()[-1] not in ("function", "async", "class"):
        f.exports = exp.group(1) or exp.group(2)
    for m in FUNCTION_DEF.finditer(src):
        name = m.group("name") or m.group("const")
        params = [p.split("=")[0].strip() for p in split_args(_params(m))]
        if name:
            f.functions.setdefault(name, params)
    inline = EXPORTED_FUNCTION.search(src)
    if inline:
        f.export_params = [p.split("=")[0].strip() for p in split_args(_params(inline))]
        # module.exports = function () { router.get(...); return router }: the router is what a call returns
        returned = [m.group(1) for m in re.finditer(r"\breturn\s+([\w$]+)\s*;?\s*\}", src[inline.end():])]
        if f.exports is None and returned and returned[-1] in f.routers:
            f.exports = returned[-1]
        # module.exports = (router) => { router.get(...); return router }: a call returns the router passed in
        elif returned and returned[-1] in f.export_params:
            f.returns_param = f.export_params.index(returned[-1])
    elif f.exports in f.functions:
        f.export_params = f.functions[f.exports]
    f.calls = method_calls(src, VERBS | {"use", "route"})
    return f


def _resolve(repo: Repository, base: str, spec: str) -> str | None:
    root = posixpath.normpath(posixpath.join(posixpath.dirname(base), spec))
    for cand in (root, root + ".js", root + ".ts", root + ".mjs", root + "/index.js", root + "/index.ts"):
        if repo.exists(cand):
            return cand
    return None


def _router_target(files: dict[str, _File], f: _File, expr: str, depth: int = 0) -> tuple[str, str] | None:
    expr = expr.strip()
    called = re.fullmatch(r"(require\(\s*['\"][^'\"]+['\"]\s*\)|[\w$]+)\s*\(([^()]*)\)", expr)
    if called:   # app.use('/app', require('./routes/app')()) / routes(passport): the router the export returns
        expr = called.group(1)
        passed = _returned_argument(files, f, expr, split_args(called.group(2)))
        if passed is not None and depth < 4:   # app.use('/api', routes(router)): routes returns its argument
            return _router_target(files, f, passed, depth + 1)
    if expr in f.routers:
        return (f.path, expr)
    target = f.requires.get(expr)
    req = re.fullmatch(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)", expr)
    if req:
        target = next((p for p in files if p == posixpath.normpath(posixpath.join(posixpath.dirname(f.path), req.group(1)))
                       or p.startswith(posixpath.normpath(posixpath.join(posixpath.dirname(f.path), req.group(1))) + ".")), None)
    if target and target in files and files[target].exports:
        return (target, files[target].exports)
    return None


def _returned_argument(files: dict[str, _File], f: _File, callee: str, args: list[str]) -> str | None:
    """The argument a call to a required module's exported function returns, when that function returns
    one of its parameters (`module.exports = (router) => { ...; return router }`)."""
    target = f.requires.get(callee)
    req = re.fullmatch(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)", callee)
    if req:
        target = _resolve_in(files, f.path, req.group(1))
    index = files[target].returns_param if target in files else None
    if index is None or index >= len(args):
        return None
    return args[index]


def _mounts(files: dict[str, _File]) -> dict[tuple[str, str], list[_Mount]]:
    """For each router, the (prefix, inherited middleware) under which it is served, from the apps down."""
    edges: list[tuple[tuple[str, str], tuple[str, str], str, list[tuple[str, str]]]] = []
    for f in files.values():
        for call in f.calls:
            if call.method != "use" or not call.args:
                continue
            parent, callers = _canonical(files, f, call.receiver)
            table = _route_table_mounts(f, call)
            for prefix_text, router_expr in table:
                target = _router_target(files, f, router_expr)
                if target is not None:
                    chain = _caller_chain(files, callers, prefix_text) + _uses_before(f, call.receiver, call.start, prefix_text)
                    edges.append((parent, target, prefix_text, chain))
            if table:
                continue
            prefix = _prefix_arg(files, f, call.args)
            rest = call.args[1:] if prefix is not None else call.args
            for i, a in enumerate(rest):
                target = _router_target(files, f, a)
                if target is None:
                    continue
                chain = _caller_chain(files, callers, prefix or "/") + \
                    _uses_before(f, call.receiver, call.start, prefix or "/") + \
                    [(m, where(f.path, call.line)) for m in rest[:i]]
                edges.append((parent, target, prefix or "", chain))
    roots = {(f.path, a) for f in files.values() for a in f.apps}
    out: dict[tuple[str, str], list[_Mount]] = {}

    def visit(node, prefix, chain, depth):
        for parent, child, p, c in edges:
            if parent == node and depth < 8:
                m = _Mount(join_paths(prefix, p), chain + c)
                out.setdefault(child, []).append(m)
                visit(child, m.prefix, m.chain, depth + 1)
    for root in roots:
        visit(root, "", [], 0)
    return out


def _app_prefixed_middleware(files: dict[str, _File]) -> list[tuple[str, str, str]]:
    """(path prefix, middleware, where) for every `app.use('/prefix', mw)` on an application (not a router mount)."""
    out = []
    for f in files.values():
        for call in f.calls:
            if call.method != "use" or call.receiver not in f.apps or len(call.args) < 2:
                continue
            prefix = string_literal(call.args[0])
            if not prefix or prefix == "/":
                continue
            for a in call.args[1:]:
                if _router_target(files, f, a) is None:
                    out.append((prefix, a, where(f.path, call.line)))
    return out


def _under(path: str, prefix: str) -> bool:
    p = normalize_path(prefix).rstrip("/")
    return path == p or path.startswith(p + "/")


FOR_EACH = re.compile(r"([\w$]+)\s*\.\s*forEach\s*\(\s*(?:\(\s*([\w$]+)\s*\)|([\w$]+))\s*=>")
TABLE_ENTRY = re.compile(r"\{\s*(?:path|prefix)\s*:\s*(['\"`])([^'\"`]*)\1\s*,\s*(?:route|router|handler)\s*:\s*([\w$.]+)\s*,?\s*\}|"
                         r"\{\s*(?:route|router|handler)\s*:\s*([\w$.]+)\s*,\s*(?:path|prefix)\s*:\s*(['\"`])([^'\"`]*)\5\s*,?\s*\}")


def _route_table_mounts(f: _File, call) -> list[tuple[str, str]]:
    """`routes.forEach((route) => router.use(route.path, route.route))` over a literal table
    `const routes = [{ path: '/auth', route: authRoute }, ...]`: one (prefix, router) per entry."""
    if len(call.args) != 2:
        return []
    head = re.match(r"([\w$]+)\.[\w$]+$", call.args[0].strip())
    if not head or not call.args[1].strip().startswith(head.group(1) + "."):
        return []
    loop = None
    for m in FOR_EACH.finditer(f.src, 0, call.start):
        if (m.group(2) or m.group(3)) == head.group(1):
            loop = m
    if loop is None:
        return []
    decl = re.search(rf"(?:const|let|var)\s+{re.escape(loop.group(1))}\s*=\s*\[", f.src)
    close = matching_paren(f.src, decl.end() - 1) if decl else -1
    table = f.src[decl.end() - 1:close + 1] if decl and close > 0 else ""
    out = []
    for m in TABLE_ENTRY.finditer(table):
        out.append((m.group(2), m.group(3)) if m.group(3) else (m.group(6), m.group(4)))
    return out


PREFIX_NAME = re.compile(r"(prefix|path|route|base|url|version|api|mount)", re.I)


def _prefix_arg(files: dict[str, _File], f: _File, args: list[str]) -> str | None:
    """The mount path of `app.use(path, ...)`: a literal, a const string of the file, a template literal (its
    placeholders as `{?}`), or, for a name or member that reads like one (`config.apiPrefix`) followed by a
    router, the visible wildcard `{?}`; None when the first argument is middleware."""
    first = args[0].strip() if args else ""
    literal = string_literal(first)
    if literal is not None:
        return literal
    template = re.fullmatch(r"`([^`]*)`", first)
    if template:
        return re.sub(r"\$\{[^}]*\}", UNRESOLVED, template.group(1))
    value = string_literal(f.defs.get(first, "")) if re.fullmatch(r"[\w$]+", first) else None
    if value is not None:
        return value
    if len(args) > 1 and re.fullmatch(r"[\w$.]+", first) and PREFIX_NAME.search(first.rsplit(".", 1)[-1]) \
            and first not in f.functions and _router_target(files, f, first) is None:
        return UNRESOLVED
    return None


def _uses_before(f: _File, owner: str, offset: int, path: str) -> list[tuple[str, str]]:
    """Middleware registered with owner.use(mw) / owner.use('/p', mw) before this offset, for this path."""
    out = []
    for call in f.calls:
        if call.method != "use" or call.receiver != owner or call.start >= offset or not call.args:
            continue
        prefix = string_literal(call.args[0])
        args = call.args[1:] if prefix is not None else call.args
        if prefix is not None and not normalize_path(path).startswith(normalize_path(prefix)):
            continue
        for a in args:
            if a.strip() in f.routers or a.strip() in f.requires or a.strip().startswith("require("):
                continue
            out.append((a, where(f.path, call.line)))
    return out


def _routes(f: _File):
    for call in f.calls:
        if call.method in VERBS and call.args and len(call.args) >= 2:
            path = string_literal(call.args[0])
            if path is None or (call.method == "get" and len(call.args) < 2):
                continue
            methods = ["ANY"] if call.method == "all" else [call.method.upper()]
            mws, handler = _handler_split(call.args[1:])
            for method in methods:
                yield call.receiver, path, method, mws, handler, call.line, call.start
        elif call.method == "route" and len(call.args) == 1:
            path = string_literal(call.args[0])
            if path is None:
                continue
            open_at = f.src.index("(", call.start + len(call.receiver))
            pos = matching_paren(f.src, open_at) + 1
            while True:
                m = re.compile(r"\s*\.\s*(get|post|put|patch|delete|all)\s*\(").match(f.src, pos)
                if not m:
                    break
                close = matching_paren(f.src, m.end() - 1)
                args = split_args(f.src[m.end():close])
                if args:
                    mws, handler = _handler_split(args)
                    yield (call.receiver, path, "ANY" if m.group(1) == "all" else m.group(1).upper(), mws, handler,
                           line_of(f.src, m.start(1)), call.start)
                pos = close + 1


# a middleware built from literal options: `guard.check(['user:read'])`, `limit({ max: 5 })`
CONFIGURED_MIDDLEWARE = re.compile(r"[\w$.]+\s*\(\s*[\[{'\"`]")
FUNCTION_REFERENCE = re.compile(r"[\w$]+(?:\.[\w$]+)*|(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)[\s\S]*")


def _handler_split(args: list[str]) -> tuple[list[str], str]:
    """(middleware before the handler, the handler) of a route's arguments after its path. The handler is
    the last argument, unless that is a middleware built from literal options placed after a function
    reference (`.get(auth, controller.list, guard.check(['read']))`): Express calls it only if the handler
    calls next(), so it protects nothing and the handler is the reference before it."""
    if len(args) >= 2 and CONFIGURED_MIDDLEWARE.match(args[-1].strip()) and \
            FUNCTION_REFERENCE.fullmatch(args[-2].strip()):
        return args[:-2], args[-2]
    return args[:-1], args[-1]


def _handler_name(handler: str) -> str:
    h = handler.strip()
    m = re.match(r"(?:async\s+)?function\s*([\w$]*)", h)
    if m:
        return m.group(1) or "<anonymous>"
    if re.fullmatch(r"[\w$.]+", h):
        return h
    m = re.match(r"[\w$.]+\s*\(", h)  # wrapped: asyncHandler(controller.list)
    if m:
        inner = re.search(r"\(\s*([\w$.]+)\s*\)\s*$", h)
        if inner:
            return inner.group(1)
    return "<anonymous>"


# behaviour kinds (auditor.endpoints.protections) -> this extractor's kinds
KIND_OF = {"authentication": "auth", "authorization": "authz", "rate_limit": "rate", "input_validation": "validation"}
JS_DEFINITION_AT = r"(?:function\s+{n}\s*\(|(?:const|let|var)\s+{n}\s*=|exports\.{n}\s*=|(?<![\w$.]){n}\s*:\s*(?:async\s+)?(?:function\b|\()|^\s*(?:async\s+)?{n}\s*\([^)]*\)\s*\{{)"


MIDDLEWARE_MODULE_LINES = 120


def _function_text(src: str, name: str) -> str:
    """The text of `name`'s definition in a module: from its start to the close of its first brace block."""
    d = re.search(JS_DEFINITION_AT.format(n=re.escape(name)), src, re.M)
    if not d:
        return ""
    brace = src.find("{", d.end())
    close = matching_paren(src, brace) if brace >= 0 else -1
    return src[d.start():close + 1] if close > 0 else src[d.start():d.start() + 400]


def _middleware_behaviour(repo: Repository, files: dict[str, _File], source_of, text: str, at: str) -> dict[str, str]:
    """kind -> how for one middleware expression as used in the file of `at`: a known package's middleware
    (rules/protections.yml), or the repository function it names, read for what it does."""
    path = at.rsplit(":", 1)[0]
    f = files.get(path)
    head = re.match(r"\s*([\w$]+)(?:\.([\w$]+))?", text)
    if f is None or not head:
        return {}
    name, member = head.group(1), head.group(2)
    memo = repo.__dict__.setdefault("_auditor_js_middleware", {})
    key = (path, name, member)
    if key in memo:
        return memo[key]
    memo[key] = {}
    definition = f.defs.get(name, "")
    package = re.search(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)|^[\w$]+ from (\S+)$", definition)
    spec = (package.group(1) or package.group(2)) if package else None
    out: dict[str, str] = {}
    if spec is None and re.match(r"[\w$]+\s*\(", definition):   # const limiter = rateLimit({...})
        callee = re.match(r"([\w$]+)", definition)
        inner = re.search(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)|^[\w$]+ from (\S+)$",
                          f.defs.get(callee.group(1), "")) if callee else None
        if inner and not (inner.group(1) or inner.group(2) or ".").startswith("."):
            spec = inner.group(1) or inner.group(2)
    if spec and not spec.startswith("."):
        package_name = "/".join(spec.split("/")[:2]) if spec.startswith("@") else spec.split("/")[0]
        entry = f"{package_name}#{member}" if member else package_name   # passport#authenticate, not passport.session
        out = {kind: f"{entry.replace('#', '.')} middleware" for kind in javascript_kinds(entry)}
    elif spec:
        target = _resolve(repo, path, spec)
        src = source_of(target) if target else ""
        text_of = _function_text(src, member or name) if src else ""
        if text_of and src.count("\n") < MIDDLEWARE_MODULE_LINES:
            text_of = src    # a small middleware module: its helpers (verifyCallback) are part of what it does
        if text_of:
            line = line_of(src, src.find(_function_text(src, member or name) or text_of))
            out = {kind: f"{how}; defined at {target}:{line}" for kind, how in js_behaviour(text_of).items()}
    else:
        text_of = _function_text(f.src, name)
        if text_of:
            line = line_of(f.src, f.src.find(text_of))
            out = {kind: f"{how}; defined at {path}:{line}" for kind, how in js_behaviour(text_of).items()}
    memo[key] = out
    return out


def _kinds(f: _File, text: str) -> set[str]:
    expanded = text
    name = text.strip()
    if name in f.defs:
        expanded = f"{name} {f.defs[name]}"
    return {kind for kind, rx in KINDS.items() if rx.search(expanded)}


def _body_file(f: _File, handler: str) -> str:
    """The file a handler's body is read from: this one, or the module `obj` of `obj.method` comes from."""
    m = re.fullmatch(r"([\w$]+)\.([\w$]+)", handler.strip())
    return (f.requires.get(m.group(1)) or f.path) if m else f.path


# a query that returns rows; an array's `.find(x => ...)` (a callback, not a filter document) is no query
ROWS_QUERY = re.compile(r"SELECT|\.find\((?!\s*(?:\(|async\b|function\b|[\w$]+\s*=>))|\.findAll\(|\.findMany\(")

# a route's authentication declared optional (`auth.optional`, `optionalAuth`): anonymous callers are served
OPTIONAL_AUTH = re.compile(r"optional", re.I)


def _protect(ep: Endpoint, f: _File, chain: list[tuple[str, str]], handler: str, g: _Global, body: str,
             behaviour=None, ownership=None) -> None:
    found: dict[str, list[str]] = {}
    for text, at in chain:
        known = behaviour(text, at) if behaviour is not None else {}
        for kind, how in known.items():
            found.setdefault(KIND_OF.get(kind, kind), []).append(f"{text.strip()[:50]} at {at} ({how})")
        for kind in _kinds(f, text):
            found.setdefault(kind, []).append(f"{text.strip()[:70]} at {at}")
    if "auth" in found:
        mark(ep, "authenticated", True, found["auth"][0])
        if all(OPTIONAL_AUTH.search(how.split(" at ", 1)[0]) for how in found["auth"]):
            ep.notes.append(f"{OPTIONAL_AUTH_NOTE}: {found['auth'][0]}")
    else:
        mark(ep, "authenticated", False, "no authentication middleware (passport, jwt) on the route, router or app")

    own = OWNERSHIP.search(body)
    role = ROLE.search(body)
    checked = ownership() if ownership is not None and "authz" not in found else None
    if "authz" in found:
        mark(ep, "authorized", True, found["authz"][0])
    elif checked:
        mark(ep, "authorized", True, f"ownership check: {checked} ({where(ep.file, ep.line)})")
    elif own:
        mark(ep, "authorized", True, f"query filtered by {own.group(0)} in the handler ({where(ep.file, ep.line)})")
    elif role:
        mark(ep, "authorized", True, f"role check {role.group(0)} in the handler")
    else:
        mark(ep, "authorized", False, "no role/permission middleware, no query filtered by the caller's identity and "
                                      "no owner comparison that rejects, in the handler or the functions it calls")

    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    elif g.session or COOKIE_READ.search(body):
        ep.csrf_applies = True
        cookie = COOKIE_READ.search(body)
        if "csrf" in found:
            mark(ep, "csrf_protected", True, found["csrf"][0])
        else:
            mark(ep, "csrf_protected", False, f"cookie session ({g.session[0] if g.session else cookie.group(0) if cookie else ''}) "
                                              "without csurf")
    else:
        ep.csrf_applies = False
        why = f"bearer-token authentication ({g.bearer[0]})" if g.bearer else "no cookie session"
        ep.notes.append(f"csrf: not applicable, {why}")

    if "rate" in found:
        mark(ep, "rate_limited", True, found["rate"][0])
    else:
        mark(ep, "rate_limited", False, "no express-rate-limit middleware")

    validated = found.get("validation") or ([f"{m.group(0)} in the handler"] for m in [BODY_VALIDATION.search(body)] if m)
    validated = list(validated)
    reads = REQ_INPUT.search(body)
    if validated:
        mark(ep, "input_validated", True, validated[0] if isinstance(validated[0], str) else validated[0][0])
    elif reads:
        mark(ep, "input_validated", False, f"reads {reads.group(0)} without express-validator/joi/zod")
    else:
        ep.notes.append("input: reads no request data")

    if ep.method == "GET" and not ep.path.rstrip("/").endswith("}") and not SINGLE_ROW.search(body) and (
            ROWS_QUERY.search(body) or LIST_CALL.search(body) or KNEX_ROWS.search(body)
            or LIST_PATH.search(ep.path)):
        ep.paginated = bool(PAGINATION.search(body)) or any("limit" in t for t, _ in chain)
        if ep.paginated:
            ep.protections.setdefault("paginated", []).append("limit/offset query parameters in the handler")
