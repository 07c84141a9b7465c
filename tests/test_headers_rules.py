"""SEC-HEADERS on small fixtures: any-origin CORS is unsafe only with credentials or cookie authentication,
origins read from a setting are followed to its default, CORS set by hand in Go, HTML from aiohttp-jinja2 and
Go's html/template asks for the security headers."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "security" / "headers"


def headers_item(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("SEC-HEADERS",)))
    return next(item for item in report["items"] if item["id"] == "SEC-HEADERS")


def rules(item: dict) -> set[str]:
    return {e["rule_id"] for e in item["evidence"]}


def test_any_origin_without_credentials_on_a_bearer_api_is_safe():
    item = headers_item("express-bearer-cors")
    assert item["verdict"] == "pass", item["rationale"]
    assert "cors-any-origin-without-credentials" in rules(item)


def test_any_origin_on_a_cookie_session_app_fails():
    item = headers_item("express-cookie-cors")
    assert item["verdict"] == "fail", item["rationale"]
    assert "cors-any-origin" in rules(item)


def test_origins_from_a_setting_are_followed_to_its_default():
    item = headers_item("fastapi-cors-setting")
    assert item["verdict"] == "fail", item["rationale"]
    bad = [e for e in item["evidence"] if e["rule_id"] == "cors-any-origin"]
    assert bad and bad[0]["file"] == "app/main.py" and "app/settings.py" in bad[0]["message"]


def test_origins_from_a_setting_listing_sites_pass():
    item = headers_item("fastapi-cors-listed")
    assert item["verdict"] == "pass", item["rationale"]


def test_go_header_set_by_hand_with_credentials_fails():
    item = headers_item("go-cors-by-hand")
    assert item["verdict"] == "fail", item["rationale"]
    assert any(e["file"] == "main.go" and e["rule_id"] == "cors-any-origin" for e in item["evidence"])


@pytest.mark.parametrize("name", ["aiohttp-pages", "go-html-pages"])
def test_html_pages_without_security_headers_are_flagged(name):
    item = headers_item(name)
    assert item["verdict"] in ("fail", "partial") and item["details"]["renders_html"], item["rationale"]
    assert "security-headers-missing" in rules(item)


def test_json_only_aiohttp_app_asks_no_browser_headers():
    item = headers_item("aiohttp-json")
    assert item["verdict"] == "pass" and not item["details"]["renders_html"], item["rationale"]


def test_an_express_app_mounting_an_html_dashboard_renders_html():
    # agendash serves HTML pages: the browser security headers are asked for, and none is set
    item = headers_item("express-job-dashboard")
    assert item["verdict"] in ("fail", "partial") and item["details"]["renders_html"], item["rationale"]
    assert "security-headers-missing" in rules(item)


def test_the_same_dashboard_behind_helmet_passes():
    item = headers_item("express-job-dashboard-helmet")
    assert item["verdict"] == "pass" and item["details"]["renders_html"], item["rationale"]
