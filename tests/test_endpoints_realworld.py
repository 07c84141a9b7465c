"""Inventory fixes from the real-world review: routes on passed-in apps, several Django projects, Flask-WTF
per-form CSRF, list endpoints, classification, and the unattached-route-call warning."""
from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.endpoints import django, express, extract_endpoints, fastapi, flask
from auditor.endpoints.pyast import PyProject
from auditor.inventory import build_inventory
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


EXPRESS_SERVER = """
    const express = require('express');
    const session = require('express-session');
    const registerPages = require('./app/pages');
    const app = express();
    app.use(session({ secret: process.env.SECRET }));
    const db = connect();
    registerPages(app, db);
    require('./app/api')(app);
    app.listen(8080);
    """
EXPRESS_PAGES = """
    const ShopHandler = require('./shop');
    const pages = (app, db) => {
        const shop = new ShopHandler(db);
        const mustLogin = shop.requireLogin;
        app.get('/', shop.home);
        app.post('/orders', mustLogin, shop.placeOrder);
        app.get('/orders/:orderId', mustLogin, shop.showOrder);
        app.get('/getCustomers', mustLogin, shop.customers);
    };
    module.exports = pages;
    """
EXPRESS_SHOP = """
    function ShopHandler(db) {
        this.requireLogin = (req, res, next) => req.session.uid ? next() : res.redirect('/login');
        this.home = (req, res) => res.render('home');
        this.placeOrder = (req, res) => {
            db.collection('orders').insertOne({ item: req.body.item });
            res.redirect('/');
        };
        this.showOrder = (req, res) => {
            db.collection('orders').findOne({ _id: req.params.orderId }, (e, o) => res.render('order', o));
        };
        this.customers = (req, res) => {
            db.collection('customers').find({}).toArray((e, rows) => res.render('customers', { rows }));
        };
    }
    module.exports = ShopHandler;
    """
EXPRESS_API = """
    const express = require('express');
    const v1 = express.Router();
    v1.get('/status', (req, res) => res.json({ ok: true }));
    module.exports = function (app) {
        app.use('/api/v1', v1);
        app.delete('/api/cache', (req, res) => res.sendStatus(204));
    };
    """


def test_express_routes_on_an_app_passed_to_an_exported_function(tmp_path):
    repo = make_repo(tmp_path, {"package.json": '{"dependencies": {"express": "4.19.2"}}',
                                "server.js": EXPRESS_SERVER, "app/pages.js": EXPRESS_PAGES,
                                "app/shop.js": EXPRESS_SHOP, "app/api.js": EXPRESS_API})
    eps = by_route(express.extract(repo)[0])
    assert set(eps) == {("GET", "/"), ("POST", "/orders"), ("GET", "/orders/{orderId}"), ("GET", "/getCustomers"),
                        ("GET", "/api/v1/status"), ("DELETE", "/api/cache")}
    order = eps[("POST", "/orders")]
    assert order.authenticated is True                     # mustLogin = shop.requireLogin
    assert order.csrf_applies is True and order.csrf_protected is False   # session registered before routes
    assert order.input_validated is False                  # body of this.placeOrder read from shop.js
    assert any("passed 'app' at server.js:8" in n for n in order.notes)
    assert eps[("GET", "/orders/{orderId}")].authorized is False
    assert eps[("GET", "/getCustomers")].paginated is False  # a list read without a limit
    assert eps[("GET", "/")].authenticated is False


def flask_project(tmp_path, files):
    repo = make_repo(tmp_path, files)
    return PyProject(repo)


