"""Verdicts of the injection-shaped items from the program model's flows (request data reaching a sink
through any number of same-repository calls), weighed against the engines' findings.

- A flow of the item's sink kinds is a violation, with the whole path on its evidence (`Evidence.flow`).
- A Python engine finding the model can decide is kept only when request data can reach it: one whose
  function a flow passes through is the flow's (the flow is the evidence); one whose data comes from no
  request (module-level code, a function whose parameters reach no sink, or whose every caller chain starts
  in code that serves no request) is listed as a note, not counted.
- An engine finding the model cannot decide stays a violation: other languages, templates, files that did
  not parse, rules that ask another question (autoescape turned off), and helpers whose callers the model
  does not see (a framework callback it does not know, a call it could not resolve).
- JavaScript/TypeScript: the JS model's flows (auditor/program/js/taint.py) fail the item the same way, and
  so does a parameter that a function nobody in the repository calls builds into a sink's text (its callers
  are unknown, as for a Python engine finding in such a helper). A JS engine finding on a flow's sink line is
  the flow's; the others still count (the engines see shapes the model does not follow).
"""
from __future__ import annotations

from typing import Callable

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import left_out_note, production_filter
from auditor.checks.shared.verdicts import dedupe, violations_fail
from auditor.collectors.js_program import JS_PROGRAM
from auditor.collectors.program import PROGRAM
from auditor.context import AuditContext
from auditor.model import Evidence, Finding, ItemResult
from auditor.paths import NO_REQUEST_PATH
from auditor.program import ProgramModel, TaintFlow, flow_text
from auditor.program.rules import ALL
from auditor.program.symbols import FunctionInfo

MAX_CHAIN = 200   # caller-chain nodes visited before the model gives up deciding a finding
KIND_WORDS = {"sql": "SQL text", "shell": "a shell command", "code": "eval/exec", "deserialisation":
              "deserialisation", "template": "template source", "path": "a file path", "url": "an outbound URL",
              "html": "an HTML response or markup", "log": "a log call",
              "password": "a password column, stored as given (no hasher on the way)"}


def flow_finding(item_id: str, flow: TaintFlow, uncalled: bool = False) -> Finding:
    sink = flow.sink
    what = "a parameter of a function nobody in the repository calls is built into" if uncalled \
        else "request data reaches"
    message = f"{what} {KIND_WORDS.get(flow.kind, flow.kind)}: {flow_text(flow.steps)}"
    return Finding(item_id, Evidence(file=sink.file, line=sink.line, snippet=sink.snippet,
                                     rule_id=f"program-{'uncalled' if uncalled else 'flow'}-{flow.kind}", engine="program", message=message,
                                     flow=flow.steps), severity="high")


def _flow_functions(model: ProgramModel, flows: list[TaintFlow]) -> set[str]:
    """Ids of the functions a flow passes through (each step's enclosing function)."""
    out: set[str] = set()
    for flow in flows:
        for step in flow.steps:
            fn = model.function_at(step.file, step.line or 0)
            if fn is not None:
                out.add(fn.id)
    return out


def _decide(model: ProgramModel, fn: FunctionInfo | None, line: int, kinds: tuple[str, ...],
            through_flows: set[str], callers: dict[str, set[str]]) -> str:
    """'flow' (a flow passes through the finding's function), 'clean' (no request data reaches it), or
    'undecided'."""
    if fn is None:
        return "clean"           # module-level code runs once at import, not per request
    if fn.id in through_flows:
        return "flow"
    summary = model.summaries.get(fn.id)
    if summary is None or fn.id in model.program.unread:
        return "undecided"
    if not any(kind in kinds for _, kind in summary.param_sinks):
        return "clean"
    if line not in summary.tainted_lines:
        safe = summary.sanitized_lines.get(line)
        if safe is None or ALL in safe or all(kind in safe for kind in kinds):
            return "clean"       # the finding's line uses no parameter and no request data (a database value),
                                 # or only values sanitised or checked for these sinks (`name.isidentifier()`)
    # a parameter reaches the sink: every chain of callers must start in code that serves no request
    seen = {fn.id}
    todo = [fn.id]
    bound_targets = {f.id for targets in model.program.bindings.values() for f in targets}
    while todo:
        if len(seen) > MAX_CHAIN:
            return "undecided"
        current = todo.pop()
        info = model.program.functions[current]
        up = callers.get(current, set())
        if current in model.program.entries or current in bound_targets and not up:
            return "undecided"
        if not up:
            if not NO_REQUEST_PATH.search(info.rel):
                return "undecided"   # nobody in the repository calls it: a framework or dynamic call might
            continue
        for caller in up:
            if caller not in seen:
                seen.add(caller)
                todo.append(caller)
    return "clean"


def decidable_rule(rule_id: str, decidable: frozenset[str]) -> bool:
    """A semgrep rule id, or a bandit test (`bandit.B602.<name>` matches `B602`), the model can decide."""
    if rule_id in decidable:
        return True
    parts = rule_id.split(".")
    return len(parts) > 1 and parts[0] == "bandit" and parts[1] in decidable


