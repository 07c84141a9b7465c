"""`ast.walk` with the node list kept on the tree, so the many probes that walk one module share one pass.

A repository's parsed modules are cached for the whole audit (`Repository.python_ast`), and a dozen
extractors and checks each walk every module, often once per handler. `ast.walk` rebuilds its generator
and calls `iter_child_nodes` for every node every time; here the first walk of a node stores its
breadth-first node list (the same order as `ast.walk`) on the node and later walks read it back.
Trees must not be changed after they are first walked; nothing in the auditor edits a parsed tree.
Only modules, classes and functions keep their lists: they are walked again and again, while the many
small expressions a probe walks once would only cost memory (on saleor, 850,000 lines, that is the
difference between a comfortable and a marginal peak under 1 GiB).
"""
from __future__ import annotations

import ast

_CACHE = "_auditor_walk"
_DEPTH = "_auditor_depth"
# Deeper trees are not analysed: the recursive visitors we use (ast.unparse, ast.NodeVisitor, radon) take
# two to four frames a level, and Python stops at 1,000 frames. A file padded with a 900-term expression
# would otherwise raise RecursionError in the middle of an analysis. Real code stays far below (the deepest
# module of the 200,000-line benchmark is about 40 levels).
MAX_DEPTH = 200
_AST = ast.AST
_KEPT = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node under `node` (itself first), breadth-first, exactly as `ast.walk` yields them."""
    nodes = node.__dict__.get(_CACHE)
    if nodes is None:
        nodes, levels = _flatten(node)
        if isinstance(node, _KEPT):
            setattr(node, _CACHE, nodes)
            setattr(node, _DEPTH, levels)
    return nodes


def depth(node: ast.AST) -> int:
    """How many levels the tree under `node` has (1: the node alone), found without recursion."""
    found = node.__dict__.get(_DEPTH)
    if found is None:
        nodes, found = _flatten(node)
        if isinstance(node, _KEPT):   # the parser asks a module's depth first: its later walks reuse the list
            setattr(node, _CACHE, nodes)
            setattr(node, _DEPTH, found)
    return found


def _flatten(root: ast.AST) -> tuple[list[ast.AST], int]:
    """The breadth-first node list and the number of levels (one extra comparison a node)."""
    out = [root]
    append = out.append
    i = 0
    level_end, levels = 1, 1
    while i < len(out):
        if i == level_end:
            levels += 1
            level_end = len(out)
        node = out[i]
        i += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, _AST):
                append(value)
            elif isinstance(value, list):
                for child in value:
                    if isinstance(child, _AST):
                        append(child)
    return out, levels


_BY_TYPE = "_auditor_by_type"
_BY_CLASS = "_auditor_by_class"


def nodes_of(node: ast.AST, types: type | tuple[type, ...]) -> list:
    """The nodes under `node` that are instances of `types`, in `walk` order. Shared lists: do not modify.

    On a module, the first call sorts every node into a list per node class in one pass, so asking for
    one concrete class (ast.Call, ast.Try...) afterwards costs nothing: a dozen probes each used to
    filter all 1.7 million nodes of the 200,000-line benchmark for their own class. Tuples and abstract
    classes (ast.stmt) are filtered once per module, class or function and kept too."""
    if types in _INDEXED and isinstance(node, ast.Module):
        return _by_class(node).get(types, _EMPTY)
    if not isinstance(node, _KEPT) or (isinstance(types, type) and _is_leaf(types)):  # kept: tuples, abstract classes
        return [n for n in walk(node) if isinstance(n, types)]
    cache = node.__dict__.get(_BY_TYPE)
    if cache is None:
        cache = {}
        setattr(node, _BY_TYPE, cache)
    found = cache.get(types)
    if found is None:
        found = cache[types] = [n for n in walk(node) if isinstance(n, types)]
    return found


_EMPTY: list = []
# The classes the per-class index holds (all leaf classes): statements and calls, the kinds probes ask a
# whole module for.
# Names, attributes, constants and the Load/Store singletons (three quarters of all nodes) are left out
# for memory; asking for them still works, by filtering.
_INDEXED = frozenset({ast.Call, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign,
                      ast.AugAssign, ast.If, ast.Compare, ast.Try, ast.TryStar, ast.ExceptHandler, ast.Import,
                      ast.ImportFrom, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Return,
                      ast.Raise, ast.Global, ast.Lambda})
_LEAF: dict[type, bool] = {}


def _is_leaf(cls: type) -> bool:
    """A node class nothing derives from: its instances are exactly the nodes whose class it is."""
    leaf = _LEAF.get(cls)
    if leaf is None:
        leaf = _LEAF[cls] = not cls.__subclasses__()
    return leaf


def _by_class(module: ast.Module) -> dict[type, list]:
    index = module.__dict__.get(_BY_CLASS)
    if index is None:
        index = {}
        for n in walk(module):
            cls = n.__class__
            if cls not in _INDEXED:
                continue
            bucket = index.get(cls)
            if bucket is None:
                index[cls] = [n]
            else:
                bucket.append(n)
        setattr(module, _BY_CLASS, index)
    return index
