"""SEC-RATE-LIMIT: login, token, password-reset and sign-up endpoints are rate limited."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import evaluate_endpoints, judged_endpoints, with_gap
from auditor.context import AuditContext
from auditor.endpoints.classify import is_sensitive
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-RATE-LIMIT")
def rate_limit_sensitive(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    sensitive = [ep for ep in endpoints if is_sensitive(ep)]
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, sensitive, "rate_limited",
        "sensitive endpoints (login, token, password reset, sign-up) are rate limited", "no rate limit",
        "no login, token, password-reset or sign-up endpoint found"))
