"""Function summaries to a fixpoint over the call graph.

Every function is analysed once with what its callees' summaries say so far; when a function's summary
changes, its callers are analysed again. Summaries only grow (a callee's summary feeds its callers' as a
union), so the iteration ends; recursion and cycles are bounded in addition by MAX_RUNS per function."""
from __future__ import annotations

from collections import deque

from auditor.program.graph import Program
from auditor.program.rules import TaintRules
from auditor.program.taint import FunctionAnalysis, Snippet, Summary, TaintFlow

MAX_RUNS = 12


def compute_summaries(program: Program, rules: TaintRules, snippet: Snippet) -> tuple[dict[str, Summary], list[TaintFlow], int]:
    """(summary per function id, request-to-sink flows, number of function analyses run)."""
    summaries: dict[str, Summary] = {}
    flows_by_fn: dict[str, list[TaintFlow]] = {}
    callers: dict[str, set[str]] = {}
    runs: dict[str, int] = {}
    order = list(program.functions)
    work = deque(order)
    queued = set(order)
    analyses = 0
    while work:
        fid = work.popleft()
        queued.discard(fid)
        runs[fid] = runs.get(fid, 0) + 1
        analyses += 1
        fn = program.functions[fid]
        try:
            analysis = FunctionAnalysis(program, rules, fn, summaries, snippet, program.entries.get(fid)).run()
        except RecursionError:   # an expression nested too deeply to walk: the function is left unread
            program.unread.add(fid)
            summaries.setdefault(fid, Summary())
            continue
        program.calls[fid] = sorted(analysis.callees)
        for callee in analysis.callees:
            callers.setdefault(callee, set()).add(fid)
        flows_by_fn[fid] = analysis.flows
        for callee in analysis.rebound:   # a callback passed for the first time: the callee reads it anew
            if callee.id not in queued and runs.get(callee.id, 0) < MAX_RUNS:
                work.append(callee.id)
                queued.add(callee.id)
        old = summaries.get(fid)
        summaries[fid] = analysis.summary
        if old is not None and old.key() == analysis.summary.key():
            continue
        for caller in callers.get(fid, ()):
            if caller not in queued and runs.get(caller, 0) < MAX_RUNS:
                work.append(caller)
                queued.add(caller)
    return summaries, _distinct([f for flows in flows_by_fn.values() for f in flows]), analyses


def _distinct(flows: list[TaintFlow]) -> list[TaintFlow]:
    """One flow per (kind, source, sink): the shortest."""
    best: dict[tuple, TaintFlow] = {}
    for flow in flows:
        key = (flow.kind, flow.source.file, flow.source.line, flow.sink.file, flow.sink.line)
        if key not in best or len(flow.steps) < len(best[key].steps):
            best[key] = flow
    return sorted(best.values(), key=lambda f: (f.sink.file, f.sink.line or 0, f.kind, f.source.file, f.source.line or 0))
