"""Queries run once per element in JavaScript/TypeScript, from the JS/TS program model (auditor/program/js):
a database call inside a loop body (for/for-of/while, forEach/map, Promise.all(rows.map(...))), directly or
through the same-repository helpers called there. What PERF-N-PLUS-1 judges outside Python.

Code that serves no request (migrations, seeders, scripts, a module nothing imports that exports nothing and
registers no route) is left out. Eager loading (`leftJoinAndSelect`,
`relations:`, `include:`, `.populate(`) in a module that queries is recorded as the practice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.program.js.loops import LoopQuery, all_loop_queries
from auditor.program.js.model import JsProgram
from auditor.program.js.transactions import imported_modules, serves_no_request
from auditor.repo import Repository
from auditor.text import line_of

SKIPPED = re.compile(r"(^|/)(seeders?|seeds?|migrations?)/")
EAGER = re.compile(r"\b(?:leftJoinAndSelect|innerJoinAndSelect|leftJoinAndMapOne|leftJoinAndMapMany)\b|"
                   r"\brelations\s*:|\binclude\s*:|\.populate\(|\beager\s*:\s*true|withGraphFetched\(|\$lookup\b")


@dataclass
class JsQueryScan:
    files_with_queries: int
    loops: list[LoopQuery]
    eager: list[tuple[str, int, str]]      # (file, line, what)


def scan(repo: Repository, program: JsProgram) -> JsQueryScan:
    querying = sorted({fn.rel for fn in program.functions.values() if fn.ops})
    imported = imported_modules(program)
    loops = [q for q in all_loop_queries(program)
             if not serves_no_request(program, q.fn.rel, imported) and not SKIPPED.search(q.fn.rel)]
    eager: list[tuple[str, int, str]] = []
    for rel in querying:
        text = repo.read_text(rel) or ""
        eager += [(rel, line_of(text, m.start()), m.group(0).strip()) for m in EAGER.finditer(text)]
    return JsQueryScan(len(querying), sorted(loops, key=lambda q: (q.fn.rel, q.line)), eager)
