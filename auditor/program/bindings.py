"""Functions passed as values: a decorator's parameter is bound to each function it decorates (and a
decorator factory's inner decorator likewise), a callback parameter to each function passed in it. A call
through such a parameter (`return view(*args, **kwargs)` in a wrapper, `build(x)` in a helper) then
resolves to those functions."""
from __future__ import annotations

import ast

from auditor.program.graph import Program
from auditor.program.symbols import FunctionInfo


def _function_value(program: Program, fn: FunctionInfo, node: ast.expr, nested: dict[str, FunctionInfo]) -> FunctionInfo | None:
    if isinstance(node, ast.Name) and node.id in nested:
        return nested[node.id]
    if isinstance(node, (ast.Name, ast.Attribute)):
        sym = program.resolve_expr(fn.rel, node)
        if sym is not None and sym.function is not None:
            return sym.function
    return None


def _bind(program: Program, callee: FunctionInfo, param: str, value: FunctionInfo) -> bool:
    """Bind; True when the binding is new."""
    bound = program.bindings.setdefault((callee.id, param.lstrip("*")), [])
    if value in bound:
        return False
    bound.append(value)
    return True


def bind_decorators(program: Program) -> None:
    for fn in list(program.functions.values()):
        if not fn.node.decorator_list:
            continue
        outer = program.functions.get(fn.parent) if fn.parent else None
        nested = program.nested(outer) if outer is not None else {}
        for deco in fn.node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            dec = _function_value(program, fn, target, nested)
            if dec is None:
                continue
            if isinstance(deco, ast.Call):   # a factory: the decorator is a function defined inside it
                for child in program.children.get(dec.id, ()):
                    inner = program.functions[child]
                    if inner.params:
                        _bind(program, inner, inner.params[0], fn)
            elif dec.params:
                _bind(program, dec, dec.params[1] if dec.bound and len(dec.params) > 1 else dec.params[0], fn)


def bind_arguments(program: Program, fn: FunctionInfo, call: ast.Call, callees: list[tuple[FunctionInfo, bool]],
                   nested: dict[str, FunctionInfo]) -> list[FunctionInfo]:
    """A call inside `fn` passing one of our functions as an argument binds each callee's parameter to it.
    Returns the callees that got a new binding (their analysis must be run again)."""
    values: list[tuple[int | None, str | None, FunctionInfo]] = []
    for i, a in enumerate(call.args):
        if isinstance(a, (ast.Name, ast.Attribute)):
            value = _function_value(program, fn, a, nested)
            if value is not None:
                values.append((i, None, value))
    for k in call.keywords:
        if k.arg and isinstance(k.value, (ast.Name, ast.Attribute)):
            value = _function_value(program, fn, k.value, nested)
            if value is not None:
                values.append((None, k.arg, value))
    changed = []
    for callee, bound in callees if values else ():
        params = callee.params[1:] if bound else callee.params
        for position, keyword, value in values:
            name = keyword if keyword is not None and keyword in params else (
                params[position] if position is not None and position < len(params) else None)
            if name is not None and _bind(program, callee, name, value) and callee not in changed:
                changed.append(callee)
    return changed
