"""Express + TypeScript + Prisma, controllers calling services in another module (issues 14/15).

- API-PAGINATION: `prisma.post.findMany(...)` in the service an inline GET handler calls is a list endpoint;
  `take: Number(query.limit) || 20` is a size the request sets without bound, `take: Math.min(..., MAX)` is
  bounded, a findMany with no take returns every row.
- SEC-AUTHZ: the ownership check lives in the service the handler hands `req.auth?.user?.id` to (an owner
  comparison that rejects, a lookup filtered by the caller, a relation connecting the caller); reads whose
  authentication is optional are public. The twin passes the identity along but checks nothing with it.
- DB-CONSTRAINTS: a join table with no PRIMARY KEY but a unique index over NOT NULL columns has an equivalent
  key; the twin's index covers a nullable column.
"""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "api"
ITEMS = ("API-PAGINATION", "SEC-AUTHZ", "DB-CONSTRAINTS")


@pytest.fixture(scope="module")
def owned() -> dict:
    report = run_audit(ROOT / "express-prisma-owned", AuditOptions(only=ITEMS))
    return {item["id"]: item for item in report["items"]}


@pytest.fixture(scope="module")
def unowned() -> dict:
    report = run_audit(ROOT / "express-prisma-unowned", AuditOptions(only=ITEMS))
    return {item["id"]: item for item in report["items"]}


def messages(item: dict, kind: str) -> str:
    return "\n".join(e["message"] for e in item["evidence"] if e["kind"] == kind)


def test_bounded_service_queries_are_paginated(owned):
    item = owned["API-PAGINATION"]
    assert item["verdict"] == "pass", item["rationale"]
    assert set(item["details"]["list_endpoints"]) == {"GET /posts", "GET /posts/mine"}


def test_unbounded_take_and_missing_take_in_services_fail(unowned):
    item = unowned["API-PAGINATION"]
    assert item["verdict"] == "fail", item["rationale"]
    bad = messages(item, "violation")
    assert "GET /posts bounds its query" in bad and "query.limit" in bad
    assert "GET /posts/mine returns every row" in bad
    assert any(e["file"] == "src/routes/posts/posts.service.ts" for e in item["evidence"])


def test_ownership_checks_in_services_are_authorization(owned):
    item = owned["SEC-AUTHZ"]
    assert item["verdict"] == "pass", item["rationale"]
    good = messages(item, "practice")
    assert "compares `existing.ownerId !== userId` and rejects" in good           # PUT
    assert "looks the record up filtered by the caller" in good                  # GET draft, DELETE
    assert "acts as the caller on the record (`connect: { id: userId`)" in good   # POST like
    judged = {(e["method"], e["path"]) for e in item["details"]["endpoints"]}
    assert ("GET", "/posts/{id}") not in judged   # auth.optional: a public read


def test_identity_passed_but_unchecked_is_not(unowned):
    item = unowned["SEC-AUTHZ"]
    assert item["verdict"] == "fail", item["rationale"]
    assert item["details"]["non_compliant"] == 4   # GET draft, PUT, DELETE, POST like


def test_unique_index_over_not_null_columns_is_a_key(owned, unowned):
    ok = owned["DB-CONSTRAINTS"]
    assert ok["verdict"] == "pass", ok["rationale"]
    assert "_postlikes has no PRIMARY KEY but a unique key over NOT NULL columns (a, b)" in messages(ok, "practice")
    bad = unowned["DB-CONSTRAINTS"]
    assert "table _postlikes has no primary key" in messages(bad, "violation")
