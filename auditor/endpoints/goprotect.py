"""What protects a Go route: each middleware in its chain classified by what its definition does.

A middleware expression (`users.AuthMiddleware(true)`, `mw.AuthCheck`, a parameter `authHandler` that callers
fill with `auth.Handler(key)`) is followed to its definition in the repository. Its body is classified by
behaviour: it rejects a request without an identity (401/403 or a redirect to the login page, after reading a
session, a token, claims or the Authorization header) = authentication; it answers 403 after checking a role
or permission = authorization; it answers 429 = rate limiting; it compares a CSRF token = CSRF. A literal
`false`/`true` argument switches off the branches guarded by that parameter (`AuthMiddleware(false)` only
reads the token and never rejects). Well-known library middleware is recognised by its call (KNOWN, data).

The handler itself is read for input validation (a bind into a struct whose fields carry validation tags or
that has a Validate method, a validator call, typed conversion of parameters), ownership checks and list
pagination.
"""
from __future__ import annotations

import posixpath
import re

from auditor.endpoints.classify import RECORD_ARGUMENT
from auditor.endpoints.common import SAFE_METHODS, mark, where
from auditor.endpoints.go import GoRoutes, Middleware, Route, caller_argument
from auditor.endpoints.goread import GoFunc, GoIndex
from auditor.model import Endpoint
from auditor.text import closing_bracket

# library middleware recognised by its call: kind -> pattern
KNOWN = {
    "auth": re.compile(r"\bjwtauth\.(Verifier|Authenticator)|\bechojwt\.|\bmiddleware\.(JWT|JWTWithConfig|BasicAuth|KeyAuth)\b|"
                       r"\bauth\.(JWT|Basic|Bearer)\(|\bgin\.BasicAuth|\bjwtmiddleware\.|\bginjwt\.|\.MiddlewareFunc\(\)|"
                       r"\bhttpauth\.|\bbasicauth\.|\bkeyauth\."),
    "authz": re.compile(r"\bcasbin\.|\bauthz\.|\bRequireRole\(|\bRequirePermission\("),
    "rate": re.compile(r"\btollbooth\.|\bhttprate\.|\blimiter\.|\brate\.NewLimiter|\bmiddleware\.RateLimiter|"
                       r"\bthrottled\.|\bratelimit\.|\bstdlib\.NewMiddleware"),
    "csrf": re.compile(r"\bcsrf\.(Protect|New|Middleware)|\bnosurf\.|\bmiddleware\.CSRF|\bgorilla/csrf"),
}
REJECT = re.compile(r"StatusUnauthorized|StatusForbidden|\b40[13]\b|ErrUnauthori[sz]ed|Unauthori[sz]ed\(|Forbidden\(|"
                    r"Redirect\((?=[\s\S]*\"/?(?:login|signin|sign-in|auth)\b)|\"/?(?:login|signin|sign-in)\"[\s\S]*Redirect\(")
# in a handler: a rejection guarded by an identity test (`if !sess.IsLoggedIn(r) { http.Redirect(...) }`)
GUARDED_REJECT = re.compile(r"\bif\s[^{\n]*(?:[Ss]ession|IsLogged|LoggedIn|[Tt]oken|[Cc]laims|[Uu]ser\w*\s*==\s*nil)[^{\n]*\{"
                            r"[^}]*(?:StatusUnauthorized|StatusForbidden|\"/?(?:login|signin|sign-in)\")")
IDENTITY = re.compile(r"[Ss]ession|IsLogged|LoggedIn|[Tt]oken|\bjwt\b|JWT|Authorization|[Cc]laims|\.Cookie\(|BasicAuth|"
                      r"CurrentUser|[Aa]uthenticated")
