"""Small helpers over Python `ast` nodes shared by the readers and probes."""
from __future__ import annotations

import ast
from typing import Any


def dotted(node: ast.AST | None) -> str:
    """`sa.orm.Column` -> "sa.orm.Column"; a call yields its callee's name; anything else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return ""


def last_name(node: ast.AST | None) -> str:
    """The final identifier: `db.Column` -> "Column", `String(50)` -> "String"."""
    name = dotted(node)
    return name.rsplit(".", 1)[-1] if name else ""


def literal(node: ast.AST | None) -> Any:
    """The value of a literal node (str, number, bool, None, tuples/lists of those), else a sentinel."""
    if node is None:
        return NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


class _NotLiteral:
    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL = _NotLiteral()


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def kwarg_literal(call: ast.Call, name: str, default: Any = None) -> Any:
    node = kwarg(call, name)
    if node is None:
        return default
    value = literal(node)
    return default if value is NOT_LITERAL else value


def is_true(call: ast.Call, name: str) -> bool:
    return kwarg_literal(call, name) is True


def class_body_assignments(cls: ast.ClassDef) -> list[tuple[str, ast.expr | None, ast.expr | None, int]]:
    """(target name, value, annotation, line) for each simple assignment in a class body."""
    out = []
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            out.append((stmt.targets[0].id, stmt.value, None, stmt.lineno))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            out.append((stmt.target.id, stmt.value, stmt.annotation, stmt.lineno))
    return out


def inner_class(cls: ast.ClassDef, name: str) -> ast.ClassDef | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == name:
            return stmt
    return None


def string_items(node: ast.AST | None) -> list[str]:
    """Strings in a literal list/tuple (or a single string)."""
    value = literal(node)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []
