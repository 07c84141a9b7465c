"""What a guard does, read from its body: which requests it rejects, and on what condition.

A guard is an `if` whose one branch rejects the request (abort(401/403), a redirect to the login page,
raise PermissionDenied/NotAuthenticated/HTTPException(401/403), a response with status 401/403/429). What it
protects depends on the condition and on which branch rejects:
- the identity (authed(), user.is_authenticated, current_user, the session's user, a token) is tested and
  the request is rejected when it is absent: authentication;
- a role, permission, ownership or admin flag is tested and the request is rejected when it fails:
  authorisation (which implies authentication: an anonymous caller has no role);
- a session or cookie value is compared with a form field or header and the request is rejected when
  they differ: CSRF;
- a count is compared with a limit and the request is rejected with 429: rate limiting.
A schema applied to the request (`schema.load(request.json)`, `form.validate()`) is input validation.

The polarity matters: `if request.headers.get("Authorization"): ... abort(401)` rejects bad tokens but lets
anonymous requests through, and is not authentication.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from auditor.astwalk import nodes_of, walk

AUTHENTICATION = "authentication"
AUTHORIZATION = "authorization"
CSRF = "csrf"
RATE_LIMIT = "rate_limit"
VALIDATION = "input_validation"
KINDS = (AUTHENTICATION, AUTHORIZATION, CSRF, RATE_LIMIT, VALIDATION)


@dataclass(frozen=True)
class Finding:
    """One protection a definition provides: its kind, the definition's name and place, and how it does it."""
    kind: str
    name: str
    where: str
    how: str

    def text(self) -> str:
        return f"{self.name} ({self.how}; defined at {self.where})"


IDENTITY_WORDS = frozenset({"uid", "userid", "authed", "authenticated", "auth", "login", "logged", "user", "users", "identity",
                            "principal", "token", "jwt", "session", "credentials", "apikey", "authorization",
                            "anonymous", "authorized", "signed", "me", "bearer"})
IDENTITY_PAIRS = (frozenset({"api", "key"}), frozenset({"access", "key"}), frozenset({"client", "secret"}))
ROLE_WORDS = frozenset({"admin", "admins", "administrator", "role", "roles", "permission", "permissions", "perm",
                        "perms", "staff", "superuser", "owner", "scope", "scopes", "privilege", "privileges",
                        "allowed", "group", "groups", "acl", "policy", "can", "moderator", "authorize"})
REJECT_EXCEPTION = re.compile(
    r"^(Unauthori[sz]ed\w*|Unauthenticated\w*|NotAuthenticated|AuthenticationFailed|PermissionDenied|Forbidden\w*|"
    r"HTTPForbidden|HTTPUnauthorized|AccessDenied\w*|NotAuthori[sz]ed\w*|Auth\w*Error|Auth\w*Exception|"
    r"InvalidToken\w*|LoginRequired\w*|CSRFError|CSRFValidationError|SuspiciousOperation|TooManyRequests|"
    r"RateLimitExceeded|Throttled|HTTPTooManyRequests|HttpResponseForbidden)$")
RATE_EXCEPTION = re.compile(r"^(TooManyRequests|RateLimitExceeded|Throttled|HTTPTooManyRequests)$")
LOGIN_TARGET = re.compile(r"log_?in|sign_?in|auth|LOGIN_URL|unauthori[sz]ed", re.I)
REJECT_CODES = (400, 401, 403, 404, 429)
STATUS_NAMES = {"NOT_FOUND": 404, "HTTP_404_NOT_FOUND": 404, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "TOO_MANY_REQUESTS": 429, "BAD_REQUEST": 400,
                "HTTP_401_UNAUTHORIZED": 401, "HTTP_403_FORBIDDEN": 403, "HTTP_429_TOO_MANY_REQUESTS": 429,
                "HTTP_400_BAD_REQUEST": 400}
SESSION_SIDE = re.compile(r"\bsession\b|cookies|COOKIES|csrf|nonce|_token\b", re.I)
REQUEST_SIDE = re.compile(r"request\.(form|headers|json|values|args|POST|META|get_json|data)|\bform\b|headers\.get|"
                          r"get_header|X-CSRF|CSRF-Token", re.I)
