"""One target's audit, as a task on a Dask worker: exactly what `auditor audit TARGET` does.

The same checkout (auditor/remote.py: a shallow clone into a temporary folder, always removed), the same
config rules (the CLI's own option resolution: the repository's `.auditor.toml` or `[tool.auditor]`, or the
fleet's `--config`), the same cache rule (a local checkout uses its cache, a clone none unless a cache
folder is given), the same pipeline entry (`run_audit`) and the same JSON report. Nothing is written here:
the task returns the report's text and its rows, and the fleet's driver writes them (one writer, atomic
writes), so a worker killed mid-audit leaves nothing half-done behind and its target is simply run again.

Whatever goes wrong with one target (a clone that fails, a config that is malformed, a bug of ours) comes
back as that target's error; the fleet goes on.
"""
from __future__ import annotations

import datetime as dt
import os
import resource
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import AuditError
from auditor.fleet.resume import audit_key, current_commit, settings_fingerprint
from auditor.fleet.targets import Target

OK, ERROR = "ok", "error"


@dataclass
class TargetResult:
    """What the driver records for one target in one run."""
    target: str
    status: str                       # ok | error
    reused: bool = False              # ok, and the previous report still holds (same commit, rules, config)
    error: str | None = None
    commit: str | None = None
    branch: str | None = None
    score: float | None = None
    grade: str | None = None
    gate_passed: bool | None = None
    audit_key: str | None = None
    report_json: str | None = None
    report_html: str | None = None
    items: list[tuple] = field(default_factory=list)       # (item_id, category, severity, verdict, score, violations)
    violations: list[tuple] = field(default_factory=list)  # (item_id, file, line, rule_id, engine, fingerprint, state, message)
    audited_at: str | None = None
    duration_s: float = 0.0
    worker: str = ""
    peak_rss_mb: float | None = None          # the worker process, since it started
    peak_child_rss_mb: float | None = None    # its largest child so far (semgrep, as a rule)


def audit_target(target: Target, previous_key: str | None = None, config_file: str | None = None,
                 cache_dir: str | None = None) -> TargetResult:
    """Audit one target, or say that its previous report still holds (`previous_key` unchanged)."""
    started = time.monotonic()
    result = TargetResult(target.target, ERROR, worker=f"{socket.gethostname()}:{os.getpid()}")
    try:
        settings = settings_fingerprint(config_file)
        key_now = audit_key(current_commit(target), target.ref, settings)
        if previous_key is not None and key_now == previous_key:
            result.status, result.reused, result.audit_key = OK, True, key_now
        else:
            from auditor.render.html import render_html
            report = audit_like_the_cli(target, config_file, cache_dir)
            fill_from_report(result, report, settings, target.ref)
            result.report_html = render_html(report)
    except AuditError as exc:
        result.error = str(exc)
    except Exception as exc:  # a bug of ours, for this target only: the fleet goes on
        result.error = f"internal error: {type(exc).__name__}: {exc}"
    result.duration_s = round(time.monotonic() - started, 3)
    result.peak_rss_mb, result.peak_child_rss_mb = _peak_rss_mb()
    return result


def audit_like_the_cli(target: Target, config_file: str | None, cache_dir: str | None) -> dict:
    """`auditor audit TARGET [--ref REF] [--config FILE] [--cache-dir DIR]`, returning the report dict."""
    from auditor.cli import _options as cli_options  # the CLI's own config rules, not a copy of them
    from auditor.pipeline import run_audit
    from auditor.remote import checkout_target, redact_url

    with checkout_target(target.source, target.ref) as root:
        options, file_config = cli_options(root, Path(config_file) if config_file else None,
                                           (), (), (), None, None, None, None)
        options.use_cache = cache_dir is not None or not target.is_remote
        options.cache_dir = Path(cache_dir).resolve() if cache_dir else None
        report = run_audit(root, options)
        if target.is_remote:
            report["repository"]["path"] = redact_url(target.source)
    if file_config.source:
        report["config"] = {"source": file_config.source}
    return report


def fill_from_report(result: TargetResult, report: dict, settings: str, ref: str | None) -> None:
    """The result of an audit: its report as JSON text, its summary, and its database rows."""
    from auditor.render.json_report import render_json

    repository, summary = report["repository"], report["summary"]
    result.status = OK
    result.commit, result.branch = repository.get("commit"), repository.get("branch")
    result.score, result.grade = summary.get("score"), summary.get("grade")
    result.gate_passed = bool(summary["gate"]["passed"])
    # the key of what was audited (a push between ls-remote and the clone is keyed by the clone's commit)
    result.audit_key = audit_key(result.commit if repository.get("dirty") is False else None, ref, settings)
    result.audited_at = report.get("generated_at") or dt.datetime.now(dt.timezone.utc).isoformat()
    result.report_json = render_json(report)
    for item in report["items"]:
        violations = [ev for ev in item["evidence"] if ev.get("kind") == "violation"]
        result.items.append((item["id"], item["category"], item["severity"], item["verdict"], item["score"],
                             len(violations)))
        result.violations.extend((item["id"], ev.get("file"), ev.get("line"), ev.get("rule_id"), ev.get("engine"),
                                  ev.get("fingerprint"), ev.get("state"), ev.get("message"))
                                 for ev in violations)


def _peak_rss_mb() -> tuple[float, float]:
    """ru_maxrss is in KiB on Linux."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own, 1), round(children, 1)
