"""SEC-XSS: no escaping bypass in templates or responses."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-XSS")
def cross_site_scripting(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return code_item(ctx, item, "No escaping bypass found: no |safe/autoescape off in templates, no Markup/"
                                 "mark_safe/template.HTML of computed values, no request data written raw "
                                 "into responses.")
