"""Koa: the route inventory (koa-router / @koa/router routers nested two levels under /api/v1, router.param
loaders, chained routes) and what protects each route (a home-made auth middleware that throws 401, koa-ratelimit,
a Joi validation middleware factory, koa-jwt with passthrough), on a compliant notes API and its non-compliant twin
(tests/fixtures/apps/koa-app-*); the endpoint items' verdicts on both; and the contract that an endpoint item on a
repository whose framework's routes cannot be read says unknown, never not_applicable.
"""
from __future__ import annotations


import pytest

from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.context import Unavailable
from auditor.endpoints import UNSUPPORTED_REASONS, EndpointInventory
from auditor.endpoints.handlers import handler_source
from helpers import FIXTURES, endpoint_context, item, judge, line_of, places, write_files
from helpers import endpoint_rows as rows

APPS = FIXTURES / "apps"
GOOD = APPS / "koa-app-compliant"
BAD = APPS / "koa-app-noncompliant"


@pytest.fixture(scope="module")
def good():
    return endpoint_context(GOOD)


@pytest.fixture(scope="module")
def bad():
    return endpoint_context(BAD)


def test_koa_is_read_not_reported_unsupported(good):
    assert "koa" not in UNSUPPORTED_REASONS
    inv = good.collected["endpoints"]
    assert inv.frameworks == ["koa"] and inv.unsupported == []


def test_full_paths_through_the_app_and_two_router_levels(good, bad):
    expected = [("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/register"), ("GET", "/api/v1/notes"),
                ("POST", "/api/v1/notes"), ("GET", "/api/v1/notes/{id}"), ("PUT", "/api/v1/notes/{id}"),
                ("DELETE", "/api/v1/notes/{id}")]
    assert sorted(rows(good)) == sorted(expected)
    assert sorted(rows(bad)) == sorted(expected)
    create = rows(good)[("POST", "/api/v1/notes")]   # the second call of a chain: router.get(...).post(...)
    assert (create.handler, create.file, create.framework) == ("ctrl.create", "src/routes/notes-router.js", "koa")
    assert create.line == line_of(GOOD, "src/routes/notes-router.js", ".post('/', validate(noteSchema), ctrl.create)")
    remove = rows(good)[("DELETE", "/api/v1/notes/{id}")]   # router.del
    assert remove.line == line_of(GOOD, "src/routes/notes-router.js", "router.del('/:id', ctrl.remove)")


def test_protections_are_read_from_what_the_middleware_does(good):
    create = rows(good)[("POST", "/api/v1/notes")]
    # router.use(requireAuth): the middleware throws 401 when no bearer token comes
    assert create.authenticated is True
    assert "ctx.throw(401" in create.protections["authenticated"][0]
    assert "src/middleware/require-auth.js" in create.protections["authenticated"][0]
    # validate(noteSchema): a factory whose middleware applies schema.validate(ctx.request.body)
    assert create.input_validated is True
    assert ".validate(ctx.request.body" in create.protections["input_validated"][0]
    login = rows(good)[("POST", "/api/v1/auth/login")]
    assert login.rate_limited is True and any("koa-ratelimit" in p for p in login.protections["rate_limited"])
    assert login.authenticated is False
    # router.param('id', ctrl.load): the loader looks the note up by the caller's id before every /:id route
    show = rows(good)[("GET", "/api/v1/notes/{id}")]
    assert show.authorized is True
    # a list whose query parameters a schema validates, paginated
    listing = rows(good)[("GET", "/api/v1/notes")]
    assert listing.input_validated is True and listing.paginated is True


def test_missing_protections_are_reported(bad):
    create = rows(bad)[("POST", "/api/v1/notes")]
    assert create.authenticated is False and create.input_validated is False
    assert rows(bad)[("PUT", "/api/v1/notes/{id}")].authenticated is True   # its own requireAuth
    login = rows(bad)[("POST", "/api/v1/auth/login")]
    assert login.rate_limited is False and login.input_validated is False