FLASK_APP = {
    "blog/__init__.py": """
        from flask import Flask
        from blog.site import site
        from blog.api import api
        app = Flask(__name__)
        app.register_blueprint(site)
        app.register_blueprint(api, url_prefix="/api")
        """,
    "blog/forms.py": """
        from flask_wtf import FlaskForm
        from wtforms import StringField

        class CommentForm(FlaskForm):
            body = StringField("body")

        class SearchBox(FlaskForm):
            q = StringField("q")
            class Meta:
                csrf = False
        """,
    "blog/site.py": """
        from flask import Blueprint, request, redirect, render_template
        from flask_login import login_required, current_user
        from blog.forms import CommentForm, SearchBox
        site = Blueprint("site", __name__)

        @site.route("/comments", methods=["GET", "POST"])
        @login_required
        def comments():
            form = CommentForm()
            if form.validate_on_submit():
                save(form.body.data, current_user)
                return redirect("/comments")
            page = request.args.get("page", 1, type=int)
            return render_template("comments.html", form=form, page=page)

        @site.route("/search", methods=["POST"])
        def search():
            box = SearchBox()
            if box.validate_on_submit():
                return redirect("/results")
            return render_template("search.html")

        @site.route("/feed")
        def feed():
            kind = request.args.get("kind")
            return render_template("feed.html", kind=kind)
        """,
    "blog/auth.py": """
        from flask_httpauth import HTTPTokenAuth
        token_auth = HTTPTokenAuth()
        """,
    "blog/api.py": """
        import sqlalchemy as sa
        from flask import Blueprint, request
        from blog.auth import token_auth
        api = Blueprint("api", __name__)

        @api.route("/posts", methods=["GET"])
        @token_auth.login_required
        def list_posts():
            page = request.args.get("page", 1, type=int)
            per_page = min(request.args.get("per_page", 20, type=int), 100)
            return Post.to_collection_dict(sa.select(Post), page, per_page)

        @api.route("/posts/<int:post_id>", methods=["DELETE"])
        @token_auth.login_required
        def delete_post(post_id):
            return "", 204

        @api.route("/accounts", methods=["POST"])
        def create_account():
            data = request.get_json()
            return {"id": make_account(data)}, 201
        """,
}


def test_flask_wtf_form_csrf_token_auth_typed_reads_and_lists(tmp_path):
    eps = by_route(flask.extract(flask_project(tmp_path, FLASK_APP))[0])
    comments = eps[("POST", "/comments")]
    assert comments.csrf_applies is True and comments.csrf_protected is True
    assert "CommentForm (FlaskForm)" in comments.protections["csrf_protected"][0]
    search = eps[("POST", "/search")]                    # Meta.csrf = False: the form does not check
    assert search.csrf_applies is True and search.csrf_protected is False
    assert eps[("DELETE", "/api/posts/{post_id}")].csrf_applies is False      # bearer token on the route
    assert eps[("POST", "/api/accounts")].csrf_applies is False             # token API blueprint, no session use
    assert eps[("GET", "/comments")].input_validated is True                # request.args.get(..., type=int)
    assert eps[("GET", "/feed")].input_validated is False                   # untyped read
    posts = eps[("GET", "/api/posts")]
    assert posts.paginated is True and posts.input_validated is True


def test_several_django_projects_each_walked_with_its_own_settings(tmp_path):
    repo = make_repo(tmp_path, {
        "manage.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
            """,
        "shop/settings.py": """
            ROOT_URLCONF = "shop.urls"
            MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
            """,
        "shop/urls.py": """
            from django.urls import path
            from shop import views
            urlpatterns = [path("", views.home), path("cart/add/", views.add_to_cart)]
            """,
        "shop/views.py": """
            from django.shortcuts import render
            def home(request):
                return render(request, "home.html")
            def add_to_cart(request):
                if request.method == "POST":
                    return render(request, "cart.html", {"item": request.POST.get("item")})
                return render(request, "cart.html")
            """,
        "labs/xss/manage.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xsslab.settings")
            """,
        "labs/xss/xsslab/settings.py": """
            ROOT_URLCONF = "xsslab.urls"
            MIDDLEWARE = []
            """,
        "labs/xss/xsslab/urls.py": """
            from django.urls import path
            from xsslab import views
            urlpatterns = [path("echo/", views.echo)]
            """,
        "labs/xss/xsslab/views.py": """
            from django.http import HttpResponse
            def echo(request):
                if request.method != "POST":
                    return HttpResponse("post only")
                return HttpResponse(request.POST["text"])
            """,
        "legacy/urls.py": """
            from django.urls import path
            from legacy import views
            urlpatterns = [
                path("old/", views.old),
                path("older/", views.old),
            ]
            """,
        "legacy/views.py": """
            def old(request):
                return None
            """,
    })
    eps, protections = django.extract(PyProject(repo))
    routes = by_route(eps)
    assert {("GET", "/cart/add/"), ("POST", "/cart/add/"), ("ANY", "/"), ("POST", "/echo/")} <= set(routes)
    assert routes[("POST", "/cart/add/")].csrf_protected is True      # shop's own CsrfViewMiddleware
    assert routes[("POST", "/echo/")].csrf_protected is False         # the lab has no CSRF middleware
    assert protections["csrf"][0].startswith("CsrfViewMiddleware in MIDDLEWARE at shop/settings.py")  # shallowest
    assert "labs.xss.xsslab.settings" in protections["other_projects"]
    assert protections["_unattached"] == ["legacy/urls.py:5", "legacy/urls.py:6"]
    assert any("legacy/urls.py (2 route(s)) is not reached" in n for n in protections["notes"])


