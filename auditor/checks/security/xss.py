"""SEC-XSS: no escaping bypass in templates, no request data written raw into markup or responses.

Python: request data reaching Markup/mark_safe/HttpResponse/make_response or a handler's string response,
through calls, with escape()/bleach respected (the program model). JavaScript/TypeScript: request data built
into res.send/write/end text, through calls, with escape functions respected (auditor/program/js/taint.py).
Templates, other languages and the JS shapes the model does not follow: the semgrep rules. A template's
`{{ obj.field | safe }}` is not counted when every model declaring `field` fills it from an allow-list
sanitiser in an ORM 'set' listener (auditor/probes/orm_sanitisers.py)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.flows import flow_verdict
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import Finding, ItemResult
from auditor.probes.orm_sanitisers import safe_outputs_all_sanitised, sanitised_by_listener
from auditor.registry import check

# the engine rules whose question (does request data reach this sink?) the program model answers
DECIDED_BY_FLOWS = frozenset({"python-markup-of-non-literal", "python-route-returns-request-data",
                       "python-template-from-user-data", "python-template-string-formatted"})
TEMPLATE_SAFE_RULE = "template-output-marked-safe"


def _python_modules(ctx: AuditContext):
    for rel in ctx.repo.paths(language="python"):
        if TEST_FILE.search(rel):
            continue
        tree = ctx.repo.python_ast(rel)
        if tree is not None:
            yield rel, tree


@check("SEC-XSS")
def cross_site_scripting(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    fields: dict[str, list[str]] | None = None
    sanitised: dict[str, list[str]] = {}

    def counts(f: Finding) -> bool:
        nonlocal fields
        if not f.evidence.rule_id.endswith(TEMPLATE_SAFE_RULE) or not f.line:
            return True
        if fields is None:
            fields = sanitised_by_listener(_python_modules(ctx)) if ctx.inventory.code_languages & {"python"} else {}
        if not fields:
            return True
        lines = ctx.repo.lines(f.file)
        names = safe_outputs_all_sanitised(lines[f.line - 1], fields) if 0 < f.line <= len(lines) else []
        for name in names:
            sanitised.setdefault(f"{f.file}:{f.line}", []).extend(fields[name][:2])
        return not names

    result = flow_verdict(ctx, item, ("html",), "No escaping bypass found: no |safe/autoescape off in templates, "
                                                "no Markup/mark_safe/template.HTML of request data, no request "
                                                "data written raw into responses.", decidable=DECIDED_BY_FLOWS,
                          where=counts)
    if sanitised:
        result.rationale += (f" {len(sanitised)} template output(s) marked |safe print fields an ORM 'set' listener "
                             "fills from an allow-list sanitiser (bleach/nh3 clean), not counted: "
                             + "; ".join(f"{where} ({', '.join(sorted(set(by)))})"
                                         for where, by in sorted(sanitised.items())[:5]) + ".")
        result.details["sanitised_by_orm_listener"] = sorted(sanitised)
    return result
