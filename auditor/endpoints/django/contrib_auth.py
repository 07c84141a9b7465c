"""Django's own authentication views (`django.contrib.auth.views`, `include("django.contrib.auth.urls")`) as
the login, logout, password-change and password-reset endpoints they are.

Their code is Django's, not the repository's, so their protections are Django's documented behaviour: the
login and password-reset forms are public, CSRF-protected (`csrf_protect`), validated by their forms
(AuthenticationForm, PasswordResetForm, SetPasswordForm) and not throttled: Django counts no failed
attempts unless an add-on does (django-axes, django-ratelimit or django-defender in INSTALLED_APPS /
MIDDLEWARE). Password change requires the login (`login_required`)."""
from __future__ import annotations

from auditor.endpoints.common import join_paths, mark, normalize_path, where
from auditor.endpoints.django.model import UrlWalk
from auditor.model import Endpoint

AUTH_VIEWS_MODULE = "django.contrib.auth.views"
AUTH_URLS_MODULE = "django.contrib.auth.urls"
# view (class or pre-2.1 function) -> methods it answers, whether it requires the login
AUTH_VIEWS: dict[str, tuple[tuple[str, ...], bool]] = {
    "LoginView": (("GET", "POST"), False), "login": (("GET", "POST"), False),
    "LogoutView": (("POST",), False), "logout": (("GET", "POST"), False),
    "PasswordChangeView": (("GET", "POST"), True), "password_change": (("GET", "POST"), True),
    "PasswordChangeDoneView": (("GET",), True), "password_change_done": (("GET",), True),
    "PasswordResetView": (("GET", "POST"), False), "password_reset": (("GET", "POST"), False),
    "PasswordResetDoneView": (("GET",), False), "password_reset_done": (("GET",), False),
    "PasswordResetConfirmView": (("GET", "POST"), False), "password_reset_confirm": (("GET", "POST"), False),
    "PasswordResetCompleteView": (("GET",), False), "password_reset_complete": (("GET",), False),
}
# the routes of django/contrib/auth/urls.py
AUTH_URLS = (("login/", "LoginView"), ("logout/", "LogoutView"), ("password_change/", "PasswordChangeView"),
             ("password_change/done/", "PasswordChangeDoneView"), ("password_reset/", "PasswordResetView"),
             ("password_reset/done/", "PasswordResetDoneView"), ("reset/<uidb64>/<token>/", "PasswordResetConfirmView"),
             ("reset/done/", "PasswordResetCompleteView"))
THROTTLING_ADDONS = ("axes", "django_ratelimit", "ratelimit", "defender", "brutebuster")


def throttling_addon(c: UrlWalk) -> str | None:
    """An installed add-on that limits login attempts (django-axes & co.), by INSTALLED_APPS or MIDDLEWARE."""
    from auditor.endpoints.django_settings import _strings
    apps = _strings(c.settings.values.get("INSTALLED_APPS")) + c.settings.middleware
    for entry in apps:
        if entry.split(".")[0] in THROTTLING_ADDONS:
            return f"{entry} in settings ({c.settings.where.get('INSTALLED_APPS', '')})"
    return None


def auth_view_endpoints(c: UrlWalk, view: str, path: str, file: str, line: int) -> list[Endpoint]:
    """The endpoints of one Django auth view mounted at `path` (declared at file:line)."""
    methods, login_required = AUTH_VIEWS[view]
    addon = throttling_addon(c)
    out = []
    for method in methods:
        ep = Endpoint(method, normalize_path(path), f"{AUTH_VIEWS_MODULE}.{view}", file, line, "django")
        ep.notes.append("Django's own authentication view (django.contrib.auth)")
        if login_required:
            mark(ep, "authenticated", True, f"{view} is login_required (Django)")
        else:
            mark(ep, "authenticated", False, f"{view} is public (Django)")
        if method == "GET":
            ep.csrf_applies = False
        else:
            ep.csrf_applies = True
            mark(ep, "csrf_protected", True, f"{view} is csrf_protect-ed (Django) at {where(file, line)}")
            mark(ep, "input_validated", True, f"{view} validates its Django form")
        if addon:
            mark(ep, "rate_limited", True, addon)
        else:
            mark(ep, "rate_limited", False, f"Django's {view} counts no failed attempts and no throttling add-on "
                                            "(django-axes, django-ratelimit) is installed")
        out.append(ep)
    return out


def auth_urls_endpoints(c: UrlWalk, prefix: str, file: str, line: int) -> list[Endpoint]:
    """`include("django.contrib.auth.urls")` under `prefix`: every route of Django's auth urls module."""
    out = []
    for route, view in AUTH_URLS:
        out += auth_view_endpoints(c, view, join_paths(prefix, route), file, line)
    return out
