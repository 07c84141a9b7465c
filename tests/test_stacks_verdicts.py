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


def operations(report) -> dict:
    return {e["handler"]: e for e in report["inventory"]["endpoints"] if e["framework"] == "graphql"}


def test_apollo_operations_are_endpoints(audited):
    report = audited(STACKS / "apollo-api")
    ops = operations(report)
    assert ops["Mutation.addNote"]["authenticated"] is True and ops["Mutation.addNote"]["method"] == "POST"
    assert ops["Mutation.importNotes"]["authenticated"] is False
    assert ops["Mutation.importNotes"]["input_validated"] is False          # a JSON argument is untyped
    assert ops["Query.notes"]["input_validated"] is True                    # typed by the schema
    assert "apollo-server built-in health check" in ops
    v = verdicts(report)
    assert v["REL-HEALTH"] == "pass" and v["API-DOCS"] == "pass"
    assert v["SEC-AUTHN"] == "partial"                                      # importNotes is open
    assert v["SEC-RATE-LIMIT"] == "fail"                                    # login has no per-operation limit
    api_rate = next(i for i in report["items"] if i["id"] == "API-RATE-LIMIT")
    assert "unbounded cost" not in api_rate["rationale"]                   # depthLimit bounds query cost


def test_graphene_batching_and_open_mutation(audited):
    report = audited(STACKS / "graphene-api")
    ops = operations(report)
    assert ops["Mutation.delete_note"]["authenticated"] is True
    assert ops["Mutation.add_note"]["authenticated"] is False
    v = verdicts(report)
    api_rate = next(i for i in report["items"] if i["id"] == "API-RATE-LIMIT")
    assert api_rate["verdict"] == "fail" and "unbounded cost" in api_rate["rationale"]
    assert any("batch=True" in (e["message"] or "") for e in api_rate["evidence"])
    assert v["SEC-AUTHN"] in ("partial", "fail")


def test_graphql_field_resolvers_without_dataloader_are_n_plus_one(audited):
    item = next(i for i in audited(STACKS / "apollo-api")["items"] if i["id"] == "PERF-N-PLUS-1")
    assert item["verdict"] == "partial"
    messages = " ".join(e["message"] for e in item["evidence"])
    assert "Note.tags resolves with" in messages and "Note.owner batched through" in messages
