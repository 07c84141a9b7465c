"""Koa routes: koa-router / @koa/router routers, read without running the code.

- A router is `new Router({ prefix })` (or `Router()`) of `koa-router` / `@koa/router`; `router.prefix('/p')`
  sets its prefix too. Routes: `router.get/post/put/patch/del/delete/all([name,] path, ...middleware, handler)`,
  also chained (`router.get(...).post(...)`).
- Mounts: `app.use(router.routes())`, `parent.use('/api', child.routes())` (koa-router nests the child's routes
  under the parent's prefix and the mount path), `app.use(mount('/api', router.routes()))` (koa-mount). A module
  may export the router, its `routes()` middleware, or an object of them; they are followed through
  `require`/`import` to every mount level, so each endpoint has its full path. An app or router handed to
  another module's exported function (`require('./routes')(app)`) is followed to the caller's.
- Middleware applies in registration order, as in Express: an `app.use(mw)` or `router.use([path,] mw)` before
  the mount or route protects it, a route's own middleware protects it, and `router.param(name, mw)` runs for
  every route of that router with `:name` in its path (a loader that looks the addressed record up with the
  caller's id is an ownership check). Each middleware is classified by the package it comes from
  (rules/protections.yml; koa-jwt with `passthrough: true` rejects no one: optional authentication on a read,
  none on a write) or by what its definition does (auditor/endpoints/protections/javascript.py: `ctx.throw(401)`,
  `ctx.assert(ctx.state.user, 401)`, ...).
- Handlers are resolved to their definitions, also in other modules: `ctrl.comments.post` where `ctrl` is
  `require('../controllers').articles` and the controllers are exported as objects of methods.

A handler's text is read through the Express reader's request vocabulary (`ctx.request.body` as `req.body`,
`ctx.state.user` as `req.user`, ...), so the same rules judge ownership, input reading and pagination.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.budget import budgeted
from auditor.endpoints import express
from auditor.endpoints.common import SAFE_METHODS, join_paths, normalize_path, where
from auditor.endpoints.jsparse import Call, matching_paren, method_calls, split_args, string_literal, strip_comments
from auditor.endpoints.protections.library import javascript_kinds
from auditor.endpoints.protections.ownership_js import ownership_check
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import bracket_depths, line_of

ROUTER_PACKAGES = ("koa-router", "@koa/router", "koa-tree-router")
VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "del": "DELETE", "delete": "DELETE",
         "all": "ANY", "head": "HEAD", "options": "OPTIONS"}
METHODS = frozenset(VERBS) | {"use", "param", "prefix"}
CHAINED_VERB = re.compile(r"\s*\.\s*(get|post|put|patch|del|delete|all|head|options|use|param)\s*\(")
REQUIRE = re.compile(r"^require\(\s*['\"]([^'\"]+)['\"]\s*\)")
KOA_MOUNT = re.compile(r"^([\w$]+)\s*\(\s*(['\"`])([^'\"`]*)\2\s*,([\s\S]+)\)$")
ROUTES_CALL = re.compile(r"^([\s\S]+?)\s*\.\s*(routes|middleware)\s*\(\s*\)$")
FUNCTION_VALUE = re.compile(r"^(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)")
METHOD_ENTRY = re.compile(r"^(?:async\s+)?\*?\s*([\w$]+)\s*\([^()]*\)\s*\{")
PASSTHROUGH = re.compile(r"\bpassthrough\s*:\s*true\b")
OPTIONAL = "authentication optional: a request without a valid token is let through"

# Koa's context in the Express reader's words: the protection rules read `req.body`, `req.user`, ...
KOA_AS_EXPRESS = (
    (re.compile(r"\bctx\.request\.body\b"), "req.body"),
    (re.compile(r"\bctx\.(?:request\.)?query\b"), "req.query"),
    (re.compile(r"\bctx\.params\b"), "req.params"),
    (re.compile(r"\bctx\.state\.user\b"), "req.user"),
    (re.compile(r"\bctx\.cookies\.get\("), "req.cookies.get("),
    (re.compile(r"\bctx\.(?:request\.)?headers?\.cookie\b"), "req.headers.cookie"),
)
# `const { body } = ctx.request`, `const { slug } = ctx.params`: the request read through a destructuring
DESTRUCTURED_INPUT = re.compile(r"\}\s*=\s*ctx\.(request|params|query)\b(?!\.)")
# `const { limit, offset } = ctx.query`, `= await schema.validateAsync(ctx.query)`
DESTRUCTURED_QUERY = re.compile(r"\{([^{}]*)\}\s*=\s*[^;\n]*?\bctx\.(?:request\.)?query\b")
# a schema applied in the handler to what it read: `await schemas.user.validate(user)`, `userSchema.parse(body)`
HANDLER_SCHEMA = re.compile(r"\b[\w$.]*(?:[sS]chema|[vV]alidator)s?(?:\.[\w$]+)*\s*\.\s*"
                            r"(validate|validateAsync|validateSync|parse|safeParse|parseAsync|assert)\s*\(")


# `const { user } = ctx.state` / `const user = ctx.state.user`: the caller, under a local name
CALLER_ALIAS = re.compile(r"(?:const|let|var)\s+(?:\{\s*(user)\s*\}\s*=\s*ctx\.state\b(?!\s*\.)|"
                          r"([\w$]+)\s*=\s*ctx\.state\.user\b(?!\s*\.))")


def as_express(text: str) -> str:
    """The handler's text with Koa's context accesses spelled as Express's request, and a line naming each
    request read that a destructuring hides (`const { body } = ctx.request` reads `req.body`)."""
    original = text
    for m in CALLER_ALIAS.finditer(text):
        name = re.escape(m.group(1) or m.group(2))
        text = re.sub(rf"(?<![\w$.]){name}(?=[!?]*\.(?:id|_id)\b)", "req.user", text)
    for rx, repl in KOA_AS_EXPRESS:
        text = rx.sub(repl, text)
    text, original = original, text   # the reads are found in the Koa spelling, added to the Express one
    extra = []
    for m in DESTRUCTURED_INPUT.finditer(text):
        extra.append(f"req.{'body' if m.group(1) == 'request' else m.group(1)}")
    for m in DESTRUCTURED_QUERY.finditer(text):   # each query parameter read by name
        extra += [f"req.query.{k.group(1)}" for k in (re.match(r"\s*([\w$]+)", p) for p in m.group(1).split(",")) if k]
    schema = HANDLER_SCHEMA.search(text)
    if schema:
        extra.append(f".{schema.group(1)}(req.body")
    return original + ("\n" + "\n".join(extra) if extra else "")


@dataclass
class _Module:
    path: str
    src: str
    apps: set[str] = field(default_factory=set)
    routers: dict[str, str] = field(default_factory=dict)     # name -> prefix given to the constructor
    requires: dict[str, str] = field(default_factory=dict)    # local name -> repo path of a required module
    packages: dict[str, str] = field(default_factory=dict)    # local name -> npm package it is bound to
    defs: dict[str, str] = field(default_factory=dict)        # name -> definition text (the Express reader's view)
    def_at: dict[str, int] = field(default_factory=dict)      # name -> offset of its value
    calls: list[Call] = field(default_factory=list)
    exports: tuple[str, int] | None = None                    # (expression, offset) of module.exports / default
    named_exports: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Value:
    """What an expression stands for: a router, an app, a function (its text), an object literal, a package."""
    kind: str          # router | app | function | object | package | unknown
    file: str = ""
    name: str = ""     # router/app name; package name
    text: str = ""     # function or object text; package call text
    offset: int = 0


@dataclass
class _Edge:
    parent: tuple[str, str]
    child: tuple[str, str]
    prefix: str
    chain: list[tuple[str, str, str]]       # (middleware text, file, where)
    at: list[tuple[str, int]]               # (file, offset) of the use() call and of the calls passing its receiver in


@dataclass
class _Project:
    repo: Repository
    modules: dict[str, _Module]
    handlers: dict[tuple[str, int, str], str] = field(default_factory=dict)   # (file, line, handler) -> text
    endpoints: list[Endpoint] = field(default_factory=list)
    protections: dict = field(default_factory=dict)


def _value_end(src: str, start: int) -> int:
    """End offset of the expression starting at `start`: to the `;` or newline at bracket depth 0, or to the
    bracket that closes one opened before it."""
    for i, ch, depth in bracket_depths(src, start):
        if depth < 0 or depth == 0 and ch == ";":
            return i
        if depth == 0 and ch == "\n" and not _continues(src, start, i):
            return i
    return len(src)


def _continues(src: str, start: int, newline: int) -> bool:
    """Whether the expression goes on past this line end: the line ends in an operator, or the next line starts
    with one (a chained `.get(...)`, a ternary)."""
    j = newline - 1
    while j > start and src[j] in " \t\r":
        j -= 1
    k = newline + 1
    while k < len(src) and src[k] in " \t\r\n":
        k += 1
    return src[k:k + 1] in (".", "?", ":", "+", "&", "|") or src[j] in "=(,>+-*/&|?:"


def _read(repo: Repository, path: str, src: str) -> _Module:
    mod = _Module(path, src)
    for m in re.finditer(r"(?:const|let|var)\s+([\w$]+)\s*=\s*", src):
        name, start = m.group(1), m.end()
        value = src[start:_value_end(src, start)].strip()
        mod.defs[name] = value
        mod.def_at[name] = start
        req = REQUIRE.match(value) or re.match(r"^(?:await\s+)?import\(\s*['\"]([^'\"]+)['\"]\s*\)", value)
        if req:
            spec = req.group(1)
            if spec.startswith("."):
                target = express._resolve(repo, path, spec)
                if target:
                    mod.requires.setdefault(name, target)
            elif value == req.group(0):
                mod.packages[name] = spec
    for m in re.finditer(r"import\s+(?:\*\s+as\s+)?([\w$]+)\s*(?:,\s*\{[^}]*\}\s*)?from\s+['\"]([^'\"]+)['\"]", src):
        _bind(repo, mod, m.group(1), m.group(2), f"{m.group(1)} from {m.group(2)}")
    for m in re.finditer(r"(?:const|let|var)\s+\{([^}]+)\}\s*=\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)", src):
        for part in split_args(m.group(1)):
            member, _, local = part.partition(":")
            local = (local or member).split("=")[0].strip()
            mod.defs.setdefault(local, f"require('{m.group(2)}').{member.strip()}")
            mod.def_at.setdefault(local, m.start())
    for m in re.finditer(r"import\s*\{([^}]+)\}\s*from\s*['\"]([^'\"]+)['\"]", src):
        for part in split_args(m.group(1)):
            member, _, local = part.partition(" as ")
            local = (local or member).strip()
            mod.defs.setdefault(local, f"require('{m.group(2)}').{member.strip()}")
            mod.def_at.setdefault(local, m.start())
    for m in re.finditer(r"(?:export\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)\s*\(", src):
        close = _function_close(src, m.start())
        mod.defs.setdefault(m.group(1), src[m.start():close + 1] if close > 0 else f"function {m.group(1)}")
        mod.def_at.setdefault(m.group(1), m.start())
        if src[m.start():].startswith("export"):
            mod.named_exports[m.group(1)] = (mod.defs[m.group(1)], m.start())
    router_ctors = {n for n, spec in mod.packages.items() if spec in ROUTER_PACKAGES}
    app_ctors = {n for n, spec in mod.packages.items() if spec == "koa"}
    for name, value in mod.defs.items():
        # `new Router({...})`, `Router()`, `new (require('koa-router'))()`, TypeScript's `new Router<State, Context>()`
        ctor = re.match(r"^(?:new\s+)?(\(?\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\)?|[\w$]+)\s*(?:<[^()]*>)?\s*"
                        r"\(([\s\S]*)\)$", value)
        if not ctor:
            continue
        callee, spec = ctor.group(1), ctor.group(2)
        if callee in router_ctors or spec in ROUTER_PACKAGES:
            opts = re.search(r"\bprefix\s*:\s*(['\"`])([^'\"`]*)\1", ctor.group(3))
            mod.routers[name] = opts.group(2) if opts else ""
        elif (callee in app_ctors or spec == "koa") and value.startswith("new"):
            mod.apps.add(name)
    for m in re.finditer(r"(?:module\.)?exports\.([\w$]+)\s*=\s*|export\s+(?:const|let|var)\s+([\w$]+)\s*=\s*", src):
        start = m.end()
        mod.named_exports[m.group(1) or m.group(2)] = (src[start:_value_end(src, start)].strip(), start)
    exp = re.search(r"module\.exports\s*=\s*|export\s+default\s+", src)
    if exp:
        mod.exports = (src[exp.end():_value_end(src, exp.end())].strip(), exp.end())
    mod.calls = _calls(src)
    return mod


def _bind(repo: Repository, mod: _Module, name: str, spec: str, text: str) -> None:
    mod.defs.setdefault(name, text)
    if spec.startswith("."):
        target = express._resolve(repo, mod.path, spec)
        if target:
            mod.requires.setdefault(name, target)
    else:
        mod.packages.setdefault(name, spec)


EXPORT_PARAMS = re.compile(r"^(?:async\s+)?(?:function\s*[\w$]*\s*\(([^()]*)\)|\(([^()]*)\)\s*=>|([\w$]+)\s*=>)")


def _export_params(mod: _Module) -> list[str]:
    """Parameter names of the function a module exports (`module.exports = (app, db) => {...}`), else []."""
    if mod.exports is None:
        return []
    m = EXPORT_PARAMS.match(mod.exports[0])
    if not m:
        return []
    return [p.split("=")[0].strip() for p in split_args(m.group(1) or m.group(2) or m.group(3) or "")]


def _function_close(src: str, start: int) -> int:
    paren = src.find("(", start)
    close_params = matching_paren(src, paren) if paren >= 0 else -1
    brace = src.find("{", close_params) if close_params > 0 else -1
    return matching_paren(src, brace) if brace >= 0 else -1


def _calls(src: str) -> list[Call]:
    """`x.get(...)`, `x.use(...)`, ... and the calls chained after them (`router.get(...).post(...)`), each
    with the receiver of the chain."""
    out = []
    for call in method_calls(src, METHODS):
        out.append(call)
        open_at = src.find("(", call.start + len(call.receiver))
        pos = matching_paren(src, open_at) + 1 if open_at >= 0 else 0
        while pos > 0:
            m = CHAINED_VERB.match(src, pos)
            if not m:
                break
            close = matching_paren(src, m.end() - 1)
            if close < 0:
                break
            out.append(Call(call.receiver, m.group(1), split_args(src[m.end():close]), m.start(1),
                            line_of(src, m.start(1))))
            pos = close + 1
    return out


def _object_entries(text: str, offset: int) -> dict[str, tuple[str, int]]:
    """name -> (entry text, offset) of an object literal's top-level entries (`a`, `a: expr`, `async a() {}`)."""
    inner = text[1:-1] if text.startswith("{") and text.endswith("}") else ""
    out: dict[str, tuple[str, int]] = {}
    pos = 0
    for part in split_args(inner):
        at = inner.find(part, pos)
        pos = at + len(part)
        start = offset + 1 + at
        method = METHOD_ENTRY.match(part)
        keyed = re.match(r"^['\"]?([\w$]+)['\"]?\s*:\s*", part)
        if method and not keyed:
            out[method.group(1)] = (part, start)
        elif keyed:
            out[keyed.group(1)] = (part[keyed.end():], start + keyed.end())
        elif re.fullmatch(r"[\w$]+", part):
            out[part] = (part, start)
    return out


