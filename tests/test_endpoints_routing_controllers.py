"""routing-controllers: the route inventory (routePrefix read through a settings object and the example
environment file, class and method paths) and what protects each route (@Authorized with an authorizationChecker
that rejects and reads roles, global @Middleware classes and the packages they run, class-validator DTOs with
validation on or off, @CurrentUser), on a compliant lending-library app and its non-compliant twin; and the
endpoint items' verdicts on both.

Runs the real extractor and checks; the items read only the inventory and the handler text (no engines).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.endpoints import collect_endpoints
from auditor.context import AuditContext
from auditor.endpoints.classify import checks_password_per_request
from auditor.endpoints.jsvalues import resolve
from auditor.inventory import build_inventory
from auditor.repo import Repository

from helpers import endpoint_context, endpoint_rows as rows, judge as verdict

APPS = Path(__file__).parent / "fixtures" / "apps"


@pytest.fixture(scope="module")
def good():
    return endpoint_context(APPS / "routing-controllers-compliant")


@pytest.fixture(scope="module")
def bad():
    return endpoint_context(APPS / "routing-controllers-noncompliant")


def test_full_paths_compose_route_prefix_class_and_method(good, bad):
    assert "routing-controllers" in good.collected["endpoints"].frameworks
    assert sorted(rows(good)) == sorted([
        ("GET", "/api/v1/books"), ("POST", "/api/v1/books"), ("GET", "/api/v1/books/{id}"),
        ("GET", "/api/v1/loans"), ("POST", "/api/v1/loans"), ("DELETE", "/api/v1/loans/{id}")])
    listing = rows(good)[("GET", "/api/v1/books")]
    assert (listing.handler, listing.file, listing.framework) == (
        "BookController.list", "src/controllers/BookController.ts", "routing-controllers")
    assert sorted(rows(bad)) == sorted([
        ("GET", "/api/books"), ("POST", "/api/books"), ("GET", "/api/books/{id}"), ("GET", "/api/loans"),
        ("POST", "/api/loans"), ("DELETE", "/api/loans/{id}"), ("GET", "/api/reports/overdue")])


def test_settings_object_and_example_env_resolve_the_prefix(good):
    # routePrefix: settings.http.routePrefix -> readEnv('APP_ROUTE_PREFIX') -> .env.example
    assert resolve(good.repo, "src/server.ts", "settings.http.routePrefix") == "/api/v1"
    assert resolve(good.repo, "src/server.ts", "settings.http.controllers") == ["src/controllers/**/*Controller.ts"]
    assert resolve(good.repo, "src/server.ts", "settings.http.missing") is None


def test_compliant_app_is_protected_by_what_its_code_does(good):
    eps = rows(good)
    assert all(e.authenticated for e in eps.values())
    assert all(e.rate_limited for e in eps.values())
    assert "express-rate-limit" in eps[("GET", "/api/v1/books")].protections["rate_limited"][0]
    # roles given and read by the checker; the signed-in member passed on by the loan handlers
    assert eps[("POST", "/api/v1/books")].authorized is True
    assert "checks the roles" in eps[("POST", "/api/v1/books")].protections["authorized"][0]
    assert eps[("DELETE", "/api/v1/loans/{id}")].authorized is True
    assert eps[("POST", "/api/v1/loans")].input_validated is True
    assert eps[("GET", "/api/v1/books")].paginated is True
    assert not any(checks_password_per_request(e) for e in eps.values())   # a bearer token, not a password


def test_twin_checker_ignores_roles_validation_off_and_a_public_controller(bad):
    eps = rows(bad)
    assert eps[("GET", "/api/reports/overdue")].authenticated is False
    assert eps[("GET", "/api/books")].authenticated is True
    assert eps[("POST", "/api/books")].authorized is False
    assert "never reads them" in " ".join(eps[("POST", "/api/books")].notes)
    assert eps[("DELETE", "/api/loans/{id}")].authorized is False
    assert eps[("POST", "/api/books")].input_validated is False       # validation: false on the server
    assert eps[("POST", "/api/loans")].input_validated is False
    assert all(e.rate_limited is False for e in eps.values())
    assert eps[("GET", "/api/books")].paginated is False
    # HTTP Basic: every authenticated request carries a password to guess
    assert checks_password_per_request(eps[("GET", "/api/books")])


def test_authorized_without_a_checker_is_not_authentication(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"routing-controllers": "^0.10.4", "express": "^4"}}')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.ts").write_text(
        "import { createExpressServer } from 'routing-controllers';\n"
        "import { NoteController } from './NoteController';\n"
        "createExpressServer({ controllers: [NoteController] }).listen(3000);\n")
    (tmp_path / "src" / "NoteController.ts").write_text(
        "import { Authorized, Get, JsonController } from 'routing-controllers';\n\n"
        "@JsonController('/notes')\n"
        "export class NoteController {\n"
        "    @Authorized()\n"
        "    @Get()\n"
        "    all() {\n        return [];\n    }\n}\n")
    repo = Repository.scan(tmp_path)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo))
    (ep,) = collect_endpoints(ctx).endpoints
    assert (ep.method, ep.path, ep.authenticated) == ("GET", "/notes", False)
    assert "no authorizationChecker" in " ".join(ep.notes)


@pytest.mark.parametrize("item_id, compliant, twin", [
    ("SEC-AUTHN", "pass", {"fail", "partial"}),
    ("SEC-AUTHZ", "pass", {"fail", "partial"}),
    ("SEC-RATE-LIMIT", "not_applicable", {"fail"}),   # tokens come from elsewhere; Basic auth is a guess per request
    ("SEC-INPUT-VALIDATION", "pass", {"fail", "partial"}),
    ("API-PAGINATION", "pass", {"fail"}),
    ("API-VERSIONING", "pass", {"fail"}),
])
def test_item_verdicts(good, bad, item_id, compliant, twin):
    assert verdict(good, item_id).verdict == compliant
    assert verdict(bad, item_id).verdict in twin


def test_use_before_middleware_is_classified_by_what_it_does(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"routing-controllers": "^0.10.4", "express": "^4",'
                                           ' "express-rate-limit": "^7"}}')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.ts").write_text(
        "import { createExpressServer } from 'routing-controllers';\n"
        "import { SessionController } from './SessionController';\n"
        "createExpressServer({ routePrefix: '/v2', controllers: [SessionController] }).listen(3000);\n")
    (tmp_path / "src" / "RequireToken.ts").write_text(
        "import { ExpressMiddlewareInterface } from 'routing-controllers';\n\n"
        "export class RequireToken implements ExpressMiddlewareInterface {\n"
        "    use(req: any, res: any, next: (err?: any) => any) {\n"
        "        if (!req.headers.authorization) {\n            return res.status(401).json({ error: 'token required' });\n        }\n"
        "        next();\n    }\n}\n")
    (tmp_path / "src" / "SessionController.ts").write_text(
        "import rateLimit from 'express-rate-limit';\n"
        "import { Body, Delete, JsonController, Post, UseBefore } from 'routing-controllers';\n\n"
        "import { RequireToken } from './RequireToken';\n\n"
        "@JsonController('/sessions')\n"
        "export class SessionController {\n"
        "    @Post()\n    @UseBefore(rateLimit({ windowMs: 60000, limit: 5 }))\n"
        "    open(@Body() credentials: any) {\n        return { token: 'issued' };\n    }\n\n"
        "    @Delete()\n    @UseBefore(RequireToken)\n"
        "    close() {\n        return {};\n    }\n}\n")
    repo = Repository.scan(tmp_path)
    eps = {(e.method, e.path): e for e in collect_endpoints(AuditContext(repo=repo, inventory=build_inventory(repo))).endpoints}
    login, logout = eps[("POST", "/v2/sessions")], eps[("DELETE", "/v2/sessions")]
    assert login.rate_limited is True and "express-rate-limit" in login.protections["rate_limited"][0]
    assert login.authenticated is False and login.input_validated is False   # `any`: nothing to validate against
    assert logout.authenticated is True and "RequireToken" in logout.protections["authenticated"][0]


def test_middleware_used_on_the_served_app_applies_unless_mounted_on_a_path(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"routing-controllers": "^0.10.4", "express": "^4",'
                                           ' "express-rate-limit": "^7", "express-basic-auth": "^1"}}')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.ts").write_text(
        "import express from 'express';\nimport basicAuth from 'express-basic-auth';\n"
        "import rateLimit from 'express-rate-limit';\nimport { useExpressServer } from 'routing-controllers';\n\n"
        "import { config } from './config';\nimport { StatusController } from './StatusController';\n\n"
        "const app = express();\n"
        "app.use(rateLimit({ windowMs: 60000, limit: 300 }));\n"
        "app.use(config.docs.route, basicAuth({ users: { admin: config.docs.password } }));\n"
        "useExpressServer(app, { controllers: [StatusController] });\napp.listen(3000);\n")
    (tmp_path / "src" / "config.ts").write_text(
        "export const config = { docs: { route: process.env.DOCS_ROUTE || '/docs', password: process.env.DOCS_PASSWORD } };\n")
    (tmp_path / "src" / "StatusController.ts").write_text(
        "import { Get, JsonController } from 'routing-controllers';\n\n@JsonController('/status')\n"
        "export class StatusController {\n    @Get()\n    show() {\n        return { up: true };\n    }\n}\n")
    repo = Repository.scan(tmp_path)
    (ep,) = collect_endpoints(AuditContext(repo=repo, inventory=build_inventory(repo))).endpoints
    assert ep.rate_limited is True
    assert ep.authenticated is False        # basic auth guards /docs only
