"""An uploaded file checked where the handler hands it: the view passes `request.FILES[...]` to a repository
function or service class, and that code (or a function of its module it calls) refuses a file by its size or
type (`if file_obj.size > max_size: raise ValidationError(...)`). The upload is then validated, although no
serializer or form touches it."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.endpoints.pyast import PyModule, PyProject, dotted

# a comparison on the file's size or type, and a refusal
FILE_PROPERTY_TEST = re.compile(r"\.(size|content_type|mimetype|name)\b[^\n]*(>|<|!=|==|\bnot in\b|\bin\b)|"
                                r"(>|<|!=|==|\bnot in\b|\bin\b)[^\n]*\.(size|content_type|mimetype)\b")
REFUSAL = re.compile(r"\braise\s+\w*(ValidationError|ValueError|BadRequest|SuspiciousOperation|PermissionDenied)\b|"
                     r"\bHttpResponseBadRequest\(|status=400")


def _checks_a_file(fn: ast.AST) -> bool:
    for node in nodes_of(fn, ast.If):
        test = ast.unparse(node.test)
        if FILE_PROPERTY_TEST.search(test) and any(REFUSAL.search(ast.unparse(s)) for s in node.body):
            return True
    return False


def _definitions(project: PyProject, mod: PyModule, call: ast.Call) -> list[tuple[PyModule, ast.AST]]:
    """The repository function, or every method of the repository class, a call in `mod` reaches."""
    name = dotted(call.func)
    if not name:
        return []
    fn = project.resolve_function(mod, name)
    if fn is not None:
        return [fn]
    cls = project.resolve_class(mod, name)
    if cls is not None:
        return [(cls[0], m) for m in cls[1].body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return []


def upload_checked(project: PyProject | None, mod: PyModule, fn: ast.AST) -> str | None:
    """Where the upload a view reads is refused by size or type: the first repository function (the callee, a
    method of the class it builds, or a function one of those calls) that does it, as `name (file:line)`."""
    if project is None:
        return None
    seen: set[int] = set()
    frontier = [(mod, c) for c in nodes_of(fn, ast.Call)]
    for _depth in range(2):
        following = []
        for where_mod, call in frontier:
            for def_mod, definition in _definitions(project, where_mod, call):
                if id(definition) in seen:
                    continue
                seen.add(id(definition))
                if _checks_a_file(definition):
                    return f"{getattr(definition, 'name', '?')} ({def_mod.path}:{definition.lineno})"
                following += [(def_mod, c) for c in nodes_of(definition, ast.Call)]
        frontier = following
    return None
