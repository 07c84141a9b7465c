"""SEC-RATE-LIMIT: login, token, password-reset and sign-up endpoints are rate limited."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import evaluate_endpoints, handler_own_source, judged_endpoints, with_gap
from auditor.context import AuditContext
from auditor.endpoints.classify import is_sensitive, signs_in
from auditor.endpoints.common import has_path_params
from auditor.model import Endpoint, ItemResult
from auditor.registry import check

# what a Python handler reads from the request that an attacker could vary: form data, query, body, headers
REQUEST_INPUT = re.compile(r"\brequest\.(POST|GET|body|data|json|form|args|values|files|FILES|query_params|"
                           r"get_json|stream|headers|META|cookies|COOKIES)\b")
# calls that take the request without reading what the client sent in it
NON_READING = re.compile(r"^(render|render_to_response|render_template|redirect|TemplateResponse|HttpResponse\w*|"
                         r"get_token|logout|auth_logout|[\w.]*messages\.\w+|reverse)$")
# frameworks whose handlers read the client's input from the request object (FastAPI and aiohttp handlers also
# take it as parameters, which this reading does not see)
NOT_ATTEMPTS = ("GET", "HEAD", "OPTIONS", "DELETE")
REQUEST_OBJECT_FRAMEWORKS = frozenset({"django", "flask"})
REQUEST_PASSED = re.compile(r"(?<!def )(?<![\w.])([\w.]+)\(\s*(?:self\.)?request\b")


def takes_no_input(source: str, ep: Endpoint) -> bool:
    """A Python page that reads nothing the client sends (no form data, query, body, header or path parameter,
    and hands the request only to renderers): there is nothing to guess, so nothing to brute-force (a
    "check your inbox" page, a CSRF-token endpoint)."""
    if ep.framework not in REQUEST_OBJECT_FRAMEWORKS or not source or has_path_params(ep.path) or \
            REQUEST_INPUT.search(source):
        return False
    return all(NON_READING.match(call.rsplit(".", 1)[-1]) or NON_READING.match(call)
               for call in REQUEST_PASSED.findall(source))


@check("SEC-RATE-LIMIT")
def rate_limit_sensitive(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    named = [ep for ep in endpoints if is_sensitive(ep) or
             (ep.method not in NOT_ATTEMPTS and ep.authenticated is not True and signs_in(handler_own_source(ctx, ep)))]
    no_input = [ep for ep in named if ep.rate_limited is not True and takes_no_input(handler_own_source(ctx, ep), ep)]
    sensitive = [ep for ep in named if ep not in no_input]
    result = with_gap(ctx, evaluate_endpoints(
        ctx, item, sensitive, "rate_limited",
        "sensitive endpoints (login, token, password reset, sign-up) are rate limited", "no rate limit",
        "no login, token, password-reset or sign-up endpoint found"))
    if no_input:
        pages = ", ".join(f"{ep.method} {ep.path}" for ep in no_input[:5])
        result.rationale += (f" {len(no_input)} page(s) named like sign-in or sign-up take no input from the request "
                             f"(nothing to guess) and are not counted: {pages}.")
        result.details["no_input_pages"] = [f"{ep.method} {ep.path} ({ep.file}:{ep.line})" for ep in no_input]
    return result
