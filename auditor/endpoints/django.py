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
import re
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of, walk
from auditor.endpoints.common import SAFE_METHODS, join_paths, mark, normalize_path, where
from auditor.endpoints.django_settings import DjangoSettings, module_near, read_projects
from auditor.endpoints.pyast import (PyModule, PyProject, arg, class_attr, class_bases, class_chain, class_method,
                                     const_str, dotted, kwarg, last_name, source_text, str_list)
from auditor.endpoints.pyprotect import (AUTH_DECORATOR, AUTHZ_DECORATOR, ROLE_CHECK, ownership_filter,
                                         repo_auth_decorator, takes_any, validation_in_body)
from auditor.model import Endpoint

ROUTERS = ("DefaultRouter", "SimpleRouter", "ExtendedSimpleRouter", "ExtendedDefaultRouter", "NestedSimpleRouter",
           "NestedDefaultRouter", "OptionalSlashRouter")
VIEWSET_BASES = {"ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
                 "ReadOnlyModelViewSet": ("list", "retrieve"),
                 "ListModelMixin": ("list",), "CreateModelMixin": ("create",), "RetrieveModelMixin": ("retrieve",),
                 "UpdateModelMixin": ("update", "partial_update"), "DestroyModelMixin": ("destroy",)}
VIEWSET_MARKERS = ("ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet", "ViewSetMixin")
ACTION_ROUTES = {"list": ("GET", False), "create": ("POST", False), "retrieve": ("GET", True),
                 "update": ("PUT", True), "partial_update": ("PATCH", True), "destroy": ("DELETE", True)}
DRF_GENERIC_METHODS = {
    "ListAPIView": ("GET",), "CreateAPIView": ("POST",), "RetrieveAPIView": ("GET",), "DestroyAPIView": ("DELETE",),
    "UpdateAPIView": ("PUT", "PATCH"), "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"), "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE")}
DRF_VIEW_MARKERS = ("APIView", "GenericAPIView", *DRF_GENERIC_METHODS, *VIEWSET_MARKERS)
DJANGO_GENERIC_METHODS = {
    "TemplateView": ("GET",), "ListView": ("GET",), "DetailView": ("GET",), "RedirectView": ("GET",),
    "ArchiveIndexView": ("GET",), "FormView": ("GET", "POST"), "CreateView": ("GET", "POST"),
    "UpdateView": ("GET", "POST"), "DeleteView": ("GET", "POST"), "LoginView": ("GET", "POST"),
    "LogoutView": ("POST",), "PasswordChangeView": ("GET", "POST"), "PasswordResetView": ("GET", "POST"),
    "PasswordResetConfirmView": ("GET", "POST")}
HTTP_NAMES = ("get", "post", "put", "patch", "delete")
AUTH_PERMISSIONS = {"IsAuthenticated", "IsAdminUser", "DjangoModelPermissions", "DjangoObjectPermissions",
                    "TokenHasScope", "TokenHasReadWriteScope", "TokenHasResourceScope", "IsAuthenticatedOrTokenHasScope"}
READONLY_ANON_PERMISSIONS = {"IsAuthenticatedOrReadOnly", "DjangoModelPermissionsOrAnonReadOnly"}
AUTHZ_PERMISSIONS = {"IsAdminUser", "DjangoModelPermissions", "DjangoObjectPermissions", "TokenHasScope",
                     "TokenHasReadWriteScope", "TokenHasResourceScope", "DjangoModelPermissionsOrAnonReadOnly"}
AUTH_MIXINS = {"LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin", "AccessMixin"}
AUTHZ_MIXINS = {"PermissionRequiredMixin", "UserPassesTestMixin"}
DRF_DEFAULT_AUTHENTICATION = ["rest_framework.authentication.SessionAuthentication",
                              "rest_framework.authentication.BasicAuthentication"]
REQUEST_INPUT = ("request.POST", "request.GET", "request.body", "request.data", "request.query_params",
                 "request.FILES", "self.request.data", "self.request.query_params", "self.request.GET",
                 "self.request.POST")


@dataclass
class _View:
    """What an urlpattern points at: a function, a class (as_view), or a viewset with an action map."""
    module: PyModule
    func: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    cls: ast.ClassDef | None = None
    cls_module: PyModule | None = None
    actions: dict[str, str] | None = None   # as_view({'get': 'list'})
    name: str = ""


