"""A fleet run: every target submitted to the Dask cluster, each result written and recorded as it arrives.

Exactly once in the results: each target is one Dask task; the driver is the only writer of the output
folder and the database. A report is written atomically (a temporary file renamed into place) before its
rows go into the database in one transaction, so nothing is half-written, and a worker killed mid-audit
leaves nothing behind: the scheduler gives its task to another worker. A target whose previous report
still holds (same commit, rules and config: resume.py) is not audited again; its rows are copied.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from auditor import __version__
from auditor.files import write_atomic
from auditor.fleet.cluster import dask_client, default_workers
from auditor.fleet.store import FleetStore
from auditor.fleet.targets import Target
from auditor.fleet.task import ERROR, OK, TargetResult, audit_target
from auditor.remote import redact_url

REPORTS_DIR = "targets"


@dataclass
class FleetSettings:
    out_dir: Path
    targets_source: str
    workers: int | None = None
    scheduler: str | None = None
    memory_limit: str | None = None
    config_file: Path | None = None
    cache_dir: Path | None = None
    force: bool = False                 # audit every target even when its previous report still holds


@dataclass
class FleetOutcome:
    run_id: int
    total: int
    results: dict[str, TargetResult] = field(default_factory=dict)
    complete: bool = False

    @property
    def failed(self) -> list[TargetResult]:
        return [r for r in self.results.values() if r.status != OK]


# (results so far, total, the latest result) -> None
ProgressCallback = Callable[[int, int, TargetResult], None]


def run_fleet(targets: list[Target], settings: FleetSettings, on_result: ProgressCallback | None = None) -> FleetOutcome:
    out = settings.out_dir
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out / REPORTS_DIR)
    store = FleetStore.open(out)
    workers = settings.workers or default_workers(len(targets))
    run_id = store.start_run(__version__, settings.targets_source, None if settings.scheduler else workers,
                             redact_url(settings.scheduler) if settings.scheduler else None)
    outcome = FleetOutcome(run_id, len(targets))
    try:
        with dask_client(workers, settings.scheduler, settings.memory_limit) as client:
            _run_on(client, targets, settings, store, outcome, on_result)
        outcome.complete = len(outcome.results) == len(targets)
    finally:
        store.finish_run(run_id, outcome.complete)
        store.close()
    return outcome


def _run_on(client, targets: list[Target], settings: FleetSettings, store: FleetStore, outcome: FleetOutcome,
            on_result: ProgressCallback | None) -> None:
    from dask.distributed import as_completed

    config = str(settings.config_file.resolve()) if settings.config_file else None
    futures = {}
    for target in targets:
        cache = str(settings.cache_dir.resolve() / target.slug) if settings.cache_dir else None
        futures[client.submit(audit_target, target, _previous_key(store, target, settings), config, cache,
                              key=f"auditor-fleet-{target.slug}-{uuid.uuid4().hex[:8]}", pure=False)] = target
    for future in as_completed(futures):
        target = futures[future]
        result = _result_of(future, target)
        record_result(store, outcome.run_id, target, result, settings.out_dir)
        outcome.results[target.target] = result
        if on_result is not None:
            on_result(len(outcome.results), outcome.total, result)


def _previous_key(store: FleetStore, target: Target, settings: FleetSettings) -> str | None:
    if settings.force:
        return None
    row = store.previous_ok(target.target)
    if row is None or not row["audit_key"] or not row["report_path"]:
        return None
    return row["audit_key"] if (settings.out_dir / row["report_path"]).is_file() else None


def _result_of(future, target: Target) -> TargetResult:
    """The task's result; a worker that died on this target every time it was given it is this target's error."""
    from dask.distributed import KilledWorker
    try:
        return future.result()
    except KilledWorker:
        error = ("the worker auditing it died each time it was tried (over its memory limit, or killed); "
                 "see --memory-limit")
    except Exception as exc:  # the task's own errors come back as data; this is Dask's or the transport's
        error = f"{type(exc).__name__}: {exc}"
    return TargetResult(target.target, ERROR, error=error)


def record_result(store: FleetStore, run_id: int, target: Target, result: TargetResult, out: Path) -> None:
    report_path = None
    if result.status == OK and not result.reused:
        folder = Path(REPORTS_DIR) / target.slug
        if result.report_html is not None:
            write_atomic(out / folder / "report.html", result.report_html)
        write_atomic(out / folder / "report.json", result.report_json or "")
        report_path = (folder / "report.json").as_posix()
    store.record(run_id, result, target.team, target.ref, report_path, __version__)


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of a driver that was killed while writing (write_atomic's `.report.json.*.tmp`)."""
    if folder.is_dir():
        for stale in folder.glob("*/.report.*.tmp"):
            stale.unlink(missing_ok=True)
