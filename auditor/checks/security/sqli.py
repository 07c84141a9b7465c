"""SEC-SQLI: no request data reaches SQL text, through any number of same-repository calls.

Python: the program model's flows (auditor/program) decide; an engine finding of SQL built from strings
whose values never come from a request is a note, not an injection. JavaScript/TypeScript: the JS model's
flows (auditor/program/js/taint.py: sequelize.query, knex.raw, db.query/execute, TypeORM where/orderBy text,
through calls), and a parameter that a helper nobody calls builds into SQL text; the semgrep rules still count
for the shapes the model does not follow. Other languages: the semgrep rules."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.flows import flow_verdict
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check

# the engine rules whose question (does request data reach this sink?) the program model answers
DECIDED_BY_FLOWS = frozenset({"python-sql-built-from-strings", "B610", "B611"})


@check("SEC-SQLI")
def sql_injection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return flow_verdict(ctx, item, ("sql",), "No request data reaches SQL text: no query built from request "
                                              "data reaches execute/raw/extra/text (Python followed through "
                                              "calls), db.query/knex.raw/sequelize.query, database/sql.", decidable=DECIDED_BY_FLOWS)
