"""SEC-DEBUG: no debug mode or verbose errors in production settings."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-DEBUG")
def debug_mode(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return code_item(ctx, item, "No debug server, DEBUG = True in production settings, FastAPI/gin debug "
                                 "mode or stack traces sent to clients.")
