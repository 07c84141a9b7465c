"""A synthetic fleet folder (database, reports) for render tests, the browser test and bench/.

Each target's report is `synthetic_report` (the real catalog, made-up verdicts and evidence); its summary
score is spread over 15-95 so the grade chart, the trend and the sortable table have something to show.
Some targets are errors. `hostile=True` names a target and an error with `<script>`, markup, Markdown
table pipes and a terminal escape: every renderer must keep them inert.
"""
from __future__ import annotations

import random
from pathlib import Path

from auditor.fleet.runner import record_result
from auditor.fleet.store import FleetStore
from auditor.fleet.targets import Target
from auditor.fleet.task import ERROR, TargetResult, fill_from_report
from auditor.samples import synthetic_report
from auditor.scoring import grade_for

HOSTILE_TARGET = 'https://git.example.com/org/<script>alert(1)</script>|pipe|"><img src=x onerror=alert(2)>.git'
HOSTILE_ERROR = "cannot clone: \x1b[31m<b>bold</b> | ::error::forged\nsecond line <script>alert(3)</script>"
TEAMS = ("payments", "storefront", "platform", None)


def synthetic_fleet(out_dir: Path, targets: int = 24, runs: int = 3, hostile: bool = False, seed: int = 5,
                    findings: int = 30) -> list[int]:
    """Write `runs` runs of `targets` targets into out_dir; returns the run ids."""
    rng = random.Random(seed)
    names = [f"https://git.example.com/org/service-{n:04d}.git" for n in range(targets)]
    if hostile and targets > 1:
        names[1] = HOSTILE_TARGET
    base = {name: rng.uniform(15, 95) for name in names}
    store = FleetStore.open(out_dir)
    run_ids = []
    try:
        for run in range(runs):
            run_id = store.start_run("synthetic", "synthetic", 2, None)
            for n, name in enumerate(names):
                target = Target(name, name, None, TEAMS[n % len(TEAMS)], f"synthetic:{n}")
                result = TargetResult(name, ERROR, worker=f"synthetic:{n % 2}")
                if n % 9 == 4 or (hostile and n == 1):
                    result.error = HOSTILE_ERROR if hostile and n == 1 else "cannot clone: repository not found"
                else:
                    report = synthetic_report(findings=findings, seed=n * 31 + run, hostile=hostile and n == 2)
                    score = round(min(100.0, max(0.0, base[name] + rng.uniform(-6, 6) + 2 * run)), 1)
                    report["summary"].update(score=score, grade=grade_for(score))
                    report["repository"].update(path=name, commit=f"{n:08x}{run:032x}", branch="main", dirty=False)
                    fill_from_report(result, report, "synthetic", None)
                record_result(store, run_id, target, result, out_dir)
            store.finish_run(run_id, complete=True)
            run_ids.append(run_id)
    finally:
        store.close()
    return run_ids
