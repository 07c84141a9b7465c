"""Quality checklist: tests by kind, coverage threshold, environment configuration, dependency
constraints, audit trail."""
from __future__ import annotations

import os
import re

from auditor.catalog import CatalogItem
from auditor.checks.evaluate import dedupe
from auditor.context import AuditContext, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.probes import coverage as cov
from auditor.probes import testkinds
from auditor.probes.dependencies import (Dependency, ecosystem_of, lock_files_for, parse_manifest,
                                         parse_requirements)
from auditor.registry import check

TEST_LANGUAGES = ("python", "javascript", "typescript", "go")


# ---- QA-TESTS --------------------------------------------------------------------------------

def collect_tests(ctx: AuditContext) -> list[testkinds.TestFunction]:
    repo = ctx.repo
    conftest_fixtures: set[str] = set()
    for path in repo.paths("python"):
        if path.rsplit("/", 1)[-1] == "conftest.py":
            tree = repo.python_ast(path)
            if tree is not None:
                conftest_fixtures |= testkinds.integration_fixtures(tree)
    found: list[testkinds.TestFunction] = []
    languages = {f.path: f.language for f in repo.files}
    for path in ctx.inventory.test_files:
        lang = languages.get(path)
        name = path.rsplit("/", 1)[-1]
        if lang == "python":
            if name == "conftest.py":
                continue
            tree = repo.python_ast(path)
            if tree is not None:
                found += testkinds.python_tests(path, tree, frozenset(conftest_fixtures))
        elif lang in ("javascript", "typescript"):
            found += testkinds.javascript_tests(path, repo.read_text(path) or "")
        elif lang == "go" and name.endswith("_test.go"):
            found += testkinds.go_tests(path, repo.read_text(path) or "")
    return found


def _test_evidence(ctx: AuditContext, t: testkinds.TestFunction, count: int) -> Evidence:
    why = f" ({t.why})" if t.why else " (no client or database)"
    return Evidence(t.file, t.line, ctx.repo.snippet(t.file, t.line), rule_id=f"{t.kind}-test", engine="ast",
                    message=f"{t.kind} test {t.name}{why}; {count} {t.kind} test(s) in total", kind=PRACTICE)


