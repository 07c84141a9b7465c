"""Protections recognised by what they do: guards read from decorator, hook and handler bodies, known
libraries as data, and a Flask app protected only by its own decorators and a before_request CSRF hook."""
from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

from auditor.endpoints import flask
from auditor.endpoints.protections import AUTHENTICATION, AUTHORIZATION, CSRF, RATE_LIMIT, VALIDATION
from auditor.endpoints.protections.behaviour import guards
from auditor.endpoints.protections.library import javascript_kinds, python_kinds
from auditor.endpoints.pyast import PyProject
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "protections"


def kinds(source: str) -> set[str]:
    tree = ast.parse(textwrap.dedent(source))
    return set(guards(tree.body[0]))


def test_rejecting_the_anonymous_is_authentication():
    assert kinds("""
        def authed_only(f):
            def wrapper(*a, **kw):
                if authed():
                    return f(*a, **kw)
                if request.is_json:
                    abort(403)
                return redirect(url_for("auth.login"))
            return wrapper
    """) == {AUTHENTICATION}
    assert kinds("""
        async def get_current_user(token):
            user = await find_user(token)
            if user is None:
                raise HTTPException(status_code=401, detail="not authenticated")
            return user
    """) == {AUTHENTICATION}


def test_rejecting_only_bad_tokens_is_not_authentication():
    """Anonymous requests pass this hook: it only turns away a token that does not check out."""
    assert kinds("""
        def tokens():
            if request.headers.get("Authorization"):
                try:
                    user = lookup_user_token(request.headers["Authorization"])
                except Exception:
                    abort(401)
    """) == set()
    # a test on the route name, with a constant that happens to say "admin", names no caller
    assert kinds("""
        def needs_setup():
            if request.endpoint == "admin.import_ctf":
                return
            if not is_setup():
                return redirect(url_for("views.setup"))
    """) == set()


def test_role_check_is_authorization_and_authentication():
    assert kinds("""
        def admins_only(f):
            def wrapper(*a, **kw):
                if not current_user.is_admin:
                    abort(403)
                return f(*a, **kw)
            return wrapper
    """) == {AUTHENTICATION, AUTHORIZATION}


def test_ownership_comparison_is_authorization():
    assert AUTHORIZATION in kinds("""
        def get_order(order_id):
            if order is None or order.user_id != current_user_id():
                abort(404)
    """)


def test_session_token_against_form_field_is_csrf():
    found = kinds("""
        def csrf():
            if request.method in ("GET", "HEAD"):
                return
            if not hmac.compare_digest(session["csrf"], request.form.get("csrf_token", "")):
                abort(400)
    """)
    assert found == {CSRF}


def test_counter_with_429_is_rate_limiting():
    assert kinds("""
        def ratelimit(limit=5):
            def decorator(f):
                def wrapper(*a, **kw):
                    current = cache.get(key)
                    if current and int(current) > limit:
                        resp = jsonify({"message": "slow down"})
                        resp.status_code = 429
                        return resp
                    cache.set(key, (current or 0) + 1)
                    return f(*a, **kw)
                return wrapper
            return decorator
    """) == {RATE_LIMIT}


def test_schema_on_the_request_is_validation():
    assert kinds("""
        def validated(schema):
            def decorator(f):
                def wrapper(*a, **kw):
                    data = schema().load(request.get_json())
                    return f(data, *a, **kw)
                return wrapper
            return decorator
    """) == {VALIDATION}


def test_known_libraries_are_data():
    assert python_kinds("flask_login.login_required") == [AUTHENTICATION]
    assert python_kinds("flask_login.utils.login_required") == [AUTHENTICATION]
    assert python_kinds("flask_limiter.Limiter#limit") == [RATE_LIMIT]
    assert python_kinds("myapp.login_required") == []
    assert javascript_kinds("express-rate-limit") == [RATE_LIMIT]
    assert CSRF in javascript_kinds("csurf")