def flow_verdict(ctx: AuditContext, item: CatalogItem, kinds: tuple[str, ...], clean: str,
                 decidable: frozenset[str] = frozenset(),
                 where: Callable[[Finding], bool] | None = None,
                 engines: tuple[str, ...] = ("semgrep", "bandit")) -> ItemResult:
    """`decidable`: the engine rules that ask the question the model answers (does data from a request reach
    this sink?); findings of other rules (autoescape turned off, `|safe` in a template) always count."""
    keep = production_filter(ctx)
    accept = (lambda f: keep(f) and where(f)) if where is not None else keep
    js_findings, js_sinks = _js_flow_findings(ctx, item, kinds, accept)
    model = ctx.get_optional(PROGRAM)
    if model is None:
        result = violations_fail(ctx, item, clean, engines=engines, extra=js_findings,
                                 where=lambda f: f in js_findings or accept(f) and (f.file, f.line) not in js_sinks)
        result.rationale += left_out_note(ctx, (item.id,), keep)
        result.rationale += f" The program model did not run ({ctx.error_of(PROGRAM) or 'not built'}): flows through calls not followed."
        _js_note(ctx, result, js_findings)
        return result
    flows = [f for f in model.flows_of(*kinds) if not NO_REQUEST_PATH.search(f.sink.file)]
    flow_findings = [flow_finding(item.id, f) for f in flows]
    py_flows = len([f for f in flow_findings if accept(f)])
    flow_findings = [f for f in flow_findings if accept(f)] + js_findings
    through = _flow_functions(model, flows)
    callers: dict[str, set[str]] = {}
    for caller, callees in model.program.calls.items():
        for callee in callees:
            callers.setdefault(callee, set()).add(caller)
    not_from_request: list[Finding] = []
    covered: list[Finding] = []

    def engine_counts(f: Finding) -> bool:
        if not accept(f):
            return False
        if (f.file, f.line) in js_sinks:
            covered.append(f)
            return False
        if (not f.file.endswith(".py") or not model.analysed(f.file) or f.line is None
                or not decidable_rule(f.evidence.rule_id, decidable)):
            return True
        decision = _decide(model, model.function_at(f.file, f.line), f.line, kinds, through, callers)
        if decision == "clean":
            not_from_request.append(f)
            return False
        if decision == "flow":
            covered.append(f)
            return False
        return True

    result = violations_fail(ctx, item, clean, engines=engines, extra=flow_findings, where=lambda f: f in flow_findings or engine_counts(f))
    result.rationale += left_out_note(ctx, (item.id,), keep)
    if py_flows:
        result.rationale += (f" {py_flows} flow(s) of request data reach a sink through the program "
                             f"(followed through same-repository calls; each finding shows its path).")
    if not_from_request:
        places = sorted({f"{f.file}:{f.line}" for f in dedupe(not_from_request)})
        result.rationale += (f" {len(places)} engine finding(s) use values that never come from a request "
                             f"(followed through calls: module-level code, constants, database values, or "
                             f"callers that serve no request) or were checked before the sink (a character "
                             f"class, an allow-list, quote characters refused), not an injection and not counted: "
                             f"{', '.join(places[:5])}{' and more' if len(places) > 5 else ''}.")
        result.details["not_from_request"] = places
    _js_note(ctx, result, js_findings)
    if covered:
        result.details["engine_findings_on_flows"] = sorted({f"{f.file}:{f.line}" for f in dedupe(covered)})
    result.details["flows"] = len(flow_findings)
    result.details.setdefault("violations", sum(1 for e in result.evidence if e.kind == "violation"))
    return result


def _js_flow_findings(ctx: AuditContext, item: CatalogItem, kinds: tuple[str, ...],
                      accept: Callable[[Finding], bool]) -> tuple[list[Finding], set[tuple[str, int | None]]]:
    """The JS/TS model's flows of these sink kinds as findings, and the sink lines they hold."""
    js = ctx.get_optional(JS_PROGRAM)
    if js is None:
        return [], set()
    findings = [flow_finding(item.id, f) for f in js.flows if f.kind in kinds]
    findings += [flow_finding(item.id, f, uncalled=True) for f in js.open_flows if f.kind in kinds]
    findings = [f for f in findings if not NO_REQUEST_PATH.search(f.file) and accept(f)]
    return findings, {(f.file, f.line) for f in findings}


def _js_note(ctx: AuditContext, result: ItemResult, js_findings: list[Finding]) -> None:
    if ctx.get_optional(JS_PROGRAM) is None:
        if ctx.error_of(JS_PROGRAM):
            result.rationale += f" The JavaScript/TypeScript model did not run ({ctx.error_of(JS_PROGRAM)})."
        return
    js = ctx.get_optional(JS_PROGRAM)
    uncalled = sum(1 for f in js_findings if f.evidence.rule_id.startswith("program-uncalled-"))
    if js_findings:
        result.rationale += (f" JavaScript/TypeScript: {len(js_findings) - uncalled} flow(s) of request data reach "
                             f"a sink, followed through same-repository calls"
                             + (f", and {uncalled} parameter(s) of helpers nobody in the repository calls are built "
                                f"into one (their callers are unknown)" if uncalled else "")
                             + " (each finding shows its path).")
    unread = sorted({rel for rel, why in (js.errors if js is not None else []) if why.startswith("too deeply")})
    if unread:
        result.rationale += (f" JavaScript/TypeScript flows not followed in {len(unread)} file(s) too deeply nested "
                             f"to read (the engines still scan them): {', '.join(unread[:5])}"
                             f"{' and more' if len(unread) > 5 else ''}.")
        result.details["js_not_followed"] = unread
    result.details["js_flows"] = len(js_findings)
