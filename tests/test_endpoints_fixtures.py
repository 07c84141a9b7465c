"""Endpoint inventory rows and the five endpoint-based security verdicts on each fixture app.

Runs the real extractors and checks (no engines needed: these items read only the inventory).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.endpoints import collect_endpoints
from auditor.context import AuditContext, Unavailable
from auditor.inventory import build_inventory
from auditor.repo import Repository

from helpers import endpoint_context, endpoint_rows as rows, judge as verdict

APPS = Path(__file__).parent / "fixtures" / "apps"
# the endpoint-based security items, judged on each fixture app
CHECKS = ("SEC-AUTHN", "SEC-AUTHZ", "SEC-CSRF", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION")


def violations(result) -> set[str]:
    return {e.message.split(" (")[0] for e in result.evidence if e.kind == "violation"}


# ---- flask-noncompliant -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flask_ctx():
    return endpoint_context(APPS / "flask-noncompliant")


def test_flask_rows(flask_ctx):
    eps = rows(flask_ctx)
    assert sorted(eps) == sorted([
        ("POST", "/api/login"), ("POST", "/api/register"), ("POST", "/api/password-reset"),
        ("GET", "/api/users"), ("GET", "/api/users/{user_id}"), ("PUT", "/api/users/{user_id}"),
        ("DELETE", "/api/users/{user_id}"), ("POST", "/api/orders")])
    login = eps[("POST", "/api/login")]
    assert (login.handler, login.file, login.line, login.framework) == ("login", "shopapp/views.py", 14, "flask")
    assert login.rate_limited is False and login.input_validated is False
    assert login.csrf_applies is True and login.csrf_protected is False
    user = eps[("GET", "/api/users/{user_id}")]
    assert (user.handler, user.line, user.authenticated, user.authorized) == ("get_user", 52, False, False)
    assert user.input_validated is True and user.protections["input_validated"] == ["typed URL converters"]
    assert eps[("GET", "/api/users")].paginated is False
    # the endpoints are sorted by (path, method)
    order = [(e.path, e.method) for e in flask_ctx.collected["endpoints"].endpoints]
    assert order == sorted(order)


def test_flask_verdicts(flask_ctx):
    authn = verdict(flask_ctx, "SEC-AUTHN")
    assert authn.verdict == "fail"
    assert violations(authn) == {"GET /api/users", "GET /api/users/{user_id}", "PUT /api/users/{user_id}",
                                 "DELETE /api/users/{user_id}", "POST /api/orders"}
    ev = next(e for e in authn.evidence if e.message.startswith("GET /api/users/{user_id}"))
    assert (ev.file, ev.line) == ("shopapp/views.py", 52) and '@api.route("/users/<int:user_id>"' in ev.snippet
    assert verdict(flask_ctx, "SEC-AUTHZ").verdict == "fail"
    rate = verdict(flask_ctx, "SEC-RATE-LIMIT")
    assert rate.verdict == "fail"
    assert violations(rate) == {"POST /api/login", "POST /api/register", "POST /api/password-reset"}
    csrf = verdict(flask_ctx, "SEC-CSRF")
    assert csrf.verdict == "fail" and len(violations(csrf)) == 6
    validation = verdict(flask_ctx, "SEC-INPUT-VALIDATION")
    assert validation.verdict == "partial"
    assert validation.details["compliant"] == 2 and validation.details["non_compliant"] == 5
    assert "POST /api/login" in violations(validation)


# ---- fastapi-compliant ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fastapi_ctx():
    return endpoint_context(APPS / "fastapi-compliant")


def test_fastapi_rows(fastapi_ctx):
    eps = rows(fastapi_ctx)
    assert sorted(eps) == sorted([
        ("GET", "/api/v1/items"), ("GET", "/api/v1/items/{item_id}"), ("PUT", "/api/v1/items/{item_id}"),
        ("DELETE", "/api/v1/items/{item_id}"), ("POST", "/api/v1/orders"), ("POST", "/auth/token"),
        ("GET", "/health"), ("GET", "/ready")])
    items = eps[("GET", "/api/v1/items")]
    assert (items.handler, items.file, items.line) == ("list_items", "inventory/api.py", 19)
    assert items.authenticated is True
    assert items.protections["authenticated"][0].startswith("Depends(get_current_user) at inventory/api.py:15")
    assert items.authorized is True and "ownership filter" in items.protections["authorized"][0]
    assert items.paginated is True
    token = eps[("POST", "/auth/token")]
    assert token.rate_limited is True and token.protections["rate_limited"] == ["@limiter.limit at inventory/main.py:26"]
    assert token.input_validated is True and token.authenticated is False
    update = eps[("PUT", "/api/v1/items/{item_id}")]
    assert update.csrf_applies is False and update.input_validated is True


def test_fastapi_verdicts(fastapi_ctx):
    authn = verdict(fastapi_ctx, "SEC-AUTHN")
    assert authn.verdict == "pass" and authn.details["compliant"] == 5
    assert any(e.kind == "practice" for e in authn.evidence)
    assert set(authn.details["public_by_nature"]) == {"POST /auth/token", "GET /health", "GET /ready"}
    assert verdict(fastapi_ctx, "SEC-AUTHZ").verdict == "pass"
    csrf = verdict(fastapi_ctx, "SEC-CSRF")
    assert csrf.verdict == "not_applicable" and "bearer" in csrf.rationale
    rate = verdict(fastapi_ctx, "SEC-RATE-LIMIT")
    assert rate.verdict == "pass" and rate.details["endpoints"][0]["path"] == "/auth/token"
    assert verdict(fastapi_ctx, "SEC-INPUT-VALIDATION").verdict == "pass"


# ---- django -----------------------------------------------------------------------------------------------
def test_django_compliant_rows_and_verdicts():
    ctx = endpoint_context(APPS / "django-compliant")
    eps = rows(ctx)
    assert sorted(eps) == sorted([
        ("POST", "/api/auth/login/"), ("GET", "/api/profile/"), ("PUT", "/api/profile/"),
        ("GET", "/api/orders/"), ("POST", "/api/orders/"), ("GET", "/api/orders/{pk}/"), ("PUT", "/api/orders/{pk}/"),
        ("PATCH", "/api/orders/{pk}/"), ("DELETE", "/api/orders/{pk}/"), ("POST", "/api/orders/{pk}/cancel/"),
        ("ANY", "/health/")])
    create = eps[("POST", "/api/orders/")]
    assert (create.handler, create.file, create.line, create.framework) == ("OrderViewSet.create", "shop/views.py", 51, "drf")
    assert create.authenticated is True and "DEFAULT_PERMISSION_CLASSES" in create.protections["authenticated"][0]
    assert create.csrf_protected is True and create.input_validated is True
    assert "get_queryset filtered by the current user" in create.protections["authorized"][0]
    cancel = eps[("POST", "/api/orders/{pk}/cancel/")]
    assert (cancel.handler, cancel.line) == ("OrderViewSet.cancel", 60)
    login = eps[("POST", "/api/auth/login/")]
    assert login.rate_limited is True and "ScopedRateThrottle scope 'login' 5/minute" in login.protections["rate_limited"][0]
    assert login.csrf_applies is False  # authentication_classes = []: no cookie authentication
    assert eps[("GET", "/api/orders/")].paginated is True
    for item in CHECKS:
        assert verdict(ctx, item).verdict == "pass", item
    assert "Django admin at /admin/" in ctx.collected["endpoints"].global_protections["django"]["notes"][0]


def test_django_noncompliant_rows_and_verdicts():
    ctx = endpoint_context(APPS / "django-noncompliant")
    eps = rows(ctx)
    login = eps[("POST", "/login/")]
    assert (login.handler, login.file, login.line, login.framework) == ("login_view", "accounts/views.py", 16, "django")
    assert login.csrf_protected is False and "csrf_exempt" in " ".join(login.notes)
    search = eps[("GET", "/api/users/search/")]
    assert search.handler == "UserSearchView.get" and search.input_validated is False
    assert eps[("DELETE", "/api/posts/{pk}/")].authenticated is False
    assert verdict(ctx, "SEC-AUTHN").verdict == "fail"
    assert verdict(ctx, "SEC-AUTHZ").verdict == "fail"
    csrf = verdict(ctx, "SEC-CSRF")
    assert csrf.verdict == "partial" and violations(csrf) == {"POST /login/"}
    assert verdict(ctx, "SEC-RATE-LIMIT").verdict == "fail"
    validation = verdict(ctx, "SEC-INPUT-VALIDATION")
    assert validation.verdict == "partial"
    assert violations(validation) == {"GET /api/users/search/", "POST /api/users/search/", "POST /login/"}


# ---- express ----------------------------------------------------------------------------------------------
def test_express_compliant_rows_and_verdicts():
    ctx = endpoint_context(APPS / "express-compliant")
    eps = rows(ctx)
    assert sorted(eps) == sorted([
        ("GET", "/health"), ("POST", "/auth/login"), ("GET", "/api/items"), ("GET", "/api/items/{id}"),
        ("PUT", "/api/items/{id}"), ("DELETE", "/api/items/{id}")])
    items = eps[("GET", "/api/items/{id}")]
    assert (items.file, items.line, items.framework) == ("routes/items.js", 26, "express")
    assert items.protections["authenticated"] == ["passport.authenticate('jwt', { session: false }) at app.js:15"]
    assert items.authorized is True
    login = eps[("POST", "/auth/login")]
    assert login.rate_limited is True and login.protections["rate_limited"][0].startswith("loginLimiter at routes/auth.js:11")
    assert eps[("GET", "/api/items")].paginated is True
    results = {item: verdict(ctx, item).verdict for item in CHECKS}
    assert results == {"SEC-AUTHN": "pass", "SEC-AUTHZ": "pass", "SEC-CSRF": "not_applicable",
                       "SEC-RATE-LIMIT": "pass", "SEC-INPUT-VALIDATION": "pass"}


def test_express_noncompliant_rows_and_verdicts():
    ctx = endpoint_context(APPS / "express-noncompliant")
    eps = rows(ctx)
    assert sorted(eps) == sorted([
        ("POST", "/login"), ("GET", "/api/users"), ("GET", "/api/user"), ("GET", "/api/hello"),
        ("POST", "/api/users/{id}"), ("DELETE", "/api/users/{id}")])
    assert eps[("GET", "/api/user")].handler == "getUser"
    assert eps[("POST", "/login")].csrf_applies is True  # express-session cookie
    for item in ("SEC-AUTHN", "SEC-AUTHZ", "SEC-CSRF", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION"):
        assert verdict(ctx, item).verdict == "fail", item
    assert violations(verdict(ctx, "SEC-RATE-LIMIT")) == {"POST /login"}
    ev = next(e for e in verdict(ctx, "SEC-CSRF").evidence if e.message.startswith("POST /login"))
    assert (ev.file, ev.line) == ("app.js", 12)


def test_unsupported_framework_makes_items_unknown(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"koa": "2.15.0"}}\n')
    (tmp_path / "server.js").write_text("const Koa = require('koa');\nconst app = new Koa();\napp.listen(3000);\n")
    repo = Repository.scan(tmp_path)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo))
    ctx.collected["endpoints"] = collect_endpoints(ctx)
    with pytest.raises(Unavailable, match="koa"):
        verdict(ctx, "SEC-AUTHN")


def test_framework_without_routes_is_unknown(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    repo = Repository.scan(tmp_path)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo))
    ctx.collected["endpoints"] = collect_endpoints(ctx)
    with pytest.raises(Unavailable, match="no route declaration was found"):
        verdict(ctx, "SEC-CSRF")


def test_flask_header_token_without_cookies_is_not_exposed_to_csrf():
    """A Flask API that reads its token from the Authorization header and never uses the session cookie (only
    imports it), sets or reads a cookie: a browser attaches nothing by itself, so CSRF does not apply. Its twin
    writes to the session in one route: every state-changing route is exposed again."""
    ctx = endpoint_context(APPS / "flask-header-token")
    assert {e.csrf_applies for e in ctx.collected["endpoints"].endpoints if e.state_changing} == {False}
    assert "api.py:10" in " ".join(rows(ctx)[("POST", "/notes")].notes)
    assert verdict(ctx, "SEC-CSRF").verdict == "not_applicable"
    twin = endpoint_context(APPS / "flask-header-token-session")
    assert verdict(twin, "SEC-CSRF").verdict == "fail"
    assert {"POST /notes", "POST /preferences"} <= violations(verdict(twin, "SEC-CSRF"))
