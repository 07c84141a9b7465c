"""The audit: inventory and collectors while the engines run, then one verdict per item, then scores.

repo -> inventory -> engines (semgrep, bandit: once each, concurrently) -> findings -> checks -> verdicts
-> scoring -> report dict (the JSON contract; every other format renders from it).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from auditor import __version__, budget
from auditor.applicability import not_applicable_reason
from auditor.cache import FindingsCache, cache_refusal, default_cache_dir
from auditor.catalog import CatalogItem, load_catalog
from auditor.collectors.endpoints import ENDPOINTS
from auditor.collectors.migrations import MIGRATIONS
from auditor.context import AuditContext, Unavailable
from auditor.engines.bandit import run_bandit
from auditor.engines.base import OK, EngineRun
from auditor.engines.semgrep import run_semgrep
from auditor.errors import AuditError
from auditor.fingerprints import violation_fingerprints
from auditor.gating import (
    base_state,
    counts_for_gate,
    export_commit,
    load_baseline,
    mark_against_base,
    mark_baselined,
    merge_base,
)
from auditor.gcpolicy import audit_gc_thresholds
from auditor.gitinfo import git_state
from auditor.gitsafe import safe_git_environment
from auditor.incomplete import mark_incomplete
from auditor.inventory import build_inventory
from auditor.model import ANALYSIS_ERROR, ItemResult
from auditor.notices import audit_warnings, engines_failed
from auditor.options import AuditOptions
from auditor.paths import NON_PRODUCTION_PATH
from auditor.registry import CHECKS, collector_order, load_plugins
from auditor.repo import CODE_LANGUAGES, Repository
from auditor.scoring import GatePolicy, evaluate_gate, score_results
from auditor.suppressions import SuppressionRules, apply_suppressions, find_suppressions
from auditor.unparsed import unknown_without_unparsed, unparsed_python, unparsed_rows

SCHEMA_VERSION = "1.0"
NO_ANALYSIS_YET = "no analysis yet: this item's check is not built, so nothing was concluded"


def selected_items(options: AuditOptions) -> list[CatalogItem]:
    catalog = load_catalog()
    known = catalog.by_id
    for item_id in (*options.only, *options.skip):
        if item_id.upper() not in known:
            raise AuditError(f"unknown checklist item {item_id!r} (see `auditor checklist`)")
    only = {i.upper() for i in options.only}
    skip = {i.upper() for i in options.skip}
    items = [i for i in catalog.items if (not only or i.id in only) and i.id not in skip]
    out = []
    for item in items:
        override = options.severity_overrides.get(item.id)
        out.append(dataclasses.replace(item, severity=override) if override else item)
    return out


def validate_target(path: Path) -> Path:
    if not path.exists():
        raise AuditError(f"path does not exist: {path}")
    if not path.is_dir():
        raise AuditError(f"not a folder: {path} (audit a repository folder)")
    try:
        next(path.iterdir(), None)
    except PermissionError:
        raise AuditError(f"cannot read folder: {path}") from None
    return path.resolve()


# (repo, options, side_lane=None) -> one EngineRun per engine
EngineRunner = Callable[..., list[EngineRun]]


def run_engines(repo: Repository, options: AuditOptions, side_lane: threading.Lock | None = None) -> list[EngineRun]:
    """semgrep and bandit over the whole repository, concurrently: one process each.

    Semgrep scans on every core (semgrep_jobs, with a larger OCaml minor heap: see semgrep_gc). Bandit
    takes turns with our collectors when `side_lane` is given (whoever works holds it), so at most one
    Python task competes with semgrep's threads at a time: each one that takes a core from them stalls
    all of them at their next collection."""
    cache = FindingsCache.for_repository(repo.root, options.cache_dir) if options.use_cache else None
    lane = side_lane or contextlib.nullcontext()

    def bandit_in_lane() -> EngineRun:
        with lane:
            return run_bandit(repo, options.engine_timeout, cache=cache)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="engine") as pool:
        semgrep_job = pool.submit(run_semgrep, repo, options.engine_timeout, cache=cache)
        bandit_job = pool.submit(bandit_in_lane)
        return [semgrep_job.result(), bandit_job.result()]


@dataclass
class AuditRun:
    """One audit's report with what produced it, for callers that derive more from it (per-service, history)."""
    ctx: AuditContext
    items: list[CatalogItem]
    report: dict
    suppressions: list = field(default_factory=list)
    changed: dict | None = None
    generated_at: str = ""


def run_audit(path: Path, options: AuditOptions | None = None, progress: Any = None) -> dict:
    with safe_git_environment(Path(path)):  # git must not run the audited repository's configured commands
        return audit_repository(path, options, progress).report


