"""What a JavaScript/TypeScript call does to the database, read from rules/js_effects.yml: a write, a read, a
transaction around its callback, a transaction opened by the function itself, or nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml
from tree_sitter import Node

from auditor.program.js.parse import text
from auditor.resources import rules_dir

WRITE, READ, TX, OPEN, DAO = "write", "read", "transaction", "open", "dao"


@dataclass(frozen=True)
class Rules:
    prisma_clients: re.Pattern
    prisma_writes: frozenset[str]
    prisma_reads: frozenset[str]
    writes: frozenset[str]
    reads: frozenset[str]
    generic_writes: frozenset[str]
    generic_reads: frozenset[str]
    data_receiver: re.Pattern
    not_data: re.Pattern
    query_builders: frozenset[str]
    dao_receiver: re.Pattern
    raw_methods: frozenset[str]
    raw_write: re.Pattern
    raw_read: re.Pattern
    raw_begin: re.Pattern
    transaction_methods: frozenset[str]
    transaction_receivers: re.Pattern
    transaction_openers: frozenset[str]
    transaction_options: frozenset[str]
    transaction_handles: re.Pattern
    loop_methods: frozenset[str]
    route_methods: frozenset[str]


@lru_cache(maxsize=1)
def rules() -> Rules:
    d = yaml.safe_load((rules_dir() / "js_effects.yml").read_text())
    s = lambda k: frozenset(d[k])            # noqa: E731
    r = lambda k: re.compile(d[k], re.I if k.startswith("raw") else 0)   # noqa: E731
    return Rules(r("prisma_clients"), s("prisma_writes"), s("prisma_reads"), s("writes"), s("reads"),
                 s("generic_writes"), s("generic_reads"), r("data_receiver"), r("not_data"), s("query_builders"), r("dao_receiver"),
                 s("raw_methods"), re.compile(d["raw_write_sql"], re.I), re.compile(d["raw_read_sql"], re.I),
                 re.compile(d["raw_begin_sql"], re.I), s("transaction_methods"), r("transaction_receivers"),
                 s("transaction_openers"), s("transaction_options"), r("transaction_handles"), s("loop_methods"),
                 s("route_methods"))


def unwrap(node: Node) -> Node:
    """`await x`, `(x)`, `x!`, `x as T` -> x."""
    while node.type in ("await_expression", "parenthesized_expression", "non_null_expression", "as_expression",
                        "satisfies_expression", "type_assertion") and node.named_child_count:
        node = node.named_children[0] if node.type != "type_assertion" else node.named_children[-1]
    return node


def root_name(node: Node) -> str:
    """The first name of a receiver chain: `tx.user` -> tx, `knex('t').where()` -> knex, `this.repo` -> this."""
    node = unwrap(node)
    while True:
        if node.type == "member_expression":
            node = unwrap(node.child_by_field_name("object"))
        elif node.type == "call_expression":
            node = unwrap(node.child_by_field_name("function"))
        elif node.type == "new_expression":
            node = node.child_by_field_name("constructor") or node
            return text(node)
        else:
            return text(node)


def last_name(node: Node) -> str:
    """The last name of a receiver: `this.userRepository` -> userRepository, `knex('t')` -> knex."""
    node = unwrap(node)
    if node.type == "member_expression":
        return text(node.child_by_field_name("property"))
    if node.type == "call_expression":
        return last_name(node.child_by_field_name("function"))
    if node.type == "new_expression":
        return text(node.child_by_field_name("constructor"))
    return text(node)


def _first_string(args: Node | None) -> str | None:
    if args is None or not args.named_child_count:
        return None
    first = args.named_children[0]
    if first.type in ("string", "template_string"):
        return text(first).strip("`'\"")
    return None


def _is_data(receiver: Node, r: Rules) -> bool:
    name = last_name(receiver)
    root = root_name(receiver)
    if r.not_data.match(name) or r.not_data.match(root):
        return False
    if unwrap(receiver).type == "call_expression" and root in r.query_builders:
        return True
    return bool(r.data_receiver.match(name)) or root in r.query_builders


def classify(call: Node) -> tuple[str, str] | None:
    """(effect, label) of a call_expression, or None."""
    r = rules()
    fn = unwrap(call.child_by_field_name("function"))
    args = call.child_by_field_name("arguments")
    if fn.type != "member_expression":
        return None
    receiver = unwrap(fn.child_by_field_name("object"))
    method = text(fn.child_by_field_name("property"))
    label = " ".join(text(fn).split())[:80]
    if method in r.transaction_methods and (method != "transaction" or r.transaction_receivers.match(
            " ".join(text(receiver).split()))):
        return TX, label
    if method in r.transaction_openers:
        return OPEN, label
    if method in r.raw_methods:
        sql = _first_string(args)
        if sql is not None:
            if r.raw_begin.match(sql):
                return OPEN, label
            if r.raw_write.match(sql):
                return WRITE, label
            if r.raw_read.match(sql):
                return READ, label
    if receiver.type == "member_expression" and r.prisma_clients.match(
            " ".join(text(receiver.child_by_field_name("object")).split())):
        if method in r.prisma_writes:
            return WRITE, label
        if method in r.prisma_reads:
            return READ, label
    if r.not_data.match(root_name(receiver)) or r.not_data.match(last_name(receiver)):
        return None
    if method in r.writes:
        return WRITE, label
    if method in r.reads:
        return READ, label
    if method in r.generic_writes and _is_data(receiver, r):
        return WRITE, label
    if method in r.generic_reads and _is_data(receiver, r):
        first = args.named_children[0] if args is not None and args.named_child_count else None
        if first is not None and first.type in ("arrow_function", "function_expression", "function"):
            return None      # list.find(x => ...): an array method
        return READ, label
    if r.dao_receiver.search(last_name(receiver)):
        return DAO, label
    return None


def handed_transaction(call: Node) -> bool:
    """A query run on a transaction handle or given one as an option: part of its caller's transaction."""
    r = rules()
    fn = unwrap(call.child_by_field_name("function"))
    if fn.type == "member_expression":
        receiver = fn.child_by_field_name("object")
        chain = " ".join(text(receiver).split())
        if r.transaction_handles.match(root_name(receiver)) or r.transaction_handles.match(chain):
            return True
    args = call.child_by_field_name("arguments")
    for arg in (args.named_children if args is not None else []):
        if arg.type != "object":
            continue
        for prop in arg.named_children:
            key = prop.child_by_field_name("key") if prop.type == "pair" else prop
            if key is not None and text(key) in r.transaction_options:
                return True
    return False