def ep(method, path, handler="h", authenticated=None):
    e = Endpoint(method, path, handler, "f.py", 1, "x")
    e.authenticated = authenticated
    return e


def test_classification_of_pages_tokens_profiles_signup_and_revocation():
    from auditor.endpoints.classify import is_entry_point, is_object_endpoint, is_public_by_nature, is_sensitive
    assert is_public_by_nature(ep("ANY", "/"))                       # a Django function view answers every method
    assert is_public_by_nature(ep("ANY", "/about/"))
    assert not is_public_by_nature(ep("ANY", "/orders/"))
    assert not is_public_by_nature(ep("GET", "/api/auth/me"))        # behind the auth prefix, not the login page
    assert is_public_by_nature(ep("GET", "/auth/login"))
    assert not is_object_endpoint(ep("GET", "/reset/{token}"))       # one-time token link
    assert not is_object_endpoint(ep("POST", "/accounts/reset/{uidb64}/{token}/"))
    assert not is_object_endpoint(ep("GET", "/user/{username}"))     # public profile read
    assert not is_object_endpoint(ep("GET", "/api/users/{id}/followers"))
    assert is_object_endpoint(ep("PUT", "/api/users/{id}"))          # writing a user is still an object endpoint
    assert is_object_endpoint(ep("GET", "/allocations/{userId}"))
    assert is_entry_point(ep("POST", "/api/users", "create_user", authenticated=False))   # API sign-up
    assert not is_entry_point(ep("POST", "/api/users", "create_user", authenticated=True))
    assert not is_sensitive(ep("DELETE", "/api/tokens", "revoke_token"))
    assert is_sensitive(ep("POST", "/api/tokens", "get_token"))


def test_fastapi_router_included_under_a_development_guard_is_marked(tmp_path):
    repo = make_repo(tmp_path, {
        "app/main.py": """
            from fastapi import FastAPI, APIRouter
            from app.core.config import settings
            from app.routes import items, seed
            app = FastAPI()
            api = APIRouter()
            api.include_router(items.router)
            if settings.ENVIRONMENT == "local":
                api.include_router(seed.router)
            app.include_router(api, prefix="/api")
            """,
        "app/core/config.py": "ENVIRONMENT = 'local'\n",
        "app/routes/items.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/items")
            @router.get("/")
            def list_items(skip: int = 0, limit: int = 100):
                return []
            """,
        "app/routes/seed.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/seed")
            @router.post("/users")
            def seed_users():
                return {}
            """,
    })
    eps = by_route(fastapi.extract(PyProject(repo))[0])
    assert any(n.startswith("development only: included under if settings.ENVIRONMENT == 'local'")
               for n in eps[("POST", "/api/seed/users")].notes)
    assert not any(n.startswith("development only") for n in eps[("GET", "/api/items/")].notes)


