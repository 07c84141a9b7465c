"""Go routes with their full paths and the middleware that wraps each one.

Routers read: net/http (`mux.HandleFunc("/p", h)`, Go 1.22 `"GET /p"` patterns), gin, echo, chi
(`r.Route`, `r.Group`, `r.With`, `r.Mount`), gorilla/mux (`.Methods(...)`, `PathPrefix(...).Subrouter()`),
ozzo-routing (`r.To("GET,HEAD", ...)`) and julienschmidt/httprouter. Each function body is walked statement by
statement (auditor.endpoints.goread): a router comes from a constructor (`gin.Default()`, `chi.NewRouter()`,
...), a group of another router, or a parameter whose type is a router. A function that registers routes on a
router parameter is followed from every call that passes it a router, so `users.Register(v1.Group("/users"))`
gives its routes the `/api/users` prefix and the middleware `v1` carried at that point (`Use` applies to the
routes registered after it, as gin, echo groups, chi and ozzo-routing do). Handlers wrapped in middleware
calls (`mw.Logging(mw.AuthCheck(h))`) have those wrappers in their chain.

Each middleware is classified by what its definition does (auth.auth_kinds in `goprotect`), so the protection
fields are True/False rather than unknown; see `auditor.endpoints.goprotect`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.endpoints.common import join_paths, normalize_path
from auditor.endpoints.goread import GoFunc, GoIndex, parameters, read_go, statements
from auditor.endpoints.jsparse import matching_paren, split_args, string_literal
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

# import path -> router kind
ROUTER_PACKAGES = {
    "github.com/gin-gonic/gin": "gin",
    "github.com/labstack/echo": "echo",
    "github.com/go-chi/chi": "chi",
    "github.com/gorilla/mux": "gorilla-mux",
    "github.com/go-ozzo/ozzo-routing": "ozzo-routing",
    "github.com/julienschmidt/httprouter": "httprouter",
    "net/http": "go-nethttp",
}
CONSTRUCTORS = {"Default", "New", "NewRouter", "NewMux", "NewServeMux"}
ROUTER_TYPES = re.compile(r"^\*?\s*(\w+)\.(RouterGroup|Engine|IRouter|IRoutes|Echo|Group|Router|Mux|RouteGroup|ServeMux)$")
VERBS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE"}
GROUPING = {"Group", "PathPrefix", "Subrouter", "With", "Route", "Mount", "Use", "Prefix"}
MAX_DEPTH = 6


@dataclass
class Middleware:
    text: str          # the expression as written: `users.AuthMiddleware(true)`, `authHandler`
    file: str
    line: int
    func: GoFunc | None  # the function the expression appears in (to resolve its parameters)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Router:
    kind: str
    prefix: str = ""
    chain: list[Middleware] = field(default_factory=list)
    root: tuple = ()        # ("param", func, index) when the router is a parameter of the function

    def child(self, prefix: str = "", extra: list[Middleware] | None = None) -> "Router":
        return Router(self.kind, join_paths(self.prefix, prefix) if prefix else self.prefix,
                      list(self.chain) + (extra or []), self.root)


@dataclass
class Route:
    method: str
    path: str
    handler: str
    handler_text: str       # the handler expression as written
    file: str
    line: int
    kind: str
    chain: list[Middleware]
    root: tuple
    func: GoFunc
    router: Router | None = None
    later: list[Middleware] = field(default_factory=list)   # middleware its group adds after it is registered


@dataclass
class Edge:
    """A call that passes a router to a function: `users.Register(v1.Group("/users"))`."""
    callee: str
    qualifier: str
    index: int
    router: Router
    file: str
    caller: GoFunc
    args: list[str]


@dataclass
class GoRoutes:
    routes: list[Route] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    index: GoIndex = field(default_factory=GoIndex)


def extract(repo: Repository) -> tuple[list[Endpoint], dict]:
    from auditor.endpoints.goprotect import protect
    found = read_routes(repo)
    endpoints: list[Endpoint] = []
    for route, prefix, chain in resolve(found):
        path = normalize_path(join_paths(prefix, route.path))
        ep = Endpoint(route.method, path, route.handler, route.file, route.line, route.kind)
        protect(ep, route, chain, found)
        endpoints.append(ep)
    return endpoints, {}


def go_sources(repo: Repository) -> list[str]:
    return [p for p in repo.paths(language="go")
            if not p.endswith("_test.go") and not re.search(r"(^|/)(vendor|testdata|mocks?)/", p)]


def go_index(repo: Repository) -> GoIndex:
    """The repository's Go index, built once per scanned repository."""
    index = repo.__dict__.get("_auditor_go_index")
    if index is None:
        index = read_go(repo, go_sources(repo))
        repo.__dict__["_auditor_go_index"] = index
    return index