class _Resolver:
    def __init__(self, repo: Repository, modules: dict[str, _Module]):
        self.repo = repo
        self.modules = modules
        self.passed: dict[tuple[str, str], list[tuple[_Module, str, int]]] = {}

    def module(self, path: str) -> _Module | None:
        if path not in self.modules:
            text = self.repo.read_text(path)
            if text is None:
                return None
            self.modules[path] = _read(self.repo, path, strip_comments(text))
        return self.modules[path]

    def exports_of(self, path: str, depth: int) -> _Value:
        mod = self.module(path)
        if mod is None or mod.exports is None:
            if mod is not None and mod.named_exports:
                entries = "{" + ", ".join(mod.named_exports) + "}"
                return _Value("object", path, text=entries, offset=-1)
            return _Value("unknown")
        return self.value(mod, mod.exports[0], depth + 1, mod.exports[1])

    def value(self, mod: _Module, expr: str, depth: int = 0, offset: int = -1) -> _Value:
        expr = expr.strip().rstrip(";").strip()
        if depth > 12 or not expr:
            return _Value("unknown")
        routes = ROUTES_CALL.match(expr)
        if routes:
            inner = self.value(mod, routes.group(1), depth + 1)
            return inner if inner.kind == "router" else _Value("unknown")
        if FUNCTION_VALUE.match(expr):
            return _Value("function", mod.path, text=expr, offset=offset if offset >= 0 else mod.src.find(expr))
        if expr.startswith("{"):
            return _Value("object", mod.path, text=expr, offset=offset if offset >= 0 else mod.src.find(expr))
        req = REQUIRE.match(expr)
        if req:
            rest = expr[req.end():]
            if req.group(1).startswith("."):
                target = express._resolve(self.repo, mod.path, req.group(1))
                base = self.exports_of(target, depth) if target else _Value("unknown")
            else:
                base = _Value("package", name=req.group(1), text=expr)
                return base
            return self.members(base, rest, depth)
        head = re.match(r"^([\w$]+)", expr)
        if not head:
            return _Value("unknown")
        name, rest = head.group(1), expr[head.end():]
        if rest.startswith("("):    # a call: a package's middleware factory, or unknown
            if name in mod.packages or re.match(r"^[\w$]+ from ", mod.defs.get(name, "")):
                return _Value("package", name=mod.packages.get(name, ""), text=expr)
            called = self.value(mod, name, depth + 1)
            if called.kind == "package":
                return _Value("package", name=called.name, text=expr)
            if called.kind == "function":   # a middleware factory (`validate(schema)`): read for what it returns
                return called
            return _Value("unknown", text=expr)
        if not re.fullmatch(r"(?:\s*\.\s*[\w$]+)*", rest):
            return _Value("unknown", text=expr)
        if name in mod.routers and not rest:
            return _Value("router", mod.path, name)
        if name in mod.apps and not rest:
            return _Value("app", mod.path, name)
        if name in mod.requires and not mod.defs.get(name, "").startswith(("require(", "import")):
            return self.members(self.exports_of(mod.requires[name], depth), rest, depth)
        if name in mod.packages:
            return _Value("package", name=mod.packages[name], text=expr)
        if name in mod.defs:
            base = self.value(mod, mod.defs[name], depth + 1, mod.def_at.get(name, -1))
            return self.members(base, rest, depth)
        for caller, arg, _ in self.passed_in(mod, name):
            passed = self.value(caller, arg, depth + 1)
            if passed.kind != "unknown":
                return self.members(passed, rest, depth)
        return _Value("unknown", text=expr)

    def passed_in(self, mod: _Module, name: str) -> list[tuple[_Module, str, int]]:
        """(caller module, argument, call offset) for each call of this module's exported function that passes
        the parameter `name`: `require('./routes')(app)`, `routes(app)` (`module.exports = (app) => {...}`)."""
        params = _export_params(mod)
        if name not in params:
            return []
        index = params.index(name)
        memo = self.passed
        if (mod.path, name) in memo:
            return memo[(mod.path, name)]
        memo[(mod.path, name)] = []   # a module passing its own parameter on to itself ends here
        out = []
        for caller in list(self.modules.values()):
            local = [n for n, target in caller.requires.items() if target == mod.path]
            pattern = r"require\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\(" + "".join(
                rf"|(?<![\w$.]){re.escape(n)}\s*\(" for n in local)
            for m in re.finditer(pattern, caller.src):
                if m.group(1) and express._resolve(self.repo, caller.path, m.group(1)) != mod.path:
                    continue
                close = matching_paren(caller.src, m.end() - 1)
                args = split_args(caller.src[m.end():close]) if close > 0 else []
                if index < len(args):
                    out.append((caller, args[index], m.start()))
        memo[(mod.path, name)] = out
        return out

    def members(self, base: _Value, rest: str, depth: int) -> _Value:
        for member in re.findall(r"[\w$]+", rest):
            if base.kind == "package":
                return _Value("package", name=base.name, text=f"{base.text}.{member}")
            if base.kind != "object":
                return _Value("unknown")
            mod = self.module(base.file)
            if mod is None:
                return _Value("unknown")
            if base.offset < 0:   # a module's named exports
                if member not in mod.named_exports:
                    return _Value("unknown")
                text, at = mod.named_exports[member]
                base = self.value(mod, text, depth + 1, at)
                continue
            entry = _object_entries(base.text, base.offset).get(member)
            if entry is None:
                return _Value("unknown")
            text, at = entry
            if METHOD_ENTRY.match(text) and not text.startswith("{"):
                base = _Value("function", mod.path, text=text, offset=at)
            else:
                base = self.value(mod, text, depth + 1, at)
        return base


