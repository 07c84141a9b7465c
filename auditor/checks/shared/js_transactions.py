"""DB-TRANSACTIONS for JavaScript/TypeScript: functions that write two or more times (Mongoose, MongoDB driver,
Sequelize, TypeORM, Prisma, knex, raw SQL; through same-repository helpers two levels deep) with no transaction
around them (auditor.orm.js_transactions)."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Evidence
from auditor.orm.js_transactions import (
    JsWriteScanner,
    JsWritingFunction,
    imported_modules,
    server_sources,
    serves_no_request,
)

JS_LANGUAGES = frozenset({"javascript", "typescript"})


@dataclass
class JsTransactions:
    functions: list[JsWritingFunction] = field(default_factory=list)   # serve requests
    apart: list[str] = field(default_factory=list)                      # file:line of scripts' multi-writes
    scanned: int = 0


def javascript_writing_functions(ctx: AuditContext) -> JsTransactions:
    sources = server_sources(ctx.repo.paths(), ctx.repo.read_text)
    scanner = JsWriteScanner(sources)
    imported = imported_modules(sources)
    out = JsTransactions(scanned=len(sources))
    for path in sorted(sources):
        found = scanner.writing_functions(path)
        if not found:
            continue
        if serves_no_request(path, sources, imported):
            out.apart += [f"{fn.file}:{fn.line}" for fn in found if not fn.atomic]
        else:
            out.functions += found
    return out


def javascript_evidence(ctx: AuditContext, fn: JsWritingFunction) -> Evidence:
    if fn.atomic:
        line = fn.protection_line or fn.line
        return Evidence(fn.file, line, ctx.repo.snippet(fn.file, line), rule_id="db-transactions/atomic",
                        engine="text", kind=PRACTICE,
                        message=f"{fn.name}(): {fn.write_count}+ writes, atomic by {fn.protection}")
    shown = []
    for w in fn.writes[:6]:
        where = f"{w.file}:{w.line}" if w.file != fn.file else f"line {w.line}"
        shown.append(f"{where} {w.call[:60]}" + (f" (through {w.via})" if w.via else "")
                     + (" (in a loop)" if w.in_loop else ""))
    return Evidence(fn.file, fn.line, ctx.repo.snippet(fn.file, fn.line), rule_id="db-transactions/not-atomic-js",
                    engine="text", kind=VIOLATION,
                    message=f"{fn.name}(): {fn.write_count} writes with no transaction around them: "
                            + "; ".join(shown))