def route_index(repo: Repository) -> tuple[GoIndex, set[str]]:
    """The Go index plus the generated server files that declare routes (oapi-codegen), which `go_index` leaves
    out with the rest of the generated code; and the set of those generated paths."""
    from auditor.endpoints.go_openapi import generated_server_files, parse_generated
    index = go_index(repo)
    generated = parse_generated(repo, generated_server_files(repo))
    if not generated:
        return index, set()
    combined = GoIndex(dict(index.files), {k: list(v) for k, v in index.by_name.items()}, index.structs)
    for path, gf in generated.items():
        combined.files[path] = gf
        for fn in gf.functions:
            combined.by_name.setdefault(fn.name, []).append(fn)
    return combined, set(generated)


def read_routes(repo: Repository) -> GoRoutes:
    index, generated = route_index(repo)
    out = GoRoutes(index=index)
    for gf in index.files.values():
        if gf.path in generated:
            continue
        kinds = {alias: kind for alias, path in gf.imports.items() for pkg, kind in ROUTER_PACKAGES.items()
                 if path == pkg or path.startswith(pkg + "/v") or path == pkg + "/v5"}
        if not kinds:
            continue
        for fn in gf.functions:
            env: dict[str, Router] = {}
            for i, (name, typ) in enumerate(fn.params):
                m = ROUTER_TYPES.match(typ.replace(" ", ""))
                if name and m and m.group(1) in kinds:
                    env[name] = Router(kinds[m.group(1)], root=("param", fn, i))
            _walk(fn.body, fn.body_start + 1, fn, env, kinds, out)
    if generated:
        _openapi_routes(repo, generated, out)
    return out


def _openapi_routes(repo: Repository, generated: set[str], out: GoRoutes) -> None:
    """Each operation of a generated OpenAPI server is a route of the registration function that registers
    the routes itself; the other registration functions the repository calls forward their router to it."""
    from auditor.endpoints.go_openapi import forwarding_calls, implementation, inner_registration, read_server
    own_source = "\n".join(gf.src for path, gf in out.index.files.items() if path not in generated)
    for path in sorted(generated):
        server = read_server(repo, path, out.index.files[path])
        if server is None or not server.operations:
            continue
        inner = inner_registration(server)
        if inner is None:
            continue
        fn, index = inner
        for outer, outer_index, callee, j, args in forwarding_calls(server):
            if re.search(rf"(?<![\w]){outer.name}\s*\(", own_source):   # only what the repository calls
                out.edges.append(Edge(callee.name, "", j, Router(server.kind, root=("param", outer, outer_index)),
                                      path, outer, args))
        methods = implementation(out.index, server)
        for op in server.operations:
            impl = methods.get(op.name)
            handler = f"{impl.receiver}.{op.name}" if impl else op.name
            file, line = (impl.file, impl.line) if impl else (path, op.line)
            out.routes.append(Route(op.method, op.path, handler, handler, file, line, server.kind, [],
                                    ("param", fn, index), fn))