def audit_repository(path: Path, options: AuditOptions | None = None, progress: Any = None,
                     engines: EngineRunner | None = None) -> AuditRun:
    """run_audit, keeping the context; `engines` replaces the semgrep+bandit run (history reuses findings)."""
    with audit_gc_thresholds():
        return _audit_repository(path, options, progress, engines)


def _audit_repository(path: Path, options: AuditOptions | None, progress: Any,
                      engines: EngineRunner | None) -> AuditRun:
    options = options or AuditOptions()
    root = validate_target(path)
    items = selected_items(options)
    load_plugins()
    started = time.monotonic()
    generated_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    repo = Repository.scan(root, options.excludes)
    if not repo.security_files():
        raise AuditError(f"nothing to audit: {path} has no files (after excludes)")
    if not any(f.language in CODE_LANGUAGES for f in repo.security_files()):
        raise AuditError(no_source_code(path, repo, options))
    _note(progress, f"{len(repo.files)} files")
    ctx = gather_context(repo, options, progress, engines or run_engines, items=items)
    if options.use_cache:
        refused = cache_refusal(options.cache_dir or default_cache_dir(root), root)
        if refused:
            ctx.warnings.append(f"{refused}; the engines ran without a cache")
    suppressions = find_suppressions(repo, set(load_catalog().by_id), SuppressionRules(**options.suppression_rules))
    changed = audit_merge_base(root, options, progress) if options.diff_base else None
    report = judge(ctx, items, options, generated_at, started, suppressions, changed)
    return AuditRun(ctx, items, report, suppressions, changed, generated_at)


def audit_merge_base(root: Path, options: AuditOptions, progress: Any = None) -> dict:
    """--diff-base: the same audit of the merge base of REF and HEAD, read from git's objects into a private
    temporary folder (gating.export_commit), reduced to its violation fingerprints and failed items."""
    commit = merge_base(root, options.diff_base or "")
    _note(progress, f"auditing the merge base {commit[:12]}")
    base_options = dataclasses.replace(options, diff_base=None, baseline=None, use_cache=False)
    with tempfile.TemporaryDirectory(prefix="backend-auditor-base-") as tmp:
        folder = Path(tmp) / "base"
        folder.mkdir()
        if not export_commit(root, commit, folder):
            return {"commit": commit, "fingerprints": set(), "failed_items": set()}
        try:
            run = _audit_repository(folder, base_options, None, None)
        except AuditError:   # nothing to audit at the merge base (no code yet): everything is new
            return {"commit": commit, "fingerprints": set(), "failed_items": set()}
    return base_state(run.report, commit)


def no_source_code(path: Path, repo: Repository, options: AuditOptions) -> str:
    """Why a folder with files but no code is not audited: every item but the secret scan would be
    not_applicable, and that one alone would score 100/100, grade A (a README is not a compliant backend)."""
    names = ", ".join(f.path for f in repo.files[:3]) + (f" and {len(repo.files) - 3} more" if len(repo.files) > 3 else "")
    excluded = " after excludes" if options.excludes else ""
    return (f"nothing to audit: {path} has no source code{excluded} (found {names}; the auditor reads "
            f"{', '.join(sorted(CODE_LANGUAGES))})")


def gather_context(repo: Repository, options: AuditOptions, progress: Any, engines: EngineRunner,
                   findings: list | None = None, items: list[CatalogItem] | None = None) -> AuditContext:
    """Inventory and collectors while the engines run; `findings` given (a per-service view) skips the engines.

    `items`: the items to be judged; a collector that serves none of them (unselected or not applicable)
    is skipped. None runs every collector."""
    side_lane = threading.Lock()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engines") as pool:
        engine_job = pool.submit(engines, repo, options, side_lane=side_lane) if findings is None else None
        with side_lane:  # collectors take turns with bandit beside semgrep (see run_engines)
            inventory = build_inventory(repo)
            ctx = AuditContext(repo=repo, inventory=inventory, options=dataclasses.asdict(options))
            wanted = None if items is None else {i.id for i in items if not not_applicable_reason(i, inventory)}
            _run_collectors(ctx, progress, wanted)
        if engine_job is not None:
            _note(progress, "waiting for semgrep and bandit")
            runs = engine_job.result()
            ctx.engines = {run.name: run for run in runs}
            findings = [f for run in runs for f in run.findings]
    ctx.findings = sorted(findings, key=lambda f: (f.item_id, f.file, f.line or 0, f.evidence.rule_id))
    return ctx


