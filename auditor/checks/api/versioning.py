"""API-VERSIONING: a version in the path, or negotiated by header or media type."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import (
    HTML_ROUTES_KEY,
    endpoint_inventory,
    handler_own_source,
    html_apart_note,
    html_only_result,
    no_endpoints,
    path_segments,
    route_evidence,
    split_api_and_html,
)
from auditor.checks.shared.verdicts import cap, production_findings
from auditor.context import AuditContext
from auditor.endpoints.classify import is_infrastructure, label, outside_api_mount
from auditor.endpoints.responses import SourceOf
from auditor.model import PRACTICE, Endpoint, Finding, ItemResult, partial_result
from auditor.registry import check

VERSION_SEGMENT = re.compile(r"^(v\d+(\.\d+)*|\d+\.\d+|\{version\}|\{api_version\})$", re.I)


def evaluate_versioning(item_id: str, endpoints: list[Endpoint], negotiation: list[Finding],
                        snippet_of: SourceOf, source_of: SourceOf = lambda e: "") -> ItemResult:
    routes, html = split_api_and_html([e for e in endpoints if not is_infrastructure(e)], source_of)
    site = outside_api_mount(routes)    # an API under /api/...: the other routes are the web site's
    api = [e for e in routes if e not in site]
    html += site
    if not api:
        if html:
            return html_only_result(item_id, html, "versioning")
        return ItemResult(item_id, "not_applicable",
                          f"only infrastructure routes (health, docs, auth) among {len(endpoints)} endpoint(s)")
    if negotiation:
        return ItemResult(item_id, "pass", f"version negotiated by header or media type for {len(api)} endpoint(s) "
                          f"({negotiation[0].file}:{negotiation[0].line})." + html_apart_note(html),
                          cap([f.evidence for f in negotiation]), {HTML_ROUTES_KEY: [label(e) for e in html]})
    versioned = [e for e in api if any(VERSION_SEGMENT.match(s) for s in path_segments(e.path))]
    unversioned = [e for e in api if e not in versioned]
    evidence = ([route_evidence(e, snippet_of(e), "unversioned-route", f"{label(e)} has no version in its path")
                 for e in unversioned]
                + [route_evidence(e, snippet_of(e), "versioned-route", f"{label(e)} is versioned", PRACTICE)
                   for e in versioned[:5]])
    return partial_result(item_id, len(versioned), len(api),
                          f"{len(versioned)} of {len(api)} API endpoint(s) carry a version in the path; no header "
                          "or media-type versioning found (health, docs, admin and auth routes not counted)."
                          + html_apart_note(html),
                          cap(evidence), {"versioned": len(versioned), "unversioned": [label(e) for e in unversioned],
                                          HTML_ROUTES_KEY: [label(e) for e in html]})


@check("API-VERSIONING")
def check_versioning(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return no_endpoints(item.id, inv)
    return evaluate_versioning(item.id, inv.endpoints, production_findings(ctx.practices(item.id)),
                               lambda e: ctx.repo.snippet(e.file, e.line), lambda e: handler_own_source(ctx, e, whole_class=True))