def _walk(body: str, base: int, fn: GoFunc, env: dict[str, Router], kinds: dict[str, str], out: GoRoutes) -> None:
    values: dict[str, str] = {}
    for offset, stmt in statements(body):
        at = base + offset
        if stmt.startswith("return "):   # `return ports.HandlerFromMux(si, router)` passes a router too
            at, stmt = at + 7, stmt[7:].lstrip()
        assign = re.match(r"(?:var\s+)?(\w+)(?:\s*,\s*\w+)*\s*(?::=|=)\s*(.+)$", stmt, re.S)
        if assign and not stmt.startswith(("if ", "for ", "switch ")):
            router = _router_of(assign.group(2), env, kinds, fn, at)
            if router is not None:
                env[assign.group(1)] = router
            else:
                values[assign.group(1)] = assign.group(2)
                _statement(assign.group(2), at + stmt.find(assign.group(2)), fn, env, kinds, out)
            continue
        _statement(stmt, at, fn, env, kinds, out)


def _chain(expr: str) -> tuple[str, list[tuple[str, list[str] | None, int]]] | None:
    """`r.With(a).Get("/x", h)` -> ("r", [("With", ["a"], off), ("Get", ['"/x"', "h"], off)]);
    `F(x)` -> ("F", [("", ["x"], off)])."""
    m = re.match(r"\s*([A-Za-z_]\w*)", expr)
    if not m:
        return None
    head = m.group(1)
    pos = m.end()
    parts: list[tuple[str, list[str] | None, int]] = []
    if expr[pos:pos + 1] == "(":
        close = matching_paren(expr, pos)
        if close < 0:
            return None
        parts.append(("", split_args(expr[pos + 1:close]), pos))
        pos = close + 1
    while True:
        m = re.compile(r"\s*\.\s*([A-Za-z_]\w*)").match(expr, pos)
        if not m:
            break
        name, pos = m.group(1), m.end()
        if expr[pos:pos + 1] == "(":
            close = matching_paren(expr, pos)
            if close < 0:
                return None
            parts.append((name, split_args(expr[pos + 1:close]), m.start(1)))
            pos = close + 1
        else:
            parts.append((name, None, m.start(1)))
    return head, parts


def _router_of(expr: str, env: dict[str, Router], kinds: dict[str, str], fn: GoFunc, at: int) -> Router | None:
    """The router an expression evaluates to, or None."""
    options = re.fullmatch(r"&?[\w.]*\{(.*)\}", expr.strip(), re.S)
    if options:
        return _options_router(options.group(1), env)
    parsed = _chain(expr.strip().lstrip("&"))
    if parsed is None:
        return None
    head, parts = parsed
    router = env.get(head)
    rest = parts
    if router is None:
        if head in kinds and parts and parts[0][0] in CONSTRUCTORS and parts[0][1] == []:
            router = Router(kinds[head], root=("made", fn, -1))   # a mount of the function's result may prefix it
            rest = parts[1:]
        else:
            return None
    for name, args, off in rest:
        if args is None:
            return None
        if name == "Group" and args and string_literal(args[0]) is not None:
            router = router.child(string_literal(args[0]) or "", _mws(args[1:], fn, at + off))
        elif name == "Group" and not args:
            router = router.child()
        elif name == "PathPrefix" and args and string_literal(args[0]) is not None:
            router = router.child(string_literal(args[0]) or "")
        elif name in ("Subrouter", "Prefix") and not args:
            continue
        elif name == "With":
            router = router.child("", _mws(args, fn, at + off))
        else:
            return None
    return router


def _options_router(fields: str, env: dict[str, Router]) -> Router | None:
    """A generated server's options literal, `ChiServerOptions{BaseRouter: r, BaseURL: "/v1"}`: router r, under
    the base URL when it is a literal."""
    base = re.search(r"\bBaseRouter\s*:\s*(\w+)", fields)
    router = env.get(base.group(1)) if base else None
    if router is None:
        return None
    url = re.search(r"\bBaseURL\s*:\s*(\"[^\"]*\")", fields)
    return router.child(string_literal(url.group(1)) or "") if url else router


