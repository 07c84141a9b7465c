"""QA-AUDIT-LOG: an audit trail for security-relevant actions."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import dedupe
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("QA-AUDIT-LOG")
def audit_trail(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    found = dedupe(ctx.practices(item.id))
    if found:
        files = sorted({f.file for f in found})
        return ItemResult(item.id, "pass",
                          f"Heuristic: audit trail present in {len(files)} file(s) ({len(found)} place(s)): "
                          "audit library, audit logger or security events logged with the actor.",
                          [f.evidence for f in found][:20])
    return ItemResult(item.id, "fail",
                      "Heuristic: no audit trail found. Looked for django-auditlog, django-simple-history, "
                      "django-reversion, a logger named 'audit'/'security', and log calls recording logins, "
                      "logouts, password/permission/role changes or deletions together with the actor.")
