"""SEC-AUTHZ: endpoints that address a record by id check permission or ownership."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import declared_public, evaluate_endpoints, judged_endpoints, with_gap
from auditor.context import AuditContext
from auditor.endpoints.classify import is_development_only, is_object_endpoint, is_public_by_nature
from auditor.endpoints.express import OPTIONAL_AUTH_NOTE
from auditor.model import Endpoint, ItemResult
from auditor.registry import check


def is_open_read(ep: Endpoint) -> bool:
    """A read whose authentication the route declares optional (`auth.optional`) answers anonymous callers by
    design: the record it addresses is public, so there is no owner to check."""
    return ep.method in ("GET", "HEAD") and any(n.startswith(OPTIONAL_AUTH_NOTE) for n in ep.notes)


@check("SEC-AUTHZ")
def authorization_checks(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    objects = [ep for ep in endpoints if is_object_endpoint(ep) and not is_public_by_nature(ep)
               and not declared_public(ep) and not is_development_only(ep) and not is_open_read(ep)]
    result = evaluate_endpoints(
        ctx, item, objects, "authorized",
        "endpoints that address a record by id check permission or ownership",
        "no permission check or ownership filter",
        "no non-public endpoint addresses an individual record by identifier")
    result.rationale += (" Heuristic: an object endpoint is one with a path parameter (or a GraphQL operation whose "
                         "resolver passes an id argument to a data call, or a handler taking the user id from a plain "
                         "cookie), leaving out sign-in, one-time token links, public profile reads and reads whose "
                         "authentication is declared optional.")
    return with_gap(ctx, result)
