"""REL-IDEMPOTENCY: every endpoint that creates state is safe to retry.

An endpoint creates state when its handler (or a repository function it calls, one level deep) inserts a
row or a document: ORM `session.add`/`objects.create`/`.save()` of a new object, `INSERT INTO`, `insert_one`,
`Model.create(...)`, a repository `create_*`/`add_*`/`insert_*` call. It is protected by an idempotency key
checked against stored keys, by a natural key with get-or-create / upsert / `ON CONFLICT`, or by a PUT to a
client-chosen id. Payments and orders weigh more: a duplicated charge costs money, a duplicated note does not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.checks.shared.verdicts import cap, file_line
from auditor.context import AuditContext
from auditor.endpoints.classify import is_entry_point, label
from auditor.endpoints.handlers import handler_source
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult
from auditor.probes.callees import endpoint_text
from auditor.registry import check

PAYMENT = re.compile(r"(?i)(order|payment|\bpay\b|charge|checkout|purchase|invoice|transfer|subscription|"
                     r"refund|donation|transaction|stripe|paypal|braintree)")
# what creating a row or a document looks like in handler text
CREATES = re.compile(
    r"(?i:\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b)|\.objects\.(?:bulk_)?create\(|\bsession\.add(?:_all)?\(|\bdb\.add\(|"
    r"\.insert_?(?:one|many|One|Many)\(|\.insert\((?!\s*\d)|\.bulkCreate\(|\b[A-Z]\w*\.create\(|"
    r"\.(?:create|insert)_\w+\(|\.(?:create|insert)[A-Z]\w*\(|\.create\(\s*(?:\)|\*\*|\{|data\s*:)|"
    r"\bnew\s+[\w.]*[A-Z]\w*\([\s\S]{0,400}?\.save\(|\b[A-Z]\w*\([\s\S]{0,600}?\.save\(\s*\)")
IDEMPOTENCY_KEY = re.compile(r"(?i)idempot")
# a natural key that makes a retried create a no-op or an update
NATURAL_KEY = re.compile(r"\bget_or_create\(|\bupdate_or_create\(|\bon_conflict_do_\w+\(|\bON\s+CONFLICT\b|"
                         r"\bON\s+DUPLICATE\s+KEY\b|\bINSERT\s+OR\s+(?:IGNORE|REPLACE)\b|\bupsert\b|\bfindOrCreate\(|"
                         r"\bfindOneAndUpdate\([\s\S]{0,300}upsert|\bsession\.merge\(|\bprisma\.\w+\.upsert\(", re.I)
# the natural-key writes that create a row when it is absent (session.merge of a loaded object updates it)
UPSERT = re.compile(r"\bget_or_create\(|\bupdate_or_create\(|\bon_conflict_do_\w+\(|\bON\s+CONFLICT\b|"
                    r"\bON\s+DUPLICATE\s+KEY\b|\bINSERT\s+OR\s+(?:IGNORE|REPLACE)\b|\bupsert\b|\bfindOrCreate\(", re.I)
GLOBAL_IDEMPOTENCY = re.compile(r"(?i)(IdempotencyMiddleware|express-idempotency|idempotency-key|"
                                r"django_idempotency|idempotency_key_middleware|idempotent_request)")
PATH_PARAMETER = re.compile(r"^[{<:]")
NOT_FOUND = re.compile(r"\b404\b|HTTP_404|NotFound|not[ _]found|get_object_or_404|or_404\(", re.I)
SIGN_UP = re.compile(r"(?i)^(regist\w*|sign-?up|users|accounts|members|customers)/?$")


@dataclass(frozen=True)
class CreateEndpoint:
    """An endpoint whose handler creates state, and what protects a retry (empty when nothing does)."""
    endpoint: Endpoint
    creates: str          # the text that creates state
    protection: str       # "idempotency key", "get_or_create", "PUT to a client-chosen id", or ""
    payment: bool


def creation_of(ep: Endpoint, source: str) -> CreateEndpoint | None:
    """The endpoint as a creator of state, or None when it creates nothing (by its handler text)."""
    method = ep.method.upper()
    if method not in ("POST", "PUT", "ANY") or not source:
        return None
    last = [s for s in ep.path.strip("/").split("/") if s]
    payment = bool(PAYMENT.search(ep.path + " " + ep.handler)) and not re.search(
        r"(?i)(cancel|search|list|status|webhook)", last[-1] if last else "")
    found = CREATES.search(source) or UPSERT.search(source)
    if not found and not (payment and method in ("POST", "ANY")):
        return None
    creates = " ".join(found.group(0).split())[:60] if found else "takes a payment"
    if method in ("POST", "ANY") and last and PATH_PARAMETER.match(last[-1]):
        return None   # a POST to /things/{id} changes that thing; it does not create another
    if is_entry_point(ep) and not SIGN_UP.search(last[-1] if last else ""):
        return None   # a login writes a session, not a resource a client would retry into a duplicate
    protection = ""
    key = IDEMPOTENCY_KEY.search(source)
    natural = NATURAL_KEY.search(source)
    if key:
        protection = "idempotency key"
    elif natural:
        protection = natural.group(0).strip("(").strip()
    elif method == "PUT" and last and PATH_PARAMETER.match(last[-1]) and not NOT_FOUND.search(source):
        protection = "PUT to a client-chosen id (creates it when absent)"
    elif method == "PUT":
        return None   # a PUT that answers 404 for an unknown id updates; one without an id is not a create
    return CreateEndpoint(ep, creates, protection, payment)


PAYMENT_WEIGHT = 3


def evaluate_idempotency(item_id: str, endpoints: list[Endpoint], source_of: Callable[[Endpoint], str],
                         global_evidence: list[Evidence], snippet_of: Callable[[Endpoint], str]) -> ItemResult:
    creators = [c for c in (creation_of(e, source_of(e)) for e in endpoints) if c is not None]
    if not creators:
        return ItemResult(item_id, "not_applicable",
                          f"no endpoint creates state among {len(endpoints)} endpoint(s) (looked in POST/PUT handlers "
                          "and the repository functions they call for session.add, objects.create, .save() of a new "
                          "object, INSERT INTO, insert_one, Model.create, create_*/add_* calls)")
    payments = [c for c in creators if c.payment]
    if global_evidence:
        return ItemResult(item_id, "pass",
                          f"idempotency handled globally ({file_line(global_evidence[0])}) for {len(creators)} "
                          "endpoint(s) that create state (heuristic).", cap(global_evidence),
                          details={"create_endpoints": [label(c.endpoint) for c in creators]})
    good: list[Evidence] = []
    bad: list[Evidence] = []
    for c in creators:
        ep = c.endpoint
        what = "takes payment or creates an order" if c.payment else "creates state"
        if c.protection:
            good.append(Evidence(ep.file, ep.line, snippet_of(ep), rule_id="idempotent-create", engine="inventory",
                                 message=f"{label(ep)} {what} ({c.creates}); a retry is safe: {c.protection}",
                                 kind=PRACTICE))
        else:
            bad.append(Evidence(ep.file, ep.line, snippet_of(ep), rule_id="create-without-idempotency",
                                engine="inventory", kind=VIOLATION,
                                message=f"{label(ep)} {what} ({c.creates}) with no idempotency key, natural-key "
                                        "upsert or client-chosen id: a client retry after a timeout creates it twice"))
    weight = {id(c.endpoint): PAYMENT_WEIGHT if c.payment else 1 for c in creators}
    good_w = sum(weight[id(c.endpoint)] for c in creators if c.protection)
    total_w = sum(weight.values())
    unprotected_payments = [c for c in payments if not c.protection]
    severity = "high" if unprotected_payments else ("medium" if bad else "none")
    rationale = (f"{len(good)} of {len(creators)} endpoint(s) that create state are safe to retry (idempotency key, "
                 f"get-or-create/upsert/ON CONFLICT, or PUT to a client-chosen id); {len(bad)} are not")
    if payments:
        rationale += (f"; {len(unprotected_payments)} of {len(payments)} payment/order endpoint(s) unprotected "
                      f"(weighted {PAYMENT_WEIGHT}x)")
    rationale += ". Judged from handler text and the repository functions it calls, one level (heuristic)."
    if good_w >= total_w:
        verdict = "pass"
    elif good_w == 0:
        verdict = "fail"
    else:
        verdict = "partial"
    score = max(1, min(9, round(10 * good_w / total_w))) if verdict == "partial" else None
    return ItemResult(item_id, verdict, rationale, cap(bad + good), partial_score=score,
                      details={"severity": severity,
                               "create_endpoints": [label(c.endpoint) for c in creators],
                               "unprotected": [f"{label(c.endpoint)} {file_line(c.endpoint)}" for c in creators
                                               if not c.protection],
                               "payment_endpoints": [label(c.endpoint) for c in payments]})


def global_idempotency(ctx: AuditContext) -> list[Evidence]:
    out = []
    for path in ctx.repo.paths():
        if TEST_FILE.search(path) or not path.endswith((".py", ".js", ".ts", ".go")):
            continue
        if "idempot" not in (ctx.repo.read_text(path) or "").lower():  # every GLOBAL_IDEMPOTENCY match spells it
            continue
        for number, line in enumerate(ctx.repo.lines(path), 1):
            if GLOBAL_IDEMPOTENCY.search(line) and re.search(r"(?i)(middleware|app\.use|MIDDLEWARE|use\()", line):
                out.append(Evidence(path, number, line.strip(), rule_id="idempotency-middleware",
                                    engine="text", message="idempotency middleware", kind=PRACTICE))
    return out


@check("REL-IDEMPOTENCY")
def check_idempotency(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    return evaluate_idempotency(item.id, inv.endpoints,
                                lambda e: endpoint_text(ctx.repo, e.file, e.handler, handler_source(ctx.repo, e)),
                                global_idempotency(ctx), lambda e: ctx.repo.snippet(e.file, e.line))
