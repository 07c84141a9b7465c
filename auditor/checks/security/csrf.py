"""SEC-CSRF: state-changing endpoints exposed to CSRF are protected."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import evaluate_endpoints, judged_endpoints, with_gap
from auditor.context import AuditContext, Unavailable
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-CSRF")
def csrf_protection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    changing = [ep for ep in endpoints if ep.state_changing]
    exposed = [ep for ep in changing if ep.csrf_applies is not False]
    undecided = [ep for ep in exposed if ep.csrf_applies is None]
    if not changing:
        return with_gap(ctx, ItemResult(item.id, "not_applicable", "no state-changing endpoint (POST/PUT/PATCH/DELETE)"))
    if undecided and len(undecided) == len(exposed):
        raise Unavailable(f"could not tell whether CSRF applies to {len(undecided)} state-changing endpoint(s) "
                          f"({', '.join(sorted({ep.framework for ep in undecided}))})")
    reason = (f"none of the {len(changing)} state-changing endpoints is authenticated by cookie or session "
              "(bearer tokens or no session), so CSRF does not apply")
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, exposed, "csrf_protected",
        "state-changing endpoints exposed to CSRF (cookie/session authentication) are protected",
        "no CSRF protection", reason,
        has=lambda ep: None if ep.csrf_applies is None else ep.csrf_protected is True if ep.csrf_protected is not None else False))
