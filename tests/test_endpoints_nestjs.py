"""NestJS: the route inventory (global prefix, URI versioning, controller and method paths) and what protects
each route (guards, consumer middleware, throttler, validation pipes with class-validator DTOs), on a compliant
app and its non-compliant twin; and the endpoint items' verdicts on both.

Runs the real extractor and checks; the items read only the inventory and the handler text (no engines).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.endpoints import collect_endpoints
from auditor.context import AuditContext
from auditor.inventory import build_inventory
from auditor.repo import Repository

from helpers import endpoint_context, endpoint_rows as rows, judge as verdict

APPS = Path(__file__).parent / "fixtures" / "apps"


@pytest.fixture(scope="module")
def good():
    return endpoint_context(APPS / "nestjs-compliant")


@pytest.fixture(scope="module")
def bad():
    return endpoint_context(APPS / "nestjs-noncompliant")


def test_inventory_has_full_paths_with_global_prefix_and_uri_version(good, bad):
    inv = good.collected["endpoints"]
    assert inv.frameworks == ["nestjs"] and inv.unsupported == []
    assert sorted(rows(good)) == sorted([
        ("POST", "/api/v1/auth/login"), ("GET", "/api/v1/orders"), ("POST", "/api/v1/orders"),
        ("GET", "/api/v1/orders/{id}"), ("DELETE", "/api/v1/orders/{id}")])
    listing = rows(good)[("GET", "/api/v1/orders")]
    assert (listing.handler, listing.file, listing.line, listing.framework) == (
        "OrdersController.list", "src/orders/orders.controller.ts", 13, "nestjs")
    assert sorted(rows(bad)) == sorted([
        ("POST", "/api/auth/login"), ("GET", "/api/orders"), ("POST", "/api/orders"), ("GET", "/api/orders/{id}"),
        ("DELETE", "/api/orders/{id}"), ("GET", "/api/reports/{id}"), ("DELETE", "/api/reports/{id}")])


def test_guards_throttler_and_pipes_protect_the_compliant_app(good):
    eps = rows(good)
    login = eps[("POST", "/api/v1/auth/login")]
    assert login.authenticated is False and login.protections["public"]      # @Public() lifts the global guard
    assert login.rate_limited is True and "ThrottlerGuard" in login.protections["rate_limited"][0]
    assert login.input_validated is True and "LoginDto has class-validator rules" in login.protections["input_validated"][0]
    order = eps[("DELETE", "/api/v1/orders/{id}")]
    assert order.authenticated is True and "JwtAuthGuard extends AuthGuard('jwt')" in order.protections["authenticated"][0]
    assert order.authorized is True and "RolesGuard" in order.protections["authorized"][0]
    assert order.input_validated is True and "ParseIntPipe" in order.protections["input_validated"][0]
    assert order.csrf_applies is False
    assert eps[("GET", "/api/v1/orders")].paginated is True


def test_missing_guard_pipe_and_throttler_in_the_twin(bad):
    eps = rows(bad)
    assert eps[("GET", "/api/orders/{id}")].authenticated is True          # @UseGuards(AuthGuard('jwt')) on the class
    assert eps[("GET", "/api/reports/{id}")].authenticated is False        # no guard on this controller
    # consumer.apply(ApiKeyMiddleware).forRoutes({ path: 'reports/:id', method: RequestMethod.DELETE })
    remove = eps[("DELETE", "/api/reports/{id}")]
    assert remove.authenticated is True and "ApiKeyMiddleware" in remove.protections["authenticated"][0]
    create = eps[("POST", "/api/orders")]
    assert create.input_validated is False and any("no validation pipe" in n for n in create.notes)
    assert all(e.rate_limited is False for e in eps.values())
    assert eps[("GET", "/api/orders")].paginated is False


@pytest.mark.parametrize("item_id, compliant, twin", [
    ("SEC-AUTHN", "pass", {"fail", "partial"}),
    ("SEC-AUTHZ", "pass", {"fail"}),
    ("SEC-RATE-LIMIT", "pass", {"fail"}),
    ("SEC-INPUT-VALIDATION", "pass", {"fail", "partial"}),
    ("SEC-CSRF", "not_applicable", {"not_applicable"}),
    ("API-PAGINATION", "pass", {"fail"}),
    ("API-VERSIONING", "pass", {"fail"}),
])
def test_item_verdicts(good, bad, item_id, compliant, twin):
    assert verdict(good, item_id).verdict == compliant
    assert verdict(bad, item_id).verdict in twin


def test_rest_semantics_reads_nest_defaults_and_missing_records(good, bad):
    # NestJS answers a POST 201 by default; a GET of one record with no not-found branch answers 200
    assert verdict(good, "API-REST-SEMANTICS").verdict == "pass"
    result = verdict(bad, "API-REST-SEMANTICS")
    assert result.verdict == "partial"
    assert [e.message for e in result.evidence if e.kind == "violation"] == [
        "GET /api/orders/{id}: a missing record is answered 200 (reads it with .findOne( and has no not-found branch)"]


def test_app_pipe_provider_validates_and_router_module_prefixes(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"@nestjs/core": "^10.0.0", "class-validator": "^0.14.0"}}')
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.module.ts").write_text(
        "import { Module, ValidationPipe } from '@nestjs/common';\n"
        "import { APP_PIPE, RouterModule } from '@nestjs/core';\n"
        "import { NotesModule } from './notes.module';\n\n"
        "@Module({\n"
        "  imports: [NotesModule, RouterModule.register([{ path: 'admin', module: NotesModule }])],\n"
        "  providers: [{ useValue: new ValidationPipe({ whitelist: true }), provide: APP_PIPE }],\n"
        "})\nexport class AppModule {}\n")
    (src / "notes.module.ts").write_text(
        "import { Module } from '@nestjs/common';\nimport { NotesController } from './notes.controller';\n\n"
        "@Module({ controllers: [NotesController] })\nexport class NotesModule {}\n")
    (src / "note.dto.ts").write_text(
        "import { IsString, MaxLength } from 'class-validator';\n\n"
        "export class NoteDto {\n  @IsString()\n  @MaxLength(500)\n  text: string;\n}\n")
    (src / "notes.controller.ts").write_text(
        "import { Body, Controller, Post } from '@nestjs/common';\nimport { NoteDto } from './note.dto';\n\n"
        "@Controller({ path: 'notes', version: '2' })\nexport class NotesController {\n"
        "  @Post()\n  add(@Body() dto: NoteDto) {\n    return dto;\n  }\n}\n")
    repo = Repository.scan(tmp_path)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo))
    ctx.collected["endpoints"] = collect_endpoints(ctx)
    (ep,) = ctx.collected["endpoints"].endpoints
    assert (ep.method, ep.path) == ("POST", "/admin/notes")        # no enableVersioning: the version is not in the path
    assert ep.input_validated is True and "global pipe ValidationPipe" in ep.protections["input_validated"][0]
