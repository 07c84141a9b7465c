"""auditor/pyast.py, the one contract for names, arguments and literals of Python AST nodes, and the three
readers' modules that re-export it under the semantics each of them has always used."""
from __future__ import annotations

import ast

import pytest

from auditor import pyast
from auditor.endpoints import pyast as endpoints_pyast
from auditor.migrations import pyast as migrations_pyast
from auditor.orm import pyast as orm_pyast


def expr(source: str) -> ast.expr:
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.expr)
    return node


def call(source: str) -> ast.Call:
    node = expr(source)
    assert isinstance(node, ast.Call)
    return node


# expression: (dotted, dotted_through_calls, call_chain)
NAMES = {
    "a": ("a", "a", "a"),
    "a.b.c": ("a.b.c", "a.b.c", "a.b.c"),
    "a.b(x)": ("a.b", "a.b", "a.b()"),
    "f()()": ("f", "f", "f()()"),
    "op.batch(x).add(y)": (None, "op.batch.add", "op.batch().add()"),
    "op.batch(x).add": (None, "op.batch.add", "op.batch().add"),
    "x[0].y": (None, "y", ""),
    "'text'": (None, "", ""),
}


@pytest.mark.parametrize("source", list(NAMES))
def test_three_ways_to_name_an_expression(source):
    node = expr(source)
    assert (pyast.dotted(node), pyast.dotted_through_calls(node), pyast.call_chain(node)) == NAMES[source]


def test_each_reader_keeps_its_own_reading_of_a_name():
    node = expr("x[0].y")
    assert endpoints_pyast.dotted(node) is None and endpoints_pyast.last_name(node) == ""
    assert orm_pyast.dotted(node) == "y" and orm_pyast.last_name(node) == "y"
    assert migrations_pyast.dotted(expr("op.batch_alter_table('t').add_column")) == "op.batch_alter_table().add_column"
    assert pyast.last_name(expr("app.route('/x')")) == "route"
    assert pyast.last_name_through_calls(expr("db.Column(String(50))")) == "Column"
    assert pyast.name_chain(expr("a.b()")) is None


def test_arguments_by_position_and_keyword():
    node = call("f(1, *rest, name=3)")
    assert pyast.literal(pyast.arg(node, 0)) == 1
    assert pyast.literal(pyast.arg(node, 1, "name")) == 3           # a starred argument is not position 1
    assert isinstance(pyast.arg_keyword_first(node, 1), ast.Starred)
    assert pyast.literal(pyast.arg_keyword_first(call("f(1, name=2)"), 0, "name")) == 2
    assert pyast.arg(node, 5) is None and pyast.kwarg(node, "other") is None
    assert migrations_pyast.arg is pyast.arg_keyword_first and endpoints_pyast.arg is pyast.arg


def test_one_not_literal_sentinel():
    assert pyast.literal(expr("(1, 'a', None)")) == (1, "a", None)
    assert pyast.literal(expr("name")) is pyast.NOT_LITERAL
    assert pyast.literal(None) is pyast.NOT_LITERAL and pyast.literal(None, missing=None) is None
    assert migrations_pyast.UNKNOWN is orm_pyast.NOT_LITERAL is pyast.NOT_LITERAL
    assert migrations_pyast.const(None) is None and migrations_pyast.const(expr("x")) is migrations_pyast.UNKNOWN
    assert orm_pyast.kwarg_literal(call("Column(nullable=flag)"), "nullable", "default") == "default"


def test_const_str_reads_literals_and_plain_f_strings_only():
    assert pyast.const_str(expr("'/x'")) == "/x"
    assert pyast.const_str(expr("f'/x'")) == "/x"
    assert pyast.const_str(expr("f'/x/{y}'")) is None
    assert pyast.const_str(expr("1")) is None and pyast.const_str(None) is None
