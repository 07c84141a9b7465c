"""Presence questions a Python settings module answers, read from its parsed code (issue 17).

"Is GZipMiddleware in MIDDLEWARE? Is drf_spectacular installed? Does DATABASES keep connections
(CONN_MAX_AGE, the psycopg pool)? Are DRF's DEFAULT_FILTER_BACKENDS, DEFAULT_PAGINATION_CLASS,
DEFAULT_THROTTLE_CLASSES, EXCEPTION_HANDLER set?" are string literals and dictionary
entries. As semgrep patterns (`"django.middleware.gzip.GZipMiddleware"`, `{..., "CONN_MAX_AGE": $N, ...}`)
they carry no literal semgrep can prefilter on, so their rules were matched against every node of every
Python file: on a 250,000-line Django project the pooling rule alone cost 83 s of semgrep's time, the docs
and compression rules 35 s each. The rules keep their call patterns (prefiltered by the callee's name); these
questions are answered here, once, from the ASTs, with the same rule id, line and message as before.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from auditor.astwalk import nodes_of
from auditor.model import PRACTICE, Evidence, Finding

if TYPE_CHECKING:
    from auditor.repo import Repository

ENGINE = "ast"


@dataclass(frozen=True)
class Question:
    item_id: str
    rule_id: str
    message: str


DOCS = Question("API-DOCS", "api-docs-generator-python", "API documentation (OpenAPI) is generated here.")
COMPRESSION = Question("PERF-COMPRESSION", "response-compression-python",
                       "Responses are compressed by middleware declared here.")
POOL = Question("PERF-POOLING", "db-pool-configured-python", "Database connections are pooled and reused here.")
FILTERING = Question("API-FILTERING", "drf-filtering", "Filtering, search or ordering declared for DRF views here.")
PAGINATION = Question("API-PAGINATION", "drf-default-pagination",
                      "DRF paginates every list view by default (DEFAULT_PAGINATION_CLASS).")
ERROR_HANDLER = Question("API-ERROR-FORMAT", "central-error-handler-python",
                         "Central exception handler registered here (one place shapes every error response).")
RATE_LIMIT = Question("API-RATE-LIMIT", "global-rate-limit-python",
                      "A default rate limit for the whole API (or a router) is declared here.")
VERSIONING = Question("API-VERSIONING", "api-version-negotiation",
                      "API version negotiated by header, media type or namespace (DRF versioning) here.")

# a string literal that answers a question wherever it appears (INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK)
STRINGS: dict[str, Question] = {
    "drf_spectacular": DOCS,
    "drf_yasg": DOCS,
    "django.middleware.gzip.GZipMiddleware": COMPRESSION,
    "compression_middleware.middleware.CompressionMiddleware": COMPRESSION,
    "DEFAULT_FILTER_BACKENDS": FILTERING,
    "DEFAULT_VERSIONING_CLASS": VERSIONING,
    "DEFAULT_PAGINATION_CLASS": PAGINATION,
    "EXCEPTION_HANDLER": ERROR_HANDLER,
    "DEFAULT_THROTTLE_CLASSES": RATE_LIMIT,
}
# values that turn the setting off
OFF = ("0", "False")
# a module none of these appear in declares none of the practices: it is not parsed for them
NEEDLES = (*STRINGS, "CONN_MAX_AGE", "pool")


def repository_settings(repo: "Repository") -> list[Finding]:
    """settings_findings over every Python module of the repository (tests included, as semgrep read them)."""
    out = []
    for rel in repo.paths("python"):
        text = repo.read_text(rel)
        if not text or not any(needle in text for needle in NEEDLES):
            continue
        tree = repo.python_ast(rel)
        if tree is None:
            continue
        for finding in settings_findings(rel, tree, text):
            ev = finding.evidence
            out.append(replace(finding, evidence=replace(ev, snippet=repo.snippet(rel, ev.line, ev.end_line))))
    return out


def settings_findings(rel: str, tree: ast.Module, source: str) -> list[Finding]:
    """The practices this module declares as literals: each with the line and end line of the literal (for
    a dictionary entry, of its value), as the semgrep rules reported them."""
    out = []
    for node in nodes_of(tree, ast.Constant):
        question = STRINGS.get(node.value) if isinstance(node.value, str) else None
        if question is not None:
            out.append(_finding(question, rel, node))
    for node in nodes_of(tree, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if _is_str(key, "CONN_MAX_AGE") and _on(value, source):
                out.append(_finding(POOL, rel, value))
            elif _is_str(key, "OPTIONS") and isinstance(value, ast.Dict):
                out += [_finding(POOL, rel, v) for k, v in zip(value.keys, value.values)
                        if _is_str(k, "pool") and _on(v, source)]
    return out


def _is_str(node: ast.expr | None, text: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == text


def _on(value: ast.expr, source: str) -> bool:
    return (ast.get_source_segment(source, value) or "").strip() not in OFF


def _finding(question: Question, rel: str, node: ast.AST) -> Finding:
    line = getattr(node, "lineno", 0)
    end = getattr(node, "end_lineno", None) or line
    return Finding(item_id=question.item_id, severity="low", evidence=Evidence(
        file=rel, line=line, end_line=end, snippet="", rule_id=question.rule_id, engine=ENGINE,
        message=question.message, kind=PRACTICE))
