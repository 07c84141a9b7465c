"""SEC-CSRF: state-changing endpoints exposed to CSRF are protected."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import evaluate_endpoints, judged_endpoints, with_gap
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext, Unavailable
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult
from auditor.registry import check

ADMIN_NOTE = re.compile(r"^Django admin at (\S+) \(([^()]+):(\d+)\)")


def admin_session(ctx: AuditContext, item: CatalogItem, reason: str) -> ItemResult | None:
    """The Django admin is a cookie-session surface (its forms change state) even when every API endpoint is
    authenticated by a bearer token: CsrfViewMiddleware protects it, or nothing does."""
    inv = ctx.get(ENDPOINTS)
    django = inv.global_protections.get("django") or {}
    admin = next((m for m in map(ADMIN_NOTE.match, list(inv.notes) + list(django.get("notes") or [])) if m), None)
    if admin is None:
        return None
    path, file, line = admin.group(1), admin.group(2), int(admin.group(3))
    csrf = django.get("csrf")
    where = Evidence(file, line, ctx.repo.snippet(file, line), rule_id="django-admin-session", engine="inventory",
                     kind=PRACTICE if csrf else VIOLATION,
                     message=f"the Django admin at {path} signs in with a session cookie: "
                             + (f"its forms are protected by {csrf[0]}" if csrf else "CsrfViewMiddleware is not in MIDDLEWARE"))
    if csrf:
        return ItemResult(item.id, "pass", f"{reason}; the one cookie-session surface, the Django admin at {path}, "
                          "is protected by CsrfViewMiddleware.", [where])
    return ItemResult(item.id, "fail", f"{reason}, but the Django admin at {path} signs in with a session cookie and "
                      "CsrfViewMiddleware is not in MIDDLEWARE.", [where])


@check("SEC-CSRF")
def csrf_protection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    changing = [ep for ep in endpoints if ep.state_changing]
    exposed = [ep for ep in changing if ep.csrf_applies is not False]
    undecided = [ep for ep in exposed if ep.csrf_applies is None]
    if not changing:
        none = "no state-changing endpoint (POST/PUT/PATCH/DELETE)"
        return with_gap(ctx, admin_session(ctx, item, none) or ItemResult(item.id, "not_applicable", none))
    if undecided and len(undecided) == len(exposed):
        raise Unavailable(f"could not tell whether CSRF applies to {len(undecided)} state-changing endpoint(s) "
                          f"({', '.join(sorted({ep.framework for ep in undecided}))})")
    reason = (f"none of the {len(changing)} state-changing endpoints is authenticated by cookie or session "
              "(bearer tokens or no session), so CSRF does not apply")
    if not exposed:
        admin = admin_session(ctx, item, reason.removesuffix(", so CSRF does not apply"))
        if admin is not None:
            return with_gap(ctx, admin)
    return with_gap(ctx, evaluate_endpoints(
        ctx, item, exposed, "csrf_protected",
        "state-changing endpoints exposed to CSRF (cookie/session authentication) are protected",
        "no CSRF protection", reason,
        has=lambda ep: None if ep.csrf_applies is None else ep.csrf_protected is True if ep.csrf_protected is not None else False))
