"""MIG-NAMING: version-ordered, consistent names, no duplicate versions, one head."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence, migration_inventory
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("MIG-NAMING")
def mig_naming(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = migration_inventory(ctx)
    if inv.naming:
        evidence = [migration_evidence(ctx, f, line, msg, "naming") for msg, f, line in inv.naming[:MAX_MIGRATION_EVIDENCE]]
        return ItemResult(item.id, "fail", f"{len(inv.naming)} ordering/naming problem(s): {inv.naming[0][0]}",
                          evidence, details={"problems": [msg for msg, _, _ in inv.naming]})
    systems = sorted({m.system for m in inv.migrations})
    return ItemResult(item.id, "pass",
                      f"{len(inv.migrations)} migrations ({', '.join(systems)}): no duplicate versions, one naming "
                      "scheme per folder, one head per Alembic chain, no conflicting Django leaves.")
