"""A static page: a handler that answers the same page to every caller, built only from constants and the
application's settings (`return render(request, "help.html", {"page": "channels"})`). It reads no record, no
session and nothing the caller sent, so there is nothing behind it to authenticate or authorise: help pages,
a dashboard shell whose data the browser fetches from authenticated APIs, a placeholder."""
from __future__ import annotations

import ast

from auditor.pyast import dotted

# calls that answer a page or a body as given
RESPONSES = frozenset({"render", "render_template", "render_to_response", "TemplateResponse", "HttpResponse",
                       "HTMLResponse", "PlainTextResponse", "Response", "make_response", "jsonify", "JsonResponse"})
SETTINGS_ROOTS = ("settings.", "app.config", "current_app.config", "config.")


def _static_value(node: ast.AST, names: set[str]) -> bool:
    """A constant, a setting, a name bound to one, or a container/f-string of them."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in names or node.id == "request"
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        text = ast.unparse(node)
        return text.startswith(SETTINGS_ROOTS)
    if isinstance(node, ast.Dict):
        return all(k is None or _static_value(k, names) for k in node.keys) and \
            all(_static_value(v, names) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_static_value(e, names) for e in node.elts)
    if isinstance(node, ast.JoinedStr):
        return all(_static_value(v.value if isinstance(v, ast.FormattedValue) else v, names) for v in node.values)
    return False


def static_page(source: str) -> str | None:
    """The answering call when the Python handler in `source` is a static page, else None."""
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return None
    fn = tree.body[0] if len(tree.body) == 1 and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    if fn is None:
        return None
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]     # the docstring
    names: set[str] = set()
    for stmt in body[:-1]:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and _static_value(stmt.value, names)):
            return None
        names.add(stmt.targets[0].id)
    last = body[-1] if body else None
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Call)):
        return None
    call = last.value
    if (dotted(call.func) or "").rsplit(".", 1)[-1] not in RESPONSES:
        return None
    if not all(_static_value(a, names) for a in [*call.args, *(k.value for k in call.keywords)]):
        return None
    return ast.unparse(call)[:80]
