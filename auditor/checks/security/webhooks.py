"""SEC-WEBHOOKS: inbound webhook endpoints verify the sender's signature and reject replays ("Webhook handling").

A webhook endpoint is one that accepts writes (POST, PUT or any method) and whose path or handler name
says webhook, hook(s), notify/notification or ipn. Its handler's text (auditor.endpoints.handlers) is read
for a signature check that holds: a provider SDK that verifies (Stripe's construct_event/constructEvent,
svix, Octokit, Slack's SignatureVerifier, Twilio's RequestValidator, standardwebhooks) or an HMAC compared
in constant time (hmac.compare_digest, crypto.timingSafeEqual); an HMAC compared with == is a violation.
Replays: the SDKs above check a signed timestamp; a hand-written check must compare a timestamp with the
clock. Heuristic, and said so.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.context import AuditContext
from auditor.endpoints.handlers import handler_source
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result
from auditor.registry import check

ITEM = "SEC-WEBHOOKS"
WEBHOOK_NAME = re.compile(r"(?i)web_?hooks?|(^|[/_-])hooks?($|[/_-])|notif(y|ication)s?|(^|[/_-])ipn($|[/_-])")
# SDK calls that verify the signature and the signed timestamp together
SDK_VERIFY = re.compile(r"\bconstruct_?[Ee]vent\(|\bWebhook\([^)]*\)\.verify\(|\bwebhooks?\.verify\(|"
                        r"\bSignatureVerifier\(|\bRequestValidator\(|\bverifyWebhook\w*\(|\bvalidateRequest\(|"
                        r"\bverify_webhook\w*\(|standardwebhooks")
HMAC_COMPUTED = re.compile(r"\bhmac\.new\(|\bhmac\.HMAC\(|\bcreateHmac\(|\bhmac\.New\(")
CONSTANT_TIME = re.compile(r"\bcompare_digest\(|\btimingSafeEqual\(|\bhmac\.Equal\(|\bsecure_compare\(|"
                           r"\bconstant_time_compare\(|\bsubtle\.ConstantTimeCompare\(")
TIMESTAMP_CHECK = re.compile(r"(?i)(time\.time\(\)|Date\.now\(\)|datetime\.now\(|utcnow\(|time\.Now\(\))[^\n]{0,80}"
                             r"(timestamp|\bts\b|tolerance)|(timestamp|\bts\b|tolerance)[^\n]{0,80}"
                             r"(time\.time\(\)|Date\.now\(\)|datetime\.now\(|utcnow\(|time\.Now\(\))|\btolerance\s*=")


@dataclass(frozen=True)
class WebhookHandler:
    endpoint: Endpoint
    source: str


def is_webhook(ep: Endpoint) -> bool:
    return ep.method.upper() in ("POST", "PUT", "ANY") and bool(
        WEBHOOK_NAME.search(ep.path) or WEBHOOK_NAME.search(ep.handler))


def webhook_problems(source: str) -> tuple[list[str], list[str]]:
    """(what holds, what is missing) for one handler's text."""
    holds, missing = [], []
    if SDK_VERIFY.search(source):
        return ["signature and timestamp verified by the provider's SDK"], []
    if HMAC_COMPUTED.search(source):
        if CONSTANT_TIME.search(source):
            holds.append("HMAC signature compared in constant time")
        else:
            missing.append("constant-time comparison of the HMAC (compared with ==, which leaks timing)")
    elif CONSTANT_TIME.search(source):
        holds.append("signature compared in constant time")
    else:
        missing.append("signature verification")
    if TIMESTAMP_CHECK.search(source):
        holds.append("timestamp tolerance checked")
    else:
        missing.append("replay protection (a signed timestamp compared with the clock)")
    return holds, missing


def evaluate_webhooks(item_id: str, handlers: list[WebhookHandler], endpoints: int) -> ItemResult:
    if not handlers:
        return ItemResult(item_id, "not_applicable",
                          f"Heuristic: none of the {endpoints} endpoint(s) is an inbound webhook (a POST route whose "
                          "path or handler says webhook, hooks, notify or ipn).")
    evidence, good = [], 0
    for h in handlers:
        ep = h.endpoint
        if not h.source:
            evidence.append(Evidence(ep.file, ep.line, "", rule_id="webhook-handler-unread", engine="inventory",
                                     message=f"{ep.method} {ep.path}: handler text not found, not judged", kind=VIOLATION))
            continue
        holds, missing = webhook_problems(h.source)
        first = h.source.strip().splitlines()[0] if h.source.strip() else ""
        if missing:
            evidence.append(Evidence(ep.file, ep.line, first, rule_id="webhook-unverified", engine="inventory",
                                     message=f"{ep.method} {ep.path}: missing {'; '.join(missing)}", kind=VIOLATION))
        else:
            good += 1
            evidence.append(Evidence(ep.file, ep.line, first, rule_id="webhook-verified", engine="inventory",
                                     message=f"{ep.method} {ep.path}: {'; '.join(holds)}", kind=PRACTICE))
    return partial_result(item_id, good, len(handlers),
                          f"Heuristic: {good} of {len(handlers)} webhook endpoint(s) verify the sender's signature in "
                          "constant time and reject replays.", evidence,
                          {"webhooks": [f"{h.endpoint.method} {h.endpoint.path}" for h in handlers]})


CALLED_NAME = re.compile(r"\b([A-Za-z_][\w]*)\s*\(")


def with_local_callees(repo, ep: Endpoint, source: str) -> str:
    """The handler's text plus the functions it calls by name that are defined in the same Python module
    (a `verify_signature(request)` helper beside the view)."""
    if not source or not ep.file.endswith(".py"):
        return source
    tree = repo.python_ast(ep.file)
    if tree is None:
        return source
    called = set(CALLED_NAME.findall(source))
    lines = repo.lines(ep.file)
    extra = [("\n".join(lines[n.lineno - 1:n.end_lineno])) for n in tree.body
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in called
             and not (n.lineno <= ep.line <= (n.end_lineno or n.lineno))]
    return "\n".join([source, *extra])


@check("SEC-WEBHOOKS")
def check_webhooks(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    handlers = [WebhookHandler(ep, with_local_callees(ctx.repo, ep, handler_source(ctx.repo, ep, whole_class=True)))
                for ep in inv.endpoints if is_webhook(ep)]
    return evaluate_webhooks(item.id, handlers, len(inv.endpoints))
