"""SEC-SENSITIVE-LOGGING: no password, token or secret reaches a log call."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-SENSITIVE-LOGGING")
def sensitive_logging(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return code_item(ctx, item, "No password, token, secret or Authorization header reaches a log call or "
                                 "print.", engines=("semgrep",))
