"""Endpoints public or protected by design, recognised by what the code does: a visibility setting that opens
reads to anonymous callers, a first-run installer, a route switched off unless configured, a permission
predicate answering 404, the identity an API-key decorator attaches to the request, a link carrying its own
credential, a static page, library views that only answer reads, a sign-up under /user/create, filters a base
class or a webargs dictionary declares. Each fixture app has a twin with the protection taken away."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from auditor.checks.api.filtering import caller_scoped, evaluate_filtering, query_parameters
from auditor.checks.security.rate_limit import proves_with_a_key
from auditor.endpoints.express import _handler_body
from auditor.endpoints.protections.behaviour import configured_public, permission_predicate
from auditor.endpoints.protections.switched import first_run_only, off_unless_configured
from auditor.model import Endpoint
from auditor.probes.static_pages import static_page
from helpers import edited_copy, endpoint_context, endpoint_rows, judge

FIXTURES = Path(__file__).parent / "fixtures" / "protections"


def fn(source: str) -> ast.FunctionDef:
    node = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def twin(tmp_path: Path, name: str, rel: str, old: str, new: str) -> Path:
    return edited_copy(FIXTURES / name, tmp_path / name, rel, old, new)


# --- a visibility setting, a first-run installer, a switched-off route, a permission predicate (Flask) ---

def test_visibility_setting_declares_public_reads():
    ctx = endpoint_context(FIXTURES / "flask-visibility")
    rows = endpoint_rows(ctx)
    puzzles = rows[("GET", "/api/puzzles")]
    assert puzzles.authenticated is True and any(n.startswith("authentication optional") for n in puzzles.notes)
    authn = judge(ctx, "SEC-AUTHN")
    assert authn.verdict == "pass"
    assert "GET /api/announcements" in authn.details["public_reads"]      # a read public by the same design
    assert "GET /maintenance" in authn.details["development_only"]        # 404 unless MAINTENANCE_MODE
    assert "POST /install" in authn.details["public_by_nature"]           # the first-run installer
    assert judge(ctx, "SEC-AUTHZ").verdict == "pass"
    hint = rows[("GET", "/api/hints/{hint_id}")]
    assert hint.authorized is True and "can_see_puzzle" in hint.protections["authorized"][0]


def test_twin_without_the_visibility_setting_asks_for_authentication(tmp_path):
    root = twin(tmp_path, "flask-visibility", "arena/access.py",
                '        mode = setting("puzzle_visibility")\n        if mode == "public":\n            return f(*args, **kwargs)\n', "")
    authn = judge(endpoint_context(root), "SEC-AUTHN")
    assert authn.verdict != "pass" and "GET /api/announcements" in authn.rationale


def test_twin_without_the_permission_predicate_is_flagged(tmp_path):
    root = twin(tmp_path, "flask-visibility", "arena/api.py",
                "    if not can_see_puzzle(hint.puzzle, current_player()):\n        abort(404)\n", "")
    assert "GET /api/hints/{hint_id}" in judge(endpoint_context(root), "SEC-AUTHZ").rationale


def test_twin_installer_and_switch_that_always_answer_are_flagged(tmp_path):
    root = twin(tmp_path, "flask-visibility", "arena/views.py", "    if not is_installed():\n", "    if True:\n")
    views = root / "arena" / "views.py"
    views.write_text(views.read_text().replace('    abort(404)\n', '    return {"mode": "normal"}\n'))
    authn = judge(endpoint_context(root), "SEC-AUTHN")
    assert "POST /install" in authn.rationale and "GET /maintenance" in authn.rationale


def test_configured_public_needs_a_visibility_setting():
    assert configured_public(fn("""
        def scores_visible(f):
            def wrapper(*a, **kw):
                if get_config("score_visibility") == "public":
                    return f(*a, **kw)
                if not authed():
                    abort(403)
                return f(*a, **kw)
            return wrapper
    """))
    # a test-mode switch that skips the check is not a public design
    assert configured_public(fn("""
        def guarded(f):
            def wrapper(*a, **kw):
                if current_app.config["TESTING"]:
                    return f(*a, **kw)
                if not authed():
                    abort(403)
                return f(*a, **kw)
            return wrapper
    """)) is None
    # nor is a branch on the caller
    assert configured_public(fn("""
        def guarded(f):
            def wrapper(*a, **kw):
                if current_user.visibility == "public":
                    return f(*a, **kw)
                abort(403)
            return wrapper
    """)) is None


def test_switched_routes():
    assert off_unless_configured(fn("""
        def debug():
            if app.config.get("SAFE_MODE") is True:
                return str(request.headers)
            abort(404)
    """))
    # a feature switch refusing with 403 and then doing work is an ordinary route
    assert off_unless_configured(fn("""
        def share(kind):
            if get_config("shares") is False:
                abort(403)
            return render_share(kind)
    """)) is None
    assert first_run_only(fn("""
        def setup():
            errors = []
            if not config.is_setup():
                return render_template("setup.html", errors=errors)
            return redirect(url_for("index"))
    """))
    assert first_run_only(fn("""
        def setup():
            if not request.form:
                return render_template("setup.html")
            return redirect(url_for("index"))
    """)) is None


def test_permission_predicate_on_the_caller():
    assert permission_predicate(fn("""
        def get(self, solution_id):
            solution = Solutions.query.get_or_404(solution_id)
            user = get_current_user()
            if is_admin():
                view = "admin"
            else:
                if not can_access_challenge(solution.challenge, user):
                    abort(404)
            return dump(solution, view)
    """))
    # a predicate about the record alone is a missing row, not a permission
    assert permission_predicate(fn("""
        def get(self, solution_id):
            solution = Solutions.query.get_or_404(solution_id)
            if not can_render(solution):
                abort(404)
            return dump(solution)
    """)) is None


# --- the identity an API-key decorator attaches, opening checks, signed values, static pages (Django) ---

def test_api_key_project_is_the_caller():
    ctx = endpoint_context(FIXTURES / "django-api-key")
    rows = endpoint_rows(ctx)
    assert rows[("GET", "/api/v1/monitors/{code}")].authorized is True          # through the dispatcher
    assert rows[("ANY", "/api/v1/monitors/{unique_key}/by-key")].authorized is True
    events = rows[("ANY", "/monitors/{code}/events/")]
    assert events.authenticated is True and "check in monitor_events" in events.protections["authenticated"][0]
    assert judge(ctx, "SEC-AUTHZ").verdict == "pass"
    authn = judge(ctx, "SEC-AUTHN")
    assert authn.verdict == "pass"
    assert {"ANY /bounces/", "ANY /integrations/slack/"} <= set(authn.details["public_by_nature"])


def test_twin_without_the_project_check_is_flagged(tmp_path):
    root = twin(tmp_path, "django-api-key", "tracker/views.py",
                "    monitor = get_object_or_404(Monitor, code=code)\n    if monitor.project_id != request.project.id:\n"
                "        return HttpResponseForbidden()\n    monitor.delete()\n",
                "    monitor = get_object_or_404(Monitor, code=code)\n    monitor.delete()\n")
    rows = endpoint_rows(endpoint_context(root))
    assert rows[("DELETE", "/api/v1/monitors/{code}")].authorized is False


def test_twin_help_page_reading_records_and_unsigned_bounce_are_flagged(tmp_path):
    root = twin(tmp_path, "django-api-key", "tracker/views.py", '    context = {"page": "docs"}\n',
                '    context = {"page": "docs", "monitors": Monitor.objects.count()}\n')
    views = root / "tracker" / "views.py"
    views.write_text(views.read_text().replace("    except BadSignature:\n", "    except ValueError:\n"))
    authn = judge(endpoint_context(root), "SEC-AUTHN")
    assert "ANY /integrations/slack/" in authn.rationale and "ANY /bounces/" in authn.rationale


def test_static_page():
    assert static_page('def pricing(request, code=None):\n    return HttpResponse("not implemented")\n')
    assert static_page('def vcard(request):\n    ctx = {"email": settings.DEFAULT_FROM_EMAIL}\n'
                       '    return render(request, "contact.vcf", ctx, content_type="text/vcard")\n')
    assert static_page('def page(request):\n    return render(request, "page.html", {"q": request.GET["q"]})\n') is None
    assert static_page('def page(request):\n    rows = Item.objects.all()\n    return render(request, "p.html", {"rows": rows})\n') is None


def test_links_carrying_their_credential_and_sign_in_steps():
    from auditor.endpoints.classify import is_public_by_nature, is_sensitive, is_token_path
    def e(method, path):
        return Endpoint(method, path, "h", "views.py", 1, "django", authenticated=False)
    assert is_token_path(e("ANY", "/accounts/change_email/{signed_payload}/"))
    assert is_token_path(e("ANY", "/badge/{badge_key}/{signature}.{fmt}"))
    assert not is_token_path(e("DELETE", "/api/v1/configs/{config_key}"))
    assert is_public_by_nature(e("GET", "/accounts/login/two_factor/"))
    assert not is_public_by_nature(e("GET", "/accounts/two_factor/"))
    assert not is_sensitive(e("POST", "/integrations/{code}/verify/{token}/"))      # a long token, not a code
    assert is_sensitive(e("POST", "/account/verify"))


def test_webauthn_step_has_nothing_to_guess():
    login = Endpoint("POST", "/login/two_factor/", "login_webauthn", "views.py", 1, "django")
    assert proves_with_a_key("if not helper.verify(request.session['state'], form.cleaned_data['response']):\n"
                             "    return HttpResponseBadRequest()", login)
    totp = Endpoint("POST", "/login/two_factor/totp/", "login_totp", "views.py", 1, "django")
    assert not proves_with_a_key("if not totp.verify(form.cleaned_data['code']):\n    return bad()", totp)


# --- DRF: library read views, sign-up under /user/create, a base class's get_queryset ---

def test_drf_pantry_docs_signup_and_inherited_filters():
    ctx = endpoint_context(FIXTURES / "drf-pantry")
    rows = endpoint_rows(ctx)
    schema = rows[("GET", "/api/schema/")]
    assert schema.csrf_applies is False and any("drf-spectacular" in n for n in schema.notes)
    assert ("ANY", "/api/schema/") not in rows
    authn = judge(ctx, "SEC-AUTHN")
    assert authn.verdict == "pass" and "POST /api/user/create/" in authn.details["public_by_nature"]
    assert judge(ctx, "SEC-CSRF").verdict == "pass"
    assert judge(ctx, "API-FILTERING").verdict == "pass"


def test_twin_base_class_without_filters(tmp_path):
    root = twin(tmp_path, "drf-pantry", "pantry/views.py",
                '        shelved = bool(int(self.request.query_params.get("shelved_only", 0)))\n        rows = self.queryset\n'
                "        if shelved:\n            rows = rows.filter(shelf__isnull=False)\n"
                '        return rows.filter(owner=self.request.user).order_by("name")',
                '        return self.queryset.order_by("name")')
    assert judge(endpoint_context(root), "API-FILTERING").verdict != "pass"


# --- filters a webargs dictionary declares, lists queried through the caller ---

def test_webargs_dictionary_declares_query_parameters():
    source = textwrap.dedent('''
        @blueprint.route("/api/articles", methods=("GET",))
        @use_kwargs({"tag": fields.Str(), "author": fields.Str(), "limit": fields.Int()})
        def get_articles(tag=None, author=None, limit=20):
            return Article.query.limit(limit).all()
    ''')
    assert query_parameters(source) == {"tag", "author", "limit"}


def test_list_queried_through_the_caller():
    assert caller_scoped("return Article.query.join(current_user.profile.follows).order_by(Article.created).all()")
    assert caller_scoped("async getFeed(@User('id') userId: number, @Query() query) {\n"
                         "  return this.service.findFeed(userId, query); }\n"
                         "async findFeed(userId: number, query) {\n"
                         "  const follows = await this.follows.find({ followerId: userId }); }")
    # a list filtered by something else than the caller
    assert not caller_scoped("return Article.query.filter(Article.published == True).all()")
    assert not caller_scoped("async all(@Query() query) { return this.repo.find({ status: query.status }); }")
    eps = [Endpoint("GET", "/api/articles/feed", "feed", "app.py", 1, "flask", paginated=True)]
    result = evaluate_filtering("API-FILTERING", eps, lambda e: "Article.query.join(current_user.follows).all()",
                                lambda e: "", [])
    assert result.verdict == "pass"


# --- Express: an arrow function with an expression body ends at its statement ---

def test_expression_arrow_handler_ends_at_its_statement():
    class F:
        path = "controllers/user.js"
        src = ("exports.get = (req, res) => res.json(req.locals.user.transform());\n\n"
               "exports.create = async (req, res, next) => {\n  const user = new User(req.body);\n};\n")
        requires = {"controller": "controllers/user.js"}
        defs: dict = {}
    body = _handler_body(lambda p: F.src, F, "controller.get")
    assert body == "exports.get = (req, res) => res.json(req.locals.user.transform())"
    assert "req.body" in _handler_body(lambda p: F.src, F, "controller.create")


# --- an upload refused by size or type in the service the view hands it to ---

UPLOAD_VIEW = '''from rest_framework.response import Response
from rest_framework.views import APIView

from media.services import UploadService


class UploadApi(APIView):
    def post(self, request):
        stored = UploadService(owner=request.user, file_obj=request.FILES["file"]).store()
        return Response({"id": stored.id}, status=201)
'''
UPLOAD_SERVICE = '''from django.conf import settings
from django.core.exceptions import ValidationError


def _check_size(file_obj):
    if file_obj.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError("file too large")


class UploadService:
    def __init__(self, owner, file_obj):
        self.owner = owner
        self.file_obj = file_obj

    def store(self):
        _check_size(self.file_obj)
        return self.owner.files.create(blob=self.file_obj)
'''


def test_upload_refused_by_size_in_the_service(tmp_path):
    from auditor.endpoints.protections.uploads import upload_checked
    from auditor.endpoints.pyast import PyProject
    from auditor.repo import Repository
    from helpers import write_files

    def checked(service: str):
        root = write_files(tmp_path / str(len(service)), {"media/__init__.py": "", "media/apis.py": UPLOAD_VIEW,
                                                          "media/services.py": service})
        project = PyProject(Repository.scan(root))
        mod = project.find_module("media.apis")
        post = next(n for n in ast.walk(mod.tree) if isinstance(n, ast.FunctionDef) and n.name == "post")
        return upload_checked(project, mod, post)

    assert "_check_size (media/services.py:5)" == checked(UPLOAD_SERVICE)
    # the twin stores whatever it is given
    assert checked(UPLOAD_SERVICE.replace("        _check_size(self.file_obj)\n", "")) is None


def test_sign_up_under_create_but_not_the_callers_own_account():
    from auditor.endpoints.classify import is_entry_point
    def post(path):
        return Endpoint("POST", path, "h", "views.py", 1, "django", authenticated=False)
    assert is_entry_point(post("/api/user/create/"))
    assert is_entry_point(post("/api/users"))
    assert not is_entry_point(post("/account"))          # updating one's own account is no way in
    assert not is_entry_point(post("/api/v1/user"))