@dataclass
class _Ctx:
    project: PyProject
    settings: DjangoSettings
    routers: dict[tuple[str, str], list[tuple[str, ast.AST, int, bool]]] = field(default_factory=dict)
    trailing: dict[tuple[str, str], bool] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


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
        c = _Ctx(project, settings)
        _find_routers(c)
        if settings.root_urlconf or not any_root:
            roots = [m for m in _root_urlconfs(c) if m.name not in walked_roots]
        else:
            roots = []
            c.notes.append(f"settings {settings.name or settings.modules[:1]} set no ROOT_URLCONF")
        for mod in roots:
            walked_roots.add(mod.name)
            _walk_urlconf(c, mod, "", 0)
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


def _global_protections(c: _Ctx) -> dict:
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


# ---- urlconf walking ----------------------------------------------------------------------------------
def _root_urlconfs(c: _Ctx) -> list[PyModule]:
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


def _patterns_nodes(mod: PyModule) -> list[ast.AST]:
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


def _walk_urlconf(c: _Ctx, mod: PyModule, prefix: str, depth: int) -> None:
    key = f"{mod.name}@{prefix}"
    if key in c.visited or depth > 8:
        return
    c.visited.add(key)
    for node in _patterns_nodes(mod):
        _walk_patterns(c, mod, node, prefix, depth)


def _walk_patterns(c: _Ctx, mod: PyModule, node: ast.AST, prefix: str, depth: int) -> None:
    if isinstance(node, ast.BinOp):
        _walk_patterns(c, mod, node.left, prefix, depth)
        _walk_patterns(c, mod, node.right, prefix, depth)
        return
    if isinstance(node, ast.Call) and node.args and last_name(node.func) not in ("path", "re_path", "url", "include"):
        for a in node.args:
            _walk_patterns(c, mod, a, prefix, depth)
        return
    if isinstance(node, ast.Attribute) and node.attr == "urls":
        _router_routes(c, mod, node.value, prefix)
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
        route = const_str(arg(entry, 0, "route"))
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
                _router_routes(c, mod, view.value, full)
        elif isinstance(view, (ast.List, ast.Tuple)):
            _walk_patterns(c, mod, view, full, depth + 1)
        elif view is not None:
            v = _resolve_view(c, mod, view)
            if v is None:
                ep = Endpoint("ANY", _clean(full), dotted(view) or source_text(view)[:60], mod.path, entry.lineno, "django")
                ep.notes.append("view defined outside the repository or not resolved: protections unknown")
                c.endpoints.append(ep)
            else:
                _view_endpoints(c, v, _clean(full), mod.path, entry.lineno)


def _include(c: _Ctx, mod: PyModule, call: ast.Call, prefix: str, depth: int) -> None:
    target = arg(call, 0)
    if isinstance(target, ast.Tuple) and target.elts:
        target = target.elts[0]
    name = const_str(target)
    if name:
        found = c.project.find_module(name)
        if found is not None:
            _walk_urlconf(c, found, prefix, depth + 1)
        else:
            c.notes.append(f"include({name!r}) at {where(mod.path, call.lineno)}: module not in the repository")
        return
    if isinstance(target, ast.Attribute) and target.attr == "urls":
        if dotted(target) == "admin.site.urls":
            return
        _router_routes(c, mod, target.value, prefix)
        return
    if isinstance(target, (ast.List, ast.Tuple, ast.Name, ast.BinOp)):
        if isinstance(target, ast.Name):
            hit = c.project.resolve(mod, target.id)
            if hit is not None and hit[0] is not mod and hit[1] == "urlpatterns":
                _walk_urlconf(c, hit[0], prefix, depth + 1)
                return
        _walk_patterns(c, mod, target, prefix, depth + 1)


def _clean(path: str) -> str:
    return normalize_path(path)


# ---- routers and viewsets ------------------------------------------------------------------------------
def _find_routers(c: _Ctx) -> None:
    for mod in c.project.modules.values():
        for node in nodes_of(mod.tree, ast.Assign):
            if isinstance(node.value, ast.Call) and last_name(node.value.func) in ROUTERS:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        c.routers[(mod.name, t.id)] = []
                        ts = kwarg(node.value, "trailing_slash")
                        c.trailing[(mod.name, t.id)] = not (isinstance(ts, ast.Constant) and ts.value in (False, ""))
        for call in nodes_of(mod.tree, ast.Call):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "register" and len(call.args) >= 2:
                owner = dotted(call.func.value) or ""
                key = (mod.name, owner)
                if key in c.routers:
                    prefix = const_str(call.args[0])
                    if prefix is not None:
                        c.routers[key].append((prefix, call.args[1], call.lineno, True))