def _endpoints(root: Path):
    repo = Repository.scan(root)
    project = PyProject(repo)
    endpoints, protections = flask.extract(project)
    return {(e.method, e.path): e for e in endpoints}, protections


def test_homemade_decorators_and_hook_protect_the_shop():
    eps, protections = _endpoints(FIXTURES / "flask-homemade")
    assert set(eps) == {("GET", "/account"), ("POST", "/admin/users/{user_id}"), ("GET", "/api/v1/orders"),
                        ("POST", "/api/v1/orders"), ("GET", "/api/v1/orders/{order_id}"), ("GET", "/health"),
                        ("GET", "/login"), ("POST", "/login")}
    account = eps[("GET", "/account")]
    assert account.authenticated is True
    assert "@authed_only" in account.protections["authenticated"][0]
    assert "shop/guards.py:18" in account.protections["authenticated"][0]     # the definition, file:line
    admin = eps[("POST", "/admin/users/{user_id}")]
    assert admin.authenticated and admin.authorized
    assert admin.csrf_applies and admin.csrf_protected
    assert "shop/hooks.py:10" in admin.protections["csrf_protected"][0]
    assert eps[("POST", "/login")].rate_limited is True
    assert "@throttle" in eps[("POST", "/login")].protections["rate_limited"][0]
    assert eps[("GET", "/api/v1/orders/{order_id}")].authorized is True
    assert eps[("GET", "/health")].authenticated is False
    assert protections["csrf"] and "before_request hook csrf" in protections["csrf"][0]


def test_twin_missing_one_decorator(tmp_path):
    twin = tmp_path / "shop-twin"
    shutil.copytree(FIXTURES / "flask-homemade", twin)
    views = twin / "shop" / "views.py"
    views.write_text(views.read_text().replace('@views.route("/account")\n@authed_only\n', '@views.route("/account")\n'))
    hooks = twin / "shop" / "hooks.py"
    hooks.write_text(hooks.read_text().replace("abort(403)", "print('csrf mismatch')"))
    eps, protections = _endpoints(twin)
    assert eps[("GET", "/account")].authenticated is False
    assert eps[("GET", "/api/v1/orders")].authenticated is True
    assert eps[("POST", "/admin/users/{user_id}")].csrf_protected is False
    assert "csrf" not in protections


def test_fastapi_routers_mounted_at_three_levels():
    from auditor.endpoints import fastapi
    repo = Repository.scan(FIXTURES / "fastapi-mounted")
    eps = {(e.method, e.path): e for e in fastapi.extract(PyProject(repo))[0]}
    assert set(eps) == {("GET", "/api/v1/items"), ("GET", "/api/v1/items/{item_id}"), ("GET", "/health"),
                        ("GET", "/{?}/stats")}
    item = eps[("GET", "/api/v1/items/{item_id}")]
    assert item.authenticated is True
    assert "gatekeeper" in item.protections["authenticated"][0] and "app/api/deps.py:4" in item.protections["authenticated"][0]
    assert eps[("GET", "/{?}/stats")].authenticated is True        # router-level dependency, prefix from the environment
    assert eps[("GET", "/api/v1/items")].authenticated is False


def test_express_routers_mounted_at_three_levels():
    from auditor.endpoints import express
    repo = Repository.scan(FIXTURES / "express-mounted")
    eps = {(e.method, e.path): e for e in express.extract(repo)[0]}
    assert set(eps) == {("GET", "/api/v1/users/{id}"), ("GET", "/health"), ("GET", "/{?}/stats")}
    user = eps[("GET", "/api/v1/users/{id}")]
    assert user.authenticated is True             # `gate` is known by what it does: 401 when no session user
    assert "middleware/auth.js:1" in user.protections["authenticated"][0]
    assert eps[("GET", "/health")].authenticated is False


def test_unresolved_prefix_is_not_a_path_parameter():
    from auditor.endpoints.classify import is_object_endpoint
    from auditor.endpoints.common import has_path_params
    from auditor.model import Endpoint
    assert not has_path_params("/{?}/stats")
    assert not is_object_endpoint(Endpoint("GET", "/{?}/stats", "h", "f", 1, "x"))
    assert is_object_endpoint(Endpoint("GET", "/{?}/stats/{id}", "h", "f", 1, "x"))


