"""Queries a JavaScript/TypeScript function runs once per element of a loop (for/for-of/while, forEach/map,
Promise.all(rows.map(...))), directly or through the helpers it calls there, read from the summaries. Reads
only: a write per element is DB-TRANSACTIONS' concern (it counts twice there)."""
from __future__ import annotations

from dataclasses import dataclass

from auditor.program.js.effects import READ
from auditor.program.js.model import JsProgram
from auditor.program.js.summaries import Reached, Step
from auditor.program.js.symbols import JsFunction


@dataclass(frozen=True)
class LoopQuery:
    fn: JsFunction
    query: Reached
    call: Step | None            # the call in the loop that reaches a helper's query

    @property
    def line(self) -> int:
        return self.call.line if self.call else self.query.line

    @property
    def flow(self) -> tuple[Step, ...]:
        return ((self.call,) if self.call else ()) + self.query.via


def loop_queries(program: JsProgram, fn: JsFunction) -> list[LoopQuery]:
    out: list[LoopQuery] = []
    seen: set[tuple[str, int]] = set()
    summary = program.summaries.get(fn.fid, {})
    for op in fn.ops:
        if op.in_loop and op.effect == READ and (fn.rel, op.line) not in seen:
            seen.add((fn.rel, op.line))
            out.append(LoopQuery(fn, summary.get((fn.rel, op.line, op.effect))
                                 or Reached(fn.rel, op.line, op.effect, op.label, True, op.atomic), None))
    for site, callee in program.edges.get(fn.fid, ()):
        if not site.in_loop or callee == fn.fid:
            continue
        queries = [r for r in program.summaries.get(callee, {}).values() if r.effect == READ]
        if queries and (queries[0].file, queries[0].line) not in seen:
            seen.add((queries[0].file, queries[0].line))
            out.append(LoopQuery(fn, queries[0], Step(fn.rel, site.line, site.label)))
    return out


def all_loop_queries(program: JsProgram) -> list[LoopQuery]:
    return [q for fn in program.functions.values() if not fn.module_code for q in loop_queries(program, fn)]