# what a schema is called: `UserSchema().load`, `form.validate`, `jsonschema.validate`, `Payload.model_validate`
SCHEMA_OWNER = re.compile(r"schema|form|model|validator|serializer|parser|payload|input|request_?body|args", re.I)
SCHEMA_CALL = frozenset({"load", "loads", "validate", "model_validate", "parse_obj", "validate_python",
                         "is_valid", "validate_on_submit", "parse_args"})


def _words(node: ast.AST) -> set[str]:
    """Identifier words of a condition: `is_admin()` -> {is, admin}; `currentUser` -> {current, user}; string
    constants only where they name a key (`"user_id" in session`, `session.get("user")`, `session["user"]`),
    not where they are compared with (`request.endpoint == "admin.setup"` says nothing about the caller)."""
    names: list[str] = []
    for sub in walk(node):
        if isinstance(sub, ast.Name):
            names.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.append(sub.attr)
        elif isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str):
            names.append(sub.slice.value)
        elif isinstance(sub, ast.Call) and _call_name(sub) == "get" and sub.args and \
                isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str):
            names.append(sub.args[0].value)
        elif isinstance(sub, ast.Compare) and isinstance(sub.left, ast.Constant) and isinstance(sub.left.value, str) \
                and isinstance(sub.ops[0], (ast.In, ast.NotIn)):
            names.append(sub.left.value)
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", " ".join(names))
    return {w.lower() for w in re.findall(r"[A-Za-z]+", spaced)}


def _status(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, (ast.Attribute, ast.Name)):
        name = node.attr if isinstance(node, ast.Attribute) else node.id
        return STATUS_NAMES.get(name)
    return None


def _call_name(node: ast.AST) -> str:
    f = node.func if isinstance(node, ast.Call) else node
    if isinstance(f, ast.Attribute):
        return f.attr
    return f.id if isinstance(f, ast.Name) else ""


def rejection(stmts: Iterable[ast.AST]) -> tuple[set[int], str] | None:
    """The statuses a block answers with when it turns the request away (401/403/429/400; 302 for a redirect to
    the login page), and how, or None when it does not."""
    statuses: set[int] = set()
    how = ""
    for stmt in stmts:
        for node in walk(stmt):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                code = _status(node.args[0]) if node.args else None
                kw = next((_status(k.value) for k in node.keywords if k.arg in ("status", "status_code", "code")), None)
                if name in ("abort", "abort_with") and code in REJECT_CODES:
                    statuses.add(code)
                    how = how or f"abort({code})"
                elif name == "HTTPException" and (code or kw) in REJECT_CODES:
                    statuses.add(code or kw or 0)
                    how = how or f"HTTPException({code or kw})"
                elif REJECT_EXCEPTION.match(name):
                    statuses.add(429 if RATE_EXCEPTION.match(name) else 403)
                    how = how or name
                elif name in ("redirect", "HttpResponseRedirect", "redirect_to_login", "RedirectResponse") and \
                        (name == "redirect_to_login" or LOGIN_TARGET.search(ast.unparse(node))):
                    statuses.add(302)
                    how = how or "redirects to the login page"
                elif name == "unauthorized":
                    statuses.add(401)
                    how = how or f"{ast.unparse(node.func)}()"
                elif kw in REJECT_CODES:
                    statuses.add(kw)
                    how = how or f"responds {kw}"
            elif isinstance(node, ast.Raise) and node.exc is not None:
                name = _call_name(node.exc) if isinstance(node.exc, ast.Call) else \
                    (node.exc.attr if isinstance(node.exc, ast.Attribute) else getattr(node.exc, "id", ""))
                if REJECT_EXCEPTION.match(name):
                    statuses.add(429 if RATE_EXCEPTION.match(name) else 403)
                    how = how or f"raises {name}"
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and \
                    any(_status(a) in REJECT_CODES for a in node.value.args[1:]):
                code = next(c for c in (_status(a) for a in node.value.args[1:]) if c in REJECT_CODES)
                statuses.add(code)     # return error("missing api key", 401) / make_response(body, 403)
                how = how or f"returns {code}"
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                codes = [_status(e) for e in node.value.elts[1:]]
                code = next((c for c in codes if c in REJECT_CODES), None)
                if code:
                    statuses.add(code)
                    how = how or f"returns {code}"
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr in ("status_code", "status")
                                                      for t in node.targets):
                code = _status(node.value)
                if code in REJECT_CODES:
                    statuses.add(code)
                    how = how or f"status {code}"
    return (statuses, how) if statuses else None