def test_handler_text_is_the_controller_method_in_another_module(good):
    create = rows(good)[("POST", "/api/v1/notes")]
    text = handler_source(good.repo, create)
    assert "async create(ctx)" in text and "ctx.status = 201" in text
    assert "async update(ctx)" not in text


@pytest.fixture(scope="module")
def reports(audited):
    return audited(GOOD), audited(BAD)


def test_item_verdicts_on_the_compliant_app(reports):
    report, _ = reports
    for item_id in ("SEC-AUTHN", "SEC-AUTHZ", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION", "API-RATE-LIMIT",
                    "API-ERROR-FORMAT", "API-PAGINATION", "API-VERSIONING", "API-FILTERING", "API-REST-SEMANTICS",
                    "QA-LAYERING"):
        row = item(report, item_id)
        assert row["verdict"] == "pass", (item_id, row["rationale"])
    handler = ("src/middleware/error-handler.js", line_of(GOOD, "src/middleware/error-handler.js", "try {"))
    assert handler in places(item(report, "API-ERROR-FORMAT"), "practice")
    assert ("src/app.js", line_of(GOOD, "src/app.js", "app.use(ratelimit(")) in places(
        item(report, "API-RATE-LIMIT"), "practice")
    assert item(report, "SEC-CSRF")["verdict"] == "not_applicable"   # bearer tokens, no cookie session


def test_item_verdicts_on_the_noncompliant_app(reports):
    _, report = reports
    authn = item(report, "SEC-AUTHN")
    assert authn["verdict"] in ("partial", "fail") and "POST /api/v1/notes" in authn["rationale"]
    assert ("src/routes/notes-router.js", line_of(BAD, "src/routes/notes-router.js", ".post('/', ctrl.create)")) \
        in places(authn, "violation")
    rate = item(report, "SEC-RATE-LIMIT")
    assert rate["verdict"] == "fail" and "POST /api/v1/auth/login" in rate["rationale"]
    assert item(report, "SEC-INPUT-VALIDATION")["verdict"] == "fail"
    assert item(report, "API-RATE-LIMIT")["verdict"] == "fail"
    errors = item(report, "API-ERROR-FORMAT")
    assert errors["verdict"] == "fail" and "Koa error middleware" in errors["rationale"]


# the shapes of a Koa app that exports `router.routes()`, groups controllers in an index object, and identifies
# callers with koa-jwt in passthrough mode (anyone may read; the writes carry their own guard)
CONDUIT = {
    "package.json": '{"name": "conduit", "dependencies": {"koa": "^2.15.0", "koa-router": "^12.0.0", '
                    '"koa-jwt": "^4.0.4", "koa-mount": "^4.0.0", "knex": "^3.1.0"}}',
    "src/app.js": (
        "const Koa = require('koa')\n"
        "const mount = require('koa-mount')\n"
        "const identify = require('./middleware/identify')\n"
        "const routes = require('./routes')\n"
        "const app = new Koa()\n"
        "app.use(identify)\n"
        "app.use(mount('/api', routes.routes()))\n"
        "module.exports = app\n"),
    "src/middleware/identify.js": (
        "const koaJwt = require('koa-jwt')\n"
        "module.exports = koaJwt({ secret: process.env.SECRET, passthrough: true, key: 'jwt' })\n"),
    "src/middleware/signed-in.js": (
        "module.exports = function (ctx, next) {\n"
        "  ctx.assert(ctx.state.user, 401, 'sign in first')\n"
        "  return next()\n"
        "}\n"),
    "src/routes/index.js": (
        "const Router = require('koa-router')\n"
        "const posts = require('./posts')\n"
        "const root = new Router()\n"
        "root.prefix('/v2')\n"
        "root.use(posts)\n"
        "module.exports = root\n"),
    "src/routes/posts.js": (
        "const Router = require('koa-router')\n"
        "const ctrl = require('../controllers').posts\n"
        "const signedIn = require('../middleware/signed-in')\n"
        "const router = new Router({ prefix: '/posts' })\n"
        "router.param('slug', ctrl.bySlug)\n"
        "router.get('posts', '/', ctrl.list)\n"
        "router.post('/', signedIn, ctrl.create)\n"
        "router.del('/:slug', signedIn, ctrl.stars.remove)\n"
        "module.exports = router.routes()\n"),
    "src/controllers/index.js": (
        "const posts = require('./posts-controller')\n"
        "module.exports = { posts }\n"),
    "src/controllers/posts-controller.js": (
        "const db = require('../db')\n"
        "module.exports = {\n"
        "  async bySlug(slug, ctx, next) {\n"
        "    ctx.params.post = await db('posts').where({ slug }).first()\n"
        "    ctx.assert(ctx.params.post, 404)\n"
        "    return next()\n"
        "  },\n"
        "  async list(ctx) {\n"
        "    ctx.body = { posts: await db('posts').select('id', 'title') }\n"
        "  },\n"
        "  async create(ctx) {\n"
        "    const { body } = ctx.request\n"
        "    await db('posts').insert({ title: body.title, author: ctx.state.user.id })\n"
        "    ctx.body = { ok: true }\n"
        "  },\n"
        "  stars: {\n"
        "    async remove(ctx) {\n"
        "      await db('stars').where({ post: ctx.params.post.id }).del()\n"
        "      ctx.status = 204\n"
        "    },\n"
        "  },\n"
        "}\n"),
    "src/db.js": "module.exports = require('knex')({ client: 'pg', connection: process.env.DATABASE_URL })\n",
}