def _router_routes(c: _Ctx, mod: PyModule, router_expr: ast.AST, prefix: str) -> None:
    name = dotted(router_expr) or ""
    key = (mod.name, name)
    if key not in c.routers:
        hit = c.project.resolve(mod, name)
        key = (hit[0].name, hit[1]) if hit else key
    if key not in c.routers:
        c.notes.append(f"router {name!r} used in {mod.path} not found")
        return
    rmod = c.project.modules[key[0]]
    slash = "/" if c.trailing.get(key, True) else ""
    for reg_prefix, viewset_expr, line, _ in c.routers[key]:
        v = _resolve_view(c, rmod, viewset_expr)
        if v is None or v.cls is None:
            ep = Endpoint("ANY", _clean(join_paths(prefix, normalize_path(reg_prefix, "regex")) + slash),
                          dotted(viewset_expr) or "?", rmod.path, line, "drf")
            ep.notes.append("viewset not found in the repository: actions and protections unknown")
            c.endpoints.append(ep)
            continue
        _viewset_endpoints(c, v, join_paths(prefix, normalize_path(reg_prefix, "regex")), slash, rmod.path, line)


def _viewset_actions(c: _Ctx, v: _View) -> list[tuple[str, ast.AST | None]]:
    names: list[str] = []
    for base in class_bases(c.project, v.cls_module, v.cls):
        for action in VIEWSET_BASES.get(base, ()):
            if action not in names:
                names.append(action)
    out = []
    for action in ACTION_ROUTES:
        found = class_method(c.project, v.cls_module, v.cls, action)
        if action in names or found is not None:
            out.append((action, found[2] if found else None))
    return out


def _viewset_endpoints(c: _Ctx, v: _View, base: str, slash: str, reg_file: str, reg_line: int) -> None:
    lookup = class_attr(c.project, v.cls_module, v.cls, "lookup_url_kwarg") or \
        class_attr(c.project, v.cls_module, v.cls, "lookup_field")
    pk = const_str(lookup[1]) if lookup else None
    pk = pk or "pk"
    detail_path = join_paths(base, "{" + pk + "}")
    for action, fn in _viewset_actions(c, v):
        method, detail = ACTION_ROUTES[action]
        path = (detail_path if detail else base) + slash
        line = fn.lineno if fn is not None else v.cls.lineno
        ep = Endpoint(method, _clean(path), f"{v.cls.name}.{action}", v.cls_module.path, line, "drf")
        ep.notes.append(f"route generated by router.register at {where(reg_file, reg_line)}")
        _protect_drf(c, ep, v, fn, action)
        c.endpoints.append(ep)
    for _, cls in class_chain(c.project, v.cls_module, v.cls):
        for fn in cls.body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            dec = next((d for d in fn.decorator_list if isinstance(d, ast.Call) and last_name(d.func) in ("action", "detail_route", "list_route")), None)
            if dec is None:
                continue
            detail_node = kwarg(dec, "detail")
            detail = last_name(dec.func) == "detail_route" or (isinstance(detail_node, ast.Constant) and detail_node.value is True)
            url_path = const_str(kwarg(dec, "url_path")) or fn.name
            methods = [m.upper() for m in (str_list(kwarg(dec, "methods")) or ["get"])]
            for method in methods:
                path = join_paths(detail_path if detail else base, url_path) + slash
                ep = Endpoint(method, _clean(path), f"{v.cls.name}.{fn.name}", v.cls_module.path, dec.lineno, "drf")
                ep.notes.append(f"@action on a viewset registered at {where(reg_file, reg_line)}")
                _protect_drf(c, ep, v, fn, fn.name, dec)
                c.endpoints.append(ep)


# ---- views ---------------------------------------------------------------------------------------------
def _resolve_view(c: _Ctx, mod: PyModule, node: ast.AST) -> _View | None:
    actions = None
    if isinstance(node, ast.Call) and last_name(node.func) == "as_view":
        if node.args and isinstance(node.args[0], ast.Dict):
            actions = {const_str(k): const_str(val) for k, val in zip(node.args[0].keys, node.args[0].values)}
        node = node.func.value
    elif isinstance(node, ast.Call):  # decorator applied in urls.py: login_required(views.x)
        inner = _resolve_view(c, mod, node.args[0]) if node.args else None
        if inner is not None:
            inner.name = f"{last_name(node.func)}({inner.name})"
        return inner
    name = dotted(node)
    if not name:
        return None
    found = c.project.resolve_class(mod, name)
    if found is not None:
        return _View(mod, cls=found[1], cls_module=found[0], actions=actions, name=found[1].name)
    fn = c.project.resolve_function(mod, name)
    if fn is not None:
        return _View(fn[0], func=fn[1], name=fn[1].name)
    return None


