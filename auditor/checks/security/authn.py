"""SEC-AUTHN: endpoints that should require authentication have it."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import (
    MAX_NAMED,
    declared_public,
    evaluate_endpoints,
    handler_own_source,
    judged_endpoints,
    with_gap,
)
from auditor.context import AuditContext
from auditor.endpoints.classify import (
    is_development_only,
    is_public_by_nature,
    is_public_read,
    is_token_path,
    label,
    public_read_design,
    signs_in,
)
from auditor.model import ItemResult
from auditor.probes.static_pages import static_page
from auditor.registry import check

SIGNED_VALUE_CHECK = re.compile(r"\bexcept\s+(?:\w+\.)*(?:BadSignature|SignatureExpired|BadTimeSignature)\b|"
                                r"\bif\s+not\s+(?:\w+\.)*(?:check_signature|verify_signature|valid_signature)\(")


def own_check_only(ep) -> bool:
    """Its only authentication is a check in its own body (a login answering 401 when the password is wrong):
    the endpoint is where one signs in, not one behind a login."""
    guards = ep.protections.get("authenticated", [])
    return bool(guards) and all(g.startswith("check in ") for g in guards)


@check("SEC-AUTHN")
def authentication_required(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    development = [ep for ep in endpoints if is_development_only(ep)]
    production = [ep for ep in endpoints if ep not in development]
    # public by nature, declared public, or a link that carries its own credential (a one-time token, a signed
    # value): the token in the path is what authenticates the caller
    public = [ep for ep in production
              if (is_public_by_nature(ep) or declared_public(ep) or is_token_path(ep))
              and (ep.authenticated is not True or own_check_only(ep))]
    # a caller that proves itself with a value the app signed (a bounce address, a signed id it unsigns, and
    # refuses on BadSignature): authenticated by that signature, as a one-time link is by its token
    public += [ep for ep in production if ep not in public and ep.authenticated is False
               and SIGNED_VALUE_CHECK.search(handler_own_source(ctx, ep))]
    # a static page (the same page for every caller, from constants and settings): nothing behind it to protect
    public += [ep for ep in production if ep not in public and ep.authenticated is False
               and ep.method in ("GET", "HEAD", "ANY") and static_page(handler_own_source(ctx, ep))]
    # a login by what it does (reads the client's password and checks it), whatever its path
    public += [ep for ep in production if ep not in public and ep.authenticated is False
               and ep.method not in ("GET", "HEAD", "OPTIONS", "DELETE") and signs_in(handler_own_source(ctx, ep))]
    # reads the app serves to anonymous callers on purpose: authentication declared optional, and, once the app
    # declares that, its other unauthenticated reads outside private areas
    design = public_read_design(production)
    open_reads = [ep for ep in production if ep not in public and ep.authenticated is not True
                  and is_public_read(ep, design)]
    public += open_reads
    protected = [ep for ep in production if ep not in public]
    result = evaluate_endpoints(
        ctx, item, protected, "authenticated",
        "endpoints that should require authentication have it", "no authentication",
        f"all {len(production)} endpoints are public by nature (login, sign-up, health, docs) or declared public")
    result.details["public_by_nature"] = [label(ep) for ep in public]
    if open_reads:
        result.rationale += (f" {len(open_reads)} read(s) public by design and not counted: "
                             f"{', '.join(label(ep) for ep in open_reads[:MAX_NAMED])}"
                             f"{' ...' if len(open_reads) > MAX_NAMED else ''} (the app declares optional "
                             f"authentication on reads, e.g. {label(design) if design else 'on each of them'}).")
        result.details["public_reads"] = [label(ep) for ep in open_reads]
    if development:
        result.rationale += (f" {len(development)} development-only endpoint(s) left out "
                             f"({', '.join(label(ep) for ep in development[:MAX_NAMED])}).")
        result.details["development_only"] = [label(ep) for ep in development]
    return with_gap(ctx, result)
