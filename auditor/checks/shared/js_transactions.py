"""DB-TRANSACTIONS for JavaScript/TypeScript: functions that write two or more times (Mongoose, MongoDB driver,
Sequelize, TypeORM, Prisma, knex, raw SQL; directly or through same-repository helpers followed to a fixpoint)
with no transaction around them, read from the JS/TS program model (auditor.program.js.transactions)."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.collectors.js_program import JS_PROGRAM
from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Evidence, FlowStep
from auditor.program.js import build_js_program
from auditor.program.js.transactions import MultiWrite, imported_modules, multi_writes, serves_no_request

JS_LANGUAGES = frozenset({"javascript", "typescript"})


@dataclass
class JsTransactions:
    functions: list[MultiWrite] = field(default_factory=list)   # serve requests
    apart: list[str] = field(default_factory=list)               # file:line of scripts' multi-writes
    scanned: int = 0
    unparsed: list[str] = field(default_factory=list)


def javascript_writing_functions(ctx: AuditContext) -> JsTransactions:
    program = ctx.get_optional(JS_PROGRAM)
    if program is None:
        program = build_js_program(ctx.repo)
    imported = imported_modules(program)
    out = JsTransactions(scanned=len(program.modules),
                         unparsed=[f"{rel}: {why}" for rel, why in program.errors])
    for found in multi_writes(program):
        if serves_no_request(program, found.file, imported):
            if not found.atomic:
                out.apart.append(f"{found.file}:{found.line}")
        else:
            out.functions.append(found)
    return out


def _where(fn: MultiWrite, file: str, line: int) -> str:
    return f"{file}:{line}" if file != fn.file else f"line {line}"


def javascript_evidence(ctx: AuditContext, fn: MultiWrite) -> Evidence:
    if fn.atomic:
        line = fn.protection_line
        return Evidence(fn.file, line, ctx.repo.snippet(fn.file, line), rule_id="db-transactions/atomic",
                        engine="program", kind=PRACTICE,
                        message=f"{fn.name}: {fn.write_count}+ writes, all but at most one in a transaction")
    shown = []
    flow = [FlowStep(fn.file, fn.line, ctx.repo.snippet(fn.file, fn.line), "call", fn.name)]
    for u in fn.outside[:6]:
        w = u.write
        through = f" (through {u.call.label})" if u.call else ""
        shown.append(f"{_where(fn, w.file, w.line)} {w.label[:60]}{through}" + (" (in a loop)" if u.in_loop else ""))
        for step in u.flow:
            flow.append(FlowStep(step.file, step.line, ctx.repo.snippet(step.file, step.line), "call",
                                 f"calls {step.label}"))
        flow.append(FlowStep(w.file, w.line, ctx.repo.snippet(w.file, w.line), "sink", f"{w.label} (write)"))
    return Evidence(fn.file, fn.line, ctx.repo.snippet(fn.file, fn.line), rule_id="db-transactions/not-atomic-js",
                    engine="program", kind=VIOLATION, flow=tuple(flow),
                    message=f"{fn.name}: {sum(u.weight for u in fn.outside)} writes with no transaction around "
                            "them: " + "; ".join(shown))
