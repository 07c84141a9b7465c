"""Which endpoints a security item is about: public by nature, sensitive (brute-force targets), object, list.

All of it is heuristic (names of paths and handlers), and the items that use it say so.
"""
from __future__ import annotations

import re

from auditor.endpoints.common import has_path_params
from auditor.model import Endpoint

# how one gets in: login, token, sign-up, password reset/recovery. Public by nature, and brute-force targets.
ENTRY = re.compile(
    r"(^|/)(log-?in|sign-?in|signin|authenticate|auth|token|tokens|access-token|access_token|oauth|oauth2|jwt|"
    r"sessions?|register|registration|sign-?up|signup|(password|passwd|pwd|pw)[-_]?(reset|recovery|forgot)|"
    r"(reset|recover|forgot|lost)[-_]?(password|passwd|pwd|pw)|password-recovery[\w-]*|reset-password[\w-]*)(/|$|\.|\{)",
    re.I)
ENTRY_HANDLER = re.compile(r"^(login|signin|sign_in|token|obtain_\w*token|register|signup|sign_up|"
                           r"\w*(password_reset|reset_password|recover_password|forgot_password)\w*|authenticate)", re.I)
# sensitive but behind authentication: password change, one-time codes, MFA
SENSITIVE_ONLY = re.compile(r"(^|/)(password|passwords|change[-_]?password|otp|verify|mfa|2fa)(/|$|\.|\{)", re.I)
PUBLIC = re.compile(
    r"(^|/)(health|healthz|health-check|healthcheck|ready|readyz|readiness|live|livez|liveness|ping|status|"
    r"version|metrics|docs|redoc|openapi(\.json)?|swagger(\.json|-ui)?|schema|static|assets|favicon\.ico|"
    r"robots\.txt|\.well-known|logout|log-out|sign-?out|redirect)(/|$|\.)", re.I)


def _bare(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "", path)


LOGOUT = re.compile(r"(^|/)(logout|log-out|sign-?out|signout)(/|$)", re.I)


# sign-up through the REST collection: POST /users, /api/accounts, /api/user/create without authentication (not
# POST /account, which is the caller's own account)
SIGNUP_COLLECTION = re.compile(r"(^|/)((users|accounts|members|customers)|(users?|accounts?|members?|customers?)/(create|new|add))/?$",
                               re.I)
# one-time links: password reset, e-mail verification, invitation, account activation
TOKEN_PATH = re.compile(r"(^|/)(reset|verify|verification|confirm|confirmation|activate|activation|invite|invitation|"
                        r"unsubscribe|magic[-_]?link|password[-_]?reset\w*|reset[-_]?password\w*)(/|$)", re.I)
# a credential carried in the link itself: a token, a signed value or its signature, a badge's key
TOKEN_PARAM = re.compile(r"\{(\w*token\w*|uidb64|uidb36|activation_key|reset_key|signed_\w+|\w*signature|\w*secret\w*|"
                         r"badge_key)\}", re.I)
# a person's public page and its public lists: /user/{username}, /api/users/{id}/followers
PROFILE_READ = re.compile(r"(^|/)(users?|profiles?|authors?|members?|u|people)/\{[^}]+\}"
                          r"(/(followers|following|posts|popup|avatar|profile|card))?/?$|"
                          r"(^|/)(followers|following|followed[-_]by)/\{[^}]+\}/?$", re.I)
# other pages meant for visitors (GET, or a Django function view that answers every method)
PUBLIC_PAGE = re.compile(r"^/(about|about-us|contact|contact-us|privacy|terms|tos|legal|help|faq|home|index|"
                         r"pricing|features|tutorial|tutorials|guide|guides)(\.html?)?/?$", re.I)
READ_METHODS = ("GET", "HEAD", "ANY")


# authentication that checks credentials on the request itself (HTTP Basic, passport's local strategy): the
# endpoint is then still where one signs in
CREDENTIAL_CHECK = re.compile(r"basic|digest|password|passport\.authenticate\(\s*['\"](local|login)", re.I)


def is_entry_point(ep: Endpoint) -> bool:
    """Login, token, sign-up, password reset: reachable before one has credentials.

    Not a DELETE (revoking one's own token is not a way in), not a logout, not one that needs an existing
    login (unless that login is checked on the request itself: HTTP Basic). POST on the users collection
    without authentication is the API's sign-up."""
    if ep.method in ("GET", "HEAD", "OPTIONS", "DELETE") or LOGOUT.search(ep.path):
        return False
    named_entry = bool(ENTRY.search(_bare(ep.path)) or ENTRY_HANDLER.search(ep.handler.rsplit(".", 1)[-1]))
    guards = ep.protections.get("authenticated", [])
    # a login's own credential check (`abort(401)` when the password is wrong) is not an existing login in
    # front of it: only a guard outside the handler (decorator, hook, middleware) makes it one
    own_check_only = bool(guards) and all(g.startswith("check in ") for g in guards)
    if ep.authenticated is True and not (named_entry and own_check_only) and not CREDENTIAL_CHECK.search(" ".join(guards)):
        return False    # behind an existing login (POST /api/v1/tokens for the signed-in user): not a way in
    if ep.method == "POST" and ep.authenticated is False and SIGNUP_COLLECTION.search(ep.path):
        return True
    return named_entry