def _is_drf_class(c: _Ctx, v: _View) -> bool:
    """A DRF view: a known DRF base, or a base imported from a rest_framework* package (drf-jwt, ...)."""
    if any(b in DRF_VIEW_MARKERS for b in class_bases(c.project, v.cls_module, v.cls)):
        return True
    for mod, cls in class_chain(c.project, v.cls_module, v.cls):
        for base in cls.bases:
            origin = mod.imports.get((dotted(base) or "").split(".")[0], "")
            if origin.startswith("rest_framework"):
                return True
    return False


def _view_endpoints(c: _Ctx, v: _View, path: str, url_file: str, url_line: int) -> None:
    if v.cls is not None:
        bases = class_bases(c.project, v.cls_module, v.cls)
        if v.actions:
            for method, action in v.actions.items():
                if not method or not action:
                    continue
                found = class_method(c.project, v.cls_module, v.cls, action)
                fn = found[2] if found else None
                ep = Endpoint(method.upper(), path, f"{v.cls.name}.{action}", v.cls_module.path,
                              fn.lineno if fn else v.cls.lineno, "drf")
                _protect_drf(c, ep, v, fn, action)
                c.endpoints.append(ep)
            return
        methods: list[tuple[str, ast.AST | None]] = []
        for name in HTTP_NAMES:
            found = class_method(c.project, v.cls_module, v.cls, name)
            if found is not None:
                methods.append((name.upper(), found[2]))
        for base in bases:
            for m in DRF_GENERIC_METHODS.get(base, ()) + DJANGO_GENERIC_METHODS.get(base, ()):
                if m not in [x[0] for x in methods]:
                    methods.append((m, None))
        drf = _is_drf_class(c, v)
        for method, fn in methods or [("ANY", None)]:
            handler = f"{v.cls.name}.{method.lower()}" if method != "ANY" else v.cls.name
            ep = Endpoint(method, path, handler, v.cls_module.path, fn.lineno if fn is not None else v.cls.lineno,
                          "drf" if drf else "django")
            if drf:
                _protect_drf(c, ep, v, fn, method.lower())
            else:
                _protect_django(c, ep, v, fn)
            c.endpoints.append(ep)
        return
    fn = v.func
    decorators = {last_name(d): d for d in fn.decorator_list}
    drf = "api_view" in decorators
    methods = _function_methods(fn, decorators)
    for method in methods:
        ep = Endpoint(method, path, fn.name, v.module.path, fn.lineno, "drf" if drf else "django")
        if drf:
            _protect_drf(c, ep, v, fn, method.lower())
        else:
            _protect_django(c, ep, v, fn)
        c.endpoints.append(ep)


def _function_methods(fn, decorators: dict[str, ast.AST]) -> list[str]:
    for name in ("api_view", "require_http_methods"):
        d = decorators.get(name)
        if isinstance(d, ast.Call):
            methods = str_list(arg(d, 0))
            if methods:
                return [m.upper() for m in methods]
        elif d is not None and name == "api_view":
            return ["GET"]
    if "require_POST" in decorators:
        return ["POST"]
    if "require_GET" in decorators or "require_safe" in decorators:
        return ["GET"]
    # if request.method != "POST": return ... ; if request.method == "POST": ... (else: GET)
    only: list[str] = []
    seen: list[str] = []
    for node in nodes_of(fn, ast.Compare):
        if dotted(node.left) == "request.method" and len(node.ops) == 1:
            values = str_list(node.comparators[0]) or []
            if isinstance(node.ops[0], (ast.NotEq, ast.NotIn)):
                only += values
            elif isinstance(node.ops[0], (ast.Eq, ast.In)):
                seen += values
    if only:
        return sorted({m.upper() for m in only})
    if seen:
        return sorted({m.upper() for m in seen} | {"GET"})
    return ["ANY"]


