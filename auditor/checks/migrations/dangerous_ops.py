"""MIG-DANGEROUS-OPS: data-loss or locking operations without the safe pattern."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence, migration_inventory
from auditor.context import AuditContext
from auditor.model import ItemResult, partial_result
from auditor.registry import check


@check("MIG-DANGEROUS-OPS")
def mig_dangerous_ops(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = migration_inventory(ctx)
    risky = [m for m in inv.migrations if m.dangerous]
    evidence = [migration_evidence(ctx, op.file, op.line, f"{m.version}: {op.describe()}: {why}", "dangerous-op")
                for m in risky for op, why in m.dangerous][:MAX_MIGRATION_EVIDENCE]
    counts: dict[str, int] = {}
    for m in risky:
        for _, why in m.dangerous:
            key = why.split(" from ")[0].split(" to ")[0]
            counts[key] = counts.get(key, 0) + 1
    good = len(inv.migrations) - len(risky)
    note = "" if inv.dialect == "postgres" else \
        f" Index locking not assessed: the database is {inv.dialect or 'not identified'}, not Postgres."
    return partial_result(item.id, good, len(inv.migrations),
                          f"{len(risky)} of {len(inv.migrations)} migrations hold locking or data-loss operations.{note}",
                          evidence, {"counts": counts})