FORBID = re.compile(r"StatusForbidden|\b403\b|Forbidden\(")
ROLE = re.compile(r"[Rr]ole|IsAdmin|[Aa]dmin\b|[Pp]ermission|[Ss]cope")
TOO_MANY = re.compile(r"StatusTooManyRequests|\b429\b")
CSRF = re.compile(r"[Cc]srf|CSRF|XSRF")
AUTH_NAME = re.compile(r"auth|jwt|login|session|protect", re.I)
RATE_NAME = re.compile(r"limit|throttle", re.I)

BODY_READ = re.compile(r"\bShouldBind\w*\(|\.Bind\w*\(|json\.NewDecoder\(\s*[\w.]*Body|ReadAll\(\s*[\w.]*Body|"
                       r"\.FormValue\(|\.PostFormValue\(|\.PostForm\b|\.ParseForm\(|\.ParseMultipartForm\(|"
                       r"\.FormFile\(|\bc\.Read\(|\.BodyParser\(")
PARAM_READ = re.compile(r"\.(Query|DefaultQuery|QueryParam|Param|ByName)\(\s*\"\w+\"|\.QueryParams\(\)|URL\.Query\(\)|"
                        r"\bmux\.Vars\(|\bchi\.URLParam\(|PathValue\(")
VALIDATION_CALL = re.compile(r"\bvalidate\.Struct\(|\bvalidator\.New\(|\.Validate\(|\bvalidation\.(ValidateStruct|Validate)\(|"
                             r"\bgovalidator\.|\bvalidate\.Var\(|\.Struct\(\s*&?\w+\s*\)")
# bind/decode into a declared struct variable: `var input T` / `x := T{}` / `struct {` then `Bind(&x)` / `Decode(&x)`
STRUCT_DECODE = re.compile(r"(?:\bvar\s+\w+\s+(?:struct\b|\*?[\w.]*[A-Z]\w*\b)|:=\s*&?[\w.]*[A-Z]\w*\{)[\s\S]*?"
                           r"(?:Bind\w*|Read|Decode)\(\s*&?\w+\s*\)")
TYPED = re.compile(r"\bstrconv\.(Atoi|Parse\w+)\(|\buuid\.Parse\(|\btime\.Parse\(")
VALIDATION_TAG = re.compile(r"`[^`]*\b(validate|binding):\"[^\"]*[a-z]")
OWNERSHIP = re.compile(r"\b(Author|Owner|User|Creator)I[Dd]\s*[!=]=|[!=]=\s*[\w.]*(user|owner|author|me|current)\w*\.I[Dd]\b|"
                       r"\b(Author|Owner|User)I[Dd]\s*:\s*[\w.]*(user|current|me)\w*\.I[Dd]\b|"
                       r"\bIsAdmin\b|\b[Rr]ole\s*[!=]=|HasRole\(|(?-i:\b[Cc]an[A-Z]\w*\()", re.I)
LIST_NAME = re.compile(r"(?:^|\.)(?:Fetch|List|Query|Index|GetAll|FindAll|All|Search)\w*$|(?:list|query|fetch|all|index)$|List\b",
                       re.I)
SINGLE = re.compile(r"\.First\(|\.Take\(|QueryRow\w*\(|\bGetByID\(|\bFindOne\w*\(|\.Get\(\s*ctx,\s*\w*[Ii][Dd]\b")
PAGINATION = re.compile(r"\b(limit|offset|cursor|per_?page|page_?size|pageSize|perPage)\b|\bpagination\.|\.Limit\(|"
                        r"\bLIMIT\s+[?$]", re.I)
SESSION_LIBS = re.compile(r"\"github\.com/(gorilla/sessions|gin-contrib/sessions|alexedwards/scs|gorilla/securecookie|"
                          r"labstack/echo-contrib/session|kataras/go-sessions)")
ROLE_NAMES = {"auth": "authentication", "authz": "authorization", "rate": "rate limiting", "csrf": "CSRF"}


def classify(found: GoRoutes, mw: Middleware) -> dict[str, str]:
    """kind -> evidence for one middleware expression, from its definition's behaviour or a known library."""
    memo = found.__dict__.setdefault("_kinds", {})
    key = (mw.text, mw.file, mw.line)
    if key not in memo:
        memo[key] = _classify(found, mw)
    return memo[key]


