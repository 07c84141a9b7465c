"""The part of a GET+POST handler that runs on GET.

Server-rendered views handle both methods in one function: the write sits under `if request.method == 'POST':`
or `if form.validate_on_submit():` (true only on a submitted POST). A check asking "does the GET handler
write?" must read the handler without those branches. `get_branch_source(source)` returns the handler's
Python source with such branch bodies removed (their `else:` kept); other languages come back unchanged.
"""
from __future__ import annotations

import ast
import re

POST_TEST = re.compile(r"request\.method\s*(==|in)\s*[(\[{]?\s*['\"](POST|PUT|PATCH|DELETE)['\"]|"
                       r"\.validate_on_submit\(\)|request\.method\s*!=\s*['\"]GET['\"]")


class _DropWriteBranches(ast.NodeTransformer):
    def visit_If(self, node: ast.If):
        self.generic_visit(node)
        if POST_TEST.search(ast.unparse(node.test)):
            return node.orelse or [ast.Pass()]
        return node


def get_branch_source(source: str) -> str:
    """`source` (a Python function, decorators included) without the bodies of POST-only branches."""
    if not source or not POST_TEST.search(source):
        return source
    import textwrap
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return source
    return ast.unparse(ast.fix_missing_locations(_DropWriteBranches().visit(tree)))


def post_only_lines(fn: ast.AST) -> set[int]:
    """Lines of a Python handler that run only on a submitted POST (the bodies of `if request.method ==
    'POST':` / `if form.validate_on_submit():`), read from the parsed function."""
    lines: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.If) and POST_TEST.search(ast.unparse(node.test)):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines
