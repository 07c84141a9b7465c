"""Go and aiohttp services get real verdicts on the endpoint items (tests/fixtures/stacks), through the whole
audit with the real engines."""
from __future__ import annotations

from pathlib import Path

import pytest

STACKS = Path(__file__).parent / "fixtures" / "stacks"
ENDPOINT_ITEMS = ("SEC-AUTHN", "SEC-AUTHZ", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION", "SEC-CSRF", "API-VERSIONING",
                  "REL-HEALTH")


def verdicts(report) -> dict[str, str]:
    return {i["id"]: i["verdict"] for i in report["items"]}


@pytest.fixture(scope="module")
def secure(audited):
    return verdicts(audited(STACKS / "gin-secure"))


@pytest.fixture(scope="module")
def open_(audited):
    return verdicts(audited(STACKS / "gin-open"))


def test_go_endpoint_items_are_decided(secure, open_):
    for item in ENDPOINT_ITEMS:
        assert secure[item] != "unknown", item
        assert open_[item] != "unknown", item


def test_compliant_gin_service_passes(secure):
    for item in ("SEC-AUTHN", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION", "SEC-AUTHZ", "API-VERSIONING", "REL-HEALTH"):
        assert secure[item] == "pass", item
    assert secure["SEC-CSRF"] == "not_applicable"


def test_open_gin_service_fails(open_):
    for item in ("SEC-AUTHN", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION", "SEC-CSRF", "SEC-AUTHZ", "API-VERSIONING",
                 "REL-HEALTH", "API-PAGINATION"):
        assert open_[item] == "fail", item


def test_aiohttp_middleware_and_session(audited):
    report = audited(STACKS / "aiohttp-app")
    v = verdicts(report)
    eps = {(e["method"], e["path"]): e for e in report["inventory"]["endpoints"]}
    assert eps[("POST", "/notes")]["authenticated"] is True
    assert "auth_middleware" in eps[("POST", "/notes")]["protections"]["authenticated"][0]
    assert eps[("POST", "/notes")]["csrf_applies"] is True and eps[("POST", "/notes")]["csrf_protected"] is False
    assert v["SEC-CSRF"] == "fail" and v["SEC-RATE-LIMIT"] == "fail" and v["SEC-INPUT-VALIDATION"] == "fail"
    assert v["SEC-AUTHN"] == "pass"
