"""DRF routers and the routes they generate for each viewset (list/create/retrieve/update/destroy, @action)."""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
from auditor.endpoints.common import join_paths, normalize_path, where
from auditor.endpoints.django.drf import protect_drf
from auditor.endpoints.django.model import ACTION_ROUTES, ROUTERS, VIEWSET_BASES, UrlWalk, View, clean_route
from auditor.endpoints.django.views import resolve_view
from auditor.endpoints.pyast import (
    PyModule,
    class_attr,
    class_bases,
    class_chain,
    class_method,
    const_str,
    dotted,
    kwarg,
    last_name,
    str_list,
)
from auditor.model import Endpoint


def find_routers(c: UrlWalk) -> None:
    for mod in c.project.modules.values():
        for node in nodes_of(mod.tree, ast.Assign):
            if isinstance(node.value, ast.Call) and last_name(node.value.func) in ROUTERS:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        c.routers[(mod.name, t.id)] = []
                        ts = kwarg(node.value, "trailing_slash")
                        c.trailing[(mod.name, t.id)] = not (isinstance(ts, ast.Constant) and ts.value in (False, ""))
        looped = _registered_in_loops(c, mod)
        for call in nodes_of(mod.tree, ast.Call):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "register" and len(call.args) >= 2:
                owner = dotted(call.func.value) or ""
                key = (mod.name, owner)
                if key in c.routers:
                    prefix = const_str(call.args[0])
                    if prefix is not None:
                        c.routers[key].append((prefix, call.args[1], call.lineno, None))
                    for prefix, viewset, where_written in looped.get(id(call), []):
                        c.routers[key].append((prefix, viewset, call.lineno, where_written))


MAX_ROUTE_ROWS = 200


def _registered_in_loops(c: UrlWalk, mod: PyModule) -> dict[int, list[tuple[str, ast.AST, PyModule]]]:
    """`for route in routes: router.register(route["regex"], route["viewset"])` where `routes` is a list of
    dict (or tuple) literals, here or imported from other modules, and joined with `+`: id(register call) ->
    [(prefix, viewset expression, the module that expression is written in)]."""
    out: dict[int, list[tuple[str, ast.AST, PyModule]]] = {}
    for loop in nodes_of(mod.tree, ast.For):
        calls = [n for stmt in loop.body for n in nodes_of(stmt, ast.Call)
                 if isinstance(n.func, ast.Attribute) and n.func.attr == "register" and len(n.args) >= 2]
        if not calls:
            continue
        rows = _literal_rows(c, mod, loop.iter, 0)
        for call in calls:
            for row_mod, row in rows:
                prefix = const_str(_row_value(loop.target, row, call.args[0]))
                viewset = _row_value(loop.target, row, call.args[1])
                if prefix is not None and viewset is not None:
                    out.setdefault(id(call), []).append((prefix, viewset, row_mod))
    return out


def _literal_rows(c: UrlWalk, mod: PyModule, expr: ast.AST, depth: int) -> list[tuple[PyModule, ast.AST]]:
    """The elements of a list/tuple literal `expr` stands for: the literal itself, `a + b`, or a name bound
    to one at the top level of this module or of the module it is imported from."""
    if depth > 4:
        return []
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [(mod, e) for e in expr.elts[:MAX_ROUTE_ROWS]]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _literal_rows(c, mod, expr.left, depth + 1) + _literal_rows(c, mod, expr.right, depth + 1)
    name = dotted(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
    hit = c.project.resolve(mod, name) if name else None
    if hit is None or "." in hit[1]:
        return []
    owner, bound = hit
    for node in owner.tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == bound for t in node.targets):
            return _literal_rows(c, owner, node.value, depth + 1)
    return []


def _row_value(target: ast.AST, row: ast.AST, arg: ast.AST) -> ast.AST | None:
    """What the register argument `arg` reads from one row: `route["viewset"]` of a dict row, or the loop
    variable of a tuple row (`for prefix, viewset in routes`)."""
    if isinstance(target, ast.Name) and isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) \
            and arg.value.id == target.id and isinstance(row, ast.Dict):
        key = const_str(arg.slice)
        return next((v for k, v in zip(row.keys, row.values) if key is not None and const_str(k) == key), None)
    if isinstance(target, ast.Tuple) and isinstance(arg, ast.Name) and isinstance(row, ast.Tuple) \
            and len(target.elts) == len(row.elts):
        return next((v for t, v in zip(target.elts, row.elts) if isinstance(t, ast.Name) and t.id == arg.id), None)
    return None


def router_routes(c: UrlWalk, mod: PyModule, router_expr: ast.AST, prefix: str) -> None:
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
    for reg_prefix, viewset_expr, line, written_in in c.routers[key]:
        v = resolve_view(c, written_in or rmod, viewset_expr)
        if v is None or v.cls is None:
            ep = Endpoint("ANY", clean_route(join_paths(prefix, normalize_path(reg_prefix, "regex")) + slash),
                          dotted(viewset_expr) or "?", rmod.path, line, "drf")
            ep.notes.append("viewset not found in the repository: actions and protections unknown")
            c.endpoints.append(ep)
            continue
        viewset_endpoints(c, v, join_paths(prefix, normalize_path(reg_prefix, "regex")), slash, rmod.path, line)


def _viewset_actions(c: UrlWalk, v: View) -> list[tuple[str, ast.AST | None]]:
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


def viewset_endpoints(c: UrlWalk, v: View, base: str, slash: str, reg_file: str, reg_line: int) -> None:
    lookup = class_attr(c.project, v.cls_module, v.cls, "lookup_url_kwarg") or \
        class_attr(c.project, v.cls_module, v.cls, "lookup_field")
    pk = const_str(lookup[1]) if lookup else None
    pk = pk or "pk"
    detail_path = join_paths(base, "{" + pk + "}")
    for action, fn in _viewset_actions(c, v):
        method, detail = ACTION_ROUTES[action]
        path = (detail_path if detail else base) + slash
        line = fn.lineno if fn is not None else v.cls.lineno
        ep = Endpoint(method, clean_route(path), f"{v.cls.name}.{action}", v.cls_module.path, line, "drf")
        ep.notes.append(f"route generated by router.register at {where(reg_file, reg_line)}")
        protect_drf(c, ep, v, fn, action)
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
                ep = Endpoint(method, clean_route(path), f"{v.cls.name}.{fn.name}", v.cls_module.path, dec.lineno, "drf")
                ep.notes.append(f"@action on a viewset registered at {where(reg_file, reg_line)}")
                protect_drf(c, ep, v, fn, fn.name, dec)
                c.endpoints.append(ep)
