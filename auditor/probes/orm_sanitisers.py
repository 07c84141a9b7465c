"""Model fields an ORM event listener fills from an HTML sanitiser, so that a template may print them with
`|safe`.

SQLAlchemy runs an attribute's 'set' listener whenever the attribute is assigned
(`event.listen(Post.body, 'set', Post.on_changed_body)`, or `@event.listens_for(Post.body, 'set')`); a
listener that assigns `target.body_html = bleach.clean(...)` (possibly wrapped: `bleach.linkify(bleach.clean(...))`)
keeps body_html sanitised whatever the request wrote to body. Pure: reads parsed modules, never imports them.

A field name is trusted only when every model class that declares it has such a listener: templates name
objects by variable (`post.body_html`), not by class, so a same-named unsanitised column elsewhere keeps the
finding.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from auditor.endpoints.pyast import import_aliases

# allow-list sanitisers whose output is safe HTML (linkify alone is not one: it escapes nothing)
SANITISERS = ("bleach.clean", "nh3.clean", "bleach.Cleaner.clean", "bleach.sanitizer.Cleaner.clean")
COLUMN_CALL = re.compile(r"(^|\.)(Column|mapped_column|column_property)$")
# `{{ post.body_html | safe }}`: a bare attribute path marked safe, nothing applied before the filter
SAFE_OUTPUT = re.compile(r"\{\{-?\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*\|\s*safe\s*-?\}\}")
ANY_SAFE = re.compile(r"\|\s*safe\b|\{%-?\s*autoescape\b")


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, AttributeError):
        return ""
    first, dot, rest = text.partition(".")
    return aliases.get(first, first) + dot + rest


def _sanitises(expr: ast.AST, aliases: dict[str, str]) -> bool:
    return any(isinstance(n, ast.Call) and _dotted(n.func, aliases).endswith(SANITISERS) for n in ast.walk(expr))


def _listener_fields(fn: ast.FunctionDef | ast.AsyncFunctionDef, aliases: dict[str, str]) -> set[str]:
    """Fields the listener assigns on its target (first parameter) from a sanitiser's output."""
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if not params:
        return set()
    target = params[0]
    out = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and _sanitises(node.value, aliases):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == target:
                    out.add(t.attr)
    return out


def _function(tree: ast.Module, ref: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The module's function a listener argument names: `on_changed` or `Post.on_changed`."""
    if isinstance(ref, ast.Name):
        return next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name == ref.id), None)
    if isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name):
        for cls in tree.body:
            if isinstance(cls, ast.ClassDef) and cls.name == ref.value.id:
                return next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                             and n.name == ref.attr), None)
    return None


def _is_set_event(args: list[ast.expr]) -> str | None:
    """The model class of `(Model.attr, 'set', ...)`, else None."""
    if len(args) >= 2 and isinstance(args[0], ast.Attribute) and isinstance(args[0].value, ast.Name) \
            and isinstance(args[1], ast.Constant) and args[1].value == "set":
        return args[0].value.id
    return None


def sanitised_by_listener(modules: Iterable[tuple[str, ast.Module]]) -> dict[str, list[str]]:
    """field name -> ["Model.field at file:line", ...] for fields every declaring model keeps sanitised."""
    sanitised: dict[str, dict[str, str]] = {}      # field -> model -> where
    declared: dict[str, set[str]] = {}             # field -> models declaring it as a column
    for rel, tree in modules:
        aliases = import_aliases(tree, rel.split("/")[:-1])
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
                    if isinstance(value, ast.Call) and COLUMN_CALL.search(_dotted(value.func, aliases)):
                        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                        for t in targets:
                            if isinstance(t, ast.Name):
                                declared.setdefault(t.id, set()).add(node.name)
            listeners: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | None, int]] = []
            if isinstance(node, ast.Call) and _dotted(node.func, aliases).endswith("event.listen"):
                model = _is_set_event(node.args)
                if model and len(node.args) >= 3:
                    listeners.append((model, _function(tree, node.args[2]), node.lineno))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for deco in node.decorator_list:
                    if isinstance(deco, ast.Call) and _dotted(deco.func, aliases).endswith("event.listens_for"):
                        model = _is_set_event(deco.args)
                        if model:
                            listeners.append((model, node, deco.lineno))
            for model, fn, line in listeners:
                if fn is None:
                    continue
                for field in _listener_fields(fn, aliases):
                    sanitised.setdefault(field, {})[model] = f"{model}.{field} at {rel}:{line}"
    return {field: sorted(by_model.values()) for field, by_model in sanitised.items()
            if declared.get(field, set()) <= set(by_model)}


def safe_outputs_all_sanitised(line: str, fields: dict[str, list[str]]) -> list[str]:
    """The sanitised fields a template line marks safe, when every escaping bypass on the line is one of them
    (else [])."""
    outputs = SAFE_OUTPUT.findall(line)
    if not outputs or len(ANY_SAFE.findall(line)) != len(outputs):
        return []
    names = [expr.rsplit(".", 1)[-1] for expr in outputs]
    return names if all(name in fields for name in names) else []
