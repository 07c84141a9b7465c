"""Where Go code opens its database handle, and whether a request reaches that place.

`sql.Open`/`sqlx.Connect` (database/sql), `pgxpool.New` and `gorm.Open` return a pool: database/sql keeps idle
connections and opens new ones up to its limits by design. Opened once, outside request handling (in `main`, or a
constructor the start-up code calls), the handle is the process's pool. Opened on a path a request handler reaches
(`db, err := database.Connect()` in a handler), every request builds a new pool and pays a connect.

A request handler is a route handler of the endpoint inventory, or a function that takes the response
(`http.ResponseWriter`, gin/echo/fiber context). Callers are followed by name through the repository, a few levels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.endpoints.goread import GoFunc, GoIndex
from auditor.paths import TEST_FILE
from auditor.text import line_of

OPEN = re.compile(r"\b(?:sql|sqlx)\.(?:Open|Connect|MustConnect|MustOpen|ConnectContext)\s*\(|"
                  r"\bpgxpool\.(?:New|NewWithConfig|Connect|ConnectConfig)\s*\(|\bgorm\.Open\s*\(")
REQUEST_PARAM = re.compile(r"http\.ResponseWriter|\*gin\.Context|echo\.Context|\*fiber\.Ctx")
MAX_DEPTH = 4


@dataclass(frozen=True)
class PoolOpen:
    file: str
    line: int
    function: str
    call: str
    per_request: str | None    # the handler that reaches it, or None when no request does


def db_pool_opens(index: GoIndex, handler_names: set[str]) -> list[PoolOpen]:
    out = []
    for fns in index.by_name.values():
        for fn in fns:
            if TEST_FILE.search(fn.file) or fn.file.endswith("_test.go"):
                continue
            for m in OPEN.finditer(fn.body):
                line = line_of(fn.source.src, fn.body_start + 1 + m.start())
                out.append(PoolOpen(fn.file, line, fn.name, m.group(0).rstrip("( "),
                                    _request_reaching(index, fn, handler_names)))
    return sorted(out, key=lambda p: (p.file, p.line))


def _is_handler(fn: GoFunc, handler_names: set[str]) -> bool:
    return fn.name in handler_names or any(REQUEST_PARAM.search(t) for _, t in fn.params)


def _request_reaching(index: GoIndex, start: GoFunc, handler_names: set[str]) -> str | None:
    """The name of a request handler that calls `start`, directly or through other functions, or None."""
    seen = {id(start)}
    frontier = [start]
    for _ in range(MAX_DEPTH + 1):
        nxt = []
        for fn in frontier:
            if _is_handler(fn, handler_names):
                return fn.name if fn is not start else f"{fn.name} (itself a request handler)"
            call = re.compile(rf"(?<![\w])(?:\w+\.)?{re.escape(fn.name)}\s*\(")
            for callers in index.by_name.values():
                for caller in callers:
                    if id(caller) not in seen and not caller.file.endswith("_test.go") and call.search(caller.body):
                        seen.add(id(caller))
                        nxt.append(caller)
        frontier = nxt
        if not frontier:
            break
    return None