def _route_files(repo: Repository) -> dict[str, _Module]:
    modules: dict[str, _Module] = {}
    for path in budgeted(repo.paths()):
        if not express.is_js(path) or "node_modules/" in path:
            continue
        text = repo.read_text(path) or ""
        if not re.search(r"koa|\.use\(|\.routes\(\)|Router|\.(?:get|post|put|patch|del|delete|all)\s*\(\s*['\"`]", text):
            continue
        modules[path] = _read(repo, path, strip_comments(text))
    return modules


def _project(repo: Repository) -> _Project:
    memo = repo.__dict__.get("_auditor_koa_project")
    if memo is None:
        memo = _Project(repo, _route_files(repo))
        repo.__dict__["_auditor_koa_project"] = memo
        memo.endpoints, memo.protections = _extract(memo)
    return memo


def extract(repo: Repository) -> tuple[list[Endpoint], dict]:
    project = _project(repo)
    return list(project.endpoints), dict(project.protections)


def handler_text(repo: Repository, ep: Endpoint) -> str:
    """The route call and the text of the handler it names, resolved through the modules it comes from."""
    project = _project(repo)
    return project.handlers.get((ep.file, ep.line, ep.handler), "")


LOADER_PARAM = re.compile(r"^(?:async\s+)?(?:function\s*[\w$]*\s*|[\w$]+\s*)?\(\s*([\w$]+)")


