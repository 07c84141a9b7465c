"""SEC-SSRF: request data must not choose the URL of an outbound call (OWASP A10).

Python and JavaScript/TypeScript: the program models' flows (request data to the URL of requests/httpx/urllib,
axios/fetch/http.get/needle/got, through any number of same-repository calls; a URL whose text starts with a
fixed host is not one the client picks). The semgrep taint rules (rules/semgrep/security/ssrf.yml, with
allow-list checks as sanitizers) still count for JS/TS shapes the model does not follow, and are Go's only
reading (within one function); the rationale says so.
"""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.flows import flow_verdict
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import Finding, ItemResult
from auditor.registry import check

ITEM = "SEC-SSRF"
NOT_FOLLOWED = (" Python and JavaScript/TypeScript flows are followed through same-repository calls; Go flows "
                "within one function.")


def production(finding: Finding) -> bool:
    return not TEST_FILE.search(finding.file)

# the engine rules whose question (does request data reach this sink?) the program model answers
DECIDED_BY_FLOWS = frozenset({"python-ssrf-request-to-outbound-url"})


@check("SEC-SSRF")
def check_ssrf(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    result = flow_verdict(ctx, item, ("url",), "No request data reaches the URL of an outbound HTTP call.",
                          engines=("semgrep",), decidable=DECIDED_BY_FLOWS, where=production)
    result.rationale += NOT_FOLLOWED
    return result
