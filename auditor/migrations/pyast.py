"""Small helpers to read Python migration files with `ast` (never imported or executed).

The name, argument and literal helpers are auditor/pyast.py's, re-exported under the names the migration
readers use: here `dotted` writes calls in the chain as `()` (`call_chain`: "op.batch_alter_table().add_column"),
`arg` prefers the keyword (`arg_keyword_first`), and UNKNOWN is the one NOT_LITERAL sentinel.
"""
from __future__ import annotations

import ast
from typing import Any

from auditor.pyast import NOT_LITERAL, kwarg, literal
from auditor.pyast import arg_keyword_first as arg
from auditor.pyast import call_chain as dotted

UNKNOWN = NOT_LITERAL

__all__ = ["UNKNOWN", "arg", "const", "dotted", "human_comments", "is_empty_body", "kwarg", "raise_reason",
           "source_line", "string", "strings"]


def const(node: ast.AST | None) -> Any:
    """The literal value of a node (str, number, None, bool, tuples/lists of those), None when there is no
    node, UNKNOWN (auditor.pyast.NOT_LITERAL) when it is not a literal."""
    return literal(node, missing=None)


def string(node: ast.AST | None) -> str | None:
    """A literal string, or the argument of op.f('name') / text('...'), else None."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and dotted(node.func).rsplit(".", 1)[-1] in ("f", "text", "_"):
        node = node.args[0]
    value = const(node)
    return value if isinstance(value, str) else None


def strings(node: ast.AST | None) -> tuple[str, ...]:
    value = const(node)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(s for s in (string(e) for e in node.elts) if s)
    return ()


def is_empty_body(body: list[ast.stmt]) -> bool:
    """Only docstrings, pass and `...`: the function does nothing."""
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
               for s in body)


def raise_reason(body: list[ast.stmt]) -> tuple[bool, str | None]:
    """(the body raises at its top level, the message given)."""
    for s in body:
        if isinstance(s, ast.Raise):
            exc = s.exc
            if isinstance(exc, ast.Call) and exc.args:
                msg = string(exc.args[0])
                if msg is None and isinstance(exc.args[0], ast.JoinedStr):
                    msg = "".join(str(v.value) for v in exc.args[0].values if isinstance(v, ast.Constant))
                return True, (msg or "").strip() or None
            return True, None
    return False, None


def source_line(lines: list[str], lineno: int | None) -> str:
    if not lineno or lineno > len(lines):
        return ""
    return lines[lineno - 1].strip()[:200]


def human_comments(text: str, skip: tuple[str, ...] = ()) -> list[str]:
    """`#` comment lines written by a person (not generator headers or markers)."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            body = s.lstrip("#").strip()
            if body and not body.startswith("!") and not any(body.startswith(p) for p in skip) \
                    and "auto generated" not in body.lower() and "end alembic commands" not in body.lower() \
                    and not body.startswith(("-*-", "type:", "noqa", "pylint", "flake8")):
                out.append(body)
    return out
