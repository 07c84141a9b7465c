"""URL configuration: ROOT_URLCONF, urlpatterns (path/re_path/url), include() of modules and inline lists."""
from __future__ import annotations

import ast

from auditor.astwalk import walk
from auditor.endpoints.common import UNRESOLVED, join_paths, normalize_path, where
from auditor.endpoints.django.contrib_auth import (
    AUTH_URLS_MODULE,
    AUTH_VIEWS,
    AUTH_VIEWS_MODULE,
    auth_urls_endpoints,
    auth_view_endpoints,
)
from auditor.endpoints.django.model import LIBRARY_READ_VIEWS, UrlWalk, View, clean_route
from auditor.endpoints.django.routers import router_routes
from auditor.endpoints.django.views import resolve_view, view_endpoints
from auditor.endpoints.django_settings import module_near
from auditor.endpoints.pyast import PyModule, arg, const_str, dotted, last_name, literal_str, source_text
from auditor.model import Endpoint


def root_urlconfs(c: UrlWalk) -> list[PyModule]:
    name = c.settings.root_urlconf
    if name:
        where_set = c.settings.where.get("ROOT_URLCONF", "").rsplit(":", 1)[0]
        mod = module_near(c.project, name, where_set) if where_set else c.project.find_module(name)
        if mod is not None:
            return [mod]
        c.notes.append(f"ROOT_URLCONF {name!r} not found in the repository")
    # no settings: every urls module that no other urls module includes
    urlmods = [m for m in c.project.modules.values() if "urlpatterns" in m.assignments]
    included = set()
    for m in urlmods:
        for call in (n for n in walk(m.tree) if isinstance(n, ast.Call) and last_name(n.func) == "include"):
            target = const_str(arg(call, 0))
            if target:
                found = c.project.find_module(target)
                if found:
                    included.add(found.name)
    return [m for m in urlmods if m.name not in included]


def patterns_nodes(mod: PyModule) -> list[ast.AST]:
    """Every expression that feeds `urlpatterns` in a module (=, +=, .append/.extend)."""
    out: list[ast.AST] = []
    for node in mod.tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in node.targets):
            if any(isinstance(n, ast.Name) and n.id == "urlpatterns" for n in walk(node.value)):
                # urlpatterns = wrapper(urlpatterns) / urlpatterns + [...]: keeps the earlier patterns
                out.append(node.value)
            else:
                out = [node.value]
        elif isinstance(node, (ast.AugAssign,)) and isinstance(node.target, ast.Name) and node.target.id == "urlpatterns":
            out.append(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                dotted(node.value.func) in ("urlpatterns.append", "urlpatterns.extend") and node.value.args:
            value = node.value.args[0]
            out.append(ast.List([value], ast.Load()) if dotted(node.value.func).endswith("append") else value)
        elif isinstance(node, ast.If):  # if settings.DEBUG: urlpatterns += [...]
            for sub in node.body:
                if isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name) and sub.target.id == "urlpatterns":
                    out.append(sub.value)
    return out


def walk_urlconf(c: UrlWalk, mod: PyModule, prefix: str, depth: int) -> None:
    key = f"{mod.name}@{prefix}"
    if key in c.visited or depth > 8:
        return
    c.visited.add(key)
    for node in patterns_nodes(mod):
        _walk_patterns(c, mod, node, prefix, depth)


