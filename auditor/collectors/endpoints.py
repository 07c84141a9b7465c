"""The endpoint inventory collector: every route with its protections (see auditor.endpoints)."""
from __future__ import annotations

from auditor.context import AuditContext
from auditor.endpoints import EndpointInventory, extract_endpoints
from auditor.registry import collector


@collector("endpoints")
def collect_endpoints(ctx: AuditContext) -> EndpointInventory:
    return extract_endpoints(ctx.repo, ctx.inventory)