def _rejects(block: list[ast.stmt]) -> tuple[set[int], str] | None:
    """The rejection a block always ends in: a rejecting statement at its top level, an `if` both of whose
    branches reject (`if request.is_json: abort(403) else: return redirect(login)`), or one inside a `with`.
    A rejection behind a further condition of its own is not this block's."""
    for stmt in block:
        if isinstance(stmt, ast.If):
            body, orelse = _rejects(stmt.body), _rejects(stmt.orelse)
            if body and orelse:
                return body[0] | orelse[0], body[1]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = _rejects(stmt.body)
            if inner:
                return inner
        elif not isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef,
                                   ast.ClassDef)):
            found = rejection([stmt])
            if found:
                return found
    return None


def _negated(test: ast.AST) -> tuple[bool, ast.AST]:
    """(True, X) when the test holds exactly when X does not: `not X`, `X is None`, `X != Y`, `X not in Y`."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True, test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, (ast.Is, ast.Eq)) and isinstance(right, ast.Constant) and right.value in (None, False):
            return True, test.left
        if isinstance(op, (ast.NotEq, ast.NotIn, ast.IsNot)) and not (isinstance(right, ast.Constant) and right.value is None):
            return True, test
    return False, test


def _following(parents: dict[int, list[ast.stmt]], node: ast.If) -> list[ast.stmt]:
    block = parents.get(id(node), [])
    return block[block.index(node) + 1:] if node in block else []


def _blocks(fn: ast.AST) -> dict[int, list[ast.stmt]]:
    """id(statement) -> the statement list it sits in, to read what follows an `if`."""
    out: dict[int, list[ast.stmt]] = {}
    for node in walk(fn):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                for stmt in block:
                    out[id(stmt)] = block
    return out


def _lets_through(stmts: list[ast.stmt]) -> bool:
    """The block hands the request on: `return f(*args, **kwargs)` in a wrapper, a bare `return` (or
    `return None`) in a hook. What follows it is then the path of the requests that fail the test."""
    if not stmts or not isinstance(stmts[-1], ast.Return):
        return False
    value = stmts[-1].value
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return True
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and (any(isinstance(a, ast.Starred) for a in value.args)
                                            or any(k.arg is None for k in value.keywords))


def guards(fn: ast.AST, top_level: bool = False) -> dict[str, str]:
    """kind -> how, for the guards written in this function (nested functions included); with `top_level`,
    only the `if` statements of the function's own body (a handler's opening checks, not the conditions
    of its business logic)."""
    found: dict[str, str] = {}
    parents = _blocks(fn)
    assigned: dict[str, set[str]] = {}   # local name -> words of what it was assigned (`uid = session.get("uid")`)
    for node in nodes_of(fn, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, set()).update(_words(node.value))
    ifs = [s for s in getattr(fn, "body", []) if isinstance(s, ast.If)] if top_level else nodes_of(fn, ast.If)
    for node in ifs:
        when_true = _rejects(node.body)
        # what follows an `if` whose branch hands the request on (a wrapper's `return f(...)`; in a handler's
        # opening checks, any answer: `if is_admin(): return redirect(dashboard)` then `return redirect(login)`)
        hands_on = _lets_through(node.body) or (top_level and bool(node.body) and isinstance(node.body[-1], ast.Return))
        after = _following(parents, node) if hands_on and not when_true else []
        when_false = _rejects(node.orelse) or (_rejects(after) if after else None)
        test_text = ast.unparse(node.test)
        token = _compares_token(node.test)
        # `if order is None or order.user_id != me: abort(404)`: each negated operand of an `or` is a check
        parts = [_negated(v) for v in node.test.values] if isinstance(node.test, ast.BoolOp) and \
            isinstance(node.test.op, ast.Or) and when_true else [_negated(node.test)]
        for negated, core in parts:
            failing = when_true if negated else when_false
            passing = when_false if negated else when_true
            cond = f"when `{test_text[:60]}`" if failing is when_true else f"unless `{test_text[:60]}`"
            words = set() if token else _words(core)
            for name in (n.id for n in walk(core) if isinstance(n, ast.Name)):
                words |= assigned.get(name, set()) if not token else set()
            denial = failing[0] - {429, 400, 404} if failing else set()
            attached = any(attached_to_request(side) for side in [getattr(core, "left", None), *getattr(core, "comparators", [])]
                           if isinstance(side, ast.Attribute))
            if failing and (words & IDENTITY_WORDS or attached) and _ownership(core) and failing[0] - {429, 400}:
                found.setdefault(AUTHORIZATION, f"{failing[1]} {cond} (ownership)")
            elif denial and words & ROLE_WORDS:
                found.setdefault(AUTHORIZATION, f"{failing[1]} {cond}")
                found.setdefault(AUTHENTICATION, f"{failing[1]} {cond}")
            elif denial and (words & IDENTITY_WORDS or any(pair <= words for pair in IDENTITY_PAIRS)):
                found.setdefault(AUTHENTICATION, f"{failing[1]} {cond}")
            elif passing and {"anonymous"} & words and passing[0] - {429, 400, 404}:
                found.setdefault(AUTHENTICATION, f"{passing[1]} when `{test_text[:60]}`")
        rejected = when_true or when_false
        if rejected and token:
            found.setdefault(CSRF, f"{rejected[1]} when `{test_text[:70]}`")
        if rejected and 429 in rejected[0] and any(isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE))
                                                   for c in nodes_of(node.test, ast.Compare) for op in c.ops):
            found.setdefault(RATE_LIMIT, f"counts requests and answers 429 when `{test_text[:60]}`")
    if RATE_LIMIT not in found:
        rejected = rejection([fn]) if isinstance(fn, ast.stmt) else None
        if rejected and 429 in rejected[0] and re.search(r"\b(incr|increment|hits|count|counter)\b|\+= ?1|\+ ?1\b",
                                                           ast.unparse(fn)):
            found[RATE_LIMIT] = f"counts requests and answers 429 ({rejected[1]})"
    schema = _schema_on_request(fn)
    if schema:
        found.setdefault(VALIDATION, f"applies `{schema}` to the request")
    if AUTHENTICATION in found:
        public = configured_public(fn)
        if public:
            found[AUTHENTICATION] += f"; {PUBLIC_WHEN} `{public}`"
    return found


CALLER_NAMES = re.compile(r"^(user|current_user|g\.user|g\.current_user|request\.user|self\.request\.user|"
                          r"(get_)?current_\w+\(\)|current_identity|me|caller|account|get_jwt_identity\(\))$")


def permission_predicate(fn: ast.AST) -> str | None:
    """A permission question about the caller that turns the request away when the answer is no, anywhere in
    the handler: `if not can_access_challenge(solution.challenge, user): abort(404)`. The predicate's name
    carries a role word (can, allowed, permission, admin...) and one of its arguments is the caller. A 404 counts
    here: hiding a record the caller may not see is a refusal, not a missing row."""
    parents = _blocks(fn)
    for node in nodes_of(fn, ast.If):
        negated, core = _negated(node.test)
        if not isinstance(core, ast.Call) or not {w for w in _words(core.func)} & ROLE_WORDS:
            continue
        if not any(CALLER_NAMES.match(ast.unparse(a)) for a in [*core.args, *(k.value for k in core.keywords)]):
            continue
        failing = _rejects(node.body) if negated else (_rejects(node.orelse) or (
            _rejects(_following(parents, node)) if _lets_through(node.body) else None))
        if failing and failing[0] - {429, 400}:
            return f"{failing[1]} unless `{ast.unparse(core)[:60]}`"
    return None


# how a guard's finding says that the operator can open its routes to anonymous callers (see configured_public)
PUBLIC_WHEN = "served to anonymous callers when"
# a setting that opens routes to the public (a test-mode or debug switch that skips the check is not one)
PUBLIC_SETTING_WORDS = frozenset({"public", "visibility", "visible", "guest", "guests"})


def configured_public(fn: ast.AST) -> str | None:
    """The condition under which a guard hands every request on without asking who sends it, when that
    condition reads a visibility setting and nothing of the request or the caller
    (`if get_config(CHALLENGE_VISIBILITY) == ChallengeVisibilityTypes.PUBLIC: return f(*args, **kwargs)`).
    The guard then authenticates only when the operator keeps the routes private: the application serves
    them to anonymous readers by design, like a read whose authentication is declared optional."""
    def setting_words(node: ast.AST) -> set[str]:     # identifiers, and the strings that name or value a setting
        texts = [n.value for n in walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        return _words(node) | {w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", t)}

    assigned: dict[str, set[str]] = {}
    for node in nodes_of(fn, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, set()).update(setting_words(node.value))
    for node in nodes_of(fn, ast.If):
        if not _lets_through(node.body) or "request" in ast.unparse(node.test):
            continue
        words = setting_words(node.test)
        for name in (n.id for n in walk(node.test) if isinstance(n, ast.Name)):
            words |= assigned.get(name, set())
        if words & PUBLIC_SETTING_WORDS and not words & (IDENTITY_WORDS | ROLE_WORDS):
            return ast.unparse(node.test)[:70]
    return None


# what a request carries from the client: never the caller's identity, whatever the server later does with it
REQUEST_INPUT_ATTRS = frozenset({"GET", "POST", "FILES", "COOKIES", "META", "body", "data", "query_params", "args",
                                 "form", "json", "values", "files", "cookies", "headers", "environ", "method", "path",
                                 "path_info", "url", "full_path", "host", "remote_addr", "content_type", "session",
                                 "view_args", "match_info", "query", "params", "resolver_match", "get_json"})


def attached_to_request(node: ast.AST) -> bool:
    """`request.project.id`, `request.user`: an attribute the server attached to the request (an authentication
    decorator or middleware sets it from the credential it checked), not one the client sent."""
    parts = ast.unparse(node).split(".")
    return len(parts) >= 2 and parts[0] in ("request", "self.request") and parts[1] not in REQUEST_INPUT_ATTRS \
        and "(" not in parts[1] and "[" not in parts[1]


def _ownership(test: ast.AST) -> bool:
    """`record.owner_id != current_user.id`: two values compared, neither a constant."""
    return isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq)) \
        and not any(isinstance(s, ast.Constant) for s in (test.left, test.comparators[0]))


def _compares_token(test: ast.AST) -> bool:
    """A session/cookie value compared with a form field or header (== / != / compare_digest)."""
    for node in walk(test):
        sides: list[ast.AST] = []
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            sides = [node.left, node.comparators[0]]
        elif isinstance(node, ast.Call) and _call_name(node) in ("compare_digest", "constant_time_compare",
                                                                  "safe_str_cmp", "equals") and len(node.args) == 2:
            sides = list(node.args)
        if len(sides) == 2:
            a, b = (ast.unparse(s) for s in sides)
            if (SESSION_SIDE.search(a) and REQUEST_SIDE.search(b)) or (SESSION_SIDE.search(b) and REQUEST_SIDE.search(a)):
                return True
    return False


def _schema_on_request(fn: ast.AST) -> str | None:
    for call in nodes_of(fn, ast.Call):
        if _call_name(call) in SCHEMA_CALL and isinstance(call.func, ast.Attribute):
            owner = ast.unparse(call.func.value)
            if owner.split(".")[0] in ("json", "pickle", "yaml", "marshal", "jwt") or not SCHEMA_OWNER.search(owner):
                continue
            if "request" in ast.unparse(call) or _call_name(call) in ("is_valid", "validate_on_submit", "parse_args"):
                return ast.unparse(call)[:80]
    return None


Follow = Callable[[ast.Call], "list[Finding]"]


def classify_function(fn: ast.AST, name: str, where: str, follow: Follow | None = None) -> list[Finding]:
    """The protections a function (a decorator, its wrapper, a hook, a dependency, a middleware method)
    applies, with the guards of the repository functions it calls as statements or tests (through `follow`)."""
    out = [Finding(kind, name, where, how) for kind, how in guards(fn).items()]
    if follow is not None:
        kinds = {f.kind for f in out}
        for call in _called(fn):
            for inner in follow(call):
                if inner.kind not in kinds:
                    kinds.add(inner.kind)
                    out.append(Finding(inner.kind, name, where, f"calls {inner.name}: {inner.how}"))
    return out


def _called(fn: ast.AST) -> list[ast.Call]:
    """Calls whose result guards the request: expression statements (`check_auth()`), returned calls of a
    wrapper (`return require_user(request)`) and assignments (`user = get_current_user(token)`)."""
    out = []
    for node in walk(fn):
        if isinstance(node, (ast.Expr, ast.Return, ast.Assign, ast.AnnAssign, ast.Await)) and \
                isinstance(getattr(node, "value", None), ast.Call):
            out.append(node.value)
        elif isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            out.append(node.value)
    return out
