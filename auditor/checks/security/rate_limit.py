"""SEC-RATE-LIMIT: login, token, password-reset and sign-up endpoints are rate limited; so is every endpoint
whose authentication checks a password sent with each request (HTTP Basic), since each request is a guess."""
from __future__ import annotations

import ast
import re
import textwrap

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import evaluate_endpoints, handler_own_source, judged_endpoints, with_gap
from auditor.context import AuditContext
from auditor.endpoints.classify import checks_password_per_request, is_sensitive, signs_in
from auditor.endpoints.common import has_path_params
from auditor.model import Endpoint, ItemResult
from auditor.registry import check

# what a Python handler may read of the request without reading anything the client chose: who is signed in,
# the method, server-side session state, where the app is mounted; every other attribute (form, query, body,
# headers, get_data(), input_stream ...) is input
NON_INPUT_ATTRIBUTES = frozenset({"user", "method", "session", "app", "resolver_match", "is_secure",
                                  "build_absolute_uri", "get_host", "path", "scheme", "endpoint", "blueprint"})
REQUEST_ATTRIBUTE = re.compile(r"\brequest\.(\w+)")
# the request object under another name (`from flask import request as r`, `req = request`): not read here
REQUEST_ALIAS = re.compile(r"\brequest\s+as\s+\w+|=\s*(?:flask\.)?request\s*$", re.M)
# calls that take the request without reading what the client sent in it
NON_READING = re.compile(r"^(render|render_to_response|render_template|redirect|TemplateResponse|HttpResponse\w*|"
                         r"get_token|logout|auth_logout|[\w.]*messages\.\w+|reverse)$")
REQUEST_PASSED = re.compile(r"(?<!def )(?<![\w.])([\w.]+)\(\s*(?:self\.)?request\b")
NOT_ATTEMPTS = ("GET", "HEAD", "OPTIONS", "DELETE")
# frameworks whose handlers read the client's input from the request object (FastAPI and aiohttp handlers also
# take it as parameters, which this reading does not see)
REQUEST_OBJECT_FRAMEWORKS = frozenset({"django", "flask"})


def takes_no_input(source: str, ep: Endpoint, module_text: str = "") -> bool:
    """A Python page that reads nothing the client sends (no form data, query, body, header or path parameter,
    and hands the request only to renderers): there is nothing to guess, so nothing to brute-force (a
    "check your inbox" page, a CSRF-token endpoint)."""
    if ep.framework not in REQUEST_OBJECT_FRAMEWORKS or not source or has_path_params(ep.path) or \
            REQUEST_ALIAS.search(module_text) or injected_parameters(source) or \
            any(attr not in NON_INPUT_ATTRIBUTES for attr in REQUEST_ATTRIBUTE.findall(source)):
        return False
    return all(NON_READING.match(call.rsplit(".", 1)[-1]) or NON_READING.match(call)
               for call in REQUEST_PASSED.findall(source))


# a sign-in step that checks a public-key assertion (WebAuthn / FIDO2 / passkeys) against the server's challenge
PUBLIC_KEY_PROOF = re.compile(r"(?i)webauthn|\bfido2?\b|fido2\.|passkey|verify_authentication_response|"
                              r"authenticate_complete|verifyAuthenticationResponse")


def proves_with_a_key(source: str, ep: Endpoint) -> bool:
    """The step verifies a signature made by the user's authenticator: an attacker has no key to sign with and
    no code to guess, so repeated attempts gain nothing (a password or TOTP step stays a brute-force target)."""
    return bool(PUBLIC_KEY_PROOF.search(ep.handler) or PUBLIC_KEY_PROOF.search(source)) and not signs_in(source) \
        and not re.search(r"(?i)\b\w*(totp|otp)\w*\.verify\(|verify_\w*(totp|otp|code)\w*\(", source)


def injected_parameters(source: str) -> list[str]:
    """Parameters of a handler whose route has no path parameter: a decorator fills them from the request
    (webargs/flask-apispec `@use_kwargs(schema)`, flask-smorest `@blp.arguments`), so the handler takes input
    (`def login(email, password)`)."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return []
    fn = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if fn is None:
        return []
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    if not {"request", "req"} & set(names):     # Django's `def view(request, *args, **kwargs)` passes no input
        names += [a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None]
    return [n for n in names if n not in ("self", "cls", "request", "req")]


@check("SEC-RATE-LIMIT")
def rate_limit_sensitive(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = judged_endpoints(ctx)
    named = [ep for ep in endpoints if is_sensitive(ep) or checks_password_per_request(ep) or
             (ep.method not in NOT_ATTEMPTS and ep.authenticated is not True and signs_in(handler_own_source(ctx, ep)))]
    no_input = [ep for ep in named if ep.rate_limited is not True and takes_no_input(handler_own_source(ctx, ep), ep, ctx.repo.read_text(ep.file) or "")]
    by_key = [ep for ep in named if ep not in no_input and ep.rate_limited is not True
              and proves_with_a_key(handler_own_source(ctx, ep), ep)]
    sensitive = [ep for ep in named if ep not in no_input and ep not in by_key]
    result = with_gap(ctx, evaluate_endpoints(
        ctx, item, sensitive, "rate_limited",
        "sensitive endpoints (login, token, password reset, sign-up) are rate limited", "no rate limit",
        "no login, token, password-reset or sign-up endpoint found"))
    if no_input:
        pages = ", ".join(f"{ep.method} {ep.path}" for ep in no_input[:5])
        result.rationale += (f" {len(no_input)} page(s) named like sign-in or sign-up take no input from the request "
                             f"(nothing to guess) and are not counted: {pages}.")
        result.details["no_input_pages"] = [f"{ep.method} {ep.path} ({ep.file}:{ep.line})" for ep in no_input]
    if by_key:
        result.rationale += (f" {len(by_key)} sign-in step(s) verify a public-key assertion (WebAuthn), with nothing "
                             f"to guess, and are not counted: {', '.join(f'{ep.method} {ep.path}' for ep in by_key[:5])}.")
        result.details["public_key_steps"] = [f"{ep.method} {ep.path} ({ep.file}:{ep.line})" for ep in by_key]
    return result
