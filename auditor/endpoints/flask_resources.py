"""flask-restx / flask-restplus / flask-restful resources and the paths they are served under.

- `Api(app_or_blueprint, prefix="/x")` (or `api.init_app(bp)`) serves its resources under the blueprint's
  prefix plus its own;
- `ns = Namespace("users", path="/u")` is served at `/users` (its name) or its `path`, or at the path
  given to `api.add_namespace(ns, "/people")`;
- `@ns.route("/<int:id>")` on a `Resource` class, or `api.add_resource(UserResource, "/users", "/u")`,
  declares one route per HTTP method the class defines.
A prefix that is not a literal becomes the visible wildcard segment `{?}`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from auditor.astwalk import nodes_of
from auditor.endpoints.common import HTTP_METHODS, UNRESOLVED, join_paths
from auditor.endpoints.pyast import PyModule, PyProject, arg, const_str, dotted, kwarg, last_name, literal_str

API_CTORS = ("Api",)
NAMESPACE_CTORS = ("Namespace",)
Key = tuple[str, str]


@dataclass
class ResourceRoute:
    module: PyModule
    owner: str                  # the Namespace or Api variable, as written
    path: str
    cls: ast.ClassDef
    line: int


def prefix_of(project: PyProject, mod: PyModule, node: ast.AST | None) -> str:
    """A path prefix known without running code, or `{?}` when it is computed at run time."""
    if node is None:
        return ""
    value = literal_str(project, mod, node)
    return value if value is not None else UNRESOLVED


def resource_methods(cls: ast.ClassDef) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    return [(f.name.upper(), f) for f in cls.body
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name.upper() in HTTP_METHODS]


def resource_routes(project: PyProject, mod: PyModule) -> list[ResourceRoute]:
    out = []
    for cls in nodes_of(mod.tree, ast.ClassDef):
        for dec in cls.decorator_list:
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "route":
                paths = [p for p in (const_str(a) for a in dec.args) if p is not None]
                for path in paths or []:
                    out.append(ResourceRoute(mod, dotted(dec.func.value) or "", path, cls, dec.lineno))
    for call in nodes_of(mod.tree, ast.Call):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_resource" and call.args:
            found = project.resolve_class(mod, dotted(call.args[0]) or "")
            if found is None:
                continue
            for a in call.args[1:]:
                path = const_str(a)
                if path is not None:
                    out.append(ResourceRoute(mod, dotted(call.func.value) or "", path, found[1], call.lineno))
    return out


def _key(project: PyProject, mod: PyModule, expr: str) -> Key:
    hit = project.resolve(mod, expr)
    return (hit[0].name, hit[1]) if hit is not None and hit[1] else (mod.name, expr)


def api_mounts(project: PyProject, mods: list[PyModule]) -> dict[Key, list[tuple[Key | None, str]]]:
    """Api or Namespace -> [(the blueprint or app it is attached to, or None; prefix under it)]."""
    apis: dict[Key, tuple[Key | None, str]] = {}
    spaces: dict[Key, str] = {}
    edges: list[tuple[Key, Key, str]] = []     # (api, namespace, path)
    for mod in mods:
        for node in nodes_of(mod.tree, ast.Assign):
            if not isinstance(node.value, ast.Call):
                continue
            ctor = last_name(node.value.func)
            for t in node.targets:
                var = dotted(t)
                if not var:
                    continue
                if ctor in API_CTORS:
                    parent = arg(node.value, 0, "app")
                    apis[(mod.name, var)] = (_key(project, mod, dotted(parent) or "") if parent is not None else None,
                                             prefix_of(project, mod, kwarg(node.value, "prefix")))
                elif ctor == "namespace" and isinstance(node.value.func, ast.Attribute):   # api.namespace("todos")
                    name = const_str(arg(node.value, 0, "name")) or ""
                    path = kwarg(node.value, "path")
                    spaces[(mod.name, var)] = prefix_of(project, mod, path) if path is not None else "/" + name
                    edges.append((_key(project, mod, dotted(node.value.func.value) or ""), (mod.name, var), ""))
                elif ctor in NAMESPACE_CTORS:
                    name = const_str(arg(node.value, 0, "name")) or ""
                    path = kwarg(node.value, "path")
                    spaces[(mod.name, var)] = prefix_of(project, mod, path) if path is not None else "/" + name
    for mod in mods:
        for call in nodes_of(mod.tree, ast.Call):
            if not isinstance(call.func, ast.Attribute) or not call.args:
                continue
            owner = _key(project, mod, dotted(call.func.value) or "")
            if call.func.attr == "add_namespace":
                ns = _key(project, mod, dotted(call.args[0]) or "")
                path = arg(call, 1, "path")
                edges.append((owner, ns, prefix_of(project, mod, path) if path is not None else ""))
            elif call.func.attr == "init_app" and owner in apis and apis[owner][0] is None:
                apis[owner] = (_key(project, mod, dotted(call.args[0]) or ""), apis[owner][1])
    out: dict[Key, list[tuple[Key | None, str]]] = {k: [v] for k, v in apis.items()}
    for api, ns, path in edges:
        if ns not in spaces:
            continue
        for parent, prefix in out.get(api, [(None, "")]):
            out.setdefault(ns, []).append((parent, join_paths(prefix, path or spaces[ns])))
    for ns, path in spaces.items():
        out.setdefault(ns, [(None, path)])
    return out
