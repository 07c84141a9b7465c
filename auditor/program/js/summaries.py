"""Function summaries over the JavaScript/TypeScript call graph, computed to a fixpoint: every database
operation a function runs, directly or through the helpers it calls, with the chain of calls that reaches it,
whether it runs once per element of a loop (here or in a caller of the helper), and whether it runs inside a
transaction (the call was made in a transaction callback, or the query was handed a transaction).

Summaries only grow (a reached operation is recorded once, the first path found) and each holds at most
MAX_REACHED operations, so the iteration ends on any graph, cycles and recursion included.
"""
from __future__ import annotations

from dataclasses import dataclass

from auditor.program.js.symbols import CallSite, JsFunction

MAX_REACHED = 24
MAX_ROUNDS = 50


@dataclass(frozen=True)
class Step:
    file: str
    line: int
    label: str


@dataclass(frozen=True)
class Reached:
    file: str
    line: int
    effect: str
    label: str
    in_loop: bool
    atomic: bool
    via: tuple[Step, ...] = ()      # calls from the summarised function down to the operation


Edges = dict[str, list[tuple[CallSite, str]]]


def summarise(functions: dict[str, JsFunction], edges: Edges) -> dict[str, dict[tuple[str, int, str], Reached]]:
    out: dict[str, dict[tuple[str, int, str], Reached]] = {}
    for fid, fn in functions.items():
        out[fid] = {(fn.rel, op.line, op.effect): Reached(fn.rel, op.line, op.effect, op.label, op.in_loop, op.atomic)
                    for op in fn.ops}
    for _ in range(MAX_ROUNDS):
        changed = False
        for fid, fn in functions.items():
            mine = out[fid]
            for site, callee in edges.get(fid, ()):
                for key, r in list(out[callee].items()):
                    if len(mine) >= MAX_REACHED:
                        break
                    if key in mine or callee == fid:
                        continue
                    mine[key] = Reached(r.file, r.line, r.effect, r.label, r.in_loop or site.in_loop,
                                        r.atomic or site.in_tx, (Step(fn.rel, site.line, site.label),) + r.via)
                    changed = True
        if not changed:
            break
    return out