def judge(ctx: AuditContext, items: list[CatalogItem], options: AuditOptions, generated_at: str, started: float,
          suppressions: list, changed: dict | None, path_prefix: str = "") -> dict:
    """Verdicts, suppressions, baseline and diff marks, scores and gate, as the report dict.

    path_prefix: the context is a service folder's; its evidence paths are made repository-relative first,
    so suppressions, baseline fingerprints and changed lines (all repository-relative) apply unchanged."""
    results = {item.id: evaluate_item(item, ctx) for item in items}
    unparsed = unparsed_python(ctx.repo.skipped)   # a pass that did not read them is unknown
    results = {item.id: unknown_without_unparsed(results[item.id], item, unparsed) for item in items}
    if path_prefix:
        results = {item_id: _prefixed(r, path_prefix) for item_id, r in results.items()}
    incomplete = mark_incomplete(results, items, ctx)
    incomplete += unparsed_rows(results, incomplete)
    results = {item_id: apply_suppressions(r, suppressions) for item_id, r in results.items()}
    ctx.suppressed = [s.to_json() for s in suppressions]
    if options.baseline is not None:
        mark_baselined(results, load_baseline(options.baseline))
    if changed is not None:
        mark_against_base(results, changed)
    catalog = load_catalog()
    card = score_results(catalog, results)
    engine_failures = [f"{r.name} {r.status}" + (f": {r.error}" if r.error else "")
                       for r in ctx.engines.values() if r.status != OK]
    policy = GatePolicy(options.fail_under, options.fail_on, options.allow_unknown, options.category_minimums)
    analysis_errors = [(item_id, r.rationale) for item_id, r in results.items()
                       if r.verdict == "unknown" and r.details.get(ANALYSIS_ERROR)]
    passed, reasons = evaluate_gate(policy, card, items, results, engine_failures, counts_for_gate, analysis_errors)
    report = build_report(ctx, items, results, card, passed, reasons, generated_at, time.monotonic() - started)
    report["summary"]["incomplete"] = incomplete
    return report


GENERATED_REASON = ("generated code (name or header marker): read by the security items and the secret scan "
                    "only, left out of the other items")
NON_PRODUCTION_REASON = ("non-production path (tests, fixtures, examples, docs): the code-level security items "
                         "leave its findings out")


def non_production_files(ctx: AuditContext) -> list[dict]:
    """Every code file the audit reads as not shipped, by name with the reason (DESIGN.md: Trust model)."""
    rows = {f.path: GENERATED_REASON for f in ctx.repo.generated}
    tests = set(ctx.inventory.test_files)
    for f in ctx.repo.files:
        if f.language in CODE_LANGUAGES and (f.path in tests or NON_PRODUCTION_PATH.search(f.path)):
            rows.setdefault(f.path, NON_PRODUCTION_REASON)
    return [{"path": path, "reason": reason} for path, reason in sorted(rows.items())]


def _prefixed(result: ItemResult, prefix: str) -> ItemResult:
    result.evidence = [dataclasses.replace(ev, file=f"{prefix}/{ev.file}") if ev.file else ev
                       for ev in result.evidence]
    return result


def _timeout_warning() -> list[str]:
    """Said first: an audit cut short by --timeout judged only what finished."""
    if not budget.expired():
        return []
    return [f"{budget.expiry_message()}: the engines were stopped and unfinished analyses left out; every item "
            "that needed them is unknown"]


def _generated_warning(ctx: AuditContext) -> list[str]:
    n = len(ctx.repo.generated)
    return [f"{n} generated file(s) read by the security items only: see inventory.non_production_files"] if n else []


def _endpoint_warnings(endpoints: Any) -> list[str]:
    """Route calls the inventory could not attach: a thin inventory must not read as a clean bill."""
    warnings = getattr(endpoints, "warnings", None)
    return list(warnings() if callable(warnings) else warnings or [])


def _note(progress: Any, message: str) -> None:
    if progress is not None:
        progress(message)


def _run_collectors(ctx: AuditContext, progress: Any, wanted: set[str] | None = None) -> None:
    for coll in collector_order():
        if wanted is not None and coll.serves and not wanted.intersection(coll.serves):
            continue
        _note(progress, f"collecting {coll.name}")
        missing = [dep for dep in coll.after if dep in ctx.collector_errors]
        if missing:
            ctx.collector_errors[coll.name] = f"needs {', '.join(missing)}, which failed"
            continue
        if budget.expired():
            ctx.collector_errors[coll.name] = f"not run: {budget.expiry_message()}"
            continue
        try:
            with budget.interruptible():
                ctx.collected[coll.name] = coll.fn(ctx)
        except budget.OutOfTime as exc:   # the audit's --timeout, or one file past its budget: named
            ctx.collector_errors[coll.name] = f"not finished: {exc}"
        except Exception as exc:  # a collector bug must not abort the audit: its items become unknown
            ctx.collector_errors[coll.name] = f"{type(exc).__name__}: {exc}"


