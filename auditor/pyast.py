"""The one set of small helpers over Python `ast` nodes: names of expressions, call arguments, literals.

Every reader of Python code (endpoints, ORM models, migrations, probes) takes these from here. A name is
read three ways, each its own function, because callers need different answers for the same node:

| expression              | dotted          | dotted_through_calls | call_chain                         |
|-------------------------|-----------------|----------------------|------------------------------------|
| `a.b.c`                 | "a.b.c"         | "a.b.c"              | "a.b.c"                            |
| `a.b(x)`                | "a.b"           | "a.b"                | "a.b()"                            |
| `op.batch(x).add(y)`    | None            | "op.batch.add"       | "op.batch().add()"                 |
| `op.batch(x).add` (attr)| None            | "op.batch.add"       | "op.batch().add"                   |
| `x[0].y`                | None            | "y"                  | ""                                 |

- `dotted`: a Name/Attribute chain, or a call's callee when that is one; None for anything else.
- `dotted_through_calls`: calls anywhere in the chain are looked through, an unnamed base is dropped; "".
- `call_chain`: the chain with each call written as `()`, so `op.batch_alter_table(...).add_column` says
  which object the attribute belongs to; "" when the chain does not start at a name.

Nothing here imports or runs the scanned code.
"""
from __future__ import annotations

import ast
from typing import Any


def name_chain(node: ast.AST | None) -> str | None:
    """`a.b.c` for a chain of attributes ending at a name; None for anything else (a call included)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def dotted(node: ast.AST | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain; for a call, its callee's chain; None otherwise."""
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return name_chain(node)


def dotted_through_calls(node: ast.AST | None) -> str:
    """`sa.orm.Column` -> "sa.orm.Column"; calls in the chain are looked through (`a.b().c` -> "a.b.c"), a
    base that is not a name is dropped (`x[0].c` -> "c"); "" when nothing is named."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_through_calls(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted_through_calls(node.func)
    return ""


def call_chain(node: ast.AST | None) -> str:
    """`op.create_table` -> "op.create_table"; a call in the chain is written with `()`:
    `op.batch_alter_table("t").add_column` -> "op.batch_alter_table().add_column", `op.f("x")` -> "op.f()";
    "" when the chain does not start at a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = call_chain(node.func)
        return ".".join([inner + "()"] + list(reversed(parts))) if inner else ""
    return ""


def last_name(node: ast.AST | None) -> str:
    """The final identifier of `dotted`: `app.route` -> "route", `Depends(x)` -> "Depends"; "" when none."""
    return (dotted(node) or "").rsplit(".", 1)[-1]


def last_name_through_calls(node: ast.AST | None) -> str:
    """The final identifier of `dotted_through_calls`: `db.Column` -> "Column", `x[0].y` -> "y"."""
    name = dotted_through_calls(node)
    return name.rsplit(".", 1)[-1] if name else ""


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    """The value of the keyword argument `name`, or None."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    """The argument at position `index` (a `*starred` one does not count), else the keyword `name`."""
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return kwarg(call, name) if name else None


def arg_keyword_first(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    """The keyword argument `name` when given, else whatever sits at position `index` (a `*starred` one
    included): the migration readers' order, where a keyword may name what a batch call passes by position."""
    if name is not None:
        found = kwarg(call, name)
        if found is not None:
            return found
    return call.args[index] if len(call.args) > index else None


class _NotLiteral:
    """The one "not a literal" sentinel: compare with `is NOT_LITERAL`."""

    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Any = _NotLiteral()


def literal(node: ast.AST | None, missing: Any = NOT_LITERAL) -> Any:
    """The value of a literal node (str, bytes, number, bool, None, and tuples/lists/dicts/sets of those),
    NOT_LITERAL when the node is not one, `missing` when there is no node."""
    if node is None:
        return missing
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


def const_str(node: ast.AST | None) -> str | None:
    """A string literal, or an f-string without placeholders (`f"/x"`); None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        if all(isinstance(v, ast.Constant) for v in node.values):
            return "".join(str(v.value) for v in node.values)
    return None
