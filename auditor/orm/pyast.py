"""Helpers over Python `ast` nodes for the ORM model readers and probes.

The name and literal helpers are auditor/pyast.py's, re-exported under the names these readers use: here
`dotted` looks through calls (`dotted_through_calls`), and so does `last_name`.
"""
from __future__ import annotations

import ast
from typing import Any

from auditor.pyast import NOT_LITERAL, kwarg, literal
from auditor.pyast import dotted_through_calls as dotted
from auditor.pyast import last_name_through_calls as last_name

__all__ = ["NOT_LITERAL", "class_body_assignments", "dotted", "inner_class", "is_true", "kwarg", "kwarg_literal",
           "last_name", "literal", "string_items"]


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