def _mws(args: list[str], fn: GoFunc, at: int) -> list[Middleware]:
    line = line_of(fn.source.src, at)
    return [Middleware(a.strip(), fn.file, line, fn) for a in args if a.strip()]


def _statement(stmt: str, at: int, fn: GoFunc, env: dict[str, Router], kinds: dict[str, str], out: GoRoutes) -> None:
    parsed = _chain(stmt)
    if parsed is None:
        return
    head, parts = parsed
    if not parts:
        return
    router = env.get(head)
    if router is None and head in kinds and kinds[head] == "go-nethttp" and parts[0][0] in ("HandleFunc", "Handle"):
        router = env.setdefault(f"{head}.DefaultServeMux", Router("go-nethttp"))
    if router is None:
        _calls(stmt, at, fn, env, kinds, out)
        return
    for i, (name, args, off) in enumerate(parts):
        if args is None:
            return
        if name == "Use":
            added = _mws(args, fn, at + off)
            for earlier in out.routes:
                if earlier.router is router:
                    earlier.later.extend(added)
            router.chain.extend(added)
            return
        if name in ("Route", "Group") and args and re.match(r"func\s*\(\s*(\w+)", args[-1]):
            sub = router.child(string_literal(args[0]) or "" if name == "Route" and string_literal(args[0]) else "")
            _closure(args[-1], stmt, at, fn, sub, env, kinds, out)
            return
        if name == "Mount" and len(args) == 2:
            inner = _router_of(args[1], env, kinds, fn, at + off)
            if inner is None:
                mounted = router.child(string_literal(args[0]) or "")
                _mounted_call(args[1], mounted, at + off, fn, out)
                _mounted_router_arguments(args[1], mounted, at + off, fn, env, kinds, out)
            return
        if _route(name, args, parts[i + 1:], router, at + off, fn, out):
            return
        nxt = _router_of(f"x.{name}({', '.join(args)})", {"x": router}, kinds, fn, at + off)
        if nxt is None:
            return
        router = nxt


def _closure(literal: str, stmt: str, at: int, fn: GoFunc, router: Router, env: dict[str, Router],
             kinds: dict[str, str], out: GoRoutes) -> None:
    m = re.match(r"func\s*\(\s*(\w+)", literal)
    open_at = literal.find("{")
    close = closing_bracket(literal, open_at, skip_strings=True) if open_at >= 0 else None
    if not m or close is None:
        return
    base = at + stmt.find(literal) + open_at + 1
    _walk(literal[open_at + 1:close], base, fn, {**env, m.group(1): router}, kinds, out)


def _mounted_call(expr: str, router: Router, at: int, fn: GoFunc, out: GoRoutes) -> None:
    """chi `r.Mount("/admin", adminRouter())`: the routes the called function builds and returns."""
    parsed = _chain(expr)
    if parsed is None:
        return
    head, parts = parsed
    name, qualifier = (head, "") if parts and parts[0][0] == "" else (parts[0][0] if parts else "", head)
    out.edges.append(Edge(name, qualifier, -1, router, fn.file, fn, []))


def _mounted_router_arguments(expr: str, mounted: Router, at: int, fn: GoFunc, env: dict[str, Router],
                              kinds: dict[str, str], out: GoRoutes) -> None:
    """chi `root.Mount("/api", createHandler(apiRouter))`: the function called with a router registers its routes
    on that router, which is served under the mount's prefix and behind both routers' middleware."""
    for m in re.finditer(r"(?<![\w.])(?:(\w+)\s*\.\s*)?([A-Za-z_]\w*)\s*\(", expr):
        close = matching_paren(expr, m.end() - 1)
        if close < 0:
            continue
        args = split_args(expr[m.end():close])
        for i, a in enumerate(args):
            inner = _router_of(a, env, kinds, fn, at)
            if inner is not None:
                router = Router(inner.kind, join_paths(mounted.prefix, inner.prefix) if inner.prefix else mounted.prefix,
                                mounted.chain + inner.chain, mounted.root)
                out.edges.append(Edge(m.group(2), m.group(1) or "", i, router, fn.file, fn, args))