def _addressed_lookups(loader: str) -> str:
    """The statements of a `router.param(name, loader)` loader that use the parameter value it is given (its
    first parameter) together with the caller's identity: `notes.findOwned(id, ctx.state.user.id)`. A lookup of
    something else for the caller (whether they follow the author) is not a check on the addressed record."""
    param = LOADER_PARAM.match(loader.strip())
    if not param:
        return ""
    statements: list[str] = []
    for line in loader.splitlines():
        if statements and line.strip().startswith((".", "?", ":", ")", "]", "}")) and not line.strip() == "}":
            statements[-1] += "\n" + line
        else:
            statements.append(line)
    uses = re.compile(rf"(?<![\w$.]){re.escape(param.group(1))}\b")
    caller = re.compile(r"\bctx\.state\.user\b|\breq\.user\b")
    return "\n".join(s for s in statements if uses.search(s) and caller.search(as_express(s)))


def _unwrapped(handler: str) -> str:
    """The handler a wrapper is given (`asyncHandler(ctrl.list)` -> `ctrl.list`), else the expression itself."""
    m = re.fullmatch(r"\s*[\w$.]+\s*\(\s*([\w$]+(?:\.[\w$]+)*)\s*\)\s*", handler)
    return m.group(1) if m else handler


def _split_args(call: Call) -> tuple[str | None, list[str]]:
    """(path, arguments after it) of a route call: `get(path, ...)` or the named form `get(name, path, ...)`."""
    if not call.args:
        return None, []
    first = string_literal(call.args[0])
    if len(call.args) >= 3 and first is not None and string_literal(call.args[1]) is not None:
        return string_literal(call.args[1]), call.args[2:]
    return first, call.args[1:]


