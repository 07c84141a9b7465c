"""Production Python files no parser could read make the items our Python analyses feed `unknown`, not `pass`.

Our own analyses read Python through the running interpreter's `ast` (with the PEP 758 rewrite of
repo.py for `except A, B:`). Code written for a newer Python (`type X = ...`, PEP 695 generics, PEP 750
template strings under 3.11) does not parse, and a pass computed without those files says nothing about
them (in one public benchmark they were a third of the files). So an item fed by an analysis that reads
Python code keeps a `fail` or `partial` it found elsewhere, but a `pass` becomes `unknown`, listing the files.
Test code, fixtures and examples are not production and do not count (a deliberately broken fixture is
common); neither do items whose analyses read only manifests, SQL, config or git history.

Why not a second parser: every analysis consumes `ast` trees; a grammar-independent parser (tree-sitter)
yields a concrete syntax tree of another shape, so using it means converting it to `ast` for the whole
grammar or writing each analysis twice. Running the auditor on the newest Python parses older code too.
"""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.model import ANALYSIS_ERROR, ItemResult
from auditor.paths import NON_PRODUCTION_PATH

# analyses that read no Python source (catalog `feeds.analyses` words)
_NOT_PYTHON_SOURCE = frozenset({
    "dependency manifests", "test file scan", "secret scanner over code and config files", "git history scan",
    "git history", "SQL files", "SQL schema files", "OpenAPI files", "coverage config", "coverage reports",
    "proxy config", "scenario files",
})
UNPARSED_REASONS = ("does not parse as Python", "too deeply nested to parse")
LISTED = 5


def unparsed_python(skipped) -> list[str]:
    """Production Python files that no parser could read, sorted."""
    return sorted({s.path for s in skipped
                   if s.reason.startswith(UNPARSED_REASONS) and not NON_PRODUCTION_PATH.search(s.path)})


def reads_python_source(item: CatalogItem) -> bool:
    return any(analysis not in _NOT_PYTHON_SOURCE for analysis in item.analyses)


def unknown_without_unparsed(result: ItemResult, item: CatalogItem, files: list[str]) -> ItemResult:
    """`result`, or `unknown` when it is a pass that did not read `files`."""
    if not files or result.verdict != "pass" or not reads_python_source(item):
        return result
    named = ", ".join(files[:LISTED]) + (f" and {len(files) - LISTED} more" if len(files) > LISTED else "")
    result.verdict, result.score = "unknown", None
    result.rationale = (f"not analysed in full: {len(files)} production Python file(s) could not be parsed by this "
                        f"Python (newer syntax?): {named}. What was analysed: {result.rationale}")
    # an analysis that could not run: the gate fails on it unless unknown items are allowed (issue 16, point 3)
    result.details = {**result.details, "unparsed_files": files, ANALYSIS_ERROR: True}
    return result


def unparsed_rows(results: dict[str, ItemResult], listed: list[dict]) -> list[dict]:
    """The report's `summary.incomplete` rows for items left unknown by unparsed files (not already listed)."""
    already = {row["item"] for row in listed}
    return [{"item": item_id, "files": result.details["unparsed_files"],
             "reason": "production Python file(s) this Python could not parse"}
            for item_id, result in results.items()
            if item_id not in already and result.verdict == "unknown" and result.details.get("unparsed_files")]
