"""REL-ERROR-HANDLING: no swallowed exceptions or bare excepts, no promise a try block leaves floating (its catch
cannot see the rejection: auditor/program/js/floating.py), and logging configured."""
from __future__ import annotations

import ast
import functools
import re
from typing import Callable

from auditor.astwalk import nodes_of, walk
from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import cap, dedupe, file_line, production_findings
from auditor.collectors.js_program import JS_PROGRAM
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import Evidence, Finding, ItemResult, partial_result
from auditor.probes.go_errors import read_go_errors
from auditor.program.js.floating import FloatingCall, floating_calls
from auditor.registry import check


def _is_swallow_body(body: list[ast.stmt]) -> bool:
    for stmt in body:
        if isinstance(stmt, (ast.Pass, ast.Continue)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # docstring or ...
            continue
        return False
    return True


def python_handler_findings(path: str, tree: ast.AST, snippet: Callable[[int], str]) -> tuple[int, list[Finding]]:
    """(number of except handlers, findings for the ones that swallow or are bare without re-raise)."""
    count, found = 0, []
    for node in nodes_of(tree, ast.ExceptHandler):
        count += 1
        reraises = any(isinstance(n, ast.Raise) for n in walk(node))
        if _is_swallow_body(node.body):
            rule, msg = "swallowed-exception", "the exception is swallowed (except: pass/continue): nobody learns it failed"
        elif node.type is None and not reraises:
            rule, msg = "bare-except", "bare except: also catches SystemExit and KeyboardInterrupt; catch specific exceptions"
        else:
            continue
        found.append(Finding("REL-ERROR-HANDLING", Evidence(path, node.lineno, snippet(node.lineno), rule_id=rule,
                                                            engine="ast", message=msg)))
    return count, found


JS_CATCH_COUNT = re.compile(r"\bcatch\s*[({]|\.catch\(")


def evaluate_error_handling(item_id: str, handlers: int, violations: list[Finding], logging: list[Finding],
                            needs_logging: bool) -> ItemResult:
    bad = dedupe(violations)
    log_evidence = [f.evidence for f in dedupe(logging)]
    total = max(handlers, len(bad))
    if bad:
        result = partial_result(item_id, total - len(bad), total,
                                f"{len(bad)} of {total} exception handler(s) or error check(s) swallow the error, use a bare except, "
                                "or cannot see a promise their try block leaves floating.",
                                cap([f.evidence for f in bad] + log_evidence),
                                {"handlers": total, "swallowing": len(bad), "logging_configured": bool(log_evidence)})
        if not log_evidence and needs_logging:
            result.rationale += " Logging is not configured either."
        return result
    if log_evidence or not needs_logging:
        how = f"logging configured at {file_line(log_evidence[0])}" if log_evidence else "no logging set-up needed for this language"
        return ItemResult(item_id, "pass", f"no swallowed exception or bare except in {handlers} handler(s); {how}.",
                          cap(log_evidence), details={"handlers": handlers, "logging_configured": bool(log_evidence)})
    return ItemResult(item_id, "partial",
                      f"no swallowed exception in {handlers} handler(s), but logging is not configured: looked for "
                      "logging.basicConfig/dictConfig/fileConfig, structlog.configure, Django LOGGING, winston, pino, bunyan.",
                      [], partial_score=5, details={"handlers": handlers, "logging_configured": False})


@check("REL-ERROR-HANDLING")
def check_error_handling(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    handlers, violations = 0, []
    for path in ctx.repo.paths("python"):
        if TEST_FILE.search(path):
            continue
        tree = ctx.repo.python_ast(path)
        if tree is None:
            continue
        count, found = python_handler_findings(path, tree, functools.partial(_snippet, ctx, path))
        handlers += count
        violations += found
    for lang in ("javascript", "typescript"):
        for path in ctx.repo.paths(lang):
            if not TEST_FILE.search(path):
                handlers += len(JS_CATCH_COUNT.findall(ctx.repo.read_text(path) or ""))
    program = ctx.get_optional(JS_PROGRAM)
    if program is not None:
        violations += [_floating_finding(ctx, item.id, f) for f in floating_calls(program)]
    if ctx.repo.paths("go"):
        go = read_go_errors(ctx.repo)
        handlers += go.checks
        violations += [Finding(item.id, Evidence(d.file, d.line, ctx.repo.snippet(d.file, d.line), rule_id=f"go-error-{d.shape}",
                                                 engine="ast", message=d.message)) for d in go.dropped]
    engine_findings = production_findings(ctx.violations(item.id))
    languages = ctx.inventory.code_languages
    needs_logging = bool(languages & {"python", "javascript", "typescript"})
    return evaluate_error_handling(item.id, handlers, violations + engine_findings,
                                   production_findings(ctx.practices(item.id)), needs_logging)


def _snippet(ctx: AuditContext, path: str, line: int) -> str:
    return ctx.repo.snippet(path, line)


def _floating_finding(ctx: AuditContext, item_id: str, f: FloatingCall) -> Finding:
    return Finding(item_id, Evidence(f.file, f.line, ctx.repo.snippet(f.file, f.line), rule_id="js-floating-promise-in-try",
                                     engine="ast",
                                     message=f"{f.call} ({f.why}) is not awaited inside the try block, so the catch at "
                                             f"line {f.catch_line} never sees its rejection: the failure becomes an "
                                             "unhandled rejection and the code after it runs as if the call had "
                                             "succeeded. Await it (or return it, or give it a .catch)."))