# a handler that signs in by behaviour, whatever its path is called: it reads a password the client sends and
# hands it to a credential check
PASSWORD_FROM_CLIENT = re.compile(r"""\[\s*['"](password|passwd|pwd|pass)['"]\s*\]|\.get\(\s*['"](password|passwd|pwd|pass)['"]|"""
                                  r"""\b(req|request)\.(body|form|json|data|POST)\.(password|passwd|pwd)\b""", re.I)
CREDENTIAL_CHECK = re.compile(r"\b(check_password|verify_password|checkpw|check_password_hash|authenticate|"
                              r"compare_digest|bcrypt\.compare|argon2\.verify|passwordMatches|comparePassword|"
                              r"isPasswordMatch|validPassword|verifyPassword)\s*\(|\.verify\(")


def signs_in(source: str) -> bool:
    """The handler source reads a password the client sends and hands it to a credential check: a login,
    whatever its path or name."""
    return bool(PASSWORD_FROM_CLIENT.search(source) and CREDENTIAL_CHECK.search(source))


# a note the readers put on an endpoint whose authentication reads a password from every request (HTTP Basic):
# each request is a sign-in attempt, so the endpoint is a brute-force target like a login form
PASSWORD_PER_REQUEST = "credentials: a password is sent and checked on every request"


def checks_password_per_request(ep: Endpoint) -> bool:
    return any(note.startswith(PASSWORD_PER_REQUEST) for note in ep.notes)


def is_sensitive(ep: Endpoint) -> bool:
    """Endpoints that must be rate limited: entry points plus password change, OTP and MFA checks."""
    if ep.method in ("GET", "HEAD", "OPTIONS", "DELETE") or LOGOUT.search(ep.path):
        return False
    # a link carrying a long token (/verify/{token}) is not a short code to guess: only its entry-point uses count
    return is_entry_point(ep) or (bool(SENSITIVE_ONLY.search(_bare(ep.path))) and not is_token_path(ep))


def is_preflight(ep: Endpoint) -> bool:
    """An OPTIONS route (`app.options('*', cors())`): the browser's CORS preflight, answered before any
    credential is sent. Never an API operation, never one that should require authentication."""
    return ep.method == "OPTIONS"


# the note a reader leaves on an installer that works only until the application is set up (switched.py)
FIRST_RUN = "first run only"


# a page of the sign-in flow itself (the second-factor step under /login/): shown before the login completes
SIGN_IN_STEP = re.compile(r"(^|/)(log-?in|sign-?in)/", re.I)


def is_public_by_nature(ep: Endpoint) -> bool:
    """Endpoints that are meant to be reachable without logging in. Method ANY (a Django function view
    that does not restrict methods) counts like GET for pages. A CORS preflight (OPTIONS) too, and the
    first-run installer (it creates the first account, so no one can be signed in yet)."""
    if is_preflight(ep) or any(n.startswith(FIRST_RUN) for n in ep.notes):
        return True
    if ep.method in READ_METHODS and (ep.path == "/" or PUBLIC_PAGE.search(ep.path)):
        return True
    last = "/" + _bare(ep.path).rstrip("/").rsplit("/", 1)[-1]
    if ep.method in READ_METHODS and ENTRY.search(last):  # the login or sign-up page itself, not /auth/me
        return True
    if ep.method in READ_METHODS and SIGN_IN_STEP.search(_bare(ep.path)):   # /accounts/login/two_factor/
        return True
    return bool(PUBLIC.search(_bare(ep.path))) or is_entry_point(ep)


def is_token_path(ep: Endpoint) -> bool:
    """A one-time link (reset/verify/confirm token): the token is the credential, not a record id."""
    return bool(TOKEN_PARAM.search(ep.path) or (has_path_params(ep.path) and TOKEN_PATH.search(_bare(ep.path))))


def is_profile_read(ep: Endpoint) -> bool:
    """Reading a person's public profile by name or id (and its public lists): public by design."""
    return ep.method in ("GET", "HEAD") and bool(PROFILE_READ.search(ep.path))


# the note an endpoint reader leaves on an operation that addresses a record by an id argument, not a path
# parameter (a GraphQL `deletePost(id: ID!)`)
RECORD_ARGUMENT = "object: addresses a record by its argument"


