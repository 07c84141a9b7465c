"""Security items answered per endpoint from the endpoint inventory: SEC-AUTHN, SEC-AUTHZ, SEC-CSRF,
SEC-RATE-LIMIT, SEC-INPUT-VALIDATION.

Each item picks the endpoints it is about, counts those whose protection field is True (comply), False
(evidence, one per endpoint with its route's file:line) and None (undetermined). Undetermined endpoints
never let an item pass: they count against it and are named in the rationale.
"""
from __future__ import annotations

from typing import Callable

from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Unavailable
from auditor.endpoints import EndpointInventory
from auditor.endpoints.classify import (is_development_only, is_object_endpoint, is_public_by_nature, is_sensitive,
                                       label)
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result
from auditor.registry import check

MAX_PRACTICE_EVIDENCE = 10
MAX_NAMED = 5


def endpoint_inventory(ctx: AuditContext) -> list[Endpoint]:
    """The endpoints, or Unavailable when a framework's routes cannot be read, none were found, or more
    route registrations were left unattached than endpoints extracted (the verdict would be about the
    wrong surface)."""
    inv: EndpointInventory = ctx.get("endpoints")
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
    _, gap = ctx.get("endpoints").gap()
    if gap and result.verdict not in ("unknown", "manual"):
        result.rationale = f"{result.rationale} Not judged: {gap}."
        result.details["unattached_routes"] = ctx.get("endpoints").unattached
    return result


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


@check("SEC-AUTHN")
def authentication_required(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = endpoint_inventory(ctx)
    development = [ep for ep in endpoints if is_development_only(ep)]
    production = [ep for ep in endpoints if ep not in development]
    public = [ep for ep in production
              if (is_public_by_nature(ep) or declared_public(ep)) and ep.authenticated is not True]
    protected = [ep for ep in production if ep not in public]
    result = evaluate_endpoints(
        ctx, item, protected, "authenticated",
        "endpoints that should require authentication have it", "no authentication",
        f"all {len(production)} endpoints are public by nature (login, sign-up, health, docs) or declared public")
    result.details["public_by_nature"] = [label(ep) for ep in public]
    if development:
        result.rationale += (f" {len(development)} development-only endpoint(s) left out "
                             f"({', '.join(label(ep) for ep in development[:MAX_NAMED])}).")
        result.details["development_only"] = [label(ep) for ep in development]
    return with_gap(ctx, result)


@check("SEC-AUTHZ")
def authorization_checks(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = endpoint_inventory(ctx)
    objects = [ep for ep in endpoints if is_object_endpoint(ep) and not is_public_by_nature(ep)
               and not declared_public(ep) and not is_development_only(ep)]
    result = evaluate_endpoints(
        ctx, item, objects, "authorized",
        "endpoints that address a record by id check permission or ownership",
        "no permission check or ownership filter",
        "no non-public endpoint addresses an individual record by identifier")
    result.rationale += (" Heuristic: an object endpoint is one with a path parameter, leaving out sign-in, "
                         "one-time token links and public profile reads.")
    return with_gap(ctx, result)


@check("SEC-CSRF")
def csrf_protection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = endpoint_inventory(ctx)
    changing = [ep for ep in endpoints if ep.state_changing]
    exposed = [ep for ep in changing if ep.csrf_applies is not False]
    undecided = [ep for ep in exposed if ep.csrf_applies is None]
    if not changing:
        return with_gap(ctx, ItemResult(item.id, "not_applicable", "no state-changing endpoint (POST/PUT/PATCH/DELETE)"))
    if undecided and len(undecided) == len(exposed):
        raise Unavailable(f"could not tell whether CSRF applies to {len(undecided)} state-changing endpoint(s) "
                          f"({', '.join(sorted({ep.framework for ep in undecided}))})")
    reason = (f"none of the {len(changing)} state-changing endpoints is authenticated by cookie or session "
              "(bearer tokens or no session), so CSRF does not apply")
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, exposed, "csrf_protected",
        "state-changing endpoints exposed to CSRF (cookie/session authentication) are protected",
        "no CSRF protection", reason,
        has=lambda ep: None if ep.csrf_applies is None else ep.csrf_protected is True if ep.csrf_protected is not None else False))


@check("SEC-RATE-LIMIT")
def rate_limit_sensitive(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = endpoint_inventory(ctx)
    sensitive = [ep for ep in endpoints if is_sensitive(ep)]
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, sensitive, "rate_limited",
        "sensitive endpoints (login, token, password reset, sign-up) are rate limited", "no rate limit",
        "no login, token, password-reset or sign-up endpoint found"))


@check("SEC-INPUT-VALIDATION")
def input_validation(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = endpoint_inventory(ctx)
    takes_input = [ep for ep in endpoints
                   if ep.input_validated is not None or not any(n.startswith("input:") for n in ep.notes)]
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, takes_input, "input_validated",
        "endpoints that take a body or parameters validate them with a schema", "input not validated",
        "no endpoint reads a request body or parameters"))
