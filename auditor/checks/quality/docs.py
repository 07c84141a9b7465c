"""QA-DOCS: complex functions carry a docstring or explanatory comments ("Comprehensive inline documentation
for complex business logic").

Complexity is measured by maintained libraries, not counted here: radon (Python, from the module already
parsed for the audit) and lizard (JavaScript, TypeScript, Go). A function whose cyclomatic complexity is
above 10 (radon's rank C and worse) is complex; it is documented when it has a docstring, a comment block
right above it (JSDoc, //, #) or at least two comment lines in its body. Tests and migrations are left out.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
from dataclasses import dataclass
from typing import Callable

import lizard
from radon.complexity import cc_visit_ast
from radon.visitors import Function

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Key
from auditor.facts import FileFacts
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.registry import check, collector

ITEM = "QA-DOCS"
COMPLEXITY_ABOVE = 10          # radon ranks A (1-5) and B (6-10) are simple; C (11-20) and worse are complex
UNDOCUMENTED_ALLOWED = 0.10    # pass while at most this share of complex functions is undocumented
BODY_COMMENT_LINES = 2
LIZARD_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go")
MAX_EVIDENCE = 25


@dataclass(frozen=True)
class ComplexFunction:
    file: str
    line: int
    name: str
    complexity: int
    documented: str        # how it is documented ("docstring", "comment above", "comments in body"), "" if not


def _skipped(path: str) -> bool:
    return bool(TEST_FILE.search(path)) or "/migrations/" in f"/{path}" or "/versions/" in f"/{path}"


def python_complex_functions(rel: str, tree: ast.Module, lines: list[str]) -> list[ComplexFunction]:
    blocks = [b for b in cc_visit_ast(tree) if isinstance(b, Function)]
    complex_blocks = []
    while blocks:
        block = blocks.pop()
        blocks += block.closures
        if block.complexity > COMPLEXITY_ABOVE:
            complex_blocks.append(block)
    if not complex_blocks:
        return []
    nodes = {n.lineno: n for n in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef))}
    out = []
    for block in complex_blocks:
        node = nodes.get(block.lineno)
        how = _python_documentation(node, lines) if node is not None else ""
        name = f"{block.classname}.{block.name}" if block.classname else block.name
        out.append(ComplexFunction(rel, block.lineno, name, block.complexity, how))
    return sorted(out, key=lambda f: f.line)


def _python_documentation(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> str:
    if ast.get_docstring(node):
        return "docstring"
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    if start >= 2 and lines[start - 2].strip().startswith("#"):
        return "comment above"
    body = lines[node.lineno:node.end_lineno or node.lineno]
    if sum(1 for text in body if text.strip().startswith("#")) >= BODY_COMMENT_LINES:
        return "comments in body"
    return ""


def lizard_complex_functions(rel: str, text: str) -> list[ComplexFunction]:
    info = lizard.analyze_file.analyze_source_code(rel, text)
    lines = text.splitlines()
    out = []
    for fn in info.function_list:
        if fn.cyclomatic_complexity > COMPLEXITY_ABOVE:
            out.append(ComplexFunction(rel, fn.start_line, fn.name, fn.cyclomatic_complexity,
                                       _c_style_documentation(lines, fn.start_line, fn.end_line)))
    return out


def _c_style_documentation(lines: list[str], start: int, end: int) -> str:
    above = next((lines[i].strip() for i in range(start - 2, -1, -1) if lines[i].strip()), "") if start >= 2 else ""
    if above.endswith("*/") or above.startswith("//"):
        return "comment above"
    body = lines[start - 1:end]
    if sum(1 for text in body if text.strip().startswith(("//", "/*", "*"))) >= BODY_COMMENT_LINES:
        return "comments in body"
    return ""


COMPLEX_FUNCTIONS: Key[list[ComplexFunction]] = Key("complex_functions")


@collector(COMPLEX_FUNCTIONS, serves=(ITEM,))
def collect_complex_functions(ctx: AuditContext) -> list[ComplexFunction]:
    repo = ctx.repo
    facts = FileFacts.open(ctx.options, repo.root, "complex_functions")
    found: list[ComplexFunction] = []
    for f in repo.files:
        if _skipped(f.path):
            continue
        if f.language == "python":
            tree = repo.python_ast(f.path)
            if tree is not None:
                found += _cached(facts, f.path, repo.read_text(f.path),
                                 functools.partial(python_complex_functions, f.path, tree, repo.lines(f.path)))
        elif f.path.endswith(LIZARD_SUFFIXES):
            text = repo.read_text(f.path) or ""
            found += _cached(facts, f.path, text, functools.partial(lizard_complex_functions, f.path, text))
    facts.save()
    return found


def _cached(facts: FileFacts, path: str, text: str | None,
            compute: Callable[[], list[ComplexFunction]]) -> list[ComplexFunction]:
    """compute(), or its rows from an earlier audit of the same text (auditor/facts.py)."""
    rows = facts.rows(path, text, lambda: [dataclasses.asdict(c) for c in compute()])
    return [ComplexFunction(**row) for row in rows]


def evaluate_docs(item_id: str, functions: list[ComplexFunction], snippet=lambda f, text: "") -> ItemResult:
    if not functions:
        return ItemResult(item_id, "not_applicable",
                          f"Heuristic: no function above cyclomatic complexity {COMPLEXITY_ABOVE} (radon, lizard) "
                          "outside tests: no complex logic that asks for documentation.")
    undocumented = sorted((f for f in functions if not f.documented), key=lambda f: -f.complexity)
    documented = [f for f in functions if f.documented]
    evidence = [Evidence(f.file, f.line, snippet(f.file, f.line), rule_id="complex-function-undocumented",
                         engine="radon" if f.file.endswith(".py") else "lizard",
                         message=f"{f.name}: complexity {f.complexity}, no docstring or comment", kind=VIOLATION)
                for f in undocumented[:MAX_EVIDENCE]]
    evidence += [Evidence(f.file, f.line, snippet(f.file, f.line), rule_id="complex-function-documented",
                          engine="radon" if f.file.endswith(".py") else "lizard",
                          message=f"{f.name}: complexity {f.complexity}, {f.documented}", kind=PRACTICE)
                 for f in documented[:5]]
    details = {"complex_functions": len(functions), "undocumented": len(undocumented),
               "threshold": COMPLEXITY_ABOVE,
               "undocumented_list": [f"{f.file}:{f.line} {f.name} ({f.complexity})" for f in undocumented]}
    share = len(undocumented) / len(functions)
    rationale = (f"Heuristic: {len(documented)} of {len(functions)} function(s) above complexity "
                 f"{COMPLEXITY_ABOVE} are documented; {len(undocumented)} are not")
    if share <= UNDOCUMENTED_ALLOWED:
        return ItemResult(item_id, "pass", f"{rationale} (at most {UNDOCUMENTED_ALLOWED:.0%} allowed).",
                          evidence, details=details)
    return partial_result(item_id, len(documented), len(functions),
                          f"{rationale}; the most complex undocumented: "
                          + ", ".join(f"{f.name} ({f.complexity})" for f in undocumented[:3]) + ".",
                          evidence, details)


@check("QA-DOCS")
def check_docs(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return evaluate_docs(item.id, ctx.get(COMPLEX_FUNCTIONS), ctx.repo.snippet)
