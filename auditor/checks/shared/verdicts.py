"""Verdict shapes several items share: dedupe findings, any-violation-fails, practice against violation,
the evidence limit, which findings count as production code."""
from __future__ import annotations

import ast
from typing import Callable

from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import Evidence, Finding, ItemResult, partial_result

# languages our semgrep rules cover, per engine
SEMGREP_LANGUAGES = frozenset({"python", "javascript", "typescript", "go"})
BANDIT_LANGUAGES = frozenset({"python"})


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (file, line): semgrep and bandit often report the same line.

    A finding from one engine whose line falls inside a multi-line finding of the other engine (bandit
    points at `shell=True` on line 432, semgrep at the call spanning 430-434) is the same problem too.
    """
    seen: set[tuple[str, int | None]] = set()
    spans: dict[str, list[tuple[int, int, str]]] = {}
    out = []
    for f in sorted(findings, key=lambda f: (f.file, f.line or 0, f.evidence.engine != "semgrep")):
        key = (f.file, f.line)
        if key in seen:
            continue
        start = f.line or 0
        end = max(f.evidence.end_line or start, start)
        if f.line is not None and any(engine != f.evidence.engine and (lo <= start <= hi or start <= lo <= end)
                                      for lo, hi, engine in spans.get(f.file, ())):
            continue
        seen.add(key)
        spans.setdefault(f.file, []).append((start, end, f.evidence.engine))
        out.append(f)
    return out


def coverage_note(ctx: AuditContext, covered: frozenset[str] = SEMGREP_LANGUAGES) -> tuple[set[str], set[str]]:
    """(analysed languages, languages present but not analysed) among the repo's code languages."""
    present = ctx.inventory.code_languages
    return present & covered, present - covered


def violations_fail(ctx: AuditContext, item: CatalogItem, clean: str,
                    engines: tuple[str, ...] = ("semgrep", "bandit"),
                    extra: list[Finding] | None = None,
                    where: Callable[[Finding], bool] | None = None) -> ItemResult:
    """Any violation fails the item; no violation in analysed code passes it.

    `extra` adds findings from in-process probes; `where` keeps only the findings it accepts (e.g. drops
    test code). Unknown when an engine failed or no language of the repo is covered by the rules.
    """
    ctx.require_engines(*engines)
    analysed, unanalysed = coverage_note(ctx)
    if not analysed:
        raise Unavailable(f"no rules for the repository's languages ({', '.join(sorted(unanalysed))})")
    keep = where or (lambda f: True)
    found = dedupe([f for f in ctx.violations(item.id) + list(extra or []) if keep(f)])
    note = f" Not analysed: {', '.join(sorted(unanalysed))} code." if unanalysed else ""
    if found:
        files = len({f.file for f in found})
        return ItemResult(item.id, "fail",
                          f"{len(found)} violation(s) in {files} file(s).{note}",
                          [f.evidence for f in found])
    return ItemResult(item.id, "pass", clean + note,
                      [f.evidence for f in ctx.practices(item.id) if keep(f)][:20])


MAX_EVIDENCE = 25


def cap(evidence: list[Evidence]) -> list[Evidence]:
    return evidence[:MAX_EVIDENCE]


def file_line(f: Finding | Evidence) -> str:
    return f"{f.file}:{f.line}"


def production_findings(findings: list[Finding]) -> list[Finding]:
    """Findings outside test code: a test calling an API without a timeout is not a production risk."""
    return [f for f in findings if not TEST_FILE.search(f.file)]


def python_sources(ctx: AuditContext) -> list[tuple[str, ast.Module]]:
    out = []
    for path in ctx.repo.paths("python"):
        if TEST_FILE.search(path) or "/migrations/" in f"/{path}":
            continue
        tree = ctx.repo.python_ast(path)
        if tree is not None:
            out.append((path, tree))
    return out


def other_languages_note(ctx: AuditContext, covered: set[str]) -> str:
    rest = sorted(ctx.inventory.code_languages - covered)
    return f" Not analysed: {', '.join(rest)} code." if rest else ""


def practice_violation_verdict(ctx: AuditContext, item: CatalogItem, practices: list[Finding],
                                violations: list[Finding], what_good: str, what_bad: str,
                                none: ItemResult) -> ItemResult:
    """Practice only: pass; violations only: fail; both: partial by count; neither: `none`."""
    good = dedupe(practices)
    bad = dedupe(violations)
    bad_lines = {(f.file, f.line) for f in bad}
    good = [f for f in good if (f.file, f.line) not in bad_lines]
    evidence = [f.evidence for f in bad] + [f.evidence for f in good][:15]
    details = {"practices": len(good), "violations": len(bad)}
    if not good and not bad:
        return none
    if not bad:
        return ItemResult(item.id, "pass", f"Heuristic: {what_good} ({len(good)} place(s)).", evidence,
                          details=details)
    if not good:
        return ItemResult(item.id, "fail", f"Heuristic: {what_bad} ({len(bad)} place(s)).", evidence,
                          details=details)
    return partial_result(item.id, len(good), len(good) + len(bad),
                          f"Heuristic: {what_good} in {len(good)} place(s), but {what_bad} in {len(bad)}.",
                          evidence, details)
