"""SEC-SSRF: request data must not choose the URL of an outbound call (OWASP A10).

Python and JavaScript/TypeScript: the program models' flows (request data to the URL of requests/httpx/urllib,
axios/fetch/http.get/needle/got, through any number of same-repository calls; a URL whose text starts with a
fixed host is not one the client picks). The semgrep taint rules (rules/semgrep/security/ssrf.yml, with
allow-list checks as sanitizers) still count for JS/TS shapes the model does not follow, and are Go's only
reading (within one function); the rationale says so.

A service that makes no outbound HTTP call at all (none of the REL-TIMEOUTS readings, no HTTP client of
rules/outbound_clients.yml, no curl or wget command) has no URL a request could choose: the item is not
applicable, not a pass.
"""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.flows import flow_verdict
from auditor.checks.shared.outbound import BROWSER_ASSETS, client_calls, server_side
from auditor.checks.shared.verdicts import production_findings
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import Finding, ItemResult
from auditor.registry import check

ITEM = "SEC-SSRF"
NOT_FOLLOWED = (" Python and JavaScript/TypeScript flows are followed through same-repository calls; Go flows "
                "within one function.")


def production(finding: Finding) -> bool:
    return not TEST_FILE.search(finding.file)


# REL-TIMEOUTS rules that see a call or client of something other than an HTTP URL (AWS SDK, PostgreSQL)
NOT_HTTP_RULES = re.compile(r"^(boto3|botocore|psycopg2)-")
# a string that runs a command-line HTTP client (`os.popen("curl " + url)`, exec(`wget ${url}`))
COMMAND_LINE_FETCH = re.compile(r"""["'`][^"'`\n]*\b(?:curl|wget)\b""")
CODE_FILE = re.compile(r"\.(py|js|mjs|cjs|ts|go)$")


def makes_outbound_http_calls(ctx: AuditContext) -> bool:
    """Whether server-side code outside tests makes an outbound HTTP call or builds an HTTP client: a
    REL-TIMEOUTS reading (requests, httpx, aiohttp, urllib, axios, fetch, Go net/http), an HTTP client of
    rules/outbound_clients.yml (got, needle, superagent, ...), or curl or wget run as a command. The cheap
    readings are asked first; the text of every file only when they find nothing."""
    return (any(not NOT_HTTP_RULES.match(f.evidence.rule_id or "")
                for f in server_side(production_findings(ctx.findings_for("REL-TIMEOUTS"))))
            or any(c.kind in ("http", "rpc") for c in client_calls(ctx))
            or any(command_line_fetch(ctx, path) for path in ctx.repo.paths()))


def command_line_fetch(ctx: AuditContext, path: str) -> bool:
    if not CODE_FILE.search(path) or TEST_FILE.search(path) or BROWSER_ASSETS.search(path):
        return False
    text = ctx.repo.read_text(path) or ""
    # the pattern never crosses a line end, so one search of the whole text is a search of each line
    return ("curl" in text or "wget" in text) and COMMAND_LINE_FETCH.search(text) is not None


# the engine rules whose question (does request data reach this sink?) the program model answers
DECIDED_BY_FLOWS = frozenset({"python-ssrf-request-to-outbound-url"})


@check("SEC-SSRF")
def check_ssrf(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    result = flow_verdict(ctx, item, ("url",), "No request data reaches the URL of an outbound HTTP call.",
                          engines=("semgrep",), decidable=DECIDED_BY_FLOWS, where=production)
    if result.verdict == "pass" and not makes_outbound_http_calls(ctx):
        return ItemResult(ITEM, "not_applicable",
                          "the service makes no outbound HTTP call (no requests, httpx, aiohttp, urllib, axios, "
                          "fetch, Go net/http, curl or wget command, or other HTTP client of "
                          "rules/outbound_clients.yml outside tests and browser assets), so no request can choose "
                          "where one goes")
    result.rationale += NOT_FOLLOWED
    return result
