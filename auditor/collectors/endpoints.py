"""The endpoint inventory collector: every route with its protections (see auditor.endpoints)."""
from __future__ import annotations

from auditor.context import AuditContext, Key
from auditor.endpoints import EndpointInventory, extract_endpoints
from auditor.registry import collector

ENDPOINTS: Key[EndpointInventory] = Key("endpoints")


@collector(ENDPOINTS)
def collect_endpoints(ctx: AuditContext) -> EndpointInventory:
    return extract_endpoints(ctx.repo, ctx.inventory)