def evaluate_item(item: CatalogItem, ctx: AuditContext) -> ItemResult:
    reason = not_applicable_reason(item, ctx.inventory)
    if reason:
        return ItemResult(item.id, "not_applicable", reason)
    check = CHECKS.get(item.id)
    if check is None:
        if item.automation == "manual":
            return ItemResult(item.id, "manual", "not decidable statically: review by hand (see remediation)")
        return ItemResult(item.id, "unknown", NO_ANALYSIS_YET)
    try:
        with budget.interruptible():
            result = check(ctx, item)
    except Unavailable as exc:
        return ItemResult(item.id, "unknown", str(exc), details={ANALYSIS_ERROR: True} if exc.error else {})
    except budget.OutOfTime as exc:
        return ItemResult(item.id, "unknown", f"analysis not finished: {exc}", details={ANALYSIS_ERROR: True})
    except Exception as exc:  # a check bug (or a RecursionError) becomes an honest unknown, never a pass
        return ItemResult(item.id, "unknown", f"analysis error: {type(exc).__name__}: {exc}",
                          details={ANALYSIS_ERROR: True})
    result.evidence.sort(key=lambda e: (e.kind != "violation", e.file, e.line or 0, e.rule_id))
    return result


def build_report(ctx: AuditContext, items: list[CatalogItem], results: dict[str, ItemResult], card,
                 passed: bool, reasons: list[str], generated_at: str, duration: float) -> dict:
    state = git_state(ctx.repo.root)
    item_rows = []
    for item in items:
        r = results[item.id]
        fingerprints = {id(ev): fp for ev, fp in violation_fingerprints(item.id, r.evidence)}
        evidence_rows = []
        for ev in r.evidence:
            row = ev.to_json()
            if id(ev) in fingerprints:
                row["fingerprint"] = fingerprints[id(ev)]
            evidence_rows.append(row)
        item_rows.append({
            "id": item.id, "title": item.title, "category": item.category, "severity": item.severity,
            "weight": item.weight, "automation": item.automation,
            "verdict": r.verdict, "score": r.score, "rationale": r.rationale,
            "evidence": evidence_rows,
            "remediation": item.remediation, "details": r.details,
            # the catalog's words for what the item asks and why, and its tags: renderers read the report only
            "description": item.rationale, "cwe": list(item.cwe), "owasp": list(item.owasp),
        })
    selected = {i.id for i in items}
    categories = [{**c, "items": [i for i in c["items"] if i in selected]} for c in card.categories]
    inventory = ctx.inventory.to_json()
    endpoints = ctx.get_optional(ENDPOINTS)
    migrations = ctx.get_optional(MIGRATIONS)
    inventory["endpoints"] = [e.to_json() for e in getattr(endpoints, "endpoints", [])] if endpoints else []
    inventory["migrations"] = migrations.to_json_rows() if hasattr(migrations, "to_json_rows") else []
    inventory["skipped_files"] = [{"path": s.path, "reason": s.reason}
                                  for s in sorted(set(ctx.repo.skipped), key=lambda s: s.path)]
    inventory["non_production_files"] = non_production_files(ctx)
    inventory["collector_errors"] = ctx.collector_errors
    counts: dict[str, int] = {}
    for r in results.values():
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "backend-auditor", "version": __version__},
        "repository": {"path": str(ctx.repo.root), **state},
        "generated_at": generated_at,
        "duration_s": round(duration, 3),
        "summary": {
            "score": card.score, "grade": card.grade, "grade_capped_by": card.grade_capped_by,
            "verdicts": counts,
            # items that could not be analysed, named before any item is listed: each counts as 0 and may hide a failure
            "unknown": [row["id"] for row in item_rows if row["verdict"] == "unknown"],
            "gate": {"passed": passed, "reasons": reasons},
            "engines_failed": engines_failed(ctx.engines.values()),
            "warnings": _timeout_warning()
            + audit_warnings(ctx.engines.values(), ctx.collector_errors, inventory["skipped_files"])
            + _endpoint_warnings(endpoints) + ctx.warnings + _generated_warning(ctx),
        },
        "categories": categories,
        "items": item_rows,
        "inventory": inventory,
        "engines": [run.to_json() for run in ctx.engines.values()],
        "suppressed": ctx.suppressed,
        **({"policy": ctx.options["policy_report"]} if ctx.options.get("policy_report") else {}),
    }