def test_exported_routes_middleware_mount_prefix_and_nested_controllers(tmp_path):
    ctx = endpoint_context(write_files(tmp_path, CONDUIT))
    found = rows(ctx)
    assert sorted(found) == [("DELETE", "/api/v2/posts/{slug}"), ("GET", "/api/v2/posts"), ("POST", "/api/v2/posts")]
    remove = found[("DELETE", "/api/v2/posts/{slug}")]
    assert remove.handler == "ctrl.stars.remove"
    assert "db('stars')" in handler_source(ctx.repo, remove)   # ctrl -> controllers/index.js -> posts -> stars
    # koa-jwt in passthrough mode identifies a caller who sends a token and lets anyone else through:
    # optional authentication on a read, none on a write
    listing = found[("GET", "/api/v2/posts")]
    assert listing.authenticated is True and any(n.startswith("authentication optional") for n in listing.notes)
    create = found[("POST", "/api/v2/posts")]
    assert create.authenticated is True   # signedIn: ctx.assert(ctx.state.user, 401)
    assert "ctx.assert(ctx.state.user, 401" in create.protections["authenticated"][0]
    assert not any("koa-jwt" in p for p in create.protections["authenticated"])
    assert create.input_validated is False   # reads the body it destructures from ctx.request


def test_an_unread_framework_makes_endpoint_items_unknown_not_not_applicable(tmp_path, audited):
    """A Starlette Route() table: the framework is found, its routes cannot be read. Items that would call an
    empty inventory 'no endpoint' must say they could not judge."""
    root = write_files(tmp_path, {
        "requirements.txt": "starlette==0.37.2\nuvicorn==0.29.0\n",
        "app/main.py": (
            "from starlette.applications import Starlette\n"
            "from starlette.responses import JSONResponse\n"
            "from starlette.routing import Route\n\n\n"
            "async def list_orders(request):\n"
            "    return JSONResponse({'orders': []})\n\n\n"
            "app = Starlette(routes=[Route('/orders', list_orders)])\n"),
    })
    ctx = endpoint_context(root)
    inv = ctx.collected["endpoints"]
    assert inv.endpoints == [] and any(u.startswith("starlette") for u in inv.unsupported)
    with pytest.raises(Unavailable, match="Starlette"):
        endpoint_inventory(ctx)
    for item_id in ("QA-LAYERING", "API-FILTERING", "API-PAGINATION"):
        with pytest.raises(Unavailable):
            judge(ctx, item_id)
    report = audited(root)   # with the engines: API-RATE-LIMIT finds no global limit, then no endpoint to judge
    for item_id in ("API-RATE-LIMIT", "QA-LAYERING"):
        row = item(report, item_id)
        assert row["verdict"] == "unknown", (item_id, row["rationale"])