@check("QA-TESTS")
def tests_by_kind(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    tests = collect_tests(ctx)
    unit = [t for t in tests if t.kind == testkinds.UNIT]
    integration = [t for t in tests if t.kind == testkinds.INTEGRATION]
    details = {"unit": len(unit), "integration": len(integration),
               "test_files": len({t.file for t in tests}),
               "by_file": {f: sum(1 for t in tests if t.file == f) for f in sorted({t.file for t in tests})}}
    if not tests:
        other = [p for p in ctx.inventory.test_files
                 if next((f.language for f in ctx.repo.files if f.path == p), None) not in TEST_LANGUAGES]
        if other and not set(ctx.inventory.code_languages) & set(TEST_LANGUAGES):
            raise Unavailable(f"test files found ({', '.join(other[:3])}) in a language whose tests are not read")
        looked = (f"{len(ctx.inventory.test_files)} test file(s) ({', '.join(ctx.inventory.test_files[:5])}) "
                  "hold no test function" if ctx.inventory.test_files else
                  "no test files (tests/, test_*.py, *_test.py, *_test.go, *.test.js/ts, *.spec.js/ts)")
        return ItemResult(item.id, "fail",
                          f"No tests: {looked}. Looked for pytest test_ functions, unittest TestCase methods, "
                          "jest/mocha it()/test() and Go TestX(t *testing.T).", details=details)
    evidence = []
    if unit:
        evidence.append(_test_evidence(ctx, unit[0], len(unit)))
    if integration:
        evidence.append(_test_evidence(ctx, integration[0], len(integration)))
    counts = f"{len(unit)} unit and {len(integration)} integration test(s) in {details['test_files']} file(s)"
    if unit and integration:
        return ItemResult(item.id, "pass", f"Both kinds present: {counts}.", evidence, details=details)
    missing = "integration tests (none drives the app through a test client or touches a database)" \
        if unit else "unit tests (every test uses a client or a database)"
    return ItemResult(item.id, "partial", f"Only one kind: {counts}; missing {missing}.", evidence,
                      partial_score=5, details=details)


# ---- QA-COVERAGE -----------------------------------------------------------------------------

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


# ---- QA-CONFIG -------------------------------------------------------------------------------

NOT_CONFIG_CODE = re.compile(r"(^|/)(conftest\.py|docs?/|examples?/|fixtures?/)")


def _production_code(path: str) -> bool:
    """Hard-coded addresses in tests, docs and examples are expected; only application code counts.
    (Filtered here, not with semgrep `paths:`, whose patterns match the absolute target path.)"""
    return not TEST_FILE.search(path) and not NOT_CONFIG_CODE.search(path)


@check("QA-CONFIG")
def environment_configuration(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    bad = dedupe([f for f in ctx.violations(item.id) if _production_code(f.file)])
    good = dedupe(ctx.practices(item.id))
    if not bad and not good:
        return ItemResult(item.id, "not_applicable",
                          "Heuristic: no configuration surface found: no environment reads (os.environ, getenv, "
                          "BaseSettings, django-environ, dotenv, process.env, os.Getenv) and no hard-coded "
                          "database/service URLs.")
    good_files = sorted({f.file for f in good})
    evidence = [f.evidence for f in bad] + [f.evidence for f in good][:10]
    details = {"environment_reads": len(good), "hard_coded_values": len(bad), "files_reading_env": good_files}
    if not bad:
        return ItemResult(item.id, "pass",
                          f"Heuristic: configuration comes from the environment ({len(good)} read(s) in "
                          f"{len(good_files)} file(s)); no hard-coded per-environment address found.",
                          evidence, details=details)
    if not good:
        return ItemResult(item.id, "fail",
                          f"Heuristic: {len(bad)} hard-coded per-environment value(s) (database URLs, internal or "
                          "localhost service addresses, database hosts) and no configuration read from the "
                          "environment.", evidence, details=details)
    return partial_result(item.id, len(good), len(good) + len(bad),
                          f"Heuristic: {len(good)} environment read(s), but {len(bad)} hard-coded per-environment "
                          "value(s) remain.", evidence, details)


# ---- QA-DEPENDENCIES -------------------------------------------------------------------------

def manifest_paths(ctx: AuditContext) -> list[str]:
    """Inventory manifests plus requirements files kept in a requirements/ folder."""
    extra = [f.path for f in ctx.repo.files
             if "/requirements/" in f"/{f.path}" and f.path.endswith((".txt", ".in"))]
    return sorted({p for p in (*ctx.inventory.manifests, *extra)
                   if ecosystem_of(p) or "/requirements/" in f"/{p}"} - {p for p in extra if TEST_FILE.search(p)})


def collect_dependencies(ctx: AuditContext) -> dict[str, list[Dependency]]:
    """Manifest -> its dependencies; lines reached through `-r` includes are attributed to their own file."""
    out: dict[str, list[Dependency]] = {}
    seen: set[tuple[str, int]] = set()
    for path in manifest_paths(ctx):
        text = ctx.repo.read_text(path)
        if text is None:
            continue
        if "/requirements/" in f"/{path}":
            deps = parse_requirements(text, path, ctx.repo.read_text)
        else:
            deps = parse_manifest(path, text, ctx.repo.read_text)
        for dep in deps or []:
            if (dep.file, dep.line) not in seen:
                seen.add((dep.file, dep.line))
                out.setdefault(dep.file, []).append(dep)
    return out


@check("QA-DEPENDENCIES")
def dependencies_constrained(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    by_manifest = collect_dependencies(ctx)
    lock_files = list(ctx.inventory.lock_files)
    if not any(by_manifest.values()):
        unparsed = [m for m in ctx.inventory.manifests if ecosystem_of(m) is None
                    and m.rsplit("/", 1)[-1] not in ("setup.py", "setup.cfg")]
        if unparsed:
            raise Unavailable(f"dependency manifests in formats not read: {', '.join(unparsed[:5])}")
        return ItemResult(item.id, "not_applicable",
                          "No dependency declared in requirements*.txt, pyproject.toml, Pipfile, package.json or "
                          "go.mod" + (f" ({', '.join(ctx.inventory.manifests)} declare none)" if ctx.inventory.manifests else "") + ".")
    good = 0
    total = 0
    unconstrained: list[Dependency] = []
    locked_by: dict[str, list[str]] = {}
    constrained_examples: list[Dependency] = []
    for manifest, deps in sorted(by_manifest.items()):
        locks = lock_files_for(manifest, lock_files)
        if locks:
            locked_by[manifest] = locks
        for dep in deps:
            total += 1
            if dep.constrained or locks:
                good += 1
                if dep.constrained and len(constrained_examples) < 5:
                    constrained_examples.append(dep)
            else:
                unconstrained.append(dep)
    evidence = [Evidence(d.file, d.line, d.text, rule_id="unconstrained-dependency", engine="manifest",
                         message=f"{d.name}: {d.reason}", kind=VIOLATION) for d in unconstrained]
    used_locks = sorted({lock for locks in locked_by.values() for lock in locks})
    evidence += [Evidence(lock, None, "", rule_id="lock-file", engine="manifest",
                          message="lock file committed: exact versions of every dependency", kind=PRACTICE)
                 for lock in used_locks]
    evidence += [Evidence(d.file, d.line, d.text, rule_id="constrained-dependency", engine="manifest",
                          message=f"{d.name}: {d.reason}", kind=PRACTICE) for d in constrained_examples]
    details = {"dependencies": total, "constrained_or_locked": good, "lock_files": used_locks,
               "manifests": {m: len(d) for m, d in by_manifest.items()},
               "unconstrained": [f"{d.file}:{d.line} {d.name}" for d in unconstrained]}
    lock_note = f" Lock file(s): {', '.join(used_locks)}." if used_locks else " No lock file."
    if not unconstrained:
        return ItemResult(item.id, "pass", f"All {total} dependencies are version-constrained or locked."
                          + lock_note, evidence, details=details)
    return partial_result(item.id, good, total,
                          f"{len(unconstrained)} of {total} dependencies are unconstrained "
                          f"(no version, lower bound only, '*' or 'latest') in manifests without a lock file."
                          + lock_note, evidence, details)


# ---- QA-AUDIT-LOG ----------------------------------------------------------------------------

@check("QA-AUDIT-LOG")
def audit_trail(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    found = dedupe(ctx.practices(item.id))
    if found:
        files = sorted({f.file for f in found})
        return ItemResult(item.id, "pass",
                          f"Heuristic: audit trail present in {len(files)} file(s) ({len(found)} place(s)): "
                          "audit library, audit logger or security events logged with the actor.",
                          [f.evidence for f in found][:20])
    return ItemResult(item.id, "fail",
                      "Heuristic: no audit trail found. Looked for django-auditlog, django-simple-history, "
                      "django-reversion, a logger named 'audit'/'security', and log calls recording logins, "
                      "logouts, password/permission/role changes or deletions together with the actor.")
