"""View resolution: what an urlpattern's view expression points at, and the HTTP methods it answers."""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
from auditor.endpoints.django.drf import protect_drf
from auditor.endpoints.django.model import (
    DJANGO_GENERIC_METHODS,
    DRF_GENERIC_METHODS,
    DRF_VIEW_MARKERS,
    HTTP_NAMES,
    UrlWalk,
    View,
)
from auditor.endpoints.django.plain import protect_django
from auditor.endpoints.pyast import (
    PyModule,
    arg,
    class_bases,
    class_chain,
    class_method,
    const_str,
    dotted,
    last_name,
    str_list,
)
from auditor.model import Endpoint


def resolve_view(c: UrlWalk, mod: PyModule, node: ast.AST) -> View | None:
    actions = None
    if isinstance(node, ast.Call) and last_name(node.func) == "as_view":
        if node.args and isinstance(node.args[0], ast.Dict):
            actions = {const_str(k): const_str(val) for k, val in zip(node.args[0].keys, node.args[0].values)}
        node = node.func.value
    elif isinstance(node, ast.Call):  # decorator applied in urls.py: login_required(views.x)
        inner = resolve_view(c, mod, node.args[0]) if node.args else None
        if inner is not None:
            inner.name = f"{last_name(node.func)}({inner.name})"
        return inner
    name = dotted(node)
    if not name:
        return None
    found = c.project.resolve_class(mod, name)
    if found is not None:
        return View(mod, cls=found[1], cls_module=found[0], actions=actions, name=found[1].name)
    fn = c.project.resolve_function(mod, name)
    if fn is not None:
        return View(fn[0], func=fn[1], name=fn[1].name)
    return None


def is_drf_class(c: UrlWalk, v: View) -> bool:
    """A DRF view: a known DRF base, or a base imported from a rest_framework* package (drf-jwt, ...)."""
    if any(b in DRF_VIEW_MARKERS for b in class_bases(c.project, v.cls_module, v.cls)):
        return True
    for mod, cls in class_chain(c.project, v.cls_module, v.cls):
        for base in cls.bases:
            origin = mod.imports.get((dotted(base) or "").split(".")[0], "")
            if origin.startswith("rest_framework"):
                return True
    return False


def view_endpoints(c: UrlWalk, v: View, path: str, url_file: str, url_line: int) -> None:
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
                protect_drf(c, ep, v, fn, action)
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
        drf = is_drf_class(c, v)
        for method, fn in methods or [("ANY", None)]:
            handler = f"{v.cls.name}.{method.lower()}" if method != "ANY" else v.cls.name
            ep = Endpoint(method, path, handler, v.cls_module.path, fn.lineno if fn is not None else v.cls.lineno,
                          "drf" if drf else "django")
            if drf:
                protect_drf(c, ep, v, fn, method.lower())
            else:
                protect_django(c, ep, v, fn)
            c.endpoints.append(ep)
        return
    fn = v.func
    decorators = {last_name(d): d for d in fn.decorator_list}
    drf = "api_view" in decorators
    methods = _function_methods(fn, decorators)
    for method in methods:
        ep = Endpoint(method, path, fn.name, v.module.path, fn.lineno, "drf" if drf else "django")
        if drf:
            protect_drf(c, ep, v, fn, method.lower())
        else:
            protect_django(c, ep, v, fn)
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