def test_an_unread_framework_leaves_an_inventory_with_endpoints_to_the_items():
    """The rule is about an empty inventory: endpoints that were read are still judged."""
    from auditor.model import Endpoint

    class Ctx:
        def get(self, _key):
            return EndpointInventory(endpoints=[Endpoint("GET", "/x", "h", "a.py", 1, "flask")],
                                     unsupported=["starlette: Starlette Route() tables are not read"])
    assert endpoint_inventory(Ctx()).endpoints


# the app handed to a routes module, and a router handed to the modules that add routes to it
PASSED_IN = {
    "package.json": '{"name": "shop", "dependencies": {"koa": "^2.15.0", "@koa/router": "^12.0.1"}}',
    "src/app.js": (
        "import Koa from 'koa'\n"
        "import logger from './middleware/logger.js'\n"
        "import mountRoutes from './routes/index.js'\n"
        "const app = new Koa()\n"
        "app.use(logger)\n"
        "mountRoutes(app)\n"
        "export default app\n"),
    "src/middleware/logger.js": "export default async function logger(ctx, next) { await next() }\n",
    "src/middleware/session-required.js": (
        "export default async function sessionRequired(ctx, next) {\n"
        "  if (!ctx.session.userId) ctx.throw(401)\n"
        "  await next()\n"
        "}\n"),
    "src/routes/index.js": (
        "import Router from '@koa/router'\n"
        "import sessionRequired from '../middleware/session-required.js'\n"
        "import addOrders from './orders.js'\n"
        "export default (app) => {\n"
        "  const api = new Router({ prefix: '/api/v1' })\n"
        "  addOrders(api)\n"
        "  app.use(sessionRequired)\n"
        "  app.use(api.routes())\n"
        "}\n"),
    "src/routes/orders.js": (
        "export default (router) => {\n"
        "  router.get('/orders', async (ctx) => { ctx.body = [] })\n"
        "  router.post('/orders', async (ctx) => { ctx.status = 201 })\n"
        "}\n"),
}


def test_an_app_and_a_router_passed_to_other_modules(tmp_path):
    ctx = endpoint_context(write_files(tmp_path, PASSED_IN))
    found = rows(ctx)
    assert sorted(found) == [("GET", "/api/v1/orders"), ("POST", "/api/v1/orders")]
    create = found[("POST", "/api/v1/orders")]
    assert create.file == "src/routes/orders.js" and not any("not mounted" in n for n in create.notes)
    # app.use(sessionRequired) in the routes module, before the mount: it throws 401 without a session
    assert create.authenticated is True
    assert "src/middleware/session-required.js" in create.protections["authenticated"][0]


def test_typescript_router_with_type_arguments_and_all(tmp_path):
    ctx = endpoint_context(write_files(tmp_path, {
        "package.json": '{"name": "svc", "dependencies": {"koa": "^2.15.0", "@koa/router": "^12.0.1"}}',
        "src/app.ts": (
            "import Koa, { Context, DefaultState } from 'koa'\n"
            "import Router from '@koa/router'\n"
            "const app = new Koa()\n"
            "const router = new Router<DefaultState, Context>({ prefix: '/v1' })\n"
            "router.get('/items/:id', async (ctx: Context) => { ctx.body = { id: ctx.params.id } })\n"
            "router.all('/ping', async (ctx: Context) => { ctx.body = 'pong' })\n"
            "app.use(router.routes())\n"),
    }))
    assert sorted(rows(ctx)) == [("ANY", "/v1/ping"), ("GET", "/v1/items/{id}")]
