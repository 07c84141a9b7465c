"""Outbound calls as the reliability items see them (the REL-TIMEOUTS rules' call sites), and the verdict for a
practice that should surround them (retry, circuit breaker)."""
from __future__ import annotations

import re

from auditor.checks.shared.verdicts import MAX_EVIDENCE, cap, dedupe, file_line, production_findings
from auditor.context import AuditContext, Key
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.probes.outbound_clients import (
    ClientCall,
    GoStubs,
    go_client_calls,
    go_stubs,
    javascript_client_calls,
    python_client_calls,
)
from auditor.registry import collector

OUTBOUND_ITEMS = ("REL-TIMEOUTS", "REL-RETRY", "REL-CIRCUIT-BREAKER", "REL-BULKHEAD", "REL-GRACEFUL-DEGRADATION")
# a browser's own requests (theme and front-end assets): the user's page waiting on its server, not a server
# waiting on another service
BROWSER_ASSETS = re.compile(r"(^|/)(assets|public|static|frontend|client)/.*\.(js|mjs|ts)$|\.(jsx|tsx|vue|svelte)$")
CLIENT_CALLS: Key[list[ClientCall]] = Key("outbound_client_calls")
CLIENT_CALL_RULE = "network-client-call"
CLIENT_CONSTRUCTOR_RULE = "network-client-constructor"


@collector(CLIENT_CALLS, serves=OUTBOUND_ITEMS + ("SEC-SSRF",))
def collect_client_calls(ctx: AuditContext) -> list[ClientCall]:
    """Call sites of the network clients of rules/outbound_clients.yml (mail, Redis, brokers, cloud SDKs, gRPC,
    JS HTTP clients), outside tests, with how each sets its timeout and retries."""
    out: list[ClientCall] = []
    stubs: GoStubs | None = None
    go_files: list[str] = []
    for path in ctx.repo.paths():
        if TEST_FILE.search(path) or "node_modules/" in path or "/migrations/" in f"/{path}":
            continue
        if path.endswith(".go"):
            go_files.append(path)
        elif path.endswith(".py"):
            tree = ctx.repo.python_ast(path)
            if tree is not None:
                out += python_client_calls(path, tree)
        elif path.endswith((".js", ".mjs", ".cjs", ".ts")) and not path.endswith((".min.js", ".d.ts")):
            out += javascript_client_calls(path, ctx.repo.read_text(path) or "")
    if go_files:
        stubs = go_stubs([(f.path, ctx.repo.read_text(f.path) or "") for f in ctx.repo.generated
                          if f.path.endswith("_grpc.pb.go")])
        texts = {path: ctx.repo.read_text(path) or "" for path in go_files}
        dials = [c for path, text in texts.items() for c in go_client_calls(path, text, GoStubs(frozenset(), frozenset()))]
        # a timeout interceptor set at a dial bounds the calls made through the connection
        bounded = next((f"{c.timeout} set at the dial ({c.file}:{c.line})" for c in dials
                        if c.timeout and "Interceptor" in c.timeout), None)
        go_calls = [c for path, text in texts.items() for c in go_client_calls(path, text, stubs, bounded)]
        if any(not c.constructor for c in go_calls):
            go_calls = [c for path, text in texts.items()
                        for c in go_client_calls(path, text, stubs, bounded, calls_judged=True)]
        out += go_calls
    return out


def server_side(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not BROWSER_ASSETS.search(f.file)]


def client_calls(ctx: AuditContext) -> list[ClientCall]:
    return ctx.get_optional(CLIENT_CALLS) or []


def client_call_finding(ctx: AuditContext, call: ClientCall, item_id: str, kind: str, message: str) -> Finding:
    rule = CLIENT_CONSTRUCTOR_RULE if call.constructor else CLIENT_CALL_RULE
    return Finding(item_id=item_id, evidence=Evidence(call.file, call.line, ctx.repo.snippet(call.file, call.line),
                                                      end_line=call.end_line, rule_id=rule, engine="inventory",
                                                      message=message, kind=kind))


def timeout_findings(ctx: AuditContext) -> list[Finding]:
    """Each network client call site as REL-TIMEOUTS sees it: bounded (a timeout set here, or a default the
    library documents as a bound) or not."""
    out = []
    for c in client_calls(ctx):
        if c.timeout:
            out.append(client_call_finding(ctx, c, "REL-TIMEOUTS", PRACTICE, f"{c.client} ({c.kind}): {c.timeout}"))
        elif c.timeout_bounded_by_default:
            out.append(client_call_finding(ctx, c, "REL-TIMEOUTS", PRACTICE,
                                           f"{c.client} ({c.kind}): no timeout set; bounded by its default, {c.default_timeout}"))
        else:
            out.append(client_call_finding(ctx, c, "REL-TIMEOUTS", VIOLATION,
                                           f"{c.client} ({c.kind}) with no timeout: {c.default_timeout}"))
    return out


def retry_findings(ctx: AuditContext) -> list[Finding]:
    """Network client call sites whose retries are configured here or retried by the library's default policy."""
    out = []
    for c in client_calls(ctx):
        if c.retry:
            out.append(client_call_finding(ctx, c, "REL-RETRY", PRACTICE, f"{c.client}: retries configured ({c.retry})"))
        elif c.retries_by_default:
            out.append(client_call_finding(ctx, c, "REL-RETRY", PRACTICE, f"{c.client}: {c.default_retry}"))
    return out

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
    """Outbound call sites and clients, outside tests: the HTTP ones the REL-TIMEOUTS rules find (bounded or not)
    and every other network client of rules/outbound_clients.yml (mail, Redis, brokers, cloud SDKs, gRPC)."""
    http = [f for f in production_findings(ctx.findings_for("REL-TIMEOUTS"))
            if f.evidence.rule_id not in NON_HTTP_TIMEOUT_RULES and not AXIOS_DEFAULTS.search(f.evidence.snippet)]
    return dedupe(http + timeout_findings(ctx))


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
                              f"no outbound call found (HTTP, mail, Redis, broker, cloud SDK, gRPC), so there is nothing to protect with {practice}")
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
