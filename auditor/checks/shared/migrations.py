"""The migration inventory as the MIG-* items read it, and their evidence."""
from __future__ import annotations

from auditor.collectors.migrations import MIGRATIONS
from auditor.context import AuditContext, Unavailable
from auditor.migrations.inventory import MigrationInventory
from auditor.model import Evidence

ENGINE = "migrations"
MAX_MIGRATION_EVIDENCE = 40


def migration_inventory(ctx: AuditContext) -> MigrationInventory:
    inv = ctx.get(MIGRATIONS)
    if not inv.migrations:
        raise Unavailable("migration folders were detected but no migration file could be read")
    return inv


def migration_evidence(ctx: AuditContext, file: str, line: int | None, message: str, rule: str, kind: str = "violation") -> Evidence:
    return Evidence(file, line, ctx.repo.snippet(file, line) if line else "", rule_id=rule, engine=ENGINE,
                    message=message, kind=kind)
