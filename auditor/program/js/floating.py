"""Promises left floating inside `try`: REL-ERROR-HANDLING for JavaScript/TypeScript.

A `try { ... } catch` sees an asynchronous failure only when the promise is awaited (or returned, or given a
rejection handler) inside the block. A statement that calls something returning a promise and drops the
result (`Model.update(...);` instead of `await Model.update(...);`) leaves the catch blind: the rejection
becomes an unhandled rejection (a crash on current Node) and the code after it runs as if the call had
succeeded.

A call counts as returning a promise when the program model knows it does: a database call the effects rules
classify (rules/js_effects.yml: a read, a write or a transaction), or a call the resolver ties to one of the
repository's own `async` functions. A call given a callback (`Model.update(q, u, (err) => ...)`, the
callback style of Mongoose or of a DAO) reports its error there and is not a floating promise; neither is a
chain that ends in `.catch(...)` or `.then(ok, fail)`, nor `void call()`, which says the result is dropped on
purpose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from auditor.program.js.effects import DAO, OPEN, classify, unwrap
from auditor.program.js.model import JsProgram
from auditor.program.js.parse import line, text
from auditor.program.js.symbols import FUNCTIONS

CALLBACK_NAME = re.compile(r"^(?:cb|callback|done|next|fn|handler)$", re.IGNORECASE)
NOT_INTO = FUNCTIONS + ("class_declaration", "class", "try_statement")


@dataclass(frozen=True)
class FloatingCall:
    file: str
    line: int
    catch_line: int
    call: str                 # the call as written, shortened
    why: str                  # "database write", "async function Service.method"


def _is_async(node: Node | None) -> bool:
    return node is not None and any(child.type == "async" for child in node.children)


def _function_args(call: Node) -> bool:
    """The call is given a callback: a function argument, or a last argument named like one."""
    args = call.child_by_field_name("arguments")
    if args is None or not args.named_child_count:
        return False
    if any(a.type in FUNCTIONS for a in args.named_children):
        return True
    last = args.named_children[-1]
    return last.type == "identifier" and bool(CALLBACK_NAME.match(text(last)))


def _promise_call(call: Node) -> Node | None:
    """The call whose promise the statement drops, or None when the chain handles its rejection:
    `x.save()` -> itself; `x.save().then(f)` -> x.save(); `x.save().catch(...)` / `.then(f, g)` -> None."""
    while True:
        fn = unwrap(call.child_by_field_name("function"))
        if fn.type != "member_expression":
            return call
        method = text(fn.child_by_field_name("property"))
        args = call.child_by_field_name("arguments")
        if method == "catch" or (method == "then" and args is not None and args.named_child_count >= 2):
            return None
        receiver = unwrap(fn.child_by_field_name("object"))
        if method in ("then", "finally") and receiver.type == "call_expression":
            call = receiver
            continue
        return call


def _statements(block: Node):
    """The expression statements a try block runs itself: through if/else, loops, switch and plain blocks, not
    into nested functions (they run later, or elsewhere) or nested try statements (judged on their own)."""
    for child in block.named_children:
        if child.type in NOT_INTO:
            continue
        if child.type == "expression_statement":
            yield child
        else:
            yield from _statements(child)


def _async_targets(program: JsProgram) -> dict[tuple[str, int, int], str]:
    """(file, start, end byte of a call's callee) -> the repository function it resolves to, when async."""
    out = {}
    for fid, sites in program.edges.items():
        rel = program.functions[fid].rel
        for site, target in sites:
            fn = program.functions.get(target)
            if fn is not None and _is_async(fn.node):
                out[(rel, site.callee.start_byte, site.callee.end_byte)] = fn.name
    return out


def floating_calls(program: JsProgram) -> list[FloatingCall]:
    async_targets = _async_targets(program)
    out = []
    for rel, mod in program.modules.items():
        if mod.root is None:
            continue
        stack = [mod.root]
        while stack:
            node = stack.pop()
            stack.extend(node.named_children)
            handler = node.child_by_field_name("handler") if node.type == "try_statement" else None
            body = node.child_by_field_name("body") if handler is not None else None
            if body is None or handler is None:
                continue
            for statement in _statements(body):
                expression = statement.named_children[0] if statement.named_child_count else None
                if expression is None or expression.type != "call_expression":
                    continue      # await x(), void x(), x = y(): awaited, dropped on purpose, or kept
                call = _promise_call(expression)
                if call is None or _function_args(call):
                    continue
                why = ""
                effect = classify(call)
                if effect is not None and effect[0] not in (DAO, OPEN):
                    why = f"database {effect[0]}"
                else:
                    callee = call.child_by_field_name("function")
                    target = async_targets.get((rel, callee.start_byte, callee.end_byte)) if callee else None
                    if target:
                        why = f"async function {target}"
                if why:
                    out.append(FloatingCall(rel, line(statement), line(handler),
                                            " ".join(text(call).split())[:80], why))
    return out
