"""Protections of plain Django views: login_required & co. or auth mixins, permission decorators and mixins,
CsrfViewMiddleware unless @csrf_exempt, django-ratelimit, forms."""
from __future__ import annotations

import ast
import re

from auditor.endpoints.common import SAFE_METHODS, mark, where
from auditor.endpoints.django.lists import list_in_body, ratelimit_decorator
from auditor.endpoints.django.model import AUTH_MIXINS, AUTHZ_MIXINS, HTTP_NAMES, REQUEST_INPUT, UrlWalk, View
from auditor.endpoints.protections import (
    AUTHENTICATION,
    AUTHORIZATION,
    RATE_LIMIT,
    Finding,
    classify_function,
    protections_of,
)
from auditor.endpoints.protections.behaviour import guards
from auditor.endpoints.protections.counters import counter_limit
from auditor.endpoints.protections.resolve import delegated_protections
from auditor.endpoints.pyast import class_bases, class_method, last_name, source_text
from auditor.endpoints.pyprotect import (
    AUTH_DECORATOR,
    AUTHZ_DECORATOR,
    ROLE_CHECK,
    ownership_filter,
    repo_auth_decorator,
    takes_any,
    validation_in_body,
)
from auditor.model import Endpoint


def protect_django(c: UrlWalk, ep: Endpoint, v: View, fn) -> None:
    """Every protection field of one plain Django endpoint, one concern at a time."""
    mod = v.cls_module or v.module
    decs, bases = _decorators_and_bases(c, v, fn)
    texts = [(source_text(d), d.lineno) for d in decs]
    if v.name.startswith(("login_required(", "permission_required(", "staff_member_required(")):
        texts.append((v.name, None))
    body = fn if fn is not None else v.cls
    behaviour: dict[str, list[str]] = {}
    for d in decs:
        for f in protections_of(c.project, mod, d):
            behaviour.setdefault(f.kind, []).append(f"@{f.text()}")
    if v.cls is not None:
        for base in v.cls.bases:
            for f in protections_of(c.project, v.cls_module or mod, base):
                behaviour.setdefault(f.kind, []).append(f"base class {f.text()}")
    if fn is not None:
        for kind, how in delegated_protections(c.project, mod, fn).items():
            behaviour.setdefault(kind, []).append(f"hands the request to {how}")
        # the view's own opening checks (`if not request.user.is_authenticated: return HttpResponseForbidden()`)
        for kind, how in guards(fn, top_level=True).items():
            if kind in (AUTHENTICATION, AUTHORIZATION):
                behaviour.setdefault(kind, []).append(f"check in {ep.handler}: {how} ({where(mod.path, fn.lineno)})")
    for f in middleware_protections(c):
        behaviour.setdefault(f.kind, []).append(f"MIDDLEWARE {f.text()}")
    counted = counter_limit(c.project, mod, fn)
    if counted:
        behaviour.setdefault(RATE_LIMIT, []).append(counted)
    _authentication(c, ep, v, mod, decs, bases, texts, behaviour.get(AUTHENTICATION, []))
    _authorization(ep, bases, texts, body, behaviour.get(AUTHORIZATION, []),
                   scoped_lookup(c.project, mod, fn) if fn is not None else None)
    _csrf(c, ep, mod, texts, body)
    _rate_limit(ep, v, fn, behaviour.get(RATE_LIMIT, []))
    if body is None:
        return
    if fn is not None and ep.method in ("GET", "ANY") and not ep.path.rstrip("/").endswith("}"):
        list_in_body(ep, fn, v)
    _input_validation(ep, body, bases)


def _decorators_and_bases(c: UrlWalk, v: View, fn) -> tuple[list[ast.expr], list[str]]:
    """The decorators that wrap the view (function, class, dispatch()) and the class's base names."""
    decs = list(fn.decorator_list) if fn is not None else []
    bases: list[str] = []
    if v.cls is not None:
        decs += v.cls.decorator_list
        bases = class_bases(c.project, v.cls_module, v.cls)
        for name in HTTP_NAMES + ("dispatch",):
            found = class_method(c.project, v.cls_module, v.cls, name)
            if found is not None and name == "dispatch":
                decs += found[2].decorator_list
    return decs, bases


