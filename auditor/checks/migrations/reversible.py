"""MIG-REVERSIBLE: every migration has a usable rollback."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence, migration_inventory
from auditor.context import AuditContext
from auditor.migrations import model as M
from auditor.model import ItemResult, partial_result
from auditor.registry import check


def acceptable_rollback(m: M.Migration) -> bool:
    c = m.rollback_class
    if c in (M.VERIFIED, M.MISMATCHED, M.UNVERIFIABLE, M.IRREVERSIBLE_BY_NATURE):
        return True
    if c == M.NOOP:
        return m.noop_acceptable
    if c == M.IRREVERSIBLE:
        return bool(m.irreversible_reason)
    return False


_WHY_BAD = {
    M.MISSING: "no rollback",
    M.EMPTY: "the rollback does nothing (only comments, pass or docstrings)",
    M.NOOP: "declared no-op although the migration changes the schema",
    M.IRREVERSIBLE: "raises without saying why",
}


@check("MIG-REVERSIBLE")
def mig_reversible(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = migration_inventory(ctx)
    classes = inv.by_class()
    bad = [m for m in inv.migrations if not acceptable_rollback(m)]
    evidence = []
    for m in bad[:MAX_MIGRATION_EVIDENCE]:
        why = _WHY_BAD.get(m.rollback_class, m.rollback_class or "")
        note = f": {m.rollback_note}" if m.rollback_note else ""
        line = m.rollback_line if m.rollback_class in (M.EMPTY, M.IRREVERSIBLE) and m.rollback_line else m.line
        evidence.append(migration_evidence(ctx, m.rollback_file if m.rollback_class in (M.EMPTY, M.IRREVERSIBLE) and m.rollback_file else m.file,
                            line, f"{m.system} {m.version}: {why}{note}", f"rollback-{m.rollback_class}"))
    counts = {c: len(ms) for c, ms in classes.items() if ms}
    details = {"counts": counts,
               "migrations": {c: [m.file for m in ms] for c, ms in classes.items() if ms},
               "prisma_without_rollback": sum(1 for m in bad if m.system == "prisma")}
    summary = ", ".join(f"{n} {c.replace('_', ' ')}" for c, n in counts.items())
    rationale = f"{len(inv.migrations) - len(bad)} of {len(inv.migrations)} migrations have a usable rollback ({summary})."
    if details["prisma_without_rollback"]:
        rationale += (" Prisma Migrate has no rollback by design: generate a down.sql per migration with "
                      "`prisma migrate diff --from-schema-datamodel <new> --to-schema-datamodel <old> --script` "
                      "and apply it with `prisma db execute`.")
    if classes[M.IRREVERSIBLE_BY_NATURE]:
        rationale += f" {len(classes[M.IRREVERSIBLE_BY_NATURE])} only drop data, which is irreversible by nature."
    return partial_result(item.id, len(inv.migrations) - len(bad), len(inv.migrations), rationale, evidence, details)
