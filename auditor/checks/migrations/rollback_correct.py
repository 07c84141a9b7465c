"""MIG-ROLLBACK-CORRECT: replaying up then down returns the schema to where it was."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence, migration_inventory
from auditor.context import AuditContext, Unavailable
from auditor.migrations import model as M
from auditor.model import PRACTICE, ItemResult
from auditor.registry import check


@check("MIG-ROLLBACK-CORRECT")
def mig_rollback_correct(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = migration_inventory(ctx)
    classes = inv.by_class()
    wrong = classes[M.MISMATCHED]
    verified = classes[M.VERIFIED]
    unverifiable = classes[M.UNVERIFIABLE]
    details = {"verified": len(verified), "mismatched": len(wrong), "unverifiable": len(unverifiable),
               "mismatched_migrations": [{"file": m.file, "problems": m.mismatch} for m in wrong],
               "unverifiable_migrations": [{"file": m.file, "why": m.rollback_note} for m in unverifiable][:100]}
    tail = f" {len(unverifiable)} could not be verified (opaque code or SQL)." if unverifiable else ""
    if wrong:
        evidence = []
        for m in wrong[:MAX_MIGRATION_EVIDENCE]:
            for file, line, msg in m.mismatch_evidence[:4]:
                evidence.append(migration_evidence(ctx, file, line, f"{m.version}: {msg}", "rollback-mismatch"))
            if m.rollback_file and m.rollback_line:
                evidence.append(migration_evidence(ctx, m.rollback_file, m.rollback_line,
                                    f"{m.version}: the rollback does not undo the forward operations: {'; '.join(m.mismatch[:3])}", "rollback-mismatch"))
        return ItemResult(item.id, "fail",
                          f"{len(wrong)} rollback(s) do not return the schema to where it was "
                          f"({len(verified)} verified by replay).{tail}", evidence, details=details)
    if not verified:
        raise Unavailable(f"no rollback could be verified: {len(unverifiable)} unverifiable, "
                          f"{len(inv.migrations) - len(unverifiable)} without a rollback to compare")
    evidence = [migration_evidence(ctx, m.rollback_file or m.file, m.rollback_line or m.line,
                    f"{m.version}: {m.rollback_note or 'up then down returns the schema to where it was'}",
                    "rollback-verified", PRACTICE) for m in verified[:10]]
    return ItemResult(item.id, "pass",
                      f"{len(verified)} rollback(s) verified: replaying up then down returns the schema to where it "
                      f"was.{tail}", evidence, details=details)
