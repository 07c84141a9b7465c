"""Outbound calls as the reliability items see them (the REL-TIMEOUTS rules' call sites), and the verdict for a
practice that should surround them (retry, circuit breaker)."""
from __future__ import annotations

import re

from auditor.checks.shared.verdicts import MAX_EVIDENCE, cap, dedupe, file_line, production_findings
from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result

# REL-TIMEOUTS rules that are about a database connect or a client configuration, not an HTTP call site
NON_HTTP_TIMEOUT_RULES = frozenset({"psycopg2-connect-without-timeout", "psycopg2-connect-with-timeout",
                                    "botocore-config-with-timeouts"})
AXIOS_DEFAULTS = re.compile(r"axios\.defaults\.timeout\s*=")


def missing_at(calls: list[Finding] | list[Evidence], rule_id: str, message: str) -> list[Evidence]:
    """Outbound call sites restated as evidence of what is missing there."""
    out = []
    for c in calls[:MAX_EVIDENCE]:
        ev = c.evidence if isinstance(c, Finding) else c
        out.append(Evidence(ev.file, ev.line, ev.snippet, end_line=ev.end_line, rule_id=rule_id, engine=ev.engine,
                            message=message, kind=VIOLATION))
    return out


def outbound_calls(ctx: AuditContext) -> list[Finding]:
    """HTTP call sites and clients found by the REL-TIMEOUTS rules (bounded or not), outside tests."""
    return dedupe([f for f in production_findings(ctx.findings_for("REL-TIMEOUTS"))
                   if f.evidence.rule_id not in NON_HTTP_TIMEOUT_RULES
                   and not AXIOS_DEFAULTS.search(f.evidence.snippet)])


def evaluate_practice_around_calls(item_id: str, findings: list[Finding], calls: list[Finding],
                                   practice: str, looked_for: str) -> ItemResult:
    """Pass when the practice is declared (positive evidence) and nothing violates it; partial when
    some declarations violate it; fail when calls exist and the practice is absent; not applicable
    when there is neither an outbound call nor a declaration. Heuristic: it does not prove that every
    call goes through the declared policy."""
    bad = dedupe([f for f in findings if f.kind == VIOLATION])
    good = dedupe([f for f in findings if f.kind == PRACTICE])
    if not good and not bad:
        if not calls:
            return ItemResult(item_id, "not_applicable",
                              f"no outbound HTTP call found, so there is nothing to protect with {practice}")
        return ItemResult(item_id, "fail",
                          f"{len(calls)} outbound call site(s) and no {practice} anywhere (heuristic); "
                          f"looked for {looked_for}.",
                          missing_at(calls, "no-" + practice.replace(" ", "-"), f"outbound call without {practice}"),
                          details={"outbound_calls": [file_line(f) for f in calls]})
    total = len(good) + len(bad)
    return partial_result(item_id, len(good), total,
                          f"{len(good)} of {total} {practice} declaration(s) are sound; {len(bad)} are not "
                          f"(heuristic: calls not wrapped by a declared policy are not traced). "
                          f"{len(calls)} outbound call site(s).",
                          cap([f.evidence for f in bad] + [f.evidence for f in good]),
                          {"sound": len(good), "unsound": len(bad), "outbound_calls": len(calls)})