# ---- protections ---------------------------------------------------------------------------------------
def _perm_names(node: ast.AST | None) -> list[str] | None:
    if node is None:
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for e in node.elts:
            names = [n for n in (last_name(x) for x in walk(e) if isinstance(x, (ast.Name, ast.Attribute))) if n[:1].isupper()]
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.BitOr):
                out.append("|".join(dict.fromkeys(names)))
            elif names:
                out.append(names[0] if not isinstance(e, ast.BinOp) else "&".join(dict.fromkeys(names)))
        return out
    return None


def _classify_permission(c: _Ctx, v: _View, name: str, method: str) -> tuple[bool | None, bool]:
    """(authenticates, authorises) for one permission class name ('A|B' means either suffices)."""
    if "|" in name:
        parts = [_classify_permission(c, v, p, method) for p in name.split("|")]
        auth = all(p[0] for p in parts) if all(p[0] is not None for p in parts) else None
        return auth, all(p[1] for p in parts)
    if "&" in name:
        parts = [_classify_permission(c, v, p, method) for p in name.split("&")]
        return any(p[0] for p in parts) or None, any(p[1] for p in parts)
    if name == "AllowAny":
        return False, False
    if name in AUTH_PERMISSIONS:
        return True, name in AUTHZ_PERMISSIONS
    if name in READONLY_ANON_PERMISSIONS:
        return (method not in SAFE_METHODS), name in AUTHZ_PERMISSIONS
    found = c.project.resolve_class(v.cls_module or v.module, name)
    if found is not None:
        text = source_text(found[1])
        auth = "is_authenticated" in text or any(b in AUTH_PERMISSIONS for b in class_bases(c.project, *found))
        authz = "has_object_permission" in text or bool(ROLE_CHECK.search(text)) or \
            any(w in text for w in ("request.user ==", "== request.user", ".owner", ".user_id", ".author"))
        if "SAFE_METHODS" in text and method in SAFE_METHODS:
            return (auth if "is_authenticated" in text.split("SAFE_METHODS")[0] else False), authz
        return auth, authz
    if "Authenticated" in name:
        return True, False
    return None, any(w in name for w in ("Admin", "Staff", "Permission", "Owner", "Role", "Scope"))


def _class_list(c: _Ctx, v: _View, attr: str, fn, dec: ast.Call | None, decorator: str):
    """A DRF per-view list setting: @action kwarg, function decorator, class attribute. (names, where)."""
    if dec is not None and kwarg(dec, attr) is not None:
        return _perm_names(kwarg(dec, attr)), where((v.cls_module or v.module).path, dec.lineno)
    if fn is not None:
        for d in fn.decorator_list:
            if isinstance(d, ast.Call) and last_name(d.func) == decorator and d.args:
                return _perm_names(d.args[0]), where(v.module.path, d.lineno)
    if v.cls is not None:
        found = class_attr(c.project, v.cls_module, v.cls, attr)
        if found is not None:
            return _perm_names(found[1]), where(found[0].path, found[2])
    return None, None