def test_unattached_route_calls_are_reported_and_block_when_they_outnumber_endpoints(tmp_path):
    repo = make_repo(tmp_path, {
        "package.json": '{"dependencies": {"express": "4.19.2", "axios": "1.7.0"}}',
        "server.js": """
            const express = require('express');
            const app = express();
            app.get('/health', (req, res) => res.send('ok'));
            const modules = ['orders', 'users'];
            modules.forEach((m) => require('./routes/' + m)(app));
            app.listen(3000);
            """,
        "routes/orders.js": """
            module.exports = function (server) {
                server.get('/orders', (req, res) => res.json([]));
                server.post('/orders', (req, res) => res.sendStatus(201));
            };
            """,
        "routes/users.js": """
            const axios = require('axios');
            module.exports = (server) => {
                server.get('/users/:id', async (req, res) => {
                    const r = await axios.get('/profile-service/users', { params: req.params });
                    res.json(r.data);
                });
            };
            """,
        "frontend/src/api.js": "export const load = () => http.get('/api/orders', (r) => r);\n",
    })
    inv = extract_endpoints(repo, build_inventory(repo))
    assert [(e.method, e.path) for e in inv.endpoints] == [("GET", "/health")]
    assert inv.unattached == ["routes/orders.js:3", "routes/orders.js:4", "routes/users.js:4"]
    blocking, gap = inv.gap()
    assert blocking and "3 route registration call(s) not attached" in gap
    assert inv.warnings == [f"endpoints: 1 (express); {gap}"]