def _classify(found: GoRoutes, mw: Middleware) -> dict[str, str]:
    out: dict[str, str] = {}
    for expr in caller_argument(found, mw):
        text = expr.text.strip()
        for kind, rx in KNOWN.items():
            if rx.search(text):
                out.setdefault(kind, f"{text[:70]} at {expr.where}")
        for fn, body in _definitions(found.index, expr):
            for kind in behaviour(body):
                out.setdefault(kind, f"{text[:60]} at {expr.where} ({fn.name} at {where(fn.file, fn.line)})")
        if not out and not _definitions(found.index, expr):
            if AUTH_NAME.search(text):
                out["auth"] = f"{text[:60]} at {expr.where} (by its name; definition not in the repository)"
            if RATE_NAME.search(text):
                out["rate"] = f"{text[:60]} at {expr.where} (by its name; definition not in the repository)"
    return out


def optional_identity(found: GoRoutes, mw: Middleware) -> str | None:
    """An authentication middleware switched to optional by a literal argument (`AuthMiddleware(false)`): its
    definition rejects anonymous requests, but not with this argument."""
    if not re.search(r"\b(true|false)\b", mw.text):
        return None
    for expr in caller_argument(found, mw):
        for fn, body in _definitions(found.index, expr):
            if "auth" in behaviour(fn.text) and "auth" not in behaviour(body) and IDENTITY.search(body):
                return f"{expr.text.strip()[:60]} at {expr.where}"
    return None


def behaviour(body: str) -> set[str]:
    kinds = {kind for kind, rx in KNOWN.items() if rx.search(body)}
    if REJECT.search(body) and IDENTITY.search(body):
        kinds.add("auth")
    if FORBID.search(body) and ROLE.search(body):
        kinds.add("authz")
    if TOO_MANY.search(body):
        kinds.add("rate")
    if CSRF.search(body) and REJECT.search(body):
        kinds.add("csrf")
    return kinds


def _definitions(index: GoIndex, mw: Middleware) -> list[tuple[GoFunc, str]]:
    """The functions a middleware expression names, with their bodies specialised to literal bool arguments."""
    literal = re.fullmatch(r"&?(?:\w+\.)?(\w+)\s*\{[^{}]*\}\s*\.\s*(\w+)", mw.text.strip())
    if literal:   # a method value of a struct literal: `auth.FirebaseHttpMiddleware{client}.Middleware`
        return [(fn, fn.text) for fn in index.methods_of(literal.group(1)) if fn.name == literal.group(2)][:2]
    m = re.match(r"(?:(\w+)\.)*(\w+)\s*(\()?", mw.text.strip())
    if not m:
        return []
    parts = re.match(r"[\w.]+", mw.text.strip())
    dotted = parts.group(0).split(".") if parts else []
    name = dotted[-1] if dotted else ""
    qualifier = dotted[0] if len(dotted) == 2 else ""
    fns = index.functions_named(name, qualifier, mw.file)
    args: list[str] = []
    if m.group(3):
        from auditor.endpoints.jsparse import matching_paren, split_args
        open_at = mw.text.find("(")
        close = matching_paren(mw.text, open_at)
        args = split_args(mw.text[open_at + 1:close]) if close > 0 else []
    out = []
    for fn in fns[:4]:
        body = fn.text
        for i, (pname, _) in enumerate(fn.params):
            if i < len(args) and args[i] in ("true", "false") and pname:
                body = _drop_guarded(body, pname, args[i] == "true")
        out.append((fn, body))
    return out


def _drop_guarded(body: str, param: str, value: bool) -> str:
    """Blank the `if param {...}` blocks a literal false switches off (and `if !param {...}` for true)."""
    guard = rf"\bif\s+!\s*{param}\s*\{{" if value else rf"\bif\s+{param}\s*\{{"
    while True:
        m = re.search(guard, body)
        if not m:
            return body
        close = closing_bracket(body, m.end() - 1, skip_strings=True)
        if close is None:
            return body
        body = body[:m.start()] + " " * (close + 1 - m.start()) + body[close + 1:]