def is_object_endpoint(ep: Endpoint) -> bool:
    """Addresses one record by identifier: the place where insecure direct object references happen.

    Heuristic: a path parameter (or an id argument a reader noted), except entry points, one-time token links
    and public profile reads."""
    by_argument = any(n.startswith(RECORD_ARGUMENT) for n in ep.notes)
    return (has_path_params(ep.path) or by_argument) and not is_entry_point(ep) and not is_token_path(ep) \
        and not is_profile_read(ep)


# a route's authentication declared optional (Express `auth.optional`, flask-jwt-extended `@jwt_optional` or
# `@jwt_required(optional=True)`, a FastAPI dependency called with `required=False` or named `*optional*`): the
# handler answers anonymous callers by design and only personalises the answer for a signed-in one
OPTIONAL_AUTH_NOTE = "authentication optional"
# areas no application publishes to anonymous readers, whatever its other reads do
PRIVATE_AREA = re.compile(r"(^|/)(admin|admins|internal|private|debug|config|configs|settings|manage|management|"
                          r"backups?|exports?|me|account|accounts|billing|secrets?|keys)(/|$)", re.I)


def is_optional_auth(ep: Endpoint) -> bool:
    return any(n.startswith(OPTIONAL_AUTH_NOTE) for n in ep.notes)


def public_read_design(endpoints: list[Endpoint]) -> Endpoint | None:
    """A read whose authentication the app declares optional, when the app also requires authentication on
    some of its writes: the app then draws its line between public reads and authenticated writes on purpose
    (RealWorld's articles, profiles, tags and comments), so a read it leaves without any authentication is a
    public read of the same design, not a forgotten guard. None when the app declares no optional read."""
    if not any(ep.authenticated is True and ep.method not in ("GET", "HEAD", "OPTIONS") for ep in endpoints):
        return None
    return next((ep for ep in endpoints if ep.method in ("GET", "HEAD") and is_optional_auth(ep)), None)


def is_public_read(ep: Endpoint, design: Endpoint | None) -> bool:
    """A read served to anonymous callers by design: its authentication is declared optional, or it has none in
    an app whose reads are public by design (public_read_design) and its path names no private area (admin,
    internal, settings, the caller's own account)."""
    if ep.method not in ("GET", "HEAD"):
        return False
    if is_optional_auth(ep):
        return True
    return design is not None and ep.authenticated is False and not PRIVATE_AREA.search(_bare(ep.path))


def authorize_children_of_public_reads(endpoints: list[Endpoint], note: str) -> None:
    """A write that creates a record as the caller (its reader left `note` on it) under a record the app serves
    to anonymous readers (the parent path's GET declares optional authentication): commenting on a public
    article. The new record is the caller's, and the parent is public, so there is no one else's record to
    reach. Marks such writes authorized."""
    optional_reads = {ep.path for ep in endpoints if ep.method == "GET" and is_optional_auth(ep)}
    for ep in endpoints:
        if ep.authorized is not False or ep.authenticated is not True or ep.method != "POST":
            continue
        how = next((n for n in ep.notes if n.startswith(note)), None)
        parent = re.sub(r"(/[^/{}]+)+/?$", "", ep.path)
        if how and parent != ep.path and parent in optional_reads:
            ep.authorized = True
            ep.protections.setdefault("authorized", []).append(
                f"{how.split(': ', 1)[-1]} under {parent}, a record the app serves to anonymous readers "
                f"(GET {parent}: authentication optional)")


DEVELOPMENT_ONLY = "development only"


def is_development_only(ep: Endpoint) -> bool:
    """Registered only under a development guard (`if settings.ENVIRONMENT == "local":`): not production surface."""
    return any(n.startswith(DEVELOPMENT_ONLY) for n in ep.notes)


def label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"


# routes that are conventionally not versioned, beside the PUBLIC ones (read by API-VERSIONING and API-DOCS)
UNVERSIONED_BY_NATURE = re.compile(r"^/?(auth|oauth2?|token|login|logout|admin|static|\.well-known|files|uploads|media|"
                                   r"events|debug|redirect|callback)(/|$)", re.I)


def is_infrastructure(ep: Endpoint) -> bool:
    """Health, docs, metrics, static, admin and OAuth/login routes, file downloads and event streams at the
    top level, and CORS preflight routes, are conventionally not versioned."""
    bare = re.sub(r"\{[^}]*\}", "", ep.path)
    return is_preflight(ep) or bool(PUBLIC.search(bare) or UNVERSIONED_BY_NATURE.search(bare))


API_MOUNT = re.compile(r"^/?api(/|$)", re.I)


def outside_api_mount(endpoints: list[Endpoint]) -> list[Endpoint]:
    """The routes beside an API mounted under /api: when an application serves its API under /api/..., its
    other routes (site pages, badges, share links, root redirects) are the web site, not API endpoints."""
    if not any(API_MOUNT.search(ep.path) for ep in endpoints):
        return []
    return [ep for ep in endpoints if not API_MOUNT.search(ep.path)]