def test_django_hand_written_list_views(tmp_path):
    repo = make_repo(tmp_path, {
        "manage.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
            """,
        "site_cfg/settings.py": 'ROOT_URLCONF = "site_cfg.urls"\nMIDDLEWARE = []\n',
        "site_cfg/urls.py": """
            from django.urls import path
            from crm import views
            urlpatterns = [
                path("api/customers/", views.CustomerListApi.as_view()),
                path("api/customers/<int:pk>/", views.CustomerDetailApi.as_view()),
                path("api/export/", views.export_all),
                path("invoices/", views.invoices),
                path("dashboard/", views.dashboard),
            ]
            """,
        "crm/views.py": """
            from django.core.paginator import Paginator
            from django.http import JsonResponse
            from django.shortcuts import render
            from rest_framework.pagination import LimitOffsetPagination
            from rest_framework.response import Response
            from rest_framework.views import APIView
            from crm.models import Customer, Invoice

            class CustomerListApi(APIView):
                class Pagination(LimitOffsetPagination):
                    max_limit = 50

                def get(self, request):
                    paginator = self.Pagination()
                    page = paginator.paginate_queryset(Customer.objects.all(), request, view=self)
                    return paginator.get_paginated_response([c.name for c in page])

            class CustomerDetailApi(APIView):
                def get(self, request, pk):
                    return Response({"name": Customer.objects.get(pk=pk).name})

            def export_all(request):
                rows = []
                for c in Customer.objects.all():
                    rows.append({"name": c.name, "email": c.email})
                return JsonResponse(rows, safe=False)

            def invoices(request):
                page = Paginator(Invoice.objects.order_by("-id"), 25).get_page(request.GET.get("page"))
                return render(request, "invoices.html", {"page": page})

            def dashboard(request):
                return render(request, "dashboard.html", {"customers": Customer.objects.all()})
            """,
    })
    routes = by_route(django.extract(PyProject(repo))[0])
    assert routes[("GET", "/api/customers/")].paginated is True
    assert routes[("GET", "/api/customers/{pk}/")].paginated is None      # one record
    assert routes[("ANY", "/api/export/")].paginated is False              # whole table as JSON
    assert routes[("ANY", "/invoices/")].paginated is True                 # Django Paginator
    assert routes[("ANY", "/dashboard/")].paginated is None                # a template page is not an API list


def judge(tmp_path, inv, item_id):
    from auditor.catalog import load_catalog
    from auditor.context import AuditContext, Unavailable
    from auditor.registry import check_for
    repo = make_repo(tmp_path, {"app.py": "import flask\n"})
    ctx = AuditContext(repo, build_inventory(repo))
    ctx.collected["endpoints"] = inv
    item = next(i for c in load_catalog().categories for i in c.items if i.id == item_id)
    check = check_for(item_id)
    try:
        return check(ctx, item)
    except Unavailable as exc:
        return str(exc)


def endpoint(method, path, authenticated, authorized=None, notes=()):
    e = Endpoint(method, path, "h", "app.py", 1, "fastapi")
    e.authenticated, e.authorized = authenticated, authorized
    e.notes = list(notes)
    return e


def test_checks_leave_out_development_routes_say_heuristic_and_respect_the_gap(tmp_path):
    from auditor.endpoints import EndpointInventory
    eps = [endpoint("GET", "/api/items", True), endpoint("DELETE", "/api/items/{id}", True, True),
           endpoint("POST", "/api/private/users", False, notes=["development only: included under if DEBUG at m.py:9"]),
           endpoint("GET", "/api/auth/me", True)]
    authn = judge(tmp_path / "a", EndpointInventory(endpoints=eps, frameworks=["fastapi"]), "SEC-AUTHN")
    assert authn.verdict == "pass" and "1 development-only endpoint(s) left out" in authn.rationale
    assert authn.details["compliant"] == 3                       # /api/auth/me is counted, not "public"
    authz = judge(tmp_path / "b", EndpointInventory(endpoints=eps, frameworks=["fastapi"]), "SEC-AUTHZ")
    assert authz.verdict == "pass" and "Heuristic" in authz.rationale
    small_gap = EndpointInventory(endpoints=eps, frameworks=["fastapi"], unattached=["api/legacy.py:4"])
    kept = judge(tmp_path / "c", small_gap, "SEC-AUTHN")
    assert kept.verdict == "pass" and "Not judged: 1 route registration call(s)" in kept.rationale
    big_gap = EndpointInventory(endpoints=eps[:1], frameworks=["fastapi"], unattached=["a.py:1", "a.py:9"])
    assert "too incomplete to judge on" in judge(tmp_path / "d", big_gap, "SEC-AUTHN")


def test_repo_defined_login_decorator_and_actions_performed_as_the_current_user(tmp_path):
    repo = make_repo(tmp_path, {
        "social/__init__.py": """
            from flask import Flask, redirect
            from flask_login import current_user
            from functools import wraps
            app = Flask(__name__)

            def members_only(func):
                @wraps(func)
                def wrapper(*args, **kwargs):
                    if not current_user.is_authenticated:
                        return redirect("/login")
                    return func(*args, **kwargs)
                return wrapper

            @app.post("/follow/<name>")
            @members_only
            def follow(name):
                person = Person.query.filter_by(name=name).first_or_404()
                current_user.follow(person)
                return redirect("/")

            @app.post("/notes/<int:note_id>/delete")
            @members_only
            def delete_note(note_id):
                note = Note.query.get_or_404(note_id)
                db.session.delete(note)
                current_user.touch()
                return redirect("/")
            """,
    })
    eps = by_route(flask.extract(PyProject(repo))[0])
    follow = eps[("POST", "/follow/{name}")]
    assert follow.authenticated is True and "members_only" in follow.protections["authenticated"][0]
    assert follow.authorized is True                       # current_user.follow(person)
    assert eps[("POST", "/notes/{note_id}/delete")].authorized is False   # deletes any note by id


def test_get_branch_source_drops_post_only_branches():
    from auditor.endpoints.branches import get_branch_source
    view = '''
@bp.route("/edit", methods=["GET", "POST"])
def edit():
    form = EditForm()
    if form.validate_on_submit():
        current_user.about = form.about.data
        db.session.commit()
    elif request.method == "GET":
        form.about.data = current_user.about
    if request.method == "POST":
        Audit.objects.create(kind="edit")
    current_user.last_seen = now()
    return render_template("edit.html", form=form)
'''
    text = get_branch_source(view)
    assert "commit()" not in text and "objects.create" not in text
    assert "form.about.data = current_user.about" in text and "last_seen" in text
    assert get_branch_source("app.get('/x', (req, res) => res.send('ok'))") == "app.get('/x', (req, res) => res.send('ok'))"
