"""Routes that are not always there: a handler that answers only while a setting or the application's state
allows it, and otherwise turns every caller away the same way.

- *Off unless configured*: the handler's work sits under one `if` on a configuration value and the handler
  otherwise answers 404 (`if app.config.get("SAFE_MODE") is True: ...` then `abort(404)`). In a default
  deployment the route does not exist; it is a diagnostic switch, like a development-only route.
- *First run only*: the handler's work sits under `if not is_setup():` (installed, initialised, configured)
  and the handler otherwise sends the caller away. It is the installer that creates the first account, so no
  one can be signed in when it runs: public by nature, like a sign-up.
"""
from __future__ import annotations

import ast
import re

from auditor.endpoints.protections.behaviour import rejection

CONFIG_READ = re.compile(r"(^|\.)(config|settings|environ)\b|\bgetenv\(|\bget_config\(", re.I)
SETUP_STATE = re.compile(r"(^|[._])(is_)?(setup|set_up|installed|initiali[sz]ed|configured|bootstrapped)(\(|$)", re.I)


def _work_and_rest(fn: ast.AST) -> tuple[ast.If, list[ast.stmt]] | None:
    """The handler's one top-level `if` that holds its work, and the statements after it; plain assignments
    may come first."""
    body = list(getattr(fn, "body", []))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]     # the docstring
    while body and isinstance(body[0], (ast.Assign, ast.AnnAssign)):
        body = body[1:]
    if not body or not isinstance(body[0], ast.If):
        return None
    return body[0], body[0].orelse + body[1:]


def off_unless_configured(fn: ast.AST) -> str | None:
    """The configuration condition a handler answers under, when it answers 404 otherwise; None else."""
    found = _work_and_rest(fn)
    if found is None:
        return None
    node, rest = found
    test = ast.unparse(node.test)
    if not CONFIG_READ.search(test) or "request" in test or len(rest) != 1 or not node.body \
            or not isinstance(node.body[-1], ast.Return):
        return None     # the work answers under the condition; the one statement after it refuses
    refused = rejection(rest)
    return test[:70] if refused and refused[0] == {404} else None


def first_run_only(fn: ast.AST) -> str | None:
    """The not-yet-set-up condition a handler does its work under, when it otherwise only redirects or refuses."""
    found = _work_and_rest(fn)
    if found is None:
        return None
    node, rest = found
    test = node.test
    if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call)
            and SETUP_STATE.search(ast.unparse(test.operand.func))):
        return None
    last = rest[-1] if rest else None
    sends_away = isinstance(last, ast.Return) and isinstance(last.value, ast.Call) and \
        ast.unparse(last.value.func).rsplit(".", 1)[-1] in ("redirect", "abort") or bool(rest and rejection(rest[-1:]))
    return ast.unparse(test)[:70] if sends_away else None
