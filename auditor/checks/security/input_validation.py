"""SEC-INPUT-VALIDATION: endpoints that take a body or parameters validate them with a schema."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import evaluate_endpoints, judged_endpoints, with_gap
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-INPUT-VALIDATION")
def input_validation(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    takes_input = [ep for ep in endpoints
                   if ep.input_validated is not None or not any(n.startswith("input:") for n in ep.notes)]
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, takes_input, "input_validated",
        "endpoints that take a body or parameters validate them with a schema", "input not validated",
        "no endpoint reads a request body or parameters"))
