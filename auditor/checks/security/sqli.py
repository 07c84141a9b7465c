"""SEC-SQLI: no SQL built from strings or request data reaches a query call."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check


@check("SEC-SQLI")
def sql_injection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return code_item(ctx, item, "No SQL built from strings or request data reaches a query call "
                                 "(execute/raw/extra/text, db.query/knex.raw/sequelize.query, database/sql).")
