"""REL-CIRCUIT-BREAKER: a circuit breaker around outbound calls."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.outbound import evaluate_practice_around_calls, outbound_calls
from auditor.checks.shared.verdicts import production_findings
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("REL-CIRCUIT-BREAKER")
def check_circuit_breaker(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    return evaluate_practice_around_calls(
        item.id, production_findings(ctx.findings_for(item.id)), outbound_calls(ctx), "circuit breaker",
        "pybreaker, aiobreaker, circuitbreaker, purgatory, opossum, cockatiel, gobreaker, hystrix")