def _protect_drf(c: _Ctx, ep: Endpoint, v: _View, fn, action: str, dec: ast.Call | None = None) -> None:
    s = c.settings
    method = ep.method
    # authentication and permission-based authorisation
    perms, perm_at = _class_list(c, v, "permission_classes", fn, dec, "permission_classes")
    if perms is None:
        perms = [p.rsplit(".", 1)[-1] for p in (s.rest("DEFAULT_PERMISSION_CLASSES") or [])]
        perm_at = f"DEFAULT_PERMISSION_CLASSES at {s.rest_where()}" if perms else None
    if not perms:  # an empty list, on the view or in the settings, checks nothing: the same as AllowAny
        perms, perm_at = ["AllowAny"], perm_at or "DRF default (AllowAny: no DEFAULT_PERMISSION_CLASSES)"
    dynamic = v.cls is not None and class_method(c.project, v.cls_module, v.cls, "get_permissions") is not None
    results = [_classify_permission(c, v, p, method) for p in perms]
    auth = True if any(r[0] for r in results) else (None if any(r[0] is None for r in results) else False)
    label = f"permission_classes {perms} ({perm_at})" if not perm_at or not perm_at.startswith(("DEFAULT", "DRF")) \
        else f"{perms} from {perm_at}"
    if dynamic and not auth:
        ep.authenticated = None
        ep.notes.append("authenticated: get_permissions() decides at run time")
    elif auth:
        mark(ep, "authenticated", True, label)
    elif auth is None:
        ep.authenticated = None
        ep.notes.append(f"authenticated: unknown permission class in {perms}")
    else:
        mark(ep, "authenticated", False, label)
        if perm_at and not perm_at.startswith(("DEFAULT", "DRF")):
            ep.protections.setdefault("public", []).append(f"declared public: {label}")
    authz_sources = [label] if any(r[1] for r in results) else []
    if v.cls is not None:
        for attr in ("get_queryset", "get_object"):
            found = class_method(c.project, v.cls_module, v.cls, attr)
            if found is not None:
                own = ownership_filter(found[2])
                if own:
                    authz_sources.append(f"{attr} filtered by the current user: `{own}` at {where(found[0].path, found[2].lineno)}")
                    break
    if fn is not None and not authz_sources:
        own = ownership_filter(fn)
        role = ROLE_CHECK.search(source_text(fn))
        if own:
            authz_sources.append(f"ownership filter `{own}` in {ep.handler}")
        elif role:
            authz_sources.append(f"role check `{role.group(0)}` in {ep.handler}")
    if authz_sources:
        mark(ep, "authorized", True, authz_sources[0])
    else:
        mark(ep, "authorized", False, "no object/role permission class and no queryset filtered by request.user")

    # CSRF: APIView is csrf_exempt; SessionAuthentication enforces CSRF for cookie-authenticated requests
    if method in SAFE_METHODS:
        ep.csrf_applies = False
    else:
        authn, authn_at = _class_list(c, v, "authentication_classes", fn, dec, "authentication_classes")
        if authn is None:
            configured = s.rest("DEFAULT_AUTHENTICATION_CLASSES")  # [] means none, None means DRF's default
            authn = [a.rsplit(".", 1)[-1] for a in (DRF_DEFAULT_AUTHENTICATION if configured is None else configured)]
        session = [a for a in authn if "Session" in a]
        if not session:
            ep.csrf_applies = False
            ep.notes.append(f"csrf: not applicable, no session authentication ({authn or 'authentication_classes = []'})")
        else:
            ep.csrf_applies = True
            custom = c.project.resolve_class(v.cls_module or v.module, session[0])
            disabled = custom is not None and any(
                isinstance(f, ast.FunctionDef) and f.name == "enforce_csrf" and
                all(isinstance(b, (ast.Pass, ast.Return, ast.Expr)) and not isinstance(getattr(b, "value", None), ast.Call)
                    for b in f.body) for f in custom[1].body)
            if disabled:
                mark(ep, "csrf_protected", False, f"{session[0]} disables enforce_csrf")
            else:
                mark(ep, "csrf_protected", True, f"{session[0]} enforces CSRF (DRF)")

    # rate limiting
    throttles, thr_at = _class_list(c, v, "throttle_classes", fn, dec, "throttle_classes")
    if throttles is None:
        throttles = [t.rsplit(".", 1)[-1] for t in (s.rest("DEFAULT_THROTTLE_CLASSES") or [])]
        thr_at = f"DEFAULT_THROTTLE_CLASSES at {s.rest_where()}"
    rates = s.rest_dict("DEFAULT_THROTTLE_RATES") or {}
    scope_attr = class_attr(c.project, v.cls_module, v.cls, "throttle_scope") if v.cls is not None else None
    scope = const_str(scope_attr[1]) if scope_attr else None
    effective = []
    for t in throttles:
        if t == "AnonRateThrottle" and rates.get("anon"):
            effective.append(f"AnonRateThrottle {rates['anon']}")
        elif t == "UserRateThrottle" and rates.get("user"):
            effective.append(f"UserRateThrottle {rates['user']}")
        elif t == "ScopedRateThrottle":
            if scope and rates.get(scope):
                effective.insert(0, f"ScopedRateThrottle scope {scope!r} {rates[scope]}")
        elif t not in ("AnonRateThrottle", "UserRateThrottle"):
            effective.append(t)
    ratelimit = _ratelimit_decorator(v, fn)
    if ratelimit:
        mark(ep, "rate_limited", True, ratelimit)
    elif effective:
        mark(ep, "rate_limited", True, f"{effective[0]} ({thr_at})")
    else:
        mark(ep, "rate_limited", False, "no DRF throttle with a rate, no @ratelimit")

    # input validation
    reads = takes_any(fn, REQUEST_INPUT) if fn is not None else []
    in_body = validation_in_body(fn) if fn is not None else None
    serializer = class_attr(c.project, v.cls_module, v.cls, "serializer_class") if v.cls is not None else None
    get_ser = v.cls is not None and class_method(c.project, v.cls_module, v.cls, "get_serializer_class") is not None
    generated = fn is None or action in ACTION_ROUTES and fn is not None and "super()" in source_text(fn)
    if in_body:
        mark(ep, "input_validated", True, f"`{in_body}` in {ep.handler}")
    elif generated and method in ("POST", "PUT", "PATCH") and (serializer or get_ser):
        what = source_text(serializer[1]) if serializer else "get_serializer_class()"
        mark(ep, "input_validated", True, f"serializer {what} ({ep.handler})")
    elif reads:
        mark(ep, "input_validated", False, f"reads {reads[0]} without a serializer")
    elif method in ("POST", "PUT", "PATCH") and fn is None:
        mark(ep, "input_validated", False, "no serializer_class for a write action")
    else:
        ep.notes.append("input: reads no request data beyond the URL")

    if action == "get" and not ep.path.rstrip("/").endswith("}"):
        generic_list = fn is None and v.cls is not None and any(
            b in ("ListAPIView", "ListCreateAPIView") for b in class_bases(c.project, v.cls_module, v.cls))
        if generic_list:
            action = "list"
        elif fn is not None:
            _list_in_body(ep, fn, v)
    if action == "list":
        pag = class_attr(c.project, v.cls_module, v.cls, "pagination_class") if v.cls is not None else None
        if pag is not None:
            ep.paginated = not (isinstance(pag[1], ast.Constant) and pag[1].value is None)
            if ep.paginated:
                ep.protections.setdefault("paginated", []).append(f"pagination_class at {where(pag[0].path, pag[2])}")
        elif s.rest_str("DEFAULT_PAGINATION_CLASS"):
            ep.paginated = True
            ep.protections.setdefault("paginated", []).append(
                f"DEFAULT_PAGINATION_CLASS {s.rest_str('DEFAULT_PAGINATION_CLASS')} at {s.rest_where()}")
        else:
            ep.paginated = False


