"""The endpoint inventory as the endpoint items read it, and the per-endpoint verdict they share."""
from __future__ import annotations

from typing import Callable

from auditor.catalog import CatalogItem
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import label
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result


def endpoint_inventory(ctx: AuditContext):
    """The endpoint inventory (`.endpoints`, `.unsupported`); raises Unavailable until it exists, when it holds
    no endpoint because a web framework's routes cannot be read (an item would otherwise call the repository
    endpoint-free and answer not_applicable), and when more route registrations were left unattached than
    endpoints extracted (judging on that inventory would judge the wrong surface; see EndpointInventory.gap)."""
    inv = ctx.get(ENDPOINTS)
    if not inv.endpoints and getattr(inv, "unsupported", None):
        raise Unavailable("no endpoint extracted: the repository uses a web framework whose routes cannot be read "
                          f"({'; '.join(inv.unsupported)})")
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
        raise Unavailable(inv.no_endpoints_reason(frameworks))
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
HTML_ROUTES_KEY = "html_routes"   # details key under which every API item lists the server-rendered routes it set apart
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
    if getattr(inv, "frameworks", None) and hasattr(inv, "no_endpoints_reason"):
        raise Unavailable(inv.no_endpoints_reason())   # a web framework with no endpoint read: not judged, not n/a
    return ItemResult(item_id, "not_applicable", "no endpoint found in the route declarations")


def html_only_result(item_id: str, html: list[Endpoint], what: str, routes: str = "route(s)") -> ItemResult:
    sample = ", ".join(label(e) for e in html[:3])
    return ItemResult(item_id, "not_applicable",
                      f"all {len(html)} {routes} serve server-rendered HTML pages (their handlers render templates or "
                      f"redirect, e.g. {sample}); {what} applies to JSON APIs, and these routes are judged by the web "
                      "items (CSRF, authentication)", details={HTML_ROUTES_KEY: [label(e) for e in html]})



def handler_own_source(ctx: AuditContext, ep: Endpoint, whole_class: bool = False) -> str:
    """The handler's own source: the function at the route, or, when the route names a handler defined in a
    module the route file imports (`app.router.add_route('GET', '/', views.index)`), that function."""
    from auditor.endpoints.handlers import handler_source
    from auditor.probes.callees import handler_definition
    found = handler_source(ctx.repo, ep, whole_class)
    return handler_definition(ctx.repo, ep.file, ep.handler, found)[1] if ep.file.endswith(".py") else found


def split_api_and_html(endpoints: list[Endpoint], source_of: Callable[[Endpoint], str]) -> tuple[list[Endpoint], list[Endpoint]]:
    """(API routes, server-rendered HTML routes), told apart the same way for every API item: a handler that
    renders a template or redirects and answers no JSON is an HTML route (auditor/endpoints/responses.py)."""
    from auditor.endpoints.responses import split_html_routes
    return split_html_routes(endpoints, source_of)


def html_apart_note(html: list[Endpoint]) -> str:
    """The sentence every API item adds when it leaves server-rendered routes out."""
    if not html:
        return ""
    sample = ", ".join(label(e) for e in html[:3]) + (" ..." if len(html) > 3 else "")
    return (f" {len(html)} server-rendered HTML route(s) ({sample}) are judged by the web items (CSRF, "
            "authentication) and listed apart.")