def _walk_patterns(c: UrlWalk, mod: PyModule, node: ast.AST, prefix: str, depth: int) -> None:
    if isinstance(node, ast.BinOp):
        _walk_patterns(c, mod, node.left, prefix, depth)
        _walk_patterns(c, mod, node.right, prefix, depth)
        return
    if isinstance(node, ast.Call) and last_name(node.func) == "patterns" and node.args:
        # Django < 1.10: patterns("app.views", url(r"^$", "index"), ...): string views under a module prefix
        before = c.view_prefix
        c.view_prefix = const_str(node.args[0]) or ""
        _walk_patterns(c, mod, ast.List(list(node.args[1:]), ast.Load()), prefix, depth)
        c.view_prefix = before
        return
    if isinstance(node, ast.Call) and node.args and last_name(node.func) not in ("path", "re_path", "url", "include"):
        for a in node.args:
            _walk_patterns(c, mod, a, prefix, depth)
        return
    if isinstance(node, ast.Attribute) and node.attr == "urls":
        router_routes(c, mod, node.value, prefix)
        return
    if isinstance(node, ast.Name) and node.id != "urlpatterns":
        value = mod.assignments.get(node.id)
        if value is not None:
            _walk_patterns(c, mod, value, prefix, depth)
        return
    if not isinstance(node, (ast.List, ast.Tuple)):
        return
    for entry in node.elts:
        if isinstance(entry, ast.Starred):
            _walk_patterns(c, mod, entry.value, prefix, depth)
            continue
        if not isinstance(entry, ast.Call):
            continue
        fname = last_name(entry.func)
        if fname not in ("path", "re_path", "url"):
            continue
        route = _route_text(c, mod, arg(entry, 0, "route"))
        if route is None:
            continue
        style = "regex" if fname in ("re_path", "url") else ""
        full = join_paths(prefix, normalize_path(route, style) if route else "")
        view = arg(entry, 1, "view")
        if isinstance(view, ast.Call) and last_name(view.func) == "include":
            _include(c, mod, view, full, depth)
        elif isinstance(view, ast.Attribute) and view.attr == "urls":
            if dotted(view) == "admin.site.urls":
                c.notes.append(f"Django admin at {full} ({where(mod.path, entry.lineno)}): staff login required, not listed")
            else:
                router_routes(c, mod, view.value, full)
        elif isinstance(view, (ast.List, ast.Tuple)):
            _walk_patterns(c, mod, view, full, depth + 1)
        elif view is not None:
            v = resolve_view(c, mod, view) if const_str(view) is None else _string_view(c, const_str(view) or "")
            contrib = _contrib_auth_view(c, mod, view)
            if contrib:
                c.endpoints += auth_view_endpoints(c, contrib, clean_route(full), mod.path, entry.lineno)
            elif v is None:
                ep = _outside_view(view, clean_route(full), mod.path, entry.lineno)
                library = _read_only_library_view(mod, view)
                if library:
                    # authentication stays unknown; what is known is that it changes nothing and reads no input
                    ep.csrf_applies = False
                    ep.notes.append(f"csrf: not applicable, {library} only answers reads")
                    ep.notes.append(f"input: reads no request data ({library})")
                c.endpoints.append(ep)
            else:
                view_endpoints(c, v, clean_route(full), mod.path, entry.lineno)


# views of installed packages that serve a fixed document (an OpenAPI schema, its Swagger/ReDoc page, a URL map
# or translation catalog for scripts): they answer GET, change nothing and read no request data
READ_ONLY_LIBRARY_VIEWS = ("drf_spectacular.views.", "django_js_reverse.views.", "django.views.i18n.JavaScriptCatalog",
                           "django.views.i18n.JSONCatalog")


def _read_only_library_view(mod: PyModule, view: ast.AST) -> str | None:
    """The package view `view` names when it is one of READ_ONLY_LIBRARY_VIEWS (`SpectacularAPIView.as_view()`,
    `django_js_reverse.views.urls_js`), else None."""
    node = view.func.value if isinstance(view, ast.Call) and last_name(view.func) == "as_view" else view
    name = dotted(node) or ""
    head, _, rest = name.partition(".")
    origin = mod.imports.get(head, head) if head else ""
    full = f"{origin}.{rest}" if rest else origin
    return full if full.startswith(READ_ONLY_LIBRARY_VIEWS) else None


