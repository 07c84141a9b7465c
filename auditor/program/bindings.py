"""Functions passed as values: a decorator's parameter is bound to each function it decorates (and a
decorator factory's inner decorator likewise), a callback parameter to each function passed in it. A call
through such a parameter (`return view(*args, **kwargs)` in a wrapper, `build(x)` in a helper) then
resolves to those functions."""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
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


def _bind(program: Program, callee: FunctionInfo, param: str, value: FunctionInfo) -> None:
    bound = program.bindings.setdefault((callee.id, param.lstrip("*")), [])
    if value not in bound:
        bound.append(value)


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


def bind_callbacks(program: Program) -> None:
    """Every call passing one of our functions as an argument binds the callee's parameter to it."""
    for fn in list(program.functions.values()):
        nested: dict[str, FunctionInfo] | None = None
        for call in nodes_of(fn.node, ast.Call):
            if not any(isinstance(a, (ast.Name, ast.Attribute)) for a in call.args) and not any(
                    isinstance(k.value, (ast.Name, ast.Attribute)) for k in call.keywords):
                continue
            if nested is None:
                nested = program.nested(fn)
            values: list[tuple[int | None, str | None, FunctionInfo | None]] = [
                (i, None, _function_value(program, fn, a, nested)) for i, a in enumerate(call.args)]
            values += [(None, k.arg, _function_value(program, fn, k.value, nested)) for k in call.keywords if k.arg]
            values = [v for v in values if v[2] is not None]
            if not values:
                continue
            target = program.resolve_call(fn, call, {}, nested)
            for callee, bound in target.functions:
                params = callee.params[1:] if bound else callee.params
                for position, keyword, value in values:
                    assert value is not None
                    if keyword is not None and keyword in params:
                        _bind(program, callee, keyword, value)
                    elif position is not None and position < len(params):
                        _bind(program, callee, params[position], value)