def _extract(project: _Project) -> tuple[list[Endpoint], dict]:
    resolver = _Resolver(project.repo, project.modules)
    modules = list(project.modules.values())
    # each router and app, with its own prefix (`new Router({prefix})`, `router.prefix('/p')`)
    prefixes: dict[tuple[str, str], str] = {}
    for mod in modules:
        for name, prefix in mod.routers.items():
            prefixes[(mod.path, name)] = prefix
        for call in mod.calls:
            if call.method == "prefix" and call.receiver in mod.routers and call.args:
                prefixes[(mod.path, call.receiver)] = string_literal(call.args[0]) or ""
    owners: dict[tuple[str, str], str] = {}
    edges: list[_Edge] = []
    for mod in modules:
        for call in mod.calls:
            if call.method != "use" or not call.args:
                continue
            parent = resolver.value(mod, call.receiver)
            if parent.kind not in ("router", "app"):
                continue
            key = (parent.file, parent.name)
            owners[key] = parent.kind
            prefix = string_literal(call.args[0])
            rest = call.args[1:] if prefix is not None else call.args
            for i, arg in enumerate(rest):
                mount_path, target = "", arg.strip()
                mounted = KOA_MOUNT.match(target)
                if mounted and resolver.value(mod, mounted.group(1)).name == "koa-mount":
                    mount_path, target = mounted.group(3), mounted.group(4)
                child = resolver.value(mod, target)
                if child.kind != "router":
                    continue
                chain = [(m, mod.path, where(mod.path, call.line)) for m in rest[:i]]
                points = [(mod.path, call.start)] + [(caller.path, offset) for caller, _, offset
                                                      in resolver.passed_in(mod, call.receiver.split(".")[0])]
                edges.append(_Edge(key, (child.file, child.name), join_paths(prefix or "", mount_path), chain,
                                   points))
    app_keys = {(m.path, a) for m in modules for a in m.apps}
    mounts: dict[tuple[str, str], list[tuple[str, list[tuple[str, str, str]]]]] = {}

    def uses_before(node: tuple[str, str], points: list[tuple[str, int]], path: str) -> list[tuple[str, str, str]]:
        """Middleware registered on `node` with use() before each (file, offset) point, in that point's module
        (the app's own module, and one it was passed to), for routes under `path`."""
        out = []
        for file, offset in sorted(points, key=lambda p: p[0] != node[0]):   # the node's own module first
            mod = project.modules.get(file)
            for call in mod.calls if mod else []:
                if call.method != "use" or call.start >= offset or not call.args:
                    continue
                if call.receiver != node[1] or file != node[0]:
                    owner = resolver.value(mod, call.receiver)
                    if (owner.file, owner.name) != node or owner.kind not in ("app", "router"):
                        continue
                prefix = string_literal(call.args[0])
                if prefix is not None and not normalize_path(path).startswith(normalize_path(prefix).rstrip("/")):
                    continue
                for arg in call.args[1:] if prefix is not None else call.args:
                    if resolver.value(mod, arg).kind == "router" or ROUTES_CALL.match(arg.strip()) or \
                            KOA_MOUNT.match(arg.strip()):
                        continue
                    entry = (arg, mod.path, where(mod.path, call.line))
                    if entry not in out:
                        out.append(entry)
        return out

    def visit(node, prefix, chain, depth):
        for edge in edges:
            if edge.parent != node or depth > 8:
                continue
            child_prefix = join_paths(prefix, edge.prefix, prefixes.get(edge.child, ""))
            inherited = chain + uses_before(node, edge.at, edge.prefix or "/") + edge.chain
            mounts.setdefault(edge.child, []).append((child_prefix, inherited))
            visit(edge.child, child_prefix, inherited, depth + 1)
    for app in app_keys:
        visit(app, "", [], 0)
    g = express._Global()
    for mod in modules:
        for m in express.SESSION.finditer(mod.src):
            g.session.append(f"{m.group(0).strip()} at {where(mod.path, line_of(mod.src, m.start()))}")
        for m in express.BEARER.finditer(mod.src):
            g.bearer.append(f"{m.group(0)} at {where(mod.path, line_of(mod.src, m.start()))}")
        if re.search(r"koa-session|\bsession\s*\(\s*(?:\{[^)]*\}\s*,\s*)?app\b", mod.src):
            g.session.append(f"koa-session at {mod.path}")
    endpoints: list[Endpoint] = []
    for mod in modules:
        params: dict[str, list[tuple[str, str, str]]] = {}
        routers = _router_receivers(resolver, mod)
        for call in mod.calls:
            if call.method == "param" and len(call.args) == 2 and call.receiver in routers:
                params.setdefault(call.receiver, []).append((string_literal(call.args[0]) or "", call.args[1],
                                                             where(mod.path, call.line)))
        for call in mod.calls:
            if call.method not in VERBS or call.receiver not in routers:
                continue
            path, rest = _split_args(call)
            if path is None or not rest:
                continue
            key = routers[call.receiver]
            contexts = mounts.get(key) or []
            own_prefix = prefixes.get(key, "")
            for prefix, inherited in contexts or [(own_prefix, [])]:
                # koa-router: a route '/' under a prefix is the prefix itself (`/api/v1/notes`, not `.../notes/`)
                full = normalize_path(prefix if path == "/" and prefix.strip("/") else join_paths(prefix, path))
                ep = Endpoint(VERBS[call.method], full, express._handler_name(rest[-1]), mod.path, call.line, "koa")
                if not contexts:
                    ep.notes.append(f"router {call.receiver!r} is not mounted by any app.use() found: path prefix "
                                    "unknown")
                param_mw = [(fn, mod.path, at) for name, fn, at in params.get(call.receiver, [])
                            if re.search(rf"(?<=/):{re.escape(name)}\b", path)]
                chain = inherited + uses_before(key, [(mod.path, call.start)], path) + param_mw + \
                    [(m, mod.path, where(mod.path, call.line)) for m in rest[:-1]]
                handler = resolver.value(mod, _unwrapped(rest[-1]))
                body = handler.text if handler.kind == "function" else rest[-1]
                # the router.param() loaders run before the handler: when one looks the addressed record up by the
                # parameter it is given and the caller's identity, the route is protected as by the handler itself
                loaders = [_addressed_lookups(v.text) for v in (resolver.value(mod, fn) for fn, _, _ in param_mw)
                           if v.kind == "function"]
                judged = "\n".join([body] + loaders)
                call_text = mod.src[call.start:matching_paren(mod.src, mod.src.find("(", call.start)) + 1]
                project.handlers[(mod.path, call.line, ep.handler)] = call_text + "\n" + body
                body_file = handler.file if handler.kind == "function" else mod.path
                express._protect(ep, mod, [(t, at) for t, _, at in chain], rest[-1], g, as_express(body),
                                 lambda text, at, chain=chain, method=ep.method: _behaviour(project, resolver, chain,
                                                                                            method, text, at),
                                 lambda judged=judged, body_file=body_file: ownership_check(project.repo, body_file,
                                                                                           as_express(judged)))
                sources = ep.protections.get("authenticated", [])
                if sources and all(OPTIONAL in how for how in sources):
                    ep.notes.append(f"{express.OPTIONAL_AUTH_NOTE}: {sources[0]}")
                endpoints.append(ep)
    glob = {"session": g.session[:3], "bearer_auth": g.bearer[:3]}
    return endpoints, {k: v for k, v in glob.items() if v}


