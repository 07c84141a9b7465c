"""Framework defaults as facts: Django's deployment settings read from the settings module production loads
(split settings: base plus production overrides), Django's own auth views as login endpoints."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.endpoints import django
from auditor.endpoints.django_deploy import deploy_facts
from auditor.endpoints.pyast import PyProject
from auditor.repo import Repository

SPLIT = Path(__file__).parent / "fixtures" / "protections" / "django-split-settings"


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


def test_production_settings_are_base_plus_production_overrides():
    facts = deploy_facts(Repository.scan(SPLIT))
    assert facts is not None
    assert facts.module == "site_config/settings/production.py"          # wsgi.py's module, not manage.py's local
    assert facts.chain == ["site_config/settings/base.py", "site_config/settings/production.py"]
    s = facts.settings
    assert s["SESSION_COOKIE_SECURE"].state == "literal" and s["SESSION_COOKIE_SECURE"].insecure is False
    assert s["CSRF_COOKIE_SECURE"].state == "default" and s["CSRF_COOKIE_SECURE"].insecure is True
    assert s["SECURE_HSTS_SECONDS"].insecure is True
    assert s["DEBUG"].insecure is False                      # local.py's DEBUG = True is not production's
    assert "security.W016" in s["CSRF_COOKIE_SECURE"].describe()


def test_django_auth_urls_are_login_and_password_reset_endpoints():
    repo = Repository.scan(SPLIT)
    eps = {(e.method, e.path): e for e in django.extract(PyProject(repo))[0]}
    login = eps[("POST", "/accounts/login/")]
    assert login.authenticated is False and login.rate_limited is False
    assert login.csrf_protected is True and login.handler.endswith("LoginView")
    assert eps[("POST", "/accounts/password_reset/")].rate_limited is False
    assert eps[("GET", "/accounts/password_change/")].authenticated is True


@pytest.fixture(scope="module")
def split_report(audited):
    return audited(SPLIT)


def test_split_settings_audit(split_report):
    session = item(split_report, "SEC-SESSION")
    assert session["verdict"] == "fail"
    assert "CSRF_COOKIE_SECURE" in session["rationale"] and "site_config/settings/production.py" in session["rationale"]
    # CSRF_COOKIE_SECURE is never set: shown at the MIDDLEWARE that enables the CSRF cookie (the base module)
    assert any(e["file"] == "site_config/settings/base.py" and "CSRF_COOKIE_SECURE" in e["message"]
               and "production.py" in e["message"] for e in session["evidence"])
    rate = item(split_report, "SEC-RATE-LIMIT")
    assert rate["verdict"] == "fail" and "/accounts/login/" in rate["rationale"]
    assert item(split_report, "SEC-HTTPS")["verdict"] != "fail"    # production sets SECURE_SSL_REDIRECT
