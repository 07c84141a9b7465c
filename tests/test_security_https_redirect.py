"""SEC-HTTPS: a redirect to HTTPS without HSTS, in an app whose session cookie is not Secure, is half the
protection (`partial`); the same redirect with Secure session cookies, or with an HSTS header, passes."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

FIXTURES = Path(__file__).parent / "fixtures" / "security"


def https(name: str) -> dict:
    report = run_audit(FIXTURES / name, AuditOptions(only=("SEC-HTTPS", "SEC-SESSION")))
    return next(i for i in report["items"] if i["id"] == "SEC-HTTPS")


def test_redirect_without_hsts_nor_secure_cookies_is_partial():
    item = https("flask-redirect-only")
    assert item["verdict"] == "partial"
    assert item["details"]["redirect_only"] is True
    assert any("SESSION_COOKIE_SECURE" in s for s in item["details"]["insecure_cookies"])
    places = {(e["file"], e["kind"]) for e in item["evidence"]}
    # what is there (the proxy redirect) and what is missing (the cookie used without Secure)
    assert ("deploy/journal.conf", "practice") in places
    assert ("journal/__init__.py", "violation") in places
    assert "no HSTS header" in item["rationale"]


@pytest.mark.parametrize("twin", ["flask-redirect-secure-cookies", "flask-redirect-hsts"])
def test_redirect_with_secure_cookies_or_hsts_passes(twin):
    item = https(twin)
    assert item["verdict"] == "pass"
    assert "deploy/journal.conf" in {e["file"] for e in item["evidence"]}


def test_express_redirect_with_an_insecure_session_cookie_is_partial():
    item = https("express-redirect-only")
    assert item["verdict"] == "partial"
    assert ("src/app.js", "violation") in {(e["file"], e["kind"]) for e in item["evidence"]}
    assert any("express-session" in s for s in item["details"]["insecure_cookies"])


def test_express_redirect_with_a_secure_session_cookie_passes():
    assert https("express-redirect-secure-cookie")["verdict"] == "pass"
