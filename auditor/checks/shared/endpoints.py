"""The endpoint inventory as the endpoint items read it, and the per-endpoint verdict they share."""
from __future__ import annotations

from typing import Callable

from auditor.catalog import CatalogItem
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import label
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result


def endpoint_inventory(ctx: AuditContext):
    """The endpoint inventory (`.endpoints`, `.unsupported`); raises Unavailable until it exists, and when
    more route registrations were left unattached than endpoints extracted (judging on that inventory would
    judge the wrong surface; see EndpointInventory.gap)."""
    inv = ctx.get(ENDPOINTS)
    blocking, gap = inv.gap() if hasattr(inv, "gap") else (False, "")
    if blocking:
        raise Unavailable(f"the endpoint inventory is too incomplete to judge on: {len(inv.endpoints)} endpoint(s) "
                          f"extracted, {gap}")
    return inv


def judged_endpoints(ctx: AuditContext) -> list[Endpoint]:
    """The endpoints, or Unavailable when a framework's routes cannot be read, none were found, or more
    route registrations were left unattached than endpoints extracted (the verdict would be about the
    wrong surface)."""
    inv = ctx.get(ENDPOINTS)
    if inv.unsupported:
        raise Unavailable("the repository uses a web framework whose routes cannot be extracted: "
                          + "; ".join(inv.unsupported))
    blocking, gap = inv.gap()
    if not inv.endpoints:
        frameworks = ", ".join(sorted(ctx.inventory.framework_names)) or "a web framework"
        raise Unavailable(f"{frameworks} detected but no routes were found (routes declared dynamically "
                          "or in a layout the extractors do not read)" + (f"; {gap}" if gap else ""))
    if blocking:
        raise Unavailable(f"the endpoint inventory is too incomplete to judge on: {len(inv.endpoints)} endpoint(s) "
                          f"extracted, {gap}")
    return inv.endpoints


def with_gap(ctx: AuditContext, result: ItemResult) -> ItemResult:
    """Name the route calls left out of the inventory in the rationale (the verdict stands: most were read)."""
    _, gap = ctx.get(ENDPOINTS).gap()
    if gap and result.verdict not in ("unknown", "manual"):
        result.rationale = f"{result.rationale} Not judged: {gap}."
        result.details["unattached_routes"] = ctx.get(ENDPOINTS).unattached
    return result


MAX_PRACTICE_EVIDENCE = 10
MAX_NAMED = 5


def declared_public(ep: Endpoint) -> bool:
    return bool(ep.protections.get("public"))


def _why_not(ep: Endpoint, field: str) -> str:
    for note in ep.notes:
        if note.startswith(field + ":"):
            return note.split(":", 1)[1].strip()
    return ""


def _evidence(ctx: AuditContext, item_id: str, ep: Endpoint, kind: str, message: str) -> Evidence:
    return Evidence(file=ep.file, line=ep.line, snippet=ctx.repo.snippet(ep.file, ep.line),
                    rule_id=f"endpoints/{item_id.lower()}", engine="endpoints", message=message, kind=kind)


def evaluate_endpoints(ctx: AuditContext, item: CatalogItem, candidates: list[Endpoint], field: str,
                       what: str, missing: str, none_reason: str,
                       has: Callable[[Endpoint], bool | None] | None = None) -> ItemResult:
    """pass/partial/fail over `candidates` by their `field` (True comply, False violate, None undetermined)."""
    if not candidates:
        return ItemResult(item.id, "not_applicable", none_reason)
    value = has or (lambda ep: getattr(ep, field))
    good = [ep for ep in candidates if value(ep) is True]
    bad = [ep for ep in candidates if value(ep) is False]
    undetermined = [ep for ep in candidates if value(ep) is None]
    if not good and not bad:
        frameworks = sorted({ep.framework for ep in undetermined})
        raise Unavailable(f"{what}: could not determine this for any of {len(undetermined)} endpoint(s) "
                          f"({', '.join(frameworks)})")
    evidence = [_evidence(ctx, item.id, ep, VIOLATION,
                          f"{label(ep)} ({ep.handler}): {missing}" + (f" ({_why_not(ep, field)})" if _why_not(ep, field) else ""))
                for ep in bad]
    evidence += [_evidence(ctx, item.id, ep, VIOLATION, f"{label(ep)} ({ep.handler}): could not determine whether it is protected")
                 for ep in undetermined]
    evidence += [_evidence(ctx, item.id, ep, PRACTICE, f"{label(ep)}: " + "; ".join(ep.protections.get(field, [])[:1]))
                 for ep in good[:MAX_PRACTICE_EVIDENCE]]
    total = len(candidates)
    rationale = f"{len(good)} of {total} {what}."
    if bad:
        named = ", ".join(label(ep) for ep in bad[:MAX_NAMED]) + (" ..." if len(bad) > MAX_NAMED else "")
        rationale += f" {missing[:1].upper() + missing[1:]}: {named}."
    if undetermined:
        rationale += f" {len(undetermined)} could not be determined and count as not compliant."
    details = {"compliant": len(good), "non_compliant": len(bad), "undetermined": len(undetermined),
               "endpoints": [{"method": ep.method, "path": ep.path, "handler": ep.handler, "file": ep.file,
                              "line": ep.line, "compliant": value(ep)} for ep in candidates]}
    return partial_result(item.id, len(good), total, rationale, evidence, details)


def route_evidence(ep: Endpoint, snippet: str, rule_id: str, message: str, kind: str = VIOLATION) -> Evidence:
    return Evidence(ep.file, ep.line, snippet, rule_id=rule_id, engine="inventory", message=message, kind=kind)


def path_segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def no_endpoints(item_id: str, inv) -> ItemResult:
    missing = f" (not read: {'; '.join(inv.unsupported)})" if getattr(inv, "unsupported", None) else ""
    if missing:
        raise Unavailable(f"no endpoint extracted{missing}")
    return ItemResult(item_id, "not_applicable", "no endpoint found in the route declarations")


def html_only_result(item_id: str, html: list[Endpoint], what: str, routes: str = "route(s)") -> ItemResult:
    sample = ", ".join(label(e) for e in html[:3])
    return ItemResult(item_id, "not_applicable",
                      f"all {len(html)} {routes} serve server-rendered HTML pages (their handlers render templates or "
                      f"redirect, e.g. {sample}); {what} applies to JSON APIs")
