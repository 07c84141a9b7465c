"""Parsing JavaScript and TypeScript with tree-sitter (the grammars are PyPI wheels, no compiler needed).

`.ts`/`.mts`/`.cts` use the TypeScript grammar, `.tsx` the TSX one, everything else the JavaScript grammar
(which reads JSX). tree-sitter recovers from syntax errors; a file whose tree holds errors is still modelled
and listed in `errors`, a file the parser cannot read at all is listed and left out.
"""
from __future__ import annotations

from functools import lru_cache

from tree_sitter import Language, Node, Parser, Tree

EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
MAX_BYTES = 1_000_000     # larger files are generated or data (the repository walker skips most before this)


@lru_cache(maxsize=3)
def _parser(grammar: str) -> Parser:
    if grammar == "javascript":
        import tree_sitter_javascript as tsj
        return Parser(Language(tsj.language()))
    import tree_sitter_typescript as tst
    return Parser(Language(tst.language_tsx() if grammar == "tsx" else tst.language_typescript()))


def grammar_of(rel: str) -> str:
    if rel.endswith(".tsx"):
        return "tsx"
    if rel.endswith((".ts", ".mts", ".cts")):
        return "typescript"
    return "javascript"


def parse(rel: str, text: str) -> tuple[Tree | None, str]:
    """(tree, problem): problem is "" for a clean parse, else why the file is listed."""
    data = text.encode("utf-8", "replace")
    if len(data) > MAX_BYTES:
        return None, f"larger than {MAX_BYTES} bytes"
    try:
        tree = _parser(grammar_of(rel)).parse(data)
    except Exception as exc:   # noqa: BLE001 - a parser failure is a listed file, never a crash
        return None, f"tree-sitter failed: {exc}"
    return tree, ("syntax errors (modelled as recovered)" if tree.root_node.has_error else "")


def text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def line(node: Node) -> int:
    return node.start_point[0] + 1