def handler_text(index: GoIndex, route: Route) -> str:
    """The handler's definition plus the same-package functions it calls by name (one level)."""
    if route.handler == "<func literal>":
        return route.handler_text
    return named_handler_text(index, route.handler, route.file)


def go_handler_source(repo, ep: Endpoint) -> str:
    """handler_source for a Go endpoint: the named handler's definition, or the route statement for a literal."""
    from auditor.endpoints.go import go_index
    if ep.handler == "<func literal>":
        from auditor.endpoints.goread import statements
        lines = repo.lines(ep.file)
        text = "\n".join(lines[ep.line - 1:ep.line + 60])
        found = statements(text)
        return found[0][1] if found else ""
    return named_handler_text(go_index(repo), ep.handler, ep.file, callees=False)


def named_handler_text(index: GoIndex, handler: str, file: str, callees: bool = True) -> str:
    dotted = handler.split(".")
    name = dotted[-1]
    fns = index.functions_named(name, dotted[0] if len(dotted) == 2 else "", file)
    if len(dotted) >= 2 and not fns:
        fns = [f for f in index.by_name.get(name, []) if f.receiver]
    if len(fns) > 1 and len(dotted) == 2:
        fns = [f for f in fns if f.receiver == dotted[0]] or fns   # `HttpServer.GetUser`: that type's method
    if len(fns) > 1:
        near = [f for f in fns if f.directory == posixpath.dirname(file)]
        fns = near or fns
    if not fns:
        return ""
    fn = fns[0]
    text = fn.text
    if not callees:
        return text
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_]\w*)\s*\(", fn.body):
        for callee in index.by_name.get(m.group(1), []):
            if callee.directory == fn.directory and not callee.receiver and callee is not fn and callee.text not in text:
                text += "\n" + callee.text
    return text


def _types_validated(index: GoIndex, text: str) -> str | None:
    """A struct named in the handler text whose fields carry validate/binding tags, or that has a Validate method."""
    for name in set(re.findall(r"\b([A-Z]\w*)\b", text)):
        for file, body in index.structs.get(name, []):
            if VALIDATION_TAG.search(body):
                return f"{name} fields carry validation tags ({file})"
        if any(f.name == "Validate" for f in index.methods_of(name)):
            return f"{name} has a Validate method"
    return None


def app_uses_cookie_sessions(found: GoRoutes) -> str | None:
    memo = found.__dict__
    if "_sessions" not in memo:
        hit = None
        for gf in found.index.files.values():
            m = SESSION_LIBS.search(gf.src)
            if m:
                hit = f"{m.group(1)} imported in {gf.path}"
                break
        memo["_sessions"] = hit
    return memo["_sessions"]


# the acting user's id read from a plain cookie (`util.GetCookie(r, "Uid")`, `r.Cookie("user_id")`)
IDENTITY_COOKIE = re.compile(r'(?:GetCookie\(\s*\w+\s*,\s*|\.Cookie\(\s*)"(?:uid|user_?id|userid|account_?id|member_?id)"',
                             re.I)


def protect(ep: Endpoint, route: Route, chain: list[Middleware], found: GoRoutes) -> None:
    kinds: dict[str, str] = {}
    for mw in chain:
        for kind, evidence in classify(found, mw).items():
            kinds.setdefault(kind, evidence)
    body = handler_text(found.index, route)
    own_kinds = behaviour(body) - {"auth"} | ({"auth"} if GUARDED_REJECT.search(body) else set())
    for kind in own_kinds - set(kinds):
        kinds[kind] = f"checked in the handler {route.handler} ({where(route.file, route.line)})"
    optional = [e for mw in chain for e in [optional_identity(found, mw)] if e]
    later = [f"{mw.text.strip()[:60]} at {mw.where}" for mw in route.later if "auth" in classify(found, mw)]
    if later and "auth" not in kinds:
        ep.protections.setdefault("public", []).append(
            f"registered before {later[0]} in the same group (deliberately public)")
    elif optional and "auth" not in kinds:
        ep.protections.setdefault("public", []).append(
            f"{optional[0]}: identity read when present, anonymous requests let through (deliberately public)")

    if "auth" in kinds:
        mark(ep, "authenticated", True, kinds["auth"])
    else:
        mark(ep, "authenticated", False, "no authentication middleware on the route, its groups or the router, "
                                         "and the handler does not reject anonymous requests")

    own = OWNERSHIP.search(body)
    cookie_identity = IDENTITY_COOKIE.search(body)
    if cookie_identity and "authz" not in kinds:
        # the record is chosen by a value the client sets: an object endpoint whatever its path
        ep.notes.append(f"{RECORD_ARGUMENT} `{cookie_identity.group(0)}`")
        mark(ep, "authorized", False, f"the user id comes from a plain cookie (`{cookie_identity.group(0)}`) the client "
                                      "can set, not from the session")
    elif "authz" in kinds:
        mark(ep, "authorized", True, kinds["authz"])
    elif own:
        mark(ep, "authorized", True, f"ownership or role check `{own.group(0)}` in {route.handler}")
    elif delegated := delegated_check(found.index, body):
        mark(ep, "authorized", True, f"the caller's identity is passed to the operation, which checks it: {delegated}")
    else:
        mark(ep, "authorized", False, "no role middleware and no ownership or role check in the handler")

    sessions = app_uses_cookie_sessions(found)
    reads_cookie = ".Cookie(" in body
    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    elif sessions or reads_cookie:
        ep.csrf_applies = True
        if "csrf" in kinds:
            mark(ep, "csrf_protected", True, kinds["csrf"])
        else:
            mark(ep, "csrf_protected", False, f"cookie session ({sessions or 'reads a cookie'}) without CSRF middleware")
    else:
        ep.csrf_applies = False
        ep.notes.append("csrf: not applicable, no cookie session (credentials are not sent by the browser)")

    if "rate" in kinds:
        mark(ep, "rate_limited", True, kinds["rate"])
    else:
        mark(ep, "rate_limited", False, "no rate-limiting middleware on the route, its groups or the router")

    _validation(ep, body, found.index, route)
    _pagination(ep, body, route)


# the caller's identity as a handler reads it from the request context
IDENTITY_VALUE = re.compile(r"\b(\w*[Uu]ser\w*)\s*,\s*\w+\s*:?=\s*[\w.]*(?:[Uu]ser\w*[Ff]rom\w*|[Ff]rom\w*[Uu]ser\w*|"
                            r"CurrentUser|UserFromCtx|GetUser)\(")
# a check that compares the caller with the record inside an operation: `CanUserSeeTraining(user, *tr)`, or an
# ownership comparison
OPERATION_CHECK = re.compile(r"(?<![\w.])(?:\w+\.)?[Cc]an[A-Z]\w*\(\s*\w*[Uu]ser")
DISPATCH = {"Handle", "Execute", "Run", "Do"}
DELEGATION_DEPTH = 3


def delegated_check(index: GoIndex, body: str) -> str | None:
    """The check an operation makes on the caller's identity the handler passes it, followed through the
    methods it calls (a command handler, then the repository method it reaches) a few levels, or None.
    `h.app.Commands.Reschedule.Handle(ctx, cmd{User: user, ID: id})` reaches `rescheduleHandler.Handle`, whose
    `h.repo.UpdateTraining(ctx, id, cmd.User, ...)` reaches the repositories' UpdateTraining, which calls
    `CanUserSeeTraining(user, *tr)`."""
    identity = IDENTITY_VALUE.search(body)
    if identity is None:
        return None
    user = identity.group(1)
    frontier: list[GoFunc] = []
    for m in re.finditer(r"([\w.]+)\.(\w+)\s*\(", body):
        close = _close_paren(body, m.end() - 1)
        if close is None or not re.search(rf"\b{re.escape(user)}\b", body[m.end():close]):
            continue
        frontier += _methods_called(index, m.group(1), m.group(2))
    seen = {id(f) for f in frontier}
    for _ in range(DELEGATION_DEPTH):
        nxt: list[GoFunc] = []
        for fn in frontier:
            check = OPERATION_CHECK.search(fn.body) or OWNERSHIP.search(fn.body)
            if check:
                return f"`{check.group(0).strip()}` in {fn.receiver + '.' if fn.receiver else ''}{fn.name} ({where(fn.file, fn.line)})"
            for m in re.finditer(r"([\w.]+)\.(\w+)\s*\(", fn.body):
                for callee in _methods_called(index, m.group(1), m.group(2)):
                    if id(callee) not in seen:
                        seen.add(id(callee))
                        nxt.append(callee)
        frontier = nxt
    return None


def _close_paren(text: str, open_at: int) -> int | None:
    from auditor.endpoints.jsparse import matching_paren
    close = matching_paren(text, open_at)
    return close if close > 0 else None


def _methods_called(index: GoIndex, receiver: str, name: str) -> list[GoFunc]:
    """The repository's methods a call `receiver.name(...)` can reach: for a dispatch method (`X.Handle`), those
    of the types named after X (`rescheduleTrainingHandler` for `Commands.RescheduleTraining.Handle`)."""
    methods = [f for f in index.by_name.get(name, []) if f.receiver and not f.file.endswith("_test.go")
               and not re.search(r"(^|/)(mocks?|fakes?)/|(mock|fake|memory)\w*\.go$", f.file, re.I)]
    if name in DISPATCH:
        owner = receiver.split(".")[-1].lower()
        methods = [f for f in methods if f.receiver.lower().startswith(owner)] if owner else []
    return methods[:6]


def _validation(ep: Endpoint, body: str, index: GoIndex, route: Route) -> None:
    if not body:
        ep.notes.append("input: handler definition not found")
        return
    reads_body = BODY_READ.search(body)
    call = VALIDATION_CALL.search(body)
    typed = _types_validated(index, body) if reads_body else None
    if reads_body:
        if call:
            mark(ep, "input_validated", True, f"`{call.group(0)}` in {route.handler}")
        elif typed:
            mark(ep, "input_validated", True, f"bound into a validated type: {typed}")
        elif STRUCT_DECODE.search(body):
            mark(ep, "input_validated", True, f"decoded into a typed struct in {route.handler} (the decoder "
                                              "rejects wrongly typed fields)")
        else:
            mark(ep, "input_validated", False, f"reads `{reads_body.group(0)}` without validation tags or a validator")
        return
    params = PARAM_READ.search(body)
    conversion = TYPED.search(body)
    if params and conversion:
        mark(ep, "input_validated", True, f"parameters converted with `{conversion.group(0)}` in {route.handler}")
    elif params:
        ep.notes.append(f"input: only path or query strings ({params.group(0)}), not judged")
    else:
        ep.notes.append("input: reads no request data")


def _pagination(ep: Endpoint, body: str, route: Route) -> None:
    last = ep.path.rstrip("/").rsplit("/", 1)[-1]
    if ep.method != "GET" or last.startswith("{") or not body:
        return
    plural = bool(re.fullmatch(r"[a-z][a-z_-]*s", last)) and not re.search(r"(status|stats|settings|news)$", last)
    if not (plural or LIST_NAME.search(route.handler) and not SINGLE.search(body)):
        return
    ep.paginated = bool(PAGINATION.search(body))
    if ep.paginated:
        m = PAGINATION.search(body)
        ep.protections.setdefault("paginated", []).append(f"`{m.group(0) if m else ''}` in {route.handler}")
