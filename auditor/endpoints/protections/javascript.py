"""What an Express middleware does, read from its definition's text (a regex reader, like the extractor).

- a status 401/403 (or a redirect to the login page, or an Unauthorized/Forbidden error handed to `next`)
  on a branch that tests the caller's identity (req.user, req.session, req.isAuthenticated(), a token or the
  Authorization header) is authentication; when a role, permission or admin flag is tested, authorisation;
- a session or cookie token compared with a body field or header, then 403, is CSRF;
- a counter and 429 is rate limiting;
- a schema's validate/parse applied to req.body/query/params (Koa: ctx.request.body, ctx.query) is input validation.
Koa middleware is read the same way through the context: `ctx.throw(401)`, `ctx.status = 401`,
`ctx.assert(ctx.state.user, 401)` (or with an authentication error), on a test of `ctx.state.user`, `ctx.session`,
the Authorization header or a token.
Middleware built by a known package (`rateLimit` from express-rate-limit) is classified by the package
(rules/protections.yml).
"""
from __future__ import annotations

import re

from auditor.endpoints.protections.behaviour import AUTHENTICATION, AUTHORIZATION, CSRF, RATE_LIMIT, VALIDATION

DENY = re.compile(r"\.status\(\s*(401|403)\s*\)|sendStatus\(\s*(401|403)\s*\)|\.redirect\(\s*['\"`][^'\"`]*(login|signin|auth)"
                  r"|next\(\s*(new\s+)?\w*(Unauthori[sz]ed|Forbidden|Auth\w*Error)|throw\s+new\s+\w*(Unauthori[sz]ed|Forbidden)"
                  r"|createError\(\s*(401|403)|statusCode\s*=\s*(401|403)|\b(httpStatus|HttpStatus|StatusCodes|status)\.(UNAUTHORIZED|FORBIDDEN)\b"
                  r"|\bctx\.throw\(\s*(401|403)|\bctx\.(?:response\.)?status\s*=\s*(401|403)\b"
                  r"|\bctx\.assert\([^;]*?,\s*(?:(401|403)\b|new\s+\w*(Unauthori[sz]ed|Forbidden|Authenticat\w*|Authoriz\w*))"
                  r"|throw\s+new\s+\w*(Authentication|Authorization)\w*Error",
                  re.I)
IDENTITY_TEST = re.compile(r"if\s*\(\s*!?\s*\(?\s*(req\.(user|session|auth|isAuthenticated|cookies|signedCookies|userId)|"
                           r"req\.headers?(?:\.authorization|\[\s*['\"]authorization['\"]\s*\]|\(\s*['\"]authorization['\"]\s*\))|"
                           r"token|authorization|authHeader|bearer|decoded|payload|user)\b|"
                           r"(?:if\s*\(\s*!?\s*\(?\s*|\bctx\.assert\(\s*!?\s*)ctx\.(?:state\.(?:user|jwt|auth)|session|"
                           r"isAuthenticated|headers?\.authorization|get\(\s*['\"]authorization)|"
                           r"\bctx\.assert\(\s*!?\s*(?:token|user|decoded|payload)\b", re.I)
ROLE_TEST = re.compile(r"if\s*\([^)]*\b(role|roles|isAdmin|admin|permission|permissions|scope|scopes|\w*Rights?)\b", re.I)
CSRF_COMPARE = re.compile(r"(req\.(session|cookies|signedCookies)[\w.\[\]'\"]*csrf\w*|csrf\w*)[^;\n]{0,80}(!==?|===?)"
                          r"[^;\n]{0,80}req\.(body|headers|get\()|req\.(body|headers)[\w.\[\]'\"-]*(!==?|===?)"
                          r"[^;\n]{0,80}req\.(session|cookies|signedCookies)", re.I)
RATE = re.compile(r"\b429\b|TooManyRequests", re.I)
COUNTER = re.compile(r"\+\+|\+=\s*1|\bincr\w*\(|\bcount\b|\bhits\b", re.I)
SCHEMA = re.compile(r"\.(validate|validateAsync|parse|safeParse|parseAsync)\s*\(\s*(?:req\.(body|query|params)|"
                    r"ctx\.request\.(body|query)|ctx\.(query|params))\b")


def js_behaviour(text: str) -> dict[str, str]:
    """kind -> how, for one middleware definition's text."""
    found: dict[str, str] = {}
    deny = DENY.search(text)
    if deny and ROLE_TEST.search(text):
        found[AUTHORIZATION] = f"answers `{deny.group(0)}` when a role/permission test fails"
        found[AUTHENTICATION] = found[AUTHORIZATION]
    elif deny and IDENTITY_TEST.search(text):
        found[AUTHENTICATION] = f"answers `{deny.group(0)}` when the caller is not identified"
    if CSRF_COMPARE.search(text) and re.search(r"\b403\b|\bForbidden|EBADCSRFTOKEN", text):
        found[CSRF] = "compares the session/cookie token with the request's and answers 403"
    if RATE.search(text) and COUNTER.search(text):
        found[RATE_LIMIT] = "counts requests and answers 429"
    schema = SCHEMA.search(text)
    if schema:
        found[VALIDATION] = f"applies `{schema.group(0)}`"
    return found
