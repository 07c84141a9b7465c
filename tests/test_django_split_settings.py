"""Django split settings (issue 15, groups 7 and 10): a value in a shared base settings module that every
production settings module star-imports and assigns again never reaches production (SEC-DEBUG, SEC-SECRETS);
a settings module named for local or development use (`local_base.py`) is development configuration; an
explicit SameSite=None for the session cookie that production inherits is a SEC-SESSION finding."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.endpoints.django_deploy import development_settings, overridden_in_production
from auditor.repo import Repository
from auditor.secrets.files import KNOWN, scan_mode

FIXTURES = Path(__file__).parent / "fixtures" / "security"
OVERRIDDEN = FIXTURES / "django-split-base-overridden"   # production assigns DEBUG and SECRET_KEY again
KEPT = FIXTURES / "django-split-base-kept"               # production keeps base's DEBUG, SECRET_KEY, SameSite=None
BASE = "bakery/settings/base.py"


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


def test_a_base_value_every_production_module_overrides_does_not_reach_production():
    repo = Repository.scan(OVERRIDDEN)
    assert overridden_in_production(repo, BASE, "DEBUG")
    assert overridden_in_production(repo, BASE, "SECRET_KEY")
    assert not overridden_in_production(repo, BASE, "INSTALLED_APPS")       # production keeps it
    assert not overridden_in_production(repo, "bakery/settings/production.py", "DEBUG")   # wsgi.py names it
    kept = Repository.scan(KEPT)
    assert not overridden_in_production(kept, BASE, "DEBUG")


def test_local_and_development_settings_modules():
    assert development_settings("bakery.settings.local_base") and development_settings("config.settings.dev")
    assert development_settings("settings_test")
    assert not development_settings("bakery.settings.production") and not development_settings("bakery.settings.base")
    assert not development_settings("shop.settings.locale")
    assert scan_mode("bakery/settings/local_base.py") == KNOWN and scan_mode("config/settings/dev.py") == KNOWN
    assert scan_mode("bakery/settings/production.py") != KNOWN and scan_mode("bakery/settings/base.py") != KNOWN


@pytest.fixture(scope="module")
def overridden(audited):
    return audited(OVERRIDDEN)


@pytest.fixture(scope="module")
def kept(audited):
    return audited(KEPT)


def test_overridden_base_settings_pass(overridden):
    debug = item(overridden, "SEC-DEBUG")
    assert debug["verdict"] == "pass", debug["rationale"]
    secrets = item(overridden, "SEC-SECRETS")
    assert secrets["verdict"] == "pass", secrets["rationale"]
    assert secrets["details"]["overridden_in_production"] == [f"{BASE}:2"]
    session = item(overridden, "SEC-SESSION")
    assert session["verdict"] == "pass", session["rationale"]


def test_kept_base_settings_fail(kept):
    debug = item(kept, "SEC-DEBUG")
    assert debug["verdict"] == "fail" and any(e["file"] == BASE for e in debug["evidence"]), debug
    secrets = item(kept, "SEC-SECRETS")
    assert secrets["verdict"] == "fail"
    assert {e["file"] for e in secrets["evidence"]} == {BASE}       # local_base.py's key is development's
    session = item(kept, "SEC-SESSION")
    assert session["verdict"] == "fail"
    assert any(e["rule_id"] == "python-session-cookie-samesite-disabled" and e["file"] == BASE
               for e in session["evidence"]), session
