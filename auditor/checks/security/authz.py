"""SEC-AUTHZ: endpoints that address a record by id check permission or ownership."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import (
    declared_public,
    evaluate_endpoints,
    handler_own_source,
    judged_endpoints,
    with_gap,
)
from auditor.context import AuditContext
from auditor.endpoints.classify import (
    is_development_only,
    is_object_endpoint,
    is_public_by_nature,
    is_public_read,
    public_read_design,
)
from auditor.model import ItemResult
from auditor.probes.static_pages import static_page
from auditor.registry import check


@check("SEC-AUTHZ")
def authorization_checks(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    # a read served to anonymous callers by design (optional authentication) addresses a public record: there
    # is no owner to check
    design = public_read_design([ep for ep in endpoints if not is_development_only(ep)])
    objects = [ep for ep in endpoints if is_object_endpoint(ep) and not is_public_by_nature(ep)
               and not declared_public(ep) and not is_development_only(ep) and not is_public_read(ep, design)]
    # a static page under a record's path (`/projects/{code}/pricing/` answering a fixed page) reads no record
    objects = [ep for ep in objects if ep.authorized is not False or ep.method not in ("GET", "HEAD", "ANY")
               or not static_page(handler_own_source(ctx, ep))]
    result = evaluate_endpoints(
        ctx, item, objects, "authorized",
        "endpoints that address a record by id check permission or ownership",
        "no permission check or ownership filter",
        "no non-public endpoint addresses an individual record by identifier")
    result.rationale += (" Heuristic: an object endpoint is one with a path parameter (or a GraphQL operation whose "
                         "resolver passes an id argument to a data call, or a handler taking the user id from a plain "
                         "cookie), leaving out sign-in, one-time token links, public profile reads and reads whose "
                         "authentication is declared optional (and, in an app that declares that, its other "
                         "unauthenticated reads outside admin or account areas).")
    return with_gap(ctx, result)
