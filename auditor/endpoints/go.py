"""Go routes declared with literal paths: net/http (`HandleFunc("/p", h)`, Go 1.22 `"GET /p"` patterns),
gorilla/mux (`.HandleFunc(...).Methods("GET")`, `PathPrefix("/api").Subrouter()`), chi (`r.Get("/p", h)`,
`r.Route("/p", func(r chi.Router) {...})`, `r.Mount`) and gin (`r.GET("/p", h)`, `g := r.Group("/p")`).

Protections come from middleware we cannot follow reliably in Go, so they are left None (unknown) except
where a route or group carries a middleware whose name says authentication or rate limiting.
"""
from __future__ import annotations

import re

from auditor.endpoints.common import SAFE_METHODS, join_paths, mark, normalize_path
from auditor.endpoints.jsparse import matching_paren, split_args, string_literal, strip_comments
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

GIN = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any"}
CHI = {"Get", "Post", "Put", "Patch", "Delete", "Head", "Options"}
CALL = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(HandleFunc|Handle|Group|Route|PathPrefix|Mount|Use|"
                  + "|".join(sorted(GIN | CHI)) + r")\s*\(")
AUTH_MW = re.compile(r"auth|jwt|token|login|session|protect", re.I)
RATE_MW = re.compile(r"limit|throttle", re.I)


def extract(repo: Repository) -> tuple[list[Endpoint], dict]:
    out: list[Endpoint] = []
    for path in repo.paths(language="go"):
        if path.endswith("_test.go"):
            continue
        text = repo.read_text(path) or ""
        if not re.search(r'"net/http"|gin-gonic|go-chi|gorilla/mux', text):
            continue
        out.extend(_file(path, strip_comments(text)))
    return out, {}


def _file(path: str, src: str) -> list[Endpoint]:
    prefixes: dict[str, tuple[str, list[str]]] = {}   # variable -> (prefix, middleware)
    blocks: list[tuple[int, int, str, str]] = []      # chi Route blocks: (start, end, var, prefix)
    out = []
    for m in re.finditer(r"(\w+)\s*:?=\s*(\w+)\.Group\(\s*\"([^\"]*)\"([^)]*)\)", src):
        parent = prefixes.get(m.group(2), ("", []))
        mws = [a for a in split_args(m.group(4).lstrip(","))] if m.group(4).strip() else []
        prefixes[m.group(1)] = (join_paths(parent[0], m.group(3)), parent[1] + mws)
    for m in re.finditer(r"(\w+)\s*:?=\s*(\w+)\.PathPrefix\(\s*\"([^\"]*)\"\s*\)\.Subrouter\(\)", src):
        parent = prefixes.get(m.group(2), ("", []))
        prefixes[m.group(1)] = (join_paths(parent[0], m.group(3)), list(parent[1]))
    for m in re.finditer(r"(\w+)\.Route\(\s*\"([^\"]*)\"\s*,\s*func\s*\(\s*(\w+)", src):
        open_at = src.index("{", m.end())
        close = closing_bracket(src, open_at)   # braces in strings are counted; unclosed: to the end
        close = len(src) if close is None else close
        blocks.append((open_at, close, m.group(3), m.group(2)))
    for m in re.finditer(r"(\w+)\.Use\(([^)]*)\)", src):
        var = m.group(1)
        cur = prefixes.get(var, ("", []))
        prefixes[var] = (cur[0], cur[1] + split_args(m.group(2)))
    for m in CALL.finditer(src):
        recv, verb = m.group(1), m.group(2)
        if verb in ("Group", "Route", "PathPrefix", "Mount", "Use"):
            continue
        close = matching_paren(src, m.end() - 1)
        args = split_args(src[m.end():close])
        if len(args) < 2:
            continue
        route = string_literal(args[0])
        if route is None:
            continue
        framework = "gin" if verb in GIN else "chi" if verb in CHI else "go-nethttp"
        if verb in ("HandleFunc", "Handle"):
            methods = ["ANY"]
            pm = re.match(r"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/.*)", route)
            if pm:
                methods, route = [pm.group(1)], pm.group(2)
            tail = re.match(r"\s*\.\s*Methods\(([^)]*)\)", src[close + 1:])
            if tail:
                methods = [string_literal(a) or "ANY" for a in split_args(tail.group(1))]
                framework = "gorilla-mux"
        else:
            methods = ["ANY" if verb == "Any" else verb.upper()]
        base = recv.split(".")[0]
        prefix, mws = prefixes.get(base, ("", []))
        for start, end, var, bprefix in blocks:
            if start < m.start() < end and var == base:
                prefix = join_paths(bprefix, prefix)
        mws = mws + args[1:-1]
        handler = args[-1].strip()
        handler = handler if re.fullmatch(r"[\w.]+", handler) else "<func literal>"
        for method in methods:
            ep = Endpoint(method.upper(), normalize_path(join_paths(prefix, route)), handler, path,
                          line_of(src, m.start()), framework)
            auth = [mw for mw in mws if AUTH_MW.search(mw)]
            rate = [mw for mw in mws if RATE_MW.search(mw)]
            if auth:
                mark(ep, "authenticated", True, f"middleware {auth[0].strip()[:60]}")
            if rate:
                mark(ep, "rate_limited", True, f"middleware {rate[0].strip()[:60]}")
            ep.csrf_applies = False if ep.method in SAFE_METHODS else None
            ep.notes.append("go: protections unknown unless a route or group middleware names them")
            out.append(ep)
    return out
