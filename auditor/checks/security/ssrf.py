"""SEC-SSRF: request data must not choose the URL of an outbound call (OWASP A10).

For now the flows come from semgrep taint rules (rules/semgrep/security/ssrf.yml: request data to the URL
of requests, httpx, urllib, aiohttp's client, fetch, axios, got, node-fetch, http(s).get and Go's
net/http, with allow-list checks as sanitizers), each within one function. A flow through a helper in
another function or module is not followed yet; the program model's cross-function taint will replace
these rules, and the rationale says so.
"""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import violations_fail
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import Finding, ItemResult
from auditor.registry import check

ITEM = "SEC-SSRF"
NOT_FOLLOWED = (" Flows are followed within one function; request data passed through a helper in another "
                "function or module is not followed yet.")


def production(finding: Finding) -> bool:
    return not TEST_FILE.search(finding.file)


@check("SEC-SSRF")
def check_ssrf(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    result = violations_fail(ctx, item, "No request data reaches the URL of an outbound HTTP call (semgrep taint "
                             "rules for Python, JavaScript/TypeScript and Go).", engines=("semgrep",), where=production)
    result.rationale += NOT_FOLLOWED
    return result