PAGINATOR_CALLS = ("paginate_queryset", "get_paginated_response", "paginate", "Paginator", "get_page", "page")
JSON_RESPONSES = ("JsonResponse", "Response", "JSONResponse")


def _list_in_body(ep: Endpoint, fn, v: _View) -> None:
    """A GET handler written by hand that returns a collection: it calls a paginator (paginated), or builds
    a JSON response from a whole queryset (`for u in M.objects.all()`, `many=True`, `list(qs)`: not paginated).
    Template pages that list objects are left alone (API-PAGINATION is about API lists)."""
    calls = [n for n in walk(fn) if isinstance(n, ast.Call)]
    names = {last_name(n.func) for n in calls}
    paginator = next((n for n in calls if last_name(n.func) in PAGINATOR_CALLS and
                      (last_name(n.func) not in ("page", "get_page") or "Paginator" in names)), None)
    pagination_class = v.cls is not None and any(
        isinstance(b, ast.ClassDef) and any((dotted(x) or "").endswith("Pagination") for x in b.bases) for b in v.cls.body)
    if paginator is not None:
        ep.paginated = True
        ep.protections.setdefault("paginated", []).append(
            f"{last_name(paginator.func)}() in {ep.handler}" + (" (view's own Pagination class)" if pagination_class else ""))
        return
    if not names & set(JSON_RESPONSES):
        return
    text = source_text(fn)
    whole = [n for n in calls if last_name(n.func) in ("all", "filter", "values", "values_list", "exclude", "order_by")
             and ".objects." in source_text(n) + "."]
    if not whole or re.search(r"\[\s*:?\s*\d+\s*\]|\.first\(\)|\.objects\.get\(|get_object_or_404|\.count\(\)|"
                              r"\.exists\(\)", text):
        return
    iterated = any(isinstance(n, (ast.For, ast.comprehension)) and any(m in walk(n.iter) for m in whole)
                   for n in walk(fn))
    if iterated or "many=True" in text or "safe=False" in text or re.search(r"\blist\(\s*\w+\.objects", text):
        ep.paginated = False


def _ratelimit_decorator(v: _View, fn) -> str | None:
    decs = list(fn.decorator_list) if fn is not None else []
    if v.cls is not None:
        decs += v.cls.decorator_list
    for d in decs:
        text = source_text(d)
        if "ratelimit" in text.lower():
            return f"@{text[:60]} at {where((v.cls_module or v.module).path, d.lineno)}"
    return None


