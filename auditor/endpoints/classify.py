"""Which endpoints a security item is about: public by nature, sensitive (brute-force targets), object, list."""
from __future__ import annotations

import re

from auditor.model import Endpoint

# how one gets in: login, token, sign-up, password reset/recovery. Public by nature, and brute-force targets.
ENTRY = re.compile(
    r"(^|/)(log-?in|sign-?in|signin|authenticate|auth|token|tokens|access-token|access_token|oauth|oauth2|jwt|"
    r"sessions?|register|registration|sign-?up|signup|password[-_]?(reset|recovery|forgot)|"
    r"(reset|recover|forgot|lost)[-_]?password|password-recovery[\w-]*|reset-password[\w-]*)(/|$|\.|\{)", re.I)
ENTRY_HANDLER = re.compile(r"^(login|signin|sign_in|token|obtain_\w*token|register|signup|sign_up|"
                           r"\w*(password_reset|reset_password|recover_password|forgot_password)\w*|authenticate)", re.I)
# sensitive but behind authentication: password change, one-time codes, MFA
SENSITIVE_ONLY = re.compile(r"(^|/)(password|passwords|change[-_]?password|otp|verify|mfa|2fa)(/|$|\.|\{)", re.I)
PUBLIC = re.compile(
    r"(^|/)(health|healthz|health-check|healthcheck|ready|readyz|readiness|live|livez|liveness|ping|status|"
    r"version|metrics|docs|redoc|openapi(\.json)?|swagger(\.json|-ui)?|schema|static|assets|favicon\.ico|"
    r"robots\.txt|\.well-known|logout|log-out|sign-?out)(/|$|\.)", re.I)


def _bare(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "", path)


LOGOUT = re.compile(r"(^|/)(logout|log-out|sign-?out|signout)(/|$)", re.I)


def is_entry_point(ep: Endpoint) -> bool:
    """Login, token, sign-up, password reset: reachable before one has credentials."""
    if ep.method in ("GET", "HEAD", "OPTIONS") or LOGOUT.search(ep.path):
        return False
    return bool(ENTRY.search(_bare(ep.path)) or ENTRY_HANDLER.search(ep.handler.rsplit(".", 1)[-1]))


def is_sensitive(ep: Endpoint) -> bool:
    """Endpoints that must be rate limited: entry points plus password change, OTP and MFA checks."""
    if ep.method in ("GET", "HEAD", "OPTIONS") or LOGOUT.search(ep.path):
        return False
    return is_entry_point(ep) or bool(SENSITIVE_ONLY.search(_bare(ep.path)))


def is_public_by_nature(ep: Endpoint) -> bool:
    """Endpoints that are meant to be reachable without logging in."""
    if ep.path == "/" and ep.method in ("GET", "HEAD"):
        return True
    if ep.method in ("GET", "HEAD") and ENTRY.search(_bare(ep.path)):  # the login or sign-up page itself
        return True
    return bool(PUBLIC.search(_bare(ep.path))) or is_entry_point(ep)


def is_object_endpoint(ep: Endpoint) -> bool:
    """Addresses one record by identifier: the place where insecure direct object references happen."""
    return "{" in ep.path


def label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"
