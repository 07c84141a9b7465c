"""SEC-XSS: no escaping bypass in templates, no request data written raw into markup or responses.

Python: request data reaching Markup/mark_safe/HttpResponse/make_response or a handler's string response,
through calls, with escape()/bleach respected (the program model). JavaScript/TypeScript: request data built
into res.send/write/end text, through calls, with escape functions respected (auditor/program/js/taint.py).
Templates, other languages and the JS shapes the model does not follow: the semgrep rules."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.flows import flow_verdict
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check

# the engine rules whose question (does request data reach this sink?) the program model answers
DECIDED_BY_FLOWS = frozenset({"python-markup-of-non-literal", "python-route-returns-request-data",
                       "python-template-from-user-data", "python-template-string-formatted"})


@check("SEC-XSS")
def cross_site_scripting(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return flow_verdict(ctx, item, ("html",), "No escaping bypass found: no |safe/autoescape off in templates, "
                                               "no Markup/mark_safe/template.HTML of request data, no request "
                                               "data written raw into responses.", decidable=DECIDED_BY_FLOWS)
