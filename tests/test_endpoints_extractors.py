"""Route extractors on small source strings: prefixes, generated actions, methods, protections."""
from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.endpoints import aiohttp, django, express, fastapi, flask, go
from auditor.endpoints.common import join_paths, normalize_path
from auditor.endpoints.classify import is_public_by_nature, is_sensitive
from auditor.endpoints.pyast import PyProject
from auditor.model import Endpoint
from auditor.repo import Repository


def make_repo(tmp_path: Path, files: dict[str, str]) -> Repository:
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return Repository.scan(tmp_path)


def by_route(endpoints: list[Endpoint]) -> dict[tuple[str, str], Endpoint]:
    return {(e.method, e.path): e for e in endpoints}


def test_normalize_paths():
    assert normalize_path("/users/<int:user_id>") == "/users/{user_id}"
    assert normalize_path("users/:id/posts/:postId") == "/users/{id}/posts/{postId}"
    assert normalize_path(r"^articles/(?P<year>[0-9]{4})/$", "regex") == "/articles/{year}/"
    assert normalize_path("/items/{id:[0-9]+}") == "/items/{id}"
    assert join_paths("/api/", "/v1", "users") == "/api/v1/users"


def test_classify_sensitive_and_public():
    assert is_sensitive(Endpoint("POST", "/api/auth/token", "h", "f", 1, "x"))
    assert is_sensitive(Endpoint("POST", "/password-reset", "h", "f", 1, "x"))
    assert not is_sensitive(Endpoint("GET", "/login", "h", "f", 1, "x"))
    assert not is_sensitive(Endpoint("POST", "/api/orders", "h", "f", 1, "x"))
    assert is_public_by_nature(Endpoint("GET", "/healthz", "h", "f", 1, "x"))
    assert not is_public_by_nature(Endpoint("GET", "/api/status-reports/{id}", "h", "f", 1, "x"))


def test_flask_nested_blueprints_decorators_and_limiter(tmp_path):
    repo = make_repo(tmp_path, {
        "app/__init__.py": """
            from flask import Flask
            from flask_limiter import Limiter
            from flask_wtf.csrf import CSRFProtect
            from app.admin import admin_bp
            from app.api import api_bp

            limiter = Limiter(key_func=lambda: "x")
            csrf = CSRFProtect()

            def create_app():
                app = Flask(__name__)
                csrf.init_app(app)
                api_bp.register_blueprint(admin_bp, url_prefix="/admin")
                app.register_blueprint(api_bp, url_prefix="/api/v2")
                return app
            """,
        "app/api.py": """
            from flask import Blueprint, request
            from flask_login import login_required
            from app import limiter, csrf

            api_bp = Blueprint("api", __name__, url_prefix="/ignored")

            @api_bp.post("/login")
            @limiter.limit("5/minute")
            @csrf.exempt
            def login():
                return request.form["user"]

            @api_bp.route("/things/<thing_id>", methods=["GET", "DELETE"])
            @login_required
            def thing(thing_id):
                return thing_id
            """,
        "app/admin.py": """
            from flask import Blueprint, abort
            from flask_login import current_user

            admin_bp = Blueprint("admin", __name__)

            @admin_bp.before_request
            def only_staff():
                if not current_user.is_authenticated:
                    abort(401)

            @admin_bp.get("/stats")
            def stats():
                return "ok"
            """,
    })
    eps = by_route(flask.extract(PyProject(repo))[0])
    assert set(eps) == {("POST", "/api/v2/login"), ("GET", "/api/v2/things/{thing_id}"),
                        ("DELETE", "/api/v2/things/{thing_id}"), ("GET", "/api/v2/admin/stats")}
    login = eps[("POST", "/api/v2/login")]
    assert login.rate_limited is True and login.csrf_protected is False and login.line == 8
    delete = eps[("DELETE", "/api/v2/things/{thing_id}")]
    assert delete.authenticated is True and delete.csrf_protected is True
    assert delete.input_validated is False  # untyped URL parameter
    assert eps[("GET", "/api/v2/admin/stats")].protections["authenticated"][0].startswith("before_request hook only_staff")


def test_fastapi_include_router_prefixes_and_dependencies(tmp_path):
    repo = make_repo(tmp_path, {
        "svc/deps.py": """
            from fastapi import Depends
            from fastapi.security import HTTPBearer
            bearer = HTTPBearer()

            def caller(creds=Depends(bearer)):
                return creds
            """,
        "svc/routes.py": """
            from fastapi import APIRouter, Request
            router = APIRouter(prefix="/widgets")

            @router.get("/{widget_id}")
            async def read_widget(widget_id: int):
                return {}

            @router.post("/raw")
            async def raw(request: Request):
                return await request.json()

            @router.api_route("/both", methods=["PUT", "PATCH"])
            def both(payload: dict):
                return payload
            """,
        "svc/main.py": """
            from fastapi import Depends, FastAPI
            from svc import routes
            from svc.deps import caller
            app = FastAPI()
            app.include_router(routes.router, prefix="/v2", dependencies=[Depends(caller)])
            """,
    })
    eps = by_route(fastapi.extract(PyProject(repo))[0])
    assert set(eps) == {("GET", "/v2/widgets/{widget_id}"), ("POST", "/v2/widgets/raw"),
                        ("PUT", "/v2/widgets/both"), ("PATCH", "/v2/widgets/both")}
    read = eps[("GET", "/v2/widgets/{widget_id}")]
    assert read.authenticated is True and "include_router" in read.protections["authenticated"][0]
    assert read.input_validated is True and read.authorized is False
    assert eps[("POST", "/v2/widgets/raw")].input_validated is False
    assert eps[("PUT", "/v2/widgets/both")].input_validated is False  # payload: dict


