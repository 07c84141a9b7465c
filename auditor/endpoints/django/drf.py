"""Protections of DRF views, by DRF's own rules: permission classes (view, @action, decorator, else
DEFAULT_PERMISSION_CLASSES, else AllowAny), CSRF only through SessionAuthentication, throttles with a rate,
serializers, pagination classes."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import walk
from auditor.endpoints.common import SAFE_METHODS, mark, where
from auditor.endpoints.django.lists import list_in_body, ratelimit_decorator
from auditor.endpoints.django.model import (
    ACTION_ROUTES,
    AUTH_PERMISSIONS,
    AUTHZ_PERMISSIONS,
    DRF_DEFAULT_AUTHENTICATION,
    READONLY_ANON_PERMISSIONS,
    REQUEST_INPUT,
    UrlWalk,
    View,
)
from auditor.endpoints.django.privilege import writable_privilege_fields
from auditor.endpoints.protections.counters import counter_limit
from auditor.endpoints.protections.uploads import upload_checked
from auditor.endpoints.pyast import class_attr, class_bases, class_method, const_str, kwarg, last_name, source_text
from auditor.endpoints.pyprotect import ROLE_CHECK, ownership_filter, takes_any, validation_in_body
from auditor.model import Endpoint


def _perm_names(node: ast.AST | None) -> list[str] | None:
    if node is None:
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for e in node.elts:
            names = [n for n in (last_name(x) for x in walk(e) if isinstance(x, (ast.Name, ast.Attribute))) if n[:1].isupper()]
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.BitOr):
                out.append("|".join(dict.fromkeys(names)))
            elif names:
                out.append(names[0] if not isinstance(e, ast.BinOp) else "&".join(dict.fromkeys(names)))
        return out
    return None


def _classify_permission(c: UrlWalk, v: View, name: str, method: str) -> tuple[bool | None, bool]:
    """(authenticates, authorises) for one permission class name ('A|B' means either suffices)."""
    if "|" in name:
        parts = [_classify_permission(c, v, p, method) for p in name.split("|")]
        auth = all(p[0] for p in parts) if all(p[0] is not None for p in parts) else None
        return auth, all(p[1] for p in parts)
    if "&" in name:
        parts = [_classify_permission(c, v, p, method) for p in name.split("&")]
        return any(p[0] for p in parts) or None, any(p[1] for p in parts)
    if name == "AllowAny":
        return False, False
    if name in AUTH_PERMISSIONS:
        return True, name in AUTHZ_PERMISSIONS
    if name in READONLY_ANON_PERMISSIONS:
        return (method not in SAFE_METHODS), name in AUTHZ_PERMISSIONS
    found = c.project.resolve_class(v.cls_module or v.module, name)
    if found is not None:
        text = source_text(found[1])
        auth = "is_authenticated" in text or any(b in AUTH_PERMISSIONS for b in class_bases(c.project, *found))
        authz = "has_object_permission" in text or bool(ROLE_CHECK.search(text)) or \
            any(w in text for w in ("request.user ==", "== request.user", ".owner", ".user_id", ".author"))
        if "SAFE_METHODS" in text and method in SAFE_METHODS:
            return (auth if "is_authenticated" in text.split("SAFE_METHODS")[0] else False), authz
        return auth, authz
    if "Authenticated" in name:
        return True, False
    return None, any(w in name for w in ("Admin", "Staff", "Permission", "Owner", "Role", "Scope"))


def _class_list(c: UrlWalk, v: View, attr: str, fn, dec: ast.Call | None, decorator: str):
    """A DRF per-view list setting: @action kwarg, function decorator, class attribute. (names, where)."""
    if dec is not None and kwarg(dec, attr) is not None:
        return _perm_names(kwarg(dec, attr)), where((v.cls_module or v.module).path, dec.lineno)
    if fn is not None:
        for d in fn.decorator_list:
            if isinstance(d, ast.Call) and last_name(d.func) == decorator and d.args:
                return _perm_names(d.args[0]), where(v.module.path, d.lineno)
    if v.cls is not None:
        found = class_attr(c.project, v.cls_module, v.cls, attr)
        if found is not None:
            return _perm_names(found[1]), where(found[0].path, found[2])
    return None, None


def protect_drf(c: UrlWalk, ep: Endpoint, v: View, fn, action: str, dec: ast.Call | None = None) -> None:
    """Every protection field of one DRF endpoint, one concern at a time (the order keeps the notes' order)."""
    results, label = _authentication(c, ep, v, fn, dec)
    _authorization(c, ep, v, fn, results, label)
    _csrf(c, ep, v, fn, dec)
    _rate_limit(c, ep, v, fn, dec)
    _input_validation(c, ep, v, fn, action)
    _pagination(c, ep, v, fn, action)


def _authentication(c: UrlWalk, ep: Endpoint, v: View, fn, dec: ast.Call | None) -> tuple[list, str]:
    """permission_classes (view, @action, decorator), else DEFAULT_PERMISSION_CLASSES, else AllowAny.
    Returns each permission class's (authenticates, authorises) and how the endpoint got them."""
    s = c.settings
    method = ep.method
    perms, perm_at = _class_list(c, v, "permission_classes", fn, dec, "permission_classes")
    if perms is None:
        perms = [p.rsplit(".", 1)[-1] for p in (s.rest("DEFAULT_PERMISSION_CLASSES") or [])]
        perm_at = f"DEFAULT_PERMISSION_CLASSES at {s.rest_where()}" if perms else None
    if not perms:  # an empty list, on the view or in the settings, checks nothing: the same as AllowAny
        perms, perm_at = ["AllowAny"], perm_at or "DRF default (AllowAny: no DEFAULT_PERMISSION_CLASSES)"
    dynamic = v.cls is not None and class_method(c.project, v.cls_module, v.cls, "get_permissions") is not None
    results = [_classify_permission(c, v, p, method) for p in perms]
    auth = True if any(r[0] for r in results) else (None if any(r[0] is None for r in results) else False)
    label = f"permission_classes {perms} ({perm_at})" if not perm_at or not perm_at.startswith(("DEFAULT", "DRF")) \
        else f"{perms} from {perm_at}"
    if dynamic and not auth:
        ep.authenticated = None
        ep.notes.append("authenticated: get_permissions() decides at run time")
    elif auth:
        mark(ep, "authenticated", True, label)
    elif auth is None:
        ep.authenticated = None
        ep.notes.append(f"authenticated: unknown permission class in {perms}")
    else:
        mark(ep, "authenticated", False, label)
        if perm_at and not perm_at.startswith(("DEFAULT", "DRF")):
            ep.protections.setdefault("public", []).append(f"declared public: {label}")
    return results, label


def _authorization(c: UrlWalk, ep: Endpoint, v: View, fn, results: list, label: str) -> None:
    """An object or role permission class, a queryset filtered by the current user, or a role check."""
    authz_sources = [label] if any(r[1] for r in results) else []
    if v.cls is not None:
        for attr in ("get_queryset", "get_object"):
            found = class_method(c.project, v.cls_module, v.cls, attr)
            if found is not None:
                own = ownership_filter(found[2])
                if own:
                    authz_sources.append(f"{attr} filtered by the current user: `{own}` at {where(found[0].path, found[2].lineno)}")
                    break
    if fn is not None and not authz_sources:
        own = ownership_filter(fn)
        role = ROLE_CHECK.search(source_text(fn))
        if own:
            authz_sources.append(f"ownership filter `{own}` in {ep.handler}")
        elif role:
            authz_sources.append(f"role check `{role.group(0)}` in {ep.handler}")
    escalation = _privilege_escalation(c, ep, v, results, label)
    if escalation:
        mark(ep, "authorized", False, escalation)
    elif authz_sources:
        mark(ep, "authorized", True, authz_sources[0])
    else:
        mark(ep, "authorized", False, "no object/role permission class and no queryset filtered by request.user")


# permission classes that admit only administrators (who may grant staff rights) or users holding Django's
# per-model change permission
ADMIN_ONLY = re.compile(r"Admin|Staff|Superuser|DjangoModelPermissions", re.I)


def _privilege_escalation(c: UrlWalk, ep: Endpoint, v: View, results: list, label: str) -> str | None:
    """A write action validating with a user-model serializer whose privilege fields (is_staff,
    is_superuser...) the request may set, on a view any signed-in user may call."""
    if ep.method not in ("POST", "PUT", "PATCH") or v.cls is None or ADMIN_ONLY.search(label):
        return None
    serializer = class_attr(c.project, v.cls_module, v.cls, "serializer_class")
    found = writable_privilege_fields(c.project, serializer[0], serializer[1]) if serializer else None
    if found is None:
        return None
    name, fields = found
    return (f"{name} (the user model's serializer, serializer_class at {where(serializer[0].path, serializer[2])}) "
            f"lets the request write {', '.join(fields)}: a caller can grant themself those rights")


def _csrf(c: UrlWalk, ep: Endpoint, v: View, fn, dec: ast.Call | None) -> None:
    """APIView is csrf_exempt; SessionAuthentication enforces CSRF for cookie-authenticated requests."""
    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
        return
    authn, authn_at = _class_list(c, v, "authentication_classes", fn, dec, "authentication_classes")
    if authn is None:
        configured = c.settings.rest("DEFAULT_AUTHENTICATION_CLASSES")  # [] means none, None means DRF's default
        authn = [a.rsplit(".", 1)[-1] for a in (DRF_DEFAULT_AUTHENTICATION if configured is None else configured)]
    session = [a for a in authn if "Session" in a]
    if not session:
        ep.csrf_applies = False
        ep.notes.append(f"csrf: not applicable, no session authentication ({authn or 'authentication_classes = []'})")
        return
    ep.csrf_applies = True
    custom = c.project.resolve_class(v.cls_module or v.module, session[0])
    disabled = custom is not None and any(
        isinstance(f, ast.FunctionDef) and f.name == "enforce_csrf" and
        all(isinstance(b, (ast.Pass, ast.Return, ast.Expr)) and not isinstance(getattr(b, "value", None), ast.Call)
            for b in f.body) for f in custom[1].body)
    if disabled:
        mark(ep, "csrf_protected", False, f"{session[0]} disables enforce_csrf")
    else:
        mark(ep, "csrf_protected", True, f"{session[0]} enforces CSRF (DRF)")


def _rate_limit(c: UrlWalk, ep: Endpoint, v: View, fn, dec: ast.Call | None) -> None:
    """A throttle class with a rate in DEFAULT_THROTTLE_RATES (view or settings), or @ratelimit."""
    s = c.settings
    throttles, thr_at = _class_list(c, v, "throttle_classes", fn, dec, "throttle_classes")
    if throttles is None:
        throttles = [t.rsplit(".", 1)[-1] for t in (s.rest("DEFAULT_THROTTLE_CLASSES") or [])]
        thr_at = f"DEFAULT_THROTTLE_CLASSES at {s.rest_where()}"
    rates = s.rest_dict("DEFAULT_THROTTLE_RATES") or {}
    scope_attr = class_attr(c.project, v.cls_module, v.cls, "throttle_scope") if v.cls is not None else None
    scope = const_str(scope_attr[1]) if scope_attr else None
    effective = []
    for t in throttles:
        if t == "AnonRateThrottle" and rates.get("anon"):
            effective.append(f"AnonRateThrottle {rates['anon']}")
        elif t == "UserRateThrottle" and rates.get("user"):
            effective.append(f"UserRateThrottle {rates['user']}")
        elif t == "ScopedRateThrottle":
            if scope and rates.get(scope):
                effective.insert(0, f"ScopedRateThrottle scope {scope!r} {rates[scope]}")
        elif t not in ("AnonRateThrottle", "UserRateThrottle"):
            effective.append(t)
    ratelimit = ratelimit_decorator(v, fn)
    counted = counter_limit(c.project, v.cls_module or v.module, fn) if fn is not None else None
    if ratelimit:
        mark(ep, "rate_limited", True, ratelimit)
    elif effective:
        mark(ep, "rate_limited", True, f"{effective[0]} ({thr_at})")
    elif counted:
        mark(ep, "rate_limited", True, counted)
    else:
        mark(ep, "rate_limited", False, "no DRF throttle with a rate, no @ratelimit")


def _input_validation(c: UrlWalk, ep: Endpoint, v: View, fn, action: str) -> None:
    """A serializer or form validating in the handler, or the view's serializer on a generated write action."""
    method = ep.method
    reads = takes_any(fn, REQUEST_INPUT) if fn is not None else []
    in_body = validation_in_body(fn) if fn is not None else None
    serializer = class_attr(c.project, v.cls_module, v.cls, "serializer_class") if v.cls is not None else None
    get_ser = v.cls is not None and class_method(c.project, v.cls_module, v.cls, "get_serializer_class") is not None
    generated = fn is None or action in ACTION_ROUTES and fn is not None and "super()" in source_text(fn)
    raw = _raw_field(c, v, fn, serializer) if (in_body or generated) and method in ("POST", "PUT", "PATCH") else None
    if raw:
        mark(ep, "input_validated", False, raw)
    elif in_body:
        mark(ep, "input_validated", True, f"`{in_body}` in {ep.handler}")
    elif generated and method in ("POST", "PUT", "PATCH") and (serializer or get_ser):
        what = source_text(serializer[1]) if serializer else "get_serializer_class()"
        mark(ep, "input_validated", True, f"serializer {what} ({ep.handler})")
    elif reads and set(reads) == {"request.FILES"} and (checked := upload_checked(c.project, v.cls_module or v.module, fn)):
        mark(ep, "input_validated", True, f"the upload is refused by size or type in {checked}")
    elif generated and method == "GET" and (unchecked := _unchecked_query_conversion(c, v)):
        mark(ep, "input_validated", False, unchecked)
    elif reads:
        mark(ep, "input_validated", False, f"reads {reads[0]} without a serializer")
    elif method in ("POST", "PUT", "PATCH") and fn is None:
        mark(ep, "input_validated", False, "no serializer_class for a write action")
    else:
        ep.notes.append("input: reads no request data beyond the URL")


QUERY_PARAMS = re.compile(r"\bquery_params\b|\brequest\.GET\b")
BARE_CONVERSIONS = ("int", "float", "Decimal", "UUID")


def _unchecked_query_conversion(c: UrlWalk, v: View) -> str | None:
    """The view's get_queryset reads query parameters and converts one with a bare int()/float() (itself or in
    a helper method of the class it calls), with no try block and no filter class: `?tags=abc` raises
    ValueError, answered 500 instead of 400. DRF's generated list and detail actions run it."""
    found = class_method(c.project, v.cls_module, v.cls, "get_queryset") if v.cls is not None else None
    if found is None or not QUERY_PARAMS.search(source_text(found[2])):
        return None
    bodies = [found[2]]
    for call in walk(found[2]):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
                isinstance(call.func.value, ast.Name) and call.func.value.id == "self":
            helper = class_method(c.project, v.cls_module, v.cls, call.func.attr)
            if helper is not None and helper[2] is not found[2]:
                bodies.append(helper[2])
    if any(isinstance(n, ast.Try) for body in bodies for n in walk(body)):
        return None
    for body in bodies:
        for call in walk(body):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in BARE_CONVERSIONS:
                return (f"query parameter converted with a bare {call.func.id}() in {body.name} "
                        f"({where(found[0].path, call.lineno)}): a value that is not a number answers 500, not 400")
    return None


def _pagination(c: UrlWalk, ep: Endpoint, v: View, fn, action: str) -> None:
    """List actions: the view's pagination_class, else DEFAULT_PAGINATION_CLASS; hand-written GET lists too."""
    s = c.settings
    if action == "get" and not ep.path.rstrip("/").endswith("}"):
        generic_list = fn is None and v.cls is not None and any(
            b in ("ListAPIView", "ListCreateAPIView") for b in class_bases(c.project, v.cls_module, v.cls))
        if generic_list:
            action = "list"
        elif fn is not None:
            list_in_body(ep, fn, v)
    if action == "list":
        pag = class_attr(c.project, v.cls_module, v.cls, "pagination_class") if v.cls is not None else None
        if pag is not None:
            ep.paginated = not (isinstance(pag[1], ast.Constant) and pag[1].value is None)
            if ep.paginated:
                ep.protections.setdefault("paginated", []).append(f"pagination_class at {where(pag[0].path, pag[2])}")
        elif s.rest_str("DEFAULT_PAGINATION_CLASS"):
            ep.paginated = True
            ep.protections.setdefault("paginated", []).append(
                f"DEFAULT_PAGINATION_CLASS {s.rest_str('DEFAULT_PAGINATION_CLASS')} at {s.rest_where()}")
        else:
            ep.paginated = False


# a custom field's to_internal_value that checks its value: a type or length test, a failure it raises, or
# DRF's own conversion through super()
FIELD_CHECKS = re.compile(r"\bisinstance\(|\blen\(|\braise\b|\bself\.fail\(|validat|\bsuper\(|\bint\(|\bstr\(")
RAW_SINKS = {"get_or_create", "update_or_create", "create", "get", "filter"}


def _raw_field(c: UrlWalk, v: View, fn, serializer) -> str | None:
    """A field of the serializer the handler validates with whose to_internal_value passes the raw request
    value straight into a database call, with no type or length check: the serializer validates the other
    fields, not this one (`tags = TagField(many=True)` whose to_internal_value runs get_or_create(name=data))."""
    candidates = []
    if serializer is not None:
        candidates.append((serializer[0], serializer[1]))
    if fn is not None and v.cls_module is not None:
        candidates += [(v.cls_module, n.func) for n in walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                       and n.func.id.endswith("Serializer")]
    for mod, node in candidates:
        name = last_name(node) if not isinstance(node, ast.Name) else node.id
        hit = c.project.resolve_class(mod, ast.unparse(node)) if name else None
        if hit is None:
            continue
        smod, scls = hit
        for stmt in scls.body:
            if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Call)):
                continue
            field = c.project.resolve_class(smod, ast.unparse(stmt.value.func))
            if field is None:
                continue
            method = class_method(c.project, field[0], field[1], "to_internal_value")
            if method is None or len(method[2].args.args) < 2:
                continue
            body = source_text(method[2])
            value = method[2].args.args[1].arg
            if FIELD_CHECKS.search(body):
                continue
            for call in walk(method[2]):
                if isinstance(call, ast.Call) and last_name(call.func) in RAW_SINKS and any(
                        isinstance(n, ast.Name) and n.id == value
                        for a in list(call.args) + [k.value for k in call.keywords] for n in walk(a)):
                    return (f"{scls.name}.{stmt.targets[0].id}: {method[1].name}.to_internal_value passes the raw "
                            f"value into {last_name(call.func)}() with no type or length check "
                            f"({where(field[0].path, method[2].lineno)})")
    return None
