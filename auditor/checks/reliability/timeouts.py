"""REL-TIMEOUTS: every outbound call site or client is bounded by a timeout."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.outbound import AXIOS_DEFAULTS, server_side, timeout_findings
from auditor.checks.shared.verdicts import cap, dedupe, file_line, production_findings
from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Finding, ItemResult, partial_result
from auditor.registry import check

AXIOS_CALL_RULE = "axios-call-without-timeout"
def evaluate_timeouts(item_id: str, findings: list[Finding]) -> ItemResult:
    """Every outbound call site (or client constructor) is one place: bounded (practice) or not (violation).

    A global `axios.defaults.timeout = ...` covers bare axios calls, so they are not counted against it.
    """
    bad = [f for f in findings if f.kind == VIOLATION]
    good = [f for f in findings if f.kind == PRACTICE]
    axios_default = [f for f in good if AXIOS_DEFAULTS.search(f.evidence.snippet)]
    if axios_default:
        bad = [f for f in bad if f.evidence.rule_id != AXIOS_CALL_RULE]
    bad = dedupe(bad)
    bad_lines = {(f.file, f.line) for f in bad}
    good = [f for f in dedupe(good) if (f.file, f.line) not in bad_lines]
    total = len(bad) + len(good)
    if total == 0:
        return ItemResult(item_id, "not_applicable",
                          "no outbound call found (requests, httpx, aiohttp, urllib, boto3, psycopg2, axios, "
                          "fetch, Go net/http, and the mail, Redis, broker, cloud SDK, gRPC and JS HTTP clients of "
                          "rules/outbound_clients.yml)")
    note = (f" axios.defaults.timeout at {file_line(axios_default[0])} covers bare axios calls."
            if axios_default else "")
    rationale = (f"{len(good)} of {total} outbound call sites or clients are bounded by a timeout; "
                 f"{len(bad)} are not.{note}")
    return partial_result(item_id, len(good), total, rationale,
                          cap([f.evidence for f in bad] + [f.evidence for f in good]),
                          {"bounded": len(good), "unbounded": len(bad),
                           "unbounded_calls": [file_line(f) for f in bad]})


@check("REL-TIMEOUTS")
def check_timeouts(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    return evaluate_timeouts(item.id, server_side(production_findings(ctx.findings_for(item.id)) + timeout_findings(ctx)))