def test_django_router_actions_lookup_and_function_views(tmp_path):
    repo = make_repo(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
            REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
            """,
        "proj/urls.py": """
            from django.urls import include, path, re_path
            from rest_framework.routers import DefaultRouter
            from notes import views

            router = DefaultRouter(trailing_slash=False)
            router.register(r"notes", views.NoteViewSet)

            urlpatterns = [
                path("v1/", include(router.urls)),
                re_path(r"^legacy/(?P<slug>[-\\w]+)/$", views.legacy),
                path("contact/", views.contact),
            ]
            """,
        "notes/views.py": """
            from django.contrib.auth.decorators import login_required
            from django.views.decorators.http import require_POST
            from rest_framework import mixins, viewsets
            from rest_framework.decorators import action
            from rest_framework.permissions import IsAuthenticated

            class NoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
                permission_classes = [IsAuthenticated]
                lookup_field = "slug"

                @action(detail=False, methods=["post"], url_path="bulk-archive")
                def archive(self, request):
                    return request.data

            @login_required
            def legacy(request, slug):
                return slug

            @require_POST
            def contact(request):
                return request.POST["message"]
            """,
    })
    eps = by_route(django.extract(PyProject(repo))[0])
    assert set(eps) == {("GET", "/v1/notes"), ("GET", "/v1/notes/{slug}"), ("POST", "/v1/notes/bulk-archive"),
                        ("ANY", "/legacy/{slug}/"), ("POST", "/contact/")}
    archive = eps[("POST", "/v1/notes/bulk-archive")]
    assert archive.handler == "NoteViewSet.archive" and archive.authenticated is True
    assert archive.csrf_applies is False  # token authentication only
    assert archive.input_validated is False  # request.data without a serializer
    assert eps[("GET", "/v1/notes")].paginated is False
    assert eps[("ANY", "/legacy/{slug}/")].authenticated is True
    contact = eps[("POST", "/contact/")]
    assert contact.csrf_protected is True and contact.authenticated is False and contact.input_validated is False


def test_express_route_chains_nested_routers_and_use_order(tmp_path):
    repo = make_repo(tmp_path, {
        "package.json": '{"dependencies": {"express": "4.19.2"}}',
        "src/app.js": """
            const express = require('express');
            const csrf = require('csurf');
            const session = require('express-session');
            const v1 = require('./v1');
            const app = express();
            app.use(session({ secret: process.env.S }));
            app.post('/early', (req, res) => res.send(req.body.x));
            app.use(csrf());
            app.use('/v1', v1);
            """,
        "src/v1/index.js": """
            const { Router } = require('express');
            const { requireAuth } = require('../auth');
            const router = Router();
            router.use(requireAuth);
            router.route('/books/:bookId')
              .get(listBook)
              .put((req, res) => res.json(req.body));
            // router.delete('/commented', x);
            module.exports = router;
            """,
    })
    eps = by_route(express.extract(repo)[0])
    assert set(eps) == {("POST", "/early"), ("GET", "/v1/books/{bookId}"), ("PUT", "/v1/books/{bookId}")}
    early = eps[("POST", "/early")]
    assert early.csrf_applies is True and early.csrf_protected is False  # csrf() registered after it
    put = eps[("PUT", "/v1/books/{bookId}")]
    assert put.csrf_protected is True and put.authenticated is True and put.line == 8
    assert eps[("GET", "/v1/books/{bookId}")].handler == "listBook"


def test_aiohttp_and_go_literal_routes(tmp_path):
    repo = make_repo(tmp_path, {
        "srv.py": """
            from aiohttp import web

            async def index(request):
                return web.Response(text="hi")

            app = web.Application()
            app.router.add_get("/", index)
            app.add_routes([web.post("/items", index)])
            """,
        "main.go": """
            package main

            import (
                "net/http"

                "github.com/gin-gonic/gin"
            )

            func main() {
                r := gin.Default()
                api := r.Group("/api", AuthRequired())
                api.GET("/users/:id", getUser)
                r.POST("/login", login)
                http.HandleFunc("GET /status", status)
            }
            """,
    })
    a = by_route(aiohttp.extract(PyProject(repo))[0])
    assert set(a) == {("GET", "/"), ("POST", "/items")}
    assert a[("POST", "/items")].authenticated is False   # no middleware, decorator or check: open
    g = by_route(go.extract(repo)[0])
    assert set(g) == {("GET", "/api/users/{id}"), ("POST", "/login"), ("GET", "/status")}
    assert g[("GET", "/api/users/{id}")].authenticated is True and g[("GET", "/api/users/{id}")].framework == "gin"
    assert g[("POST", "/login")].authenticated is False   # no middleware on it: known to be open


def test_drf_empty_authentication_and_csrf_exempted_session(tmp_path):
    repo = make_repo(tmp_path, {
        "cfg/settings.py": """
            ROOT_URLCONF = "cfg.urls"
            MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
            REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": []}
            """,
        "cfg/urls.py": """
            from django.urls import path
            from api.views import PublicApi, UploadApi
            urlpatterns = [path("public/", PublicApi.as_view()), path("upload/", UploadApi.as_view())]
            """,
        "api/views.py": """
            from rest_framework.authentication import SessionAuthentication
            from rest_framework.permissions import IsAuthenticated
            from rest_framework.views import APIView

            class CsrfExemptSessionAuthentication(SessionAuthentication):
                def enforce_csrf(self, request):
                    return

            class PublicApi(APIView):
                def post(self, request):
                    return None

            class UploadApi(APIView):
                authentication_classes = [CsrfExemptSessionAuthentication]
                permission_classes = [IsAuthenticated]

                def post(self, request):
                    return None
            """,
    })
    eps = by_route(django.extract(PyProject(repo))[0])
    public = eps[("POST", "/public/")]
    assert public.csrf_applies is False and public.authenticated is False
    upload = eps[("POST", "/upload/")]
    assert upload.csrf_applies is True and upload.csrf_protected is False
    assert upload.authenticated is True


def test_python_314_except_syntax_still_read(tmp_path):
    repo = make_repo(tmp_path, {
        "app.py": """
            from fastapi import FastAPI
            app = FastAPI()

            @app.get("/ping")
            def ping():
                try:
                    return {}
                except ValueError, KeyError:
                    return None
            """,
    })
    eps = by_route(fastapi.extract(PyProject(repo))[0])
    assert ("GET", "/ping") in eps and eps[("GET", "/ping")].line == 5  # the source starts with a blank line


def test_express_router_passed_through_a_glue_module_and_trailing_option_middleware(tmp_path):
    # app.use('/api', routes(router)): routes/index.js registers nothing itself, hands the router to each route
    # module and returns it; a middleware built from literal options after the handler is not the handler
    repo = make_repo(tmp_path, {
        "package.json": '{"dependencies": {"express": "4.19.2"}}',
        "server.js": """
            const express = require('express');
            const routes = require('./routes');
            const app = express();
            const router = express.Router();
            app.use('/api', routes(router));
            """,
        "routes/index.js": """
            const books = require('./books');
            module.exports = (router) => {
              books(router);
              return router;
            };
            """,
        "routes/books.js": """
            const ctrl = require('../controllers/books');
            const perms = require('express-jwt-permissions')();
            module.exports = (router) => {
              router.route('/books')
                .get(ctrl.list, perms.check(['books:read']))
                .post(ctrl.create);
            };
            """,
        "controllers/books.js": "exports.list = (req, res) => res.json([]);\nexports.create = (req, res) => res.json({});\n",
    })
    eps = by_route(express.extract(repo)[0])
    assert set(eps) == {("GET", "/api/books"), ("POST", "/api/books")}
    assert eps[("GET", "/api/books")].handler == "ctrl.list"


def test_express_glue_module_that_returns_a_new_router_is_unchanged(tmp_path):
    # safe twin: a factory whose exported function makes its own router keeps mounting that router
    repo = make_repo(tmp_path, {
        "package.json": '{"dependencies": {"express": "4.19.2"}}',
        "server.js": """
            const express = require('express');
            const routes = require('./routes');
            const app = express();
            app.use('/api', routes(app));
            """,
        "routes/index.js": """
            const express = require('express');
            module.exports = (app) => {
              const router = express.Router();
              router.get('/ping', (req, res) => res.send('ok'));
              return router;
            };
            """,
    })
    eps = by_route(express.extract(repo)[0])
    assert set(eps) == {("GET", "/api/ping")}


def test_express_handler_reading_the_cookie_header_is_cookie_authenticated(tmp_path):
    # no session middleware, but the handler takes its token from the Cookie header: CSRF applies; the twin
    # reads a bearer token from Authorization and CSRF does not
    repo = make_repo(tmp_path, {
        "package.json": '{"dependencies": {"express": "4.19.2"}}',
        "app.js": """
            const express = require('express');
            const app = express();
            app.post('/admin/users', (req, res) => {
              const token = (req.headers.cookie || '').split('token=')[1];
              res.json({ token, name: req.body.name });
            });
            app.post('/api/users', (req, res) => {
              const token = (req.headers.authorization || '').replace('Bearer ', '');
              res.json({ token, name: req.body.name });
            });
            """,
    })
    eps = by_route(express.extract(repo)[0])
    cookie = eps[("POST", "/admin/users")]
    assert cookie.csrf_applies is True and cookie.csrf_protected is False
    assert eps[("POST", "/api/users")].csrf_applies is False
