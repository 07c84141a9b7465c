"""REL-BULKHEAD: bounded pools, semaphores or worker limits isolate dependencies.

Only an actual bound passes: a pool size with its overflow, a semaphore, a worker limit, max_connections.
An engine created with no pool arguments (`create_engine(url)`) is bounded only by SQLAlchemy's default
QueuePool (pool_size 5, max_overflow 10): documented, but not a bound anyone declared for this dependency,
so on its own it is partial, and the rationale says so.
"""
from __future__ import annotations

import re
from typing import Callable

from auditor.catalog import CatalogItem
from auditor.checks.shared.outbound import missing_at, outbound_calls
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Finding, ItemResult, partial_result
from auditor.registry import check

ENGINE_CALL = re.compile(r"\bcreate_(?:async_)?engine\s*\(")
DECLARED_BOUND = re.compile(r"\b(pool_size|max_overflow|max_workers|max_connections|max_size|maxsize|limit|"
                            r"pool_maxsize|connection_limit|Semaphore|BoundedSemaphore|Limits)\b")
SQLALCHEMY_DEFAULT = "SQLAlchemy's default QueuePool (pool_size 5, max_overflow 10, documented)"


def default_bound(text: str) -> bool:
    """An engine created without pool arguments: bounded by the library's default only."""
    return bool(ENGINE_CALL.search(text)) and not DECLARED_BOUND.search(text)


def evaluate_bulkhead(item_id: str, findings: list[Finding], calls: list[Finding],
                      database: bool, text_of: Callable[[Finding], str] = lambda f: f.evidence.snippet) -> ItemResult:
    bad = dedupe([f for f in findings if f.kind == VIOLATION])
    good = dedupe([f for f in findings if f.kind == PRACTICE])
    defaults = [f for f in good if default_bound(text_of(f))]
    good = [f for f in good if f not in defaults]
    if defaults and not good and not bad:
        return ItemResult(item_id, "partial",
                          f"{len(defaults)} database engine(s) created without pool arguments "
                          f"({defaults[0].file}:{defaults[0].line}): bounded only by {SQLALCHEMY_DEFAULT}, not by a "
                          "bound declared for this dependency; no semaphore, worker limit or sized pool found for "
                          f"{len(calls)} outbound call site(s).",
                          cap([f.evidence for f in defaults] + missing_at(calls, "no-bulkhead",
                                                                            "outbound call with no bounded pool or semaphore found")),
                          partial_score=5, details={"default_bounded_engines": [f"{f.file}:{f.line}" for f in defaults]})
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
    note = (f" {len(defaults)} engine(s) rely on {SQLALCHEMY_DEFAULT} ({defaults[0].file}:{defaults[0].line})."
            if defaults else "")
    return partial_result(item_id, len(good), total,
                          f"{len(good)} bounded pool(s) or semaphore(s) declared; {len(bad)} explicitly unbounded "
                          "(heuristic: pools not declared in code, e.g. by the server, are not seen)." + note,
                          cap([f.evidence for f in bad] + [f.evidence for f in good] + [f.evidence for f in defaults]))


@check("REL-BULKHEAD")
def check_bulkhead(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    def text_of(f: Finding) -> str:
        lines = ctx.repo.lines(f.file)
        end = max(f.evidence.end_line or f.line or 0, f.line or 0)
        return "\n".join(lines[(f.line or 1) - 1:end]) or f.evidence.snippet

    return evaluate_bulkhead(item.id, production_findings(ctx.findings_for(item.id)), outbound_calls(ctx),
                             ctx.inventory.uses_database, text_of)
