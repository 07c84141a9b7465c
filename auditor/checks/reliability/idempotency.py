"""REL-IDEMPOTENCY: order and payment endpoints accept an idempotency key."""
from __future__ import annotations

import re
from typing import Callable

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.checks.shared.verdicts import cap, file_line
from auditor.context import AuditContext
from auditor.endpoints.handlers import handler_source
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result
from auditor.registry import check

PAYMENT_OR_ORDER = re.compile(r"(?i)(order|payment|pay\b|charge|checkout|purchase|invoice|transfer|"
                              r"subscription|subscribe|booking|refund|donation|transaction)")
IDEMPOTENCY = re.compile(r"(?i)idempot")
GLOBAL_IDEMPOTENCY = re.compile(r"(?i)(IdempotencyMiddleware|express-idempotency|idempotency-key|"
                                r"django_idempotency|idempotency_key_middleware|idempotent_request)")


def needs_idempotency(ep: Endpoint) -> bool:
    """A POST that creates an order or takes a payment (by path or handler name)."""
    if ep.method.upper() not in ("POST", "ANY"):
        return False
    last = [s for s in ep.path.strip("/").split("/") if s and not s.startswith("{")]
    words = " ".join(last[-2:]) + " " + ep.handler
    return bool(PAYMENT_OR_ORDER.search(words)) and not re.search(r"(?i)(cancel|search|list)", last[-1] if last else "")


def evaluate_idempotency(item_id: str, endpoints: list[Endpoint], source_of: Callable[[Endpoint], str],
                         global_evidence: list[Evidence], snippet_of: Callable[[Endpoint], str]) -> ItemResult:
    targets = [e for e in endpoints if needs_idempotency(e)]
    if not targets:
        return ItemResult(item_id, "not_applicable",
                          f"no endpoint creates orders or takes payments among {len(endpoints)} endpoint(s) "
                          "(looked at POST routes named order, payment, charge, checkout, purchase, ...)")
    if global_evidence:
        return ItemResult(item_id, "pass",
                          f"idempotency handled globally ({file_line(global_evidence[0])}) for {len(targets)} "
                          "order/payment endpoint(s) (heuristic).", cap(global_evidence))
    good: list[Evidence] = []
    bad: list[Evidence] = []
    for ep in targets:
        src = source_of(ep)
        kind = PRACTICE if IDEMPOTENCY.search(src) else VIOLATION
        msg = (f"{ep.method} {ep.path}: reads an idempotency key" if kind == PRACTICE else
               f"{ep.method} {ep.path} creates orders or takes payment without an idempotency key: a client "
               "retry after a timeout repeats it")
        ev = Evidence(ep.file, ep.line, snippet_of(ep), rule_id="idempotency-key", engine="inventory",
                      message=msg, kind=kind)
        (good if kind == PRACTICE else bad).append(ev)
    return partial_result(item_id, len(good), len(targets),
                          f"{len(good)} of {len(targets)} order/payment endpoint(s) accept an idempotency key "
                          "(heuristic: handler text mentions idempotency).", cap(bad + good),
                          {"endpoints": [f"{e.method} {e.path}" for e in targets]})


@check("REL-IDEMPOTENCY")
def check_idempotency(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    global_evidence = []
    for path in ctx.repo.paths():
        if TEST_FILE.search(path) or not path.endswith((".py", ".js", ".ts", ".go")):
            continue
        if "idempot" not in (ctx.repo.read_text(path) or "").lower():  # every GLOBAL_IDEMPOTENCY match spells it
            continue
        for number, line in enumerate(ctx.repo.lines(path), 1):
            if GLOBAL_IDEMPOTENCY.search(line) and re.search(r"(?i)(middleware|app\.use|MIDDLEWARE|use\()", line):
                global_evidence.append(Evidence(path, number, line.strip(), rule_id="idempotency-middleware",
                                                engine="text", message="idempotency middleware", kind=PRACTICE))
    return evaluate_idempotency(item.id, inv.endpoints, lambda e: handler_source(ctx.repo, e),
                                global_evidence, lambda e: ctx.repo.snippet(e.file, e.line))