def middleware_protections(c: UrlWalk) -> list[Finding]:
    """What the repository's own classes in MIDDLEWARE do to every request (read once per settings)."""
    if c.middleware_found is not None:
        return c.middleware_found
    out: list[Finding] = []
    for dotted_path in c.settings.middleware:
        module_name, _, cls_name = dotted_path.rpartition(".")
        mod = c.project.find_module(module_name) if module_name else None
        if mod is None or cls_name not in mod.classes:
            continue
        cls = mod.classes[cls_name]
        out += classify_function(cls, dotted_path, where(mod.path, cls.lineno), _follow_in(c, mod))
    c.middleware_found = out
    return out


def _follow_in(c: UrlWalk, mod):
    def follow(call: ast.Call) -> list[Finding]:
        return protections_of(c.project, mod, call.func, 1)
    return follow


def _authentication(c: UrlWalk, ep: Endpoint, v: View, mod, decs: list, bases: list[str],
                    texts: list[tuple[str, int | None]], behaviour: list[str] | None = None) -> None:
    """login_required & co., the repository's own auth decorator, an auth mixin, or LoginRequiredMiddleware."""
    mw = c.settings.middleware
    auth = [t for t, _ in texts if AUTH_DECORATOR.search(last_name(ast.parse(t, mode="eval").body) if _parses(t) else t)
            or "login_required" in t]
    mixins = [b for b in bases if b in AUTH_MIXINS]
    custom = next((found for found in (repo_auth_decorator(c.project, mod, d) for d in decs) if found), None)
    if auth:
        mark(ep, "authenticated", True, f"@{auth[0][:60]} ({mod.path})")
    elif behaviour:
        mark(ep, "authenticated", True, behaviour[0])
    elif custom:
        mark(ep, "authenticated", True, custom)
    elif mixins:
        mark(ep, "authenticated", True, f"{mixins[0]} on {v.name}")
    elif any(m.endswith("LoginRequiredMiddleware") for m in mw) and not any("login_not_required" in t for t, _ in texts):
        mark(ep, "authenticated", True, f"LoginRequiredMiddleware ({c.settings.where.get('MIDDLEWARE')})")
    else:
        mark(ep, "authenticated", False, "no login_required, auth mixin or LoginRequiredMiddleware")


def scoped_lookup(project, mod, fn, depth: int = 0) -> str | None:
    """A repository function the view hands the request to that looks the record up scoped to the current
    user (`_get_project_for_user(request, code)`: `get_object_or_404(Member, project=p, user=request.user)`),
    followed two levels (`_get_rw_project_for_user` -> `_get_project_for_user`): an ownership check."""
    if project is None or depth > 1:
        return None
    for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
        passes_request = any(isinstance(a, ast.Name) and a.id == "request" for a in call.args) or any(
            isinstance(k.value, ast.Name) and k.value.id == "request" for k in call.keywords)
        name = source_text(call.func) if passes_request else ""
        found = project.resolve_function(mod, name) if name and "(" not in name else None
        if found is None or found[1] is fn:
            continue
        def_mod, helper = found
        own = ownership_filter(helper) or scoped_lookup(project, def_mod, helper, depth + 1)
        if own:
            return f"{name}() looks the record up for the current user (`{own[:80]}`, {where(def_mod.path, helper.lineno)})"
    return None


