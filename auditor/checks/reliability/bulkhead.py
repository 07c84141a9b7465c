"""REL-BULKHEAD: bounded pools, semaphores or worker limits isolate dependencies."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.outbound import missing_at, outbound_calls
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Finding, ItemResult, partial_result
from auditor.registry import check


def evaluate_bulkhead(item_id: str, findings: list[Finding], calls: list[Finding],
                      database: bool) -> ItemResult:
    bad = dedupe([f for f in findings if f.kind == VIOLATION])
    good = dedupe([f for f in findings if f.kind == PRACTICE])
    if not good and not bad:
        if not calls and not database:
            return ItemResult(item_id, "not_applicable",
                              "no outbound call and no database use: no dependency pool to isolate")
        what = []
        if calls:
            what.append(f"{len(calls)} outbound call site(s)")
        if database:
            what.append("database use")
        return ItemResult(item_id, "fail",
                          f"{' and '.join(what)} but no bounded pool, semaphore or worker limit found "
                          "(heuristic); looked for ThreadPoolExecutor(max_workers), asyncio.Semaphore, "
                          "engine pool_size, httpx.Limits, TCPConnector(limit), pg Pool({max}), p-limit, "
                          "SetMaxOpenConns, semaphore.NewWeighted.",
                          missing_at(calls, "no-bulkhead", "outbound call with no bounded pool or semaphore found"))
    total = len(good) + len(bad)
    return partial_result(item_id, len(good), total,
                          f"{len(good)} bounded pool(s) or semaphore(s); {len(bad)} explicitly unbounded "
                          "(heuristic: pools not declared in code, e.g. by the server, are not seen).",
                          cap([f.evidence for f in bad] + [f.evidence for f in good]))


@check("REL-BULKHEAD")
def check_bulkhead(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    return evaluate_bulkhead(item.id, production_findings(ctx.findings_for(item.id)), outbound_calls(ctx),
                             ctx.inventory.uses_database)