def _calls(stmt: str, at: int, fn: GoFunc, env: dict[str, Router], kinds: dict[str, str], out: GoRoutes) -> None:
    """Calls in a statement that pass a router: an edge to the callee for each router argument. A callee that adds
    middleware to that router parameter (`setMiddlewares(r)` doing `r.Use(...)`) adds it to the router from here
    on. A function literal argument whose parameter is a router (`RunHTTPServer(func(r chi.Router) ...)`) is
    walked with that parameter as a router the callee provides."""
    for m in re.finditer(r"(?<![\w.])(?:(\w+)\s*\.\s*)?([A-Za-z_]\w*)\s*\(", stmt):
        close = matching_paren(stmt, m.end() - 1)
        if close < 0:
            continue
        args = split_args(stmt[m.end():close])
        for i, a in enumerate(args):
            if a.startswith("func"):
                _literal_argument(a, stmt.find(a, m.end()), stmt, at, fn, m.group(2), m.group(1) or "", i, env, kinds, out)
                continue
            router = _router_of(a, env, kinds, fn, at + m.start())
            if router is not None:
                out.edges.append(Edge(m.group(2), m.group(1) or "", i, router, fn.file, fn, args))
                added = param_uses(out, m.group(2), m.group(1) or "", fn.file, i)
                if added and env.get(a.strip()) is router:
                    for earlier in out.routes:
                        if earlier.router is router:
                            earlier.later.extend(added)
                    router.chain.extend(added)


def _literal_argument(literal: str, pos: int, stmt: str, at: int, fn: GoFunc, callee: str, qualifier: str,
                      index: int, env: dict[str, Router], kinds: dict[str, str], out: GoRoutes) -> None:
    sig = re.match(r"func\s*\(", literal)
    if not sig or pos < 0:
        return
    close = matching_paren(literal, sig.end() - 1)
    if close < 0:
        return
    inner_env = dict(env)
    for j, (name, typ) in enumerate(parameters(literal[sig.end():close])):
        t = ROUTER_TYPES.match(typ.replace(" ", ""))
        if name and t and t.group(1) in kinds:
            inner_env[name] = Router(kinds[t.group(1)], root=("literal", fn, callee, qualifier, index, j))
    if len(inner_env) == len(env):
        return
    open_at = literal.find("{", close)
    end = closing_bracket(literal, open_at, skip_strings=True) if open_at >= 0 else None
    if end is None:
        return
    _walk(literal[open_at + 1:end], at + pos + open_at + 1, fn, inner_env, kinds, out)


def param_uses(found: GoRoutes, callee: str, qualifier: str, file: str, index: int, depth: int = 0) -> list[Middleware]:
    """The middleware a function adds with `Use` to its router parameter `index`, directly or through the
    functions it passes that parameter to, in the order written."""
    memo = found.__dict__.setdefault("_param_uses", {})
    key = (callee, qualifier, file, index)
    if key in memo:
        return memo[key]
    memo[key] = []
    out: list[Middleware] = []
    for g in found.index.functions_named(callee, qualifier, file)[:2]:
        if index >= len(g.params) or not g.params[index][0] or depth > 3:
            continue
        name = g.params[index][0]
        body = g.body
        for m in re.finditer(rf"(?<![\w.])(?:({name})\s*\.\s*Use|(?:(\w+)\s*\.\s*)?([A-Za-z_]\w*))\s*\(", body):
            close = matching_paren(body, m.end() - 1)
            if close < 0:
                continue
            args = split_args(body[m.end():close])
            if m.group(1):
                out += [Middleware(a, g.file, line_of(g.source.src, g.body_start + 1 + m.start()), g) for a in args if a]
                continue
            for i, a in enumerate(args):
                if a == name:
                    out += param_uses(found, m.group(3), m.group(2) or "", g.file, i, depth + 1)
        break
    memo[key] = out
    return out


