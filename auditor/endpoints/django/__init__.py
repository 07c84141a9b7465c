"""Django and Django REST framework routes: urlpatterns (path/re_path/url, include() of modules, inline
lists and routers), DRF routers and the actions they generate for each viewset (list/create/retrieve/
update/partial_update/destroy and @action), class-based views (the HTTP methods they define or inherit from
generic views) and function views (methods from require_http_methods/@api_view or request.method tests).

Protections follow Django's and DRF's own rules:
- DRF views: permission_classes (class, @action, @permission_classes) else DEFAULT_PERMISSION_CLASSES else
  AllowAny; CSRF only through SessionAuthentication (APIView is csrf_exempt); throttles through
  throttle_classes/DEFAULT_THROTTLE_CLASSES with a rate in DEFAULT_THROTTLE_RATES; serializers validate.
- Django views: login_required & co. or auth mixins; CsrfViewMiddleware unless @csrf_exempt; Django forms.
"""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
from auditor.endpoints.common import where
from auditor.endpoints.django.model import UrlWalk
from auditor.endpoints.django.routers import find_routers
from auditor.endpoints.django.urlconf import root_urlconfs, walk_urlconf
from auditor.endpoints.django_settings import read_projects
from auditor.endpoints.pyast import PyModule, PyProject, const_str, last_name
from auditor.model import Endpoint


def uses_django(mod: PyModule) -> bool:
    return any(v.startswith(("django", "rest_framework")) for v in mod.imports.values())


def extract(project: PyProject) -> tuple[list[Endpoint], dict]:
    """Walk the ROOT_URLCONF of every Django project of the repository (each with its own settings),
    shallowest first. urls modules no project reaches are noted, and their route calls are reported as
    `_unattached` (file:line) so the inventory can say what it left out."""
    projects = read_projects(project)
    endpoints: list[Endpoint] = []
    visited: set[str] = set()
    walked_roots: set[str] = set()
    protections: dict = {}
    others: dict[str, dict] = {}
    any_root = any(s.root_urlconf and project.find_module(s.root_urlconf) for s in projects)  # noqa: E501
    for i, settings in enumerate(projects):
        c = UrlWalk(project, settings)
        find_routers(c)
        if settings.root_urlconf or not any_root:
            roots = [m for m in root_urlconfs(c) if m.name not in walked_roots]
        else:
            roots = []
            c.notes.append(f"settings {settings.name or settings.modules[:1]} set no ROOT_URLCONF")
        for mod in roots:
            walked_roots.add(mod.name)
            walk_urlconf(c, mod, "", 0)
        visited |= {key.split("@", 1)[0] for key in c.visited}
        if len(projects) > 1:
            for ep in c.endpoints:
                ep.notes.append(f"django project: {settings.name} (ROOT_URLCONF {settings.root_urlconf})")
        endpoints += c.endpoints
        if i == 0:
            protections = _global_protections(c)
        else:
            others[settings.name] = _global_protections(c)
    if others:
        protections["other_projects"] = others
    unattached, notes = _unwalked_urls(project, visited)
    if notes:
        protections.setdefault("notes", []).extend(notes)
    if unattached:
        protections["_unattached"] = unattached
    return endpoints, protections


def _unwalked_urls(project: PyProject, visited: set[str]) -> tuple[list[str], list[str]]:
    """Route calls (path/re_path/url) in urls modules that no ROOT_URLCONF reaches."""
    unattached, notes = [], []
    for mod in sorted(project.modules.values(), key=lambda m: m.path):
        if mod.name in visited or "urlpatterns" not in mod.assignments:
            continue
        lines = sorted({n.lineno for n in nodes_of(mod.tree, ast.Call)
                        if last_name(n.func) in ("path", "re_path", "url") and n.args and const_str(n.args[0]) is not None})
        if lines:
            unattached += [where(mod.path, ln) for ln in lines]
            notes.append(f"urls module {mod.path} ({len(lines)} route(s)) is not reached from any ROOT_URLCONF: "
                         "its routes are not listed")
    return unattached, notes


def _global_protections(c: UrlWalk) -> dict:
    s = c.settings
    out: dict[str, object] = {}
    mw = s.middleware
    if any(m.endswith("CsrfViewMiddleware") for m in mw):
        out["csrf"] = [f"CsrfViewMiddleware in MIDDLEWARE at {s.where.get('MIDDLEWARE', '')}"]
    if any(m.endswith("LoginRequiredMiddleware") for m in mw):
        out["authentication"] = [f"LoginRequiredMiddleware at {s.where.get('MIDDLEWARE', '')}"]
    for key in ("DEFAULT_PERMISSION_CLASSES", "DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_THROTTLE_CLASSES",
                "DEFAULT_PAGINATION_CLASS"):
        value = s.rest(key) if key != "DEFAULT_PAGINATION_CLASS" else s.rest_str(key)
        if value:
            out[key] = value
    rates = s.rest_dict("DEFAULT_THROTTLE_RATES")
    if rates:
        out["DEFAULT_THROTTLE_RATES"] = rates
    if c.notes:
        out["notes"] = c.notes
    return out