def test_express_router_returned_by_an_exported_function(tmp_path):
    from auditor.endpoints import express
    (tmp_path / "routes").mkdir()
    (tmp_path / "server.js").write_text(
        "const express = require('express');\nconst passport = require('passport');\nconst app = express();\n"
        "app.use(passport.initialize());\napp.use('/app', require('./routes/app')());\n")
    (tmp_path / "routes" / "app.js").write_text(
        "var router = require('express').Router();\nvar auth = require('../core/auth');\n"
        "module.exports = function () {\n  router.get('/products', auth.isSignedIn, function (req, res) {\n"
        "    res.render('products');\n  });\n  return router;\n}\n")
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "auth.js").write_text(
        "module.exports.isSignedIn = function (req, res, next) {\n  if (req.isAuthenticated()) return next();\n"
        "  res.redirect('/login');\n};\n")
    eps = {(e.method, e.path): e for e in express.extract(Repository.scan(tmp_path))[0]}
    assert set(eps) == {("GET", "/app/products")}
    assert eps[("GET", "/app/products")].authenticated is True


def test_api_key_check_through_an_error_helper_is_authentication():
    assert kinds("""
        def authorize(f):
            def wrapper(request, *args, **kwds):
                api_key = request.headers.get("X-Api-Key", "")
                if len(api_key) != 32:
                    return error("missing api key", 401)
                return f(request, *args, **kwds)
            return wrapper
    """) == {AUTHENTICATION}


def test_dispatching_view_takes_the_protection_of_its_targets(tmp_path):
    from auditor.endpoints.protections.resolve import delegated_protections
    (tmp_path / "api.py").write_text(textwrap.dedent("""
        def authorize(f):
            def wrapper(request, *args, **kwds):
                if request.user is None:
                    return error("no user", 401)
                return f(request, *args, **kwds)
            return wrapper

        @authorize
        def create(request):
            return "created"

        @authorize
        def listing(request):
            return "list"

        def unguarded(request):
            return "open"

        def items(request):
            if request.method == "POST":
                return create(request)
            return listing(request)

        def mixed(request):
            if request.method == "POST":
                return create(request)
            return unguarded(request)
    """))
    project = PyProject(Repository.scan(tmp_path))
    mod = project.modules["api"]
    assert AUTHENTICATION in delegated_protections(project, mod, mod.functions["items"])
    assert delegated_protections(project, mod, mod.functions["mixed"]) == {}


def test_express_route_table_and_prefixed_limiter(tmp_path):
    from auditor.endpoints import express
    (tmp_path / "routes").mkdir()
    (tmp_path / "app.js").write_text(
        "const express = require('express');\nconst rateLimit = require('express-rate-limit');\n"
        "const routes = require('./routes');\nconst app = express();\n"
        "const authLimiter = rateLimit({ windowMs: 900000, max: 20 });\n"
        "app.use('/v1/auth', authLimiter);\napp.use('/v1', routes);\nmodule.exports = app;\n")
    (tmp_path / "routes" / "index.js").write_text(
        "const express = require('express');\nconst authRoute = require('./auth');\n"
        "const router = express.Router();\nconst table = [\n  { path: '/auth', route: authRoute },\n];\n"
        "table.forEach((route) => {\n  router.use(route.path, route.route);\n});\nmodule.exports = router;\n")
    (tmp_path / "routes" / "auth.js").write_text(
        "const express = require('express');\nconst router = express.Router();\n"
        "router.post('/login', (req, res) => res.json({}));\nmodule.exports = router;\n")
    eps = {(e.method, e.path): e for e in express.extract(Repository.scan(tmp_path))[0]}
    login = eps[("POST", "/v1/auth/login")]
    assert login.rate_limited is True and "authLimiter" in login.protections["rate_limited"][0]