def _route(name: str, args: list[str], tail: list, router: Router, at: int, fn: GoFunc, out: GoRoutes) -> bool:
    kind = router.kind
    methods: list[str]
    if name.upper() in VERBS and (name.isupper() or kind in ("chi", "ozzo-routing")) and len(args) >= 2:
        methods, path_arg, rest = [name.upper()], args[0], args[1:]
    elif name == "Any" and len(args) >= 2:
        methods, path_arg, rest = ["ANY"], args[0], args[1:]
    elif name == "To" and len(args) >= 3:            # ozzo-routing: To("GET,HEAD", "/p", h)
        methods = [m.strip().upper() for m in (string_literal(args[0]) or "ANY").split(",")]
        path_arg, rest = args[1], args[2:]
    elif name in ("Handle", "HandlerFunc", "Handler", "Method", "MethodFunc", "Add") and len(args) >= 3 \
            and string_literal(args[0]) is not None and string_literal(args[1]) is not None:
        methods, path_arg, rest = [(string_literal(args[0]) or "ANY").upper()], args[1], args[2:]
    elif name in ("HandleFunc", "Handle") and len(args) >= 2:
        methods, path_arg, rest = ["ANY"], args[0], args[1:]
        for tname, targs, _ in tail:
            if tname == "Methods" and targs:
                methods = [(string_literal(a) or "ANY").upper() for a in targs]
    else:
        return False
    path = string_literal(path_arg)
    if path is None:
        return True
    pattern = re.match(r"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(.*)$", path)
    if pattern:
        methods, path = [pattern.group(1)], pattern.group(2)
        if not path.startswith("/"):
            path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    if kind == "echo":
        handler_arg, extra = rest[0], rest[1:]
    else:
        handler_arg, extra = rest[-1], rest[:-1]
    wrappers, handler = unwrap(handler_arg, lambda name: "." in name or name in out.index.by_name)
    chain = router.chain + _mws(extra, fn, at) + _mws(wrappers, fn, at)
    line = line_of(fn.source.src, at)
    for method in methods:
        out.routes.append(Route(method, join_paths(router.prefix, path) if router.prefix else path, handler, handler_arg, fn.file, line, kind, chain, router.root, fn, router))
    return True


def unwrap(expr: str, is_function=lambda name: True) -> tuple[list[str], str]:
    """`mw.Logging(mw.AuthCheck(h))` -> (["mw.Logging", "mw.AuthCheck"], "h"); a handler factory with several
    arguments (`login(service, logger)`) or whose argument is not a function (`healthcheck(version)`) is the
    handler itself; `http.HandlerFunc(h)` is a conversion."""
    wrappers: list[str] = []
    e = expr.strip()
    while True:
        m = re.match(r"([\w.]+)\s*\(", e)
        if not m or e.startswith("func"):
            break
        close = matching_paren(e, m.end() - 1)
        if close != len(e) - 1:
            break
        args = split_args(e[m.end():close])
        inner = re.match(r"[\w.]+", args[0]) if len(args) == 1 else None
        if len(args) != 1 or not (args[0].startswith("func") or inner and is_function(inner.group(0))):
            break
        if m.group(1) not in ("http.HandlerFunc", "http.Handler"):
            wrappers.append(m.group(1))
        e = args[0].strip()
    if e.startswith("func"):
        return wrappers, "<func literal>"
    m = re.match(r"[\w.]+", e)
    return wrappers, (m.group(0) if m else "<expression>")


def resolve(found: GoRoutes) -> list[tuple[Route, str, list[Middleware]]]:
    """Each route with its full prefix and middleware chain, composed through the calls that pass it a router.
    A function whose router parameter no call reaches keeps its routes with the prefix seen locally."""
    out = []
    for route in found.routes:
        for prefix, chain in _contexts(found, route.root, 0, set()):
            out.append((route, prefix, chain + route.chain))
    return out


