"""QA-COVERAGE: a coverage threshold of at least 80% configured, or measured by a committed report."""
from __future__ import annotations

import os

from auditor.catalog import CatalogItem
from auditor.context import AuditContext
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult
from auditor.probes import coverage as cov
from auditor.registry import check

# report folders the repository walk skips by default (coverage/, htmlcov/): read these known paths directly
EXCLUDED_REPORT_PATHS = ("coverage/lcov.info", "coverage/coverage-final.json", "coverage/coverage-summary.json",
                         "coverage/cobertura-coverage.xml", "htmlcov/coverage.xml")


def _report_texts(ctx: AuditContext) -> list[tuple[str, str]]:
    out = [(p, ctx.repo.read_text(p) or "") for p in (f.path for f in ctx.repo.files) if cov.is_report_candidate(p)]
    for rel in EXCLUDED_REPORT_PATHS:
        full = ctx.repo.root / rel
        if any(os.path.islink(ctx.repo.root / part) for part in (rel.split("/")[0], rel)):
            continue
        if full.is_file() and full.stat().st_size < 20_000_000:
            out.append((rel, full.read_text(encoding="utf-8", errors="replace")))
    return out


def files_read_note(paths: list[str], shown: int = 6) -> str:
    """'Read 20 files, including a, b, c': the count always, so a file not named was still read."""
    if not paths:
        return "No coverage configuration, build or CI file in the repository to read"
    ci = [p for p in paths if p.startswith((".github/", ".circleci/", ".gitlab-ci")) or "Makefile" in p]
    named = (ci + [p for p in paths if p not in ci])[:shown]
    if len(paths) <= shown:
        return f"Read {len(paths)} file(s): {', '.join(named)}"
    return f"Read {len(paths)} files, including {', '.join(named)}"


@check("QA-COVERAGE")
def coverage_threshold(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    candidates = [f.path for f in ctx.repo.files if cov.is_coverage_config_candidate(f.path)]
    thresholds: list[cov.CoverageFact] = []
    for path in candidates:
        thresholds += cov.thresholds_in_text(path, ctx.repo.read_text(path) or "")
    reports = [fact for fact in (cov.report_percent(p, t) for p, t in _report_texts(ctx)) if fact]
    facts = thresholds or reports
    if not facts:
        return ItemResult(item.id, "fail",
                          "Heuristic: no coverage threshold configured (fail_under, --cov-fail-under, coverage report "
                          "--fail-under, jest coverageThreshold, nyc check-coverage, smokeshow threshold) and no "
                          "coverage report (coverage.xml, lcov.info, coverage-final.json) found. "
                          f"{files_read_note(candidates)}.",
                          details={"files_checked": candidates})
    best = max(facts, key=lambda f: f.percent)
    evidence = [Evidence(f.file, f.line, f.text or (ctx.repo.snippet(f.file, f.line) if f.line else ""),
                         rule_id=f"coverage-{f.source}", engine="text", kind=PRACTICE if f.percent >= cov.THRESHOLD else VIOLATION,
                         message=f"{f.how}: {f.percent:g}%") for f in facts]
    what = "threshold configured" if thresholds else "measured by a committed report"
    details = {"best_percent": best.percent, "source": best.source,
               "facts": [{"file": f.file, "line": f.line, "percent": f.percent, "how": f.how} for f in facts]}
    if best.percent >= cov.THRESHOLD:
        return ItemResult(item.id, "pass", f"Heuristic: coverage {what} at {best.percent:g}% ({best.how}, "
                          f"{best.file}:{best.line}), at least {cov.THRESHOLD:g}%.", evidence, details=details)
    score = max(1, min(9, int(best.percent // 10)))
    return ItemResult(item.id, "partial", f"Heuristic: coverage {what} at only {best.percent:g}% ({best.how}, "
                      f"{best.file}:{best.line}); the target is {cov.THRESHOLD:g}%.", evidence,
                      partial_score=score, details=details)