def _router_receivers(resolver: _Resolver, mod: _Module) -> dict[str, tuple[str, str]]:
    """receiver name -> (file, name) of the router it is: the module's own routers, and a parameter a router is
    passed in through (`module.exports = (router) => { router.get(...) }`)."""
    out = {name: (mod.path, name) for name in mod.routers}
    for param in _export_params(mod):
        if param not in out and any(c.receiver == param and c.method in VERBS for c in mod.calls):
            value = resolver.value(mod, param)
            if value.kind == "router":
                out[param] = (value.file, value.name)
    return out


def _behaviour(project: _Project, resolver: _Resolver, chain, method: str, text: str, at: str) -> dict[str, str]:
    """kind -> how, for one middleware of a route's chain: by the package it comes from, or by what its
    definition does."""
    file = next((f for t, f, a in chain if t == text and a == at), at.rsplit(":", 1)[0])
    mod = project.modules.get(file) or resolver.module(file)
    if mod is None:
        return {}
    value = resolver.value(mod, text)
    if value.kind == "package":
        package = value.name
        package = "/".join(package.split("/")[:2]) if package.startswith("@") else package.split("/")[0]
        member = re.match(r"[\w$]+\s*\.\s*([\w$]+)\s*\(", value.text)   # passport.authenticate('jwt')
        kinds = javascript_kinds(f"{package}#{member.group(1)}") if member else []
        kinds = kinds or javascript_kinds(package)
        if "authentication" in kinds and PASSTHROUGH.search(value.text):
            # koa-jwt({ passthrough: true }) identifies the caller when a token comes and lets anyone else
            # through: a read's authentication is optional (anonymous readers by design), a write is unprotected
            if method not in SAFE_METHODS:
                return {}
            return {"authentication": f"{package} middleware with passthrough: true ({OPTIONAL})"}
        return {kind: f"{package} middleware" for kind in kinds}
    if value.kind == "function":
        from auditor.endpoints.protections.javascript import js_behaviour
        defined = resolver.module(value.file)
        line = line_of(defined.src, value.offset) if defined is not None and value.offset >= 0 else 0
        return {kind: f"{how}; defined at {where(value.file, line)}" for kind, how in js_behaviour(value.text).items()}
    return {}
