"""Shared evaluations that turn an item's findings into a verdict (no @check here)."""
from __future__ import annotations

from typing import Callable

from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Unavailable
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


def proportion(ctx: AuditContext, item: CatalogItem, what: str, none_found: str,
               engines: tuple[str, ...] = ("semgrep",)) -> ItemResult:
    """Places that comply (practice findings) against places that don't (violations): pass/partial/fail."""
    ctx.require_engines(*engines)
    bad = dedupe(ctx.violations(item.id))
    good = dedupe(ctx.practices(item.id))
    bad_lines = {(f.file, f.line) for f in bad}
    good = [f for f in good if (f.file, f.line) not in bad_lines]
    total = len(bad) + len(good)
    if total == 0:
        return ItemResult(item.id, "not_applicable", none_found)
    evidence: list[Evidence] = [f.evidence for f in bad] + [f.evidence for f in good]
    return partial_result(item.id, len(good), total,
                          f"{len(good)} of {total} {what} comply; {len(bad)} do not.", evidence,
                          {"compliant": len(good), "non_compliant": len(bad)})