def _contexts(found: GoRoutes, root: tuple, depth: int, seen: set) -> list[tuple[str, list[Middleware]]]:
    if not root or depth > MAX_DEPTH:
        return [("", [])]
    if root[0] == "literal":
        return _literal_contexts(found, root, depth, seen)
    _, fn, index = root
    key = (fn.file, fn.start, index)
    if key in seen:
        return [("", [])]
    callers = [e for e in found.edges if e.index == index and _calls_function(found, e, fn)]
    if not callers:
        return [("", [])]
    out = []
    for edge in callers:
        for prefix, chain in _contexts(found, edge.router.root, depth + 1, seen | {key}):
            out.append((join_paths(prefix, edge.router.prefix) if edge.router.prefix else prefix,
                        chain + edge.router.chain))
    return out or [("", [])]


def _literal_contexts(found: GoRoutes, root: tuple, depth: int, seen: set) -> list[tuple[str, list[Middleware]]]:
    """A function literal's router parameter: the router the callee passes when it calls that function parameter
    (`createHandler(apiRouter)`), followed through the functions the callee forwards it to."""
    _, fn, callee, qualifier, index, j = root
    key = ("literal", fn.file, fn.start, callee, index)
    if key in seen or depth > MAX_DEPTH:
        return [("", [])]
    out: list[tuple[str, list[Middleware]]] = []
    for g in found.index.functions_named(callee, qualifier, fn.file)[:2]:
        if index >= len(g.params) or not g.params[index][0]:
            continue
        name = g.params[index][0]
        for edge in found.edges:
            if edge.caller is g and edge.callee == name and not edge.qualifier and edge.index == j:
                for prefix, chain in _contexts(found, edge.router.root, depth + 1, seen | {key}):
                    out.append((join_paths(prefix, edge.router.prefix) if edge.router.prefix else prefix,
                                chain + edge.router.chain))
        for m in re.finditer(r"(?<![\w.])(?:(\w+)\s*\.\s*)?([A-Za-z_]\w*)\s*\(", g.body):
            close = matching_paren(g.body, m.end() - 1)
            args = split_args(g.body[m.end():close]) if close > 0 else []
            for k, a in enumerate(args):
                if a == name:
                    out += [c for c in _literal_contexts(found, ("literal", g, m.group(2), m.group(1) or "", k, j),
                                                         depth + 1, seen | {key}) if c != ("", [])]
    return out or [("", [])]


def _calls_function(found: GoRoutes, edge: Edge, fn: GoFunc) -> bool:
    if edge.callee != fn.name:
        return False
    return fn in found.index.functions_named(edge.callee, edge.qualifier, edge.file) or (
        bool(fn.receiver) and edge.qualifier != "")


def caller_argument(found: GoRoutes, mw: Middleware, depth: int = 0) -> list[Middleware]:
    """A middleware written as a parameter name (`r.Use(authHandler)`) resolved to the arguments the callers
    pass (`auth.Handler(cfg.JWTSigningKey)`), through local assignments (`authHandler := ...`)."""
    fn = mw.func
    name = mw.text.strip()
    if fn is None or not re.fullmatch(r"\w+", name) or depth > 3:
        return [mw]
    index = fn.param_index(name)
    if index is None:
        assigned = re.search(rf"(?m)^\s*{re.escape(name)}\s*:?=\s*(.+)$", fn.body)
        if assigned:
            return [Middleware(assigned.group(1).strip(), mw.file, mw.line, fn)]
        return [mw]
    out = []
    for edge in found.edges:
        if edge.callee == fn.name and len(edge.args) > index and _calls_function(found, edge, fn):
            out += caller_argument(found, Middleware(edge.args[index], edge.file, line_of(edge.caller.source.src, edge.caller.start), edge.caller), depth + 1)
    return out or [mw]
