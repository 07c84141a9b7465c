"""Rate limiting written in the application, recognised by what it does: a function that counts attempts per
key and says no past a bound, whose answer refuses the request (in the view, or in the clean method of the
form the view validates). And sign-in pages that take no input are not brute-force targets."""
from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

from auditor.endpoints import django
from auditor.endpoints.protections.counters import counts_and_bounds
from auditor.endpoints.pyast import PyProject
from auditor.repo import Repository

APP = Path(__file__).parent / "fixtures" / "protections" / "django-attempt-counter"


def _endpoints(root: Path):
    return {(e.method, e.path): e for e in django.extract(PyProject(Repository.scan(root)))[0]}


def _fn(source: str) -> ast.AST:
    return ast.parse(textwrap.dedent(source)).body[0]


def test_counter_limiters_by_behaviour():
    bucket = _fn("""
        def allow(key, per_hour):
            bucket = Bucket.objects.get(key=key)
            bucket.left -= 1.0 / per_hour
            if bucket.left < 0:
                return False
            bucket.save()
            return True
    """)
    assert "bucket.left < 0" in counts_and_bounds(bucket)
    cache_counter = _fn("""
        def too_many(ip):
            hits = cache.incr(f"login:{ip}")
            return hits > 20
    """)
    assert counts_and_bounds(cache_counter)
    raising = _fn("""
        def check(user):
            user.failed_logins += 1
            if user.failed_logins >= 5:
                raise Locked()
    """)
    assert counts_and_bounds(raising)
    # a count that is never compared with a bound, and a bound on something not counted, limit nothing
    assert counts_and_bounds(_fn("def visit(page):\n    page.views += 1\n    page.save()\n")) is None
    assert counts_and_bounds(_fn("def adult(user):\n    total = 0\n    total += 1\n    return user.age > 18\n")) is None


def test_the_form_and_the_view_refuse_on_the_attempt_counter():
    eps = _endpoints(APP)
    login = eps[("POST", "/accounts/login/")]
    assert login.rate_limited is True
    how = login.protections["rate_limited"][0]
    assert "clean of the form" in how and "AttemptBucket.allow_password" in how
    assert "desk/models.py:13" in how and "desk/forms.py:15" in how        # the counter and the guard, file:line
    code = eps[("POST", "/accounts/login/code/")]
    assert code.rate_limited is True and "the handler refuses" in code.protections["rate_limited"][0]
    assert eps[("POST", "/accounts/signup/")].rate_limited is False        # its form validates, never counts
    assert eps[("POST", "/accounts/password-reset/")].rate_limited is False


def test_twin_whose_bucket_never_counts_is_not_a_limit(tmp_path):
    twin = tmp_path / "desk-twin"
    shutil.copytree(APP, twin)
    models = twin / "desk" / "models.py"
    models.write_text(models.read_text().replace("        bucket.left -= 1.0 / per_hour\n", ""))
    eps = _endpoints(twin)
    assert eps[("POST", "/accounts/login/")].rate_limited is False
    assert eps[("POST", "/accounts/login/code/")].rate_limited is False


def test_sign_in_pages_without_input_are_not_counted(audited):
    report = audited(APP)
    item = next(i for i in report["items"] if i["id"] == "SEC-RATE-LIMIT")
    assert item["verdict"] == "partial"
    assert "ANY /accounts/login/sent/" in item["details"]["no_input_pages"][0]
    judged = {(e["method"], e["path"]): e["compliant"] for e in item["details"]["endpoints"]}
    assert judged[("POST", "/accounts/login/")] is True
    assert judged[("POST", "/accounts/signup/")] is False
    assert ("ANY", "/accounts/login/sent/") not in judged


AIOHTTP_LOGIN = '''
from aiohttp import web
from aiohttp_session import get_session

from shop.auth import get_auth_user
from shop.models import User

routes = web.RouteTableDef()


@routes.post("/")
async def index(request):
    auth_user = await get_auth_user(request)
    if auth_user:
        raise web.HTTPForbidden()
    data = await request.post()
    user = await User.by_name(request.app["db"], data["username"])
    if user and user.check_password(data["password"]):
        session = await get_session(request)
        session["user_id"] = user.id
    return web.HTTPFound("/")


@routes.post("/orders")
async def orders(request):
    user = await get_auth_user(request)
    if not user:
        raise web.HTTPForbidden()
    return web.json_response({"ok": True})


app = web.Application()
app.add_routes(routes)
'''


def test_a_login_by_behaviour_and_the_guard_that_keeps_signed_in_users_out(tmp_path):
    from auditor.endpoints import extract_endpoints
    from auditor.endpoints.classify import signs_in
    from auditor.inventory import build_inventory

    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "views.py").write_text(AIOHTTP_LOGIN)
    (tmp_path / "requirements.txt").write_text("aiohttp==3.10.0\naiohttp-session==2.12.0\n")
    repo = Repository.scan(tmp_path)
    eps = {(e.method, e.path): e for e in extract_endpoints(repo, build_inventory(repo)).endpoints}
    # `if auth_user: raise HTTPForbidden()` refuses signed-in users: it is no authentication
    assert eps[("POST", "/")].authenticated is False
    assert eps[("POST", "/orders")].authenticated is True
    assert signs_in(AIOHTTP_LOGIN.split("@routes.post(\"/orders\")")[0])
    assert not signs_in('def orders(request):\n    return web.json_response({"password_rules": "8+"})\n')
