"""Which endpoints a security item is about: public by nature, sensitive (brute-force targets), object, list."""
from __future__ import annotations

import re

from auditor.model import Endpoint

# login, token, password reset, sign-up: public by nature and the targets of brute force and abuse
SENSITIVE = re.compile(
    r"(^|/)(log-?in|sign-?in|signin|auth(enticate)?|token|tokens|oauth|session|sessions|jwt|"
    r"password[-_]?reset|reset[-_]?password|forgot[-_]?password|password|passwords|"
    r"register|registration|sign-?up|signup|otp|verify|mfa|2fa)(/|$|\.|\{)", re.I)
SENSITIVE_HANDLER = re.compile(r"(login|signin|sign_in|token|register|signup|sign_up|password_reset|reset_password|"
                               r"forgot_password|obtain_auth|authenticate)", re.I)
PUBLIC = re.compile(
    r"(^|/)(health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|ping|status|"
    r"version|metrics|docs|redoc|openapi(\.json)?|swagger(\.json|-ui)?|schema|static|assets|favicon\.ico|"
    r"robots\.txt|\.well-known|logout|log-out|sign-?out)(/|$|\.)", re.I)


def is_sensitive(ep: Endpoint) -> bool:
    """Login, token, password reset, sign-up: endpoints that must be rate limited."""
    if ep.method in ("GET", "HEAD", "OPTIONS") and not re.search(r"(otp|verify)", ep.path, re.I):
        return False
    path = re.sub(r"\{[^}]*\}", "", ep.path)
    return bool(SENSITIVE.search(path) or SENSITIVE_HANDLER.search(ep.handler))


def is_public_by_nature(ep: Endpoint) -> bool:
    """Endpoints that are meant to be reachable without logging in."""
    path = re.sub(r"\{[^}]*\}", "", ep.path)
    if ep.path == "/" and ep.method in ("GET", "HEAD"):
        return True
    return bool(PUBLIC.search(path)) or is_sensitive(ep) or \
        (bool(SENSITIVE.search(path)) and ep.method in ("GET", "HEAD"))


def is_object_endpoint(ep: Endpoint) -> bool:
    """Addresses one record by identifier: the place where insecure direct object references happen."""
    return "{" in ep.path


def label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"
