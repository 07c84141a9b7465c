"""Routes of Go servers generated from an OpenAPI document (oapi-codegen).

oapi-codegen writes a `ServerInterface` whose methods are the operations, each under a `// (GET /path)`
comment, and registration functions that take an implementation of it and a router: `HandlerFromMux(si,
r chi.Router)`, `HandlerWithOptions(si, ChiServerOptions{BaseRouter: r})`, echo and gin `RegisterHandlers(router,
si)`, gorilla and net/http `HandlerFromMux`. The file says "Code generated ... DO NOT EDIT", so it is left out
of the code-quality items (`Repository.generated`), but its route table is the service's route table: each
operation is a route, handled by the repository's own type that implements the interface.

The route is rooted at the registration function that registers the routes itself (the one that calls no other
registration function); the other registration functions the repository calls pass it their router. So the
prefix and the middleware of the router the application hands to `HandlerFromMux` (chi `r.Use`, an auth
middleware, a `Mount("/api", ...)`) reach every operation through the ordinary route composition of
`auditor.endpoints.go`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.endpoints.goread import GoFile, GoFunc, GoIndex, parse_file
from auditor.endpoints.jsparse import matching_paren, split_args
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

SERVER_INTERFACE = re.compile(r"^type\s+ServerInterface\s+interface\s*\{", re.M)
OPERATION = re.compile(r"^[ \t]*//\s*\((GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\s+([^)\s]+)\)\s*\n"
                       r"(?:[ \t]*//[^\n]*\n)*[ \t]*([A-Z]\w*)\s*\(", re.M)
# a generated file that only declares types or a client has no ServerInterface; these mark the server part
SERVER_PACKAGES = {
    "github.com/go-chi/chi": "chi",
    "github.com/labstack/echo": "echo",
    "github.com/gin-gonic/gin": "gin",
    "github.com/gorilla/mux": "gorilla-mux",
}


@dataclass
class Operation:
    method: str
    path: str
    name: str       # the ServerInterface method
    line: int       # its line in the generated file


@dataclass
class GeneratedServer:
    file: GoFile
    kind: str
    operations: list[Operation]
    registrations: list[tuple[GoFunc, int]]   # (function taking a ServerInterface, index of its router argument)


def generated_server_files(repo: Repository) -> list[str]:
    """Generated Go files that declare an oapi-codegen ServerInterface."""
    out = []
    for f in repo.generated:
        if f.language != "go" or f.path.endswith("_test.go"):
            continue
        text = repo.read_text(f.path)
        if text and SERVER_INTERFACE.search(text):
            out.append(f.path)
    return out


def read_server(repo: Repository, path: str, gf: GoFile) -> GeneratedServer | None:
    text = repo.read_text(path) or ""
    m = SERVER_INTERFACE.search(text)
    if not m:
        return None
    close = closing_bracket(text, m.end() - 1, skip_strings=True)
    if close is None:
        return None
    block = text[m.end():close]
    operations = [Operation(o.group(1), o.group(2), o.group(3), line_of(text, m.end() + o.start(3)))
                  for o in OPERATION.finditer(block)]
    kind = "go-nethttp"
    for pkg_path in gf.imports.values():
        for pkg, k in SERVER_PACKAGES.items():
            if pkg_path == pkg or pkg_path.startswith(pkg + "/"):
                kind = k
    registrations = []
    for fn in gf.functions:
        types = [t.replace(" ", "") for _, t in fn.params]
        if fn.receiver or "ServerInterface" not in types:
            continue
        router = [i for i, t in enumerate(types) if t not in ("ServerInterface", "string")]
        if router:
            registrations.append((fn, router[0]))
    return GeneratedServer(gf, kind, operations, registrations)


def inner_registration(server: GeneratedServer) -> tuple[GoFunc, int] | None:
    """The registration function that registers the routes itself: it calls no other registration function."""
    names = {fn.name for fn, _ in server.registrations}
    for fn, index in server.registrations:
        if not any(re.search(rf"(?<![\w.]){name}\s*\(", fn.body) for name in names if name != fn.name):
            return fn, index
    return None


def forwarding_calls(server: GeneratedServer) -> list[tuple[GoFunc, int, GoFunc, int, list[str]]]:
    """(outer, its router index, callee, the callee's argument index, the call's arguments) for each registration
    function that passes its router (directly or as `Options{BaseRouter: r}`) to another one."""
    by_name = {fn.name: (fn, i) for fn, i in server.registrations}
    out = []
    for fn, index in server.registrations:
        router_name = fn.params[index][0]
        for m in re.finditer(r"(?<![\w.])([A-Z]\w*)\s*\(", fn.body):
            if m.group(1) not in by_name or m.group(1) == fn.name:
                continue
            close = matching_paren(fn.body, m.end() - 1)
            if close < 0:
                continue
            args = split_args(fn.body[m.end():close])
            for j, arg in enumerate(args):
                if re.fullmatch(rf"{router_name}|[\w.]*\{{[^}}]*\bBaseRouter\s*:\s*{router_name}\b[^}}]*\}}", arg.strip(), re.S):
                    out.append((fn, index, by_name[m.group(1)][0], j, args))
    return out


def implementation(index: GoIndex, server: GeneratedServer) -> dict[str, GoFunc]:
    """Operation name -> the repository's method implementing it: the receiver type that defines the most of the
    interface's methods outside generated code, those of the generated file's own package first."""
    names = {op.name for op in server.operations}
    by_type: dict[tuple[str, str], dict[str, GoFunc]] = {}
    for name in names:
        for fn in index.by_name.get(name, []):
            if fn.receiver and fn.file != server.file.path and not SERVER_INTERFACE.search(fn.source.src):
                by_type.setdefault((fn.receiver, fn.directory), {})[name] = fn
    if not by_type:
        return {}
    here = server.file.path.rsplit("/", 1)[0] if "/" in server.file.path else ""
    best = max(by_type.items(), key=lambda kv: (len(kv[1]), kv[0][1] == here))
    return best[1]


def parse_generated(repo: Repository, paths: list[str]) -> dict[str, GoFile]:
    out = {}
    for path in paths:
        text = repo.read_text(path)
        if text is not None:
            out[path] = parse_file(path, text)
    return out