def _outside_view(view: ast.AST, path: str, file: str, line: int) -> Endpoint:
    """A view the repository does not define. A library view that only answers reads (the API schema and its
    documentation pages, a template or redirect view: LIBRARY_READ_VIEWS) is a GET that changes nothing; any
    other is an endpoint of every method whose protections are unknown."""
    call = view.func if isinstance(view, ast.Call) else None
    maker = last_name(call.value) if isinstance(call, ast.Attribute) and call.attr == "as_view" else \
        last_name(call) if call is not None else None
    handler = dotted(view) or source_text(view)[:60]
    if maker in LIBRARY_READ_VIEWS:
        ep = Endpoint("GET", path, handler, file, line, "django")
        ep.csrf_applies = False
        ep.notes.append(f"library view ({LIBRARY_READ_VIEWS[maker]} {maker}): answers reads only")
        return ep
    ep = Endpoint("ANY", path, handler, file, line, "django")
    ep.notes.append("view defined outside the repository or not resolved: protections unknown")
    return ep


def _route_text(c: UrlWalk, mod: PyModule, node: ast.AST | None) -> str | None:
    """A route string known without running code (a literal, a module constant, an f-string of constants);
    the parts computed at run time become the visible wildcard `{?}` (`path(f"{prefix}admin/", ...)`)."""
    if node is None:
        return None
    value = literal_str(c.project, mod, node)
    if value is not None:
        return value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            else:
                inner = literal_str(c.project, mod, v.value) if isinstance(v, ast.FormattedValue) else None
                parts.append(inner if inner is not None else UNRESOLVED)
        return "".join(parts)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return UNRESOLVED + "/"
    return None


def _string_view(c: UrlWalk, name: str) -> View | None:
    """A view named by its dotted path ('app.views.index'), under the patterns() prefix when there is one."""
    full = f"{c.view_prefix}.{name}" if c.view_prefix else name
    module, _, attr = full.rpartition(".")
    found = c.project.find_module(module) if module else None
    if found is None:
        return None
    if attr in found.functions:
        return View(found, func=found.functions[attr], name=attr)
    if attr in found.classes:
        return View(found, cls=found.classes[attr], cls_module=found, name=attr)
    return None


def _contrib_auth_view(c: UrlWalk, mod: PyModule, view: ast.AST) -> str | None:
    """The name of the django.contrib.auth view an urlpattern points at (`auth_views.LoginView.as_view()`,
    `LoginView.as_view(template_name=...)`, 'django.contrib.auth.views.login'), or None."""
    node = view.func.value if isinstance(view, ast.Call) and last_name(view.func) == "as_view" else view
    text = const_str(node)
    if text is None:
        name = dotted(node) or ""
        head, _, rest = name.partition(".")
        text = f"{mod.imports[head]}.{rest}" if head in mod.imports and rest else mod.imports.get(head, name)
    module, _, attr = text.rpartition(".")
    if module == AUTH_VIEWS_MODULE and attr in AUTH_VIEWS:
        return attr
    return None


def _include(c: UrlWalk, mod: PyModule, call: ast.Call, prefix: str, depth: int) -> None:
    target = arg(call, 0)
    if isinstance(target, ast.Tuple) and target.elts:
        target = target.elts[0]
    name = const_str(target)
    if name == AUTH_URLS_MODULE:
        c.endpoints += auth_urls_endpoints(c, prefix, mod.path, call.lineno)
        return
    if name:
        found = c.project.find_module(name)
        if found is not None:
            walk_urlconf(c, found, prefix, depth + 1)
        else:
            c.notes.append(f"include({name!r}) at {where(mod.path, call.lineno)}: module not in the repository")
        return
    if isinstance(target, ast.Attribute) and target.attr == "urls":
        if dotted(target) == "admin.site.urls":
            return
        router_routes(c, mod, target.value, prefix)
        return
    if isinstance(target, (ast.List, ast.Tuple, ast.Name, ast.BinOp)):
        if isinstance(target, ast.Name):
            hit = c.project.resolve(mod, target.id)
            if hit is not None and hit[0] is not mod and hit[1] == "urlpatterns":
                walk_urlconf(c, hit[0], prefix, depth + 1)
                return
        _walk_patterns(c, mod, target, prefix, depth + 1)