def _protect_django(c: _Ctx, ep: Endpoint, v: _View, fn) -> None:
    mod = v.cls_module or v.module
    decs = list(fn.decorator_list) if fn is not None else []
    bases: list[str] = []
    if v.cls is not None:
        decs += v.cls.decorator_list
        bases = class_bases(c.project, v.cls_module, v.cls)
        for name in HTTP_NAMES + ("dispatch",):
            found = class_method(c.project, v.cls_module, v.cls, name)
            if found is not None and name == "dispatch":
                decs += found[2].decorator_list
    texts = [(source_text(d), d.lineno) for d in decs]
    if v.name.startswith(("login_required(", "permission_required(", "staff_member_required(")):
        texts.append((v.name, None))
    mw = c.settings.middleware
    auth = [t for t, _ in texts if AUTH_DECORATOR.search(last_name(ast.parse(t, mode="eval").body) if _parses(t) else t)
            or "login_required" in t]
    mixins = [b for b in bases if b in AUTH_MIXINS]
    custom = next((found for found in (repo_auth_decorator(c.project, mod, d) for d in decs) if found), None)
    if auth:
        mark(ep, "authenticated", True, f"@{auth[0][:60]} ({mod.path})")
    elif custom:
        mark(ep, "authenticated", True, custom)
    elif mixins:
        mark(ep, "authenticated", True, f"{mixins[0]} on {v.name}")
    elif any(m.endswith("LoginRequiredMiddleware") for m in mw) and not any("login_not_required" in t for t, _ in texts):
        mark(ep, "authenticated", True, f"LoginRequiredMiddleware ({c.settings.where.get('MIDDLEWARE')})")
    else:
        mark(ep, "authenticated", False, "no login_required, auth mixin or LoginRequiredMiddleware")

    authz = [t for t, _ in texts if AUTHZ_DECORATOR.search(t)]
    authz_mixins = [b for b in bases if b in AUTHZ_MIXINS]
    body = fn if fn is not None else v.cls
    own = ownership_filter(body) if body is not None else None
    role = ROLE_CHECK.search(source_text(body)) if body is not None else None
    if authz or authz_mixins:
        mark(ep, "authorized", True, (authz or authz_mixins)[0][:80])
    elif own:
        mark(ep, "authorized", True, f"ownership filter `{own}` in {ep.handler}")
    elif role:
        mark(ep, "authorized", True, f"role check `{role.group(0)}` in {ep.handler}")
    else:
        mark(ep, "authorized", False, "no permission decorator/mixin, role check or query filtered by request.user")

    exempt = [(t, ln) for t, ln in texts if "csrf_exempt" in t]
    protect = [(t, ln) for t, ln in texts if "csrf_protect" in t]
    if ep.method in SAFE_METHODS:
        ep.csrf_applies = False
    else:
        ep.csrf_applies = True
        if exempt:
            mark(ep, "csrf_protected", False, f"@csrf_exempt at {where(mod.path, exempt[0][1])}")
        elif protect:
            mark(ep, "csrf_protected", True, f"@csrf_protect at {where(mod.path, protect[0][1])}")
        elif any(m.endswith("CsrfViewMiddleware") for m in mw):
            mark(ep, "csrf_protected", True, f"CsrfViewMiddleware ({c.settings.where.get('MIDDLEWARE')})")
        else:
            mark(ep, "csrf_protected", False, "CsrfViewMiddleware is not in MIDDLEWARE")

    rl = _ratelimit_decorator(v, fn)
    if rl:
        mark(ep, "rate_limited", True, rl)
    else:
        mark(ep, "rate_limited", False, "no @ratelimit (django-ratelimit)")

    if body is None:
        return
    if fn is not None and ep.method in ("GET", "ANY") and not ep.path.rstrip("/").endswith("}"):
        _list_in_body(ep, fn, v)
    reads = takes_any(body, REQUEST_INPUT) + (["json.loads(request.body)"] if "request.body" in source_text(body) else [])
    form = validation_in_body(body)
    form_view = [b for b in bases if b in ("FormView", "CreateView", "UpdateView")]
    if form or (form_view and ep.method == "POST"):
        mark(ep, "input_validated", True, f"`{form}` in {ep.handler}" if form else f"{form_view[0]} form")
    elif reads:
        mark(ep, "input_validated", False, f"reads {reads[0]} without a form or serializer")
    else:
        ep.notes.append("input: reads no request data beyond the URL")


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
        return True
    except SyntaxError:
        return False