def _authorization(ep: Endpoint, bases: list[str], texts: list[tuple[str, int | None]], body,
                   behaviour: list[str] | None = None, helper: str | None = None) -> None:
    """A permission decorator or mixin, a query filtered by request.user, a lookup helper scoped to the
    user, or a role check."""
    authz = [t for t, _ in texts if AUTHZ_DECORATOR.search(t)]
    authz_mixins = [b for b in bases if b in AUTHZ_MIXINS]
    own = ownership_filter(body) if body is not None else None
    role = ROLE_CHECK.search(source_text(body)) if body is not None else None
    if authz or authz_mixins:
        mark(ep, "authorized", True, (authz or authz_mixins)[0][:80])
    elif behaviour:
        mark(ep, "authorized", True, behaviour[0])
    elif own:
        mark(ep, "authorized", True, f"ownership filter `{own}` in {ep.handler}")
    elif helper:
        mark(ep, "authorized", True, helper)
    elif role:
        mark(ep, "authorized", True, f"role check `{role.group(0)}` in {ep.handler}")
    else:
        mark(ep, "authorized", False, "no permission decorator/mixin, role check or query filtered by request.user")


HEADER_CREDENTIAL = re.compile(r"api_?key|x-api-key|bearer|authorization|token", re.I)


def _csrf(c: UrlWalk, ep: Endpoint, mod, texts: list[tuple[str, int | None]], body=None) -> None:
    """CsrfViewMiddleware unless @csrf_exempt; @csrf_protect without the middleware."""
    exempt = [(t, ln) for t, ln in texts if "csrf_exempt" in t]
    protect = [(t, ln) for t, ln in texts if "csrf_protect" in t]
    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
        return
    ep.csrf_applies = True
    header_auth = [t for t in ep.protections.get("authenticated", []) if HEADER_CREDENTIAL.search(t)]
    if exempt and header_auth:
        ep.csrf_applies = False       # an API key or bearer token in a header: no cookie for a forged request to carry
        ep.notes.append(f"csrf: not applicable, @csrf_exempt with header credentials ({header_auth[0][:80]})")
    elif exempt and ep.authenticated is False and body is not None and \
            not re.search(r"request\.(user|session)|\blogin\(|COOKIES", source_text(body)):
        ep.csrf_applies = False       # a public endpoint that never reads the session: nothing for CSRF to ride on
        ep.notes.append("csrf: not applicable, @csrf_exempt on a public endpoint that does not use the session")
    elif exempt:
        mark(ep, "csrf_protected", False, f"@csrf_exempt at {where(mod.path, exempt[0][1])}")
    elif protect:
        mark(ep, "csrf_protected", True, f"@csrf_protect at {where(mod.path, protect[0][1])}")
    elif any(m.endswith("CsrfViewMiddleware") for m in c.settings.middleware):
        mark(ep, "csrf_protected", True, f"CsrfViewMiddleware ({c.settings.where.get('MIDDLEWARE')})")
    else:
        mark(ep, "csrf_protected", False, "CsrfViewMiddleware is not in MIDDLEWARE")


def _rate_limit(ep: Endpoint, v: View, fn, behaviour: list[str] | None = None) -> None:
    rl = ratelimit_decorator(v, fn)
    if rl:
        mark(ep, "rate_limited", True, rl)
    elif behaviour:
        mark(ep, "rate_limited", True, behaviour[0])
    else:
        mark(ep, "rate_limited", False, "no @ratelimit (django-ratelimit)")


def _input_validation(ep: Endpoint, body, bases: list[str]) -> None:
    """A Django form (or serializer) validating what the view reads from the request."""
    reads = takes_any(body, REQUEST_INPUT) + (["json.loads(request.body)"] if "request.body" in source_text(body) else [])
    form = validation_in_body(body)
    form_view = [b for b in bases if b in ("FormView", "CreateView", "UpdateView")]
    if form or (form_view and ep.method == "POST"):
        mark(ep, "input_validated", True, f"`{form}` in {ep.handler}" if form else f"{form_view[0]} form")
    elif reads:
        mark(ep, "input_validated", False, f"reads {reads[0]} without a form or serializer")
    else:
        ep.notes.append("input: reads no request data beyond the URL")


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
        return True
    except SyntaxError:
        return False
