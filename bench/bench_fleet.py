"""Benchmark: `auditor fleet` throughput with 1 and 2 local Dask workers over real repositories (issue 20).

The targets are bare git mirrors fetched outside the project (default: every `/work/.mirror/*/repo` named in
--repos); they are cloned by the fleet like any git URL, audited, and thrown away. Nothing of theirs is
committed. Each worker count gets a fresh output folder and `force` (no reuse), so every target is audited.

Measured per run: wall time, targets per hour, the sum of per-target audit times, and peak memory per worker:
a sampler reads every 0.5 s the resident memory of each worker process and its children (semgrep, bandit,
git) and keeps the largest sum; ru_maxrss of the worker (the Python audit) and of its largest child are
reported too. Load average before and after says how shared the machine was.

    PYTHONPATH=. /work/venv/bin/python bench/bench_fleet.py [--workers 1,2] [--repos FILE] [--out /tmp/bench-fleet]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.fleet.cluster import dask_client  # noqa: E402
from auditor.fleet.runner import FleetSettings, run_fleet  # noqa: E402
from auditor.fleet.targets import load_targets  # noqa: E402

# small-to-medium public Python and JavaScript backends (owner+name as the fetch tool stores them)
DEFAULT_REPOS = [
    "miguelgrinberg+microblog", "miguelgrinberg+flasky", "gothinkster+flask-realworld-example-app",
    "nsidnev+fastapi-realworld-example-app", "gothinkster+django-realworld-example-app",
    "gothinkster+node-express-realworld-example-app", "hagopj13+node-express-boilerplate",
    "danielfsousa+express-rest-boilerplate", "sahat+hackathon-starter", "santiq+bulletproof-nodejs",
    "madhums+node-express-mongoose-demo", "w3tecch+express-typescript-boilerplate",
    "microsoft+TypeScript-Node-Starter", "tiangolo+full-stack-fastapi-template", "testdrivenio+fastapi-tdd-docker",
    "HackSoftware+Django-Styleguide-Example", "mdn+django-locallibrary-tutorial", "postmanlabs+httpbin",
    "wagtail+bakerydemo", "bradtraversy+proshop_mern", "testdrivenio+flask-vue-crud",
    "lujakob+nestjs-realworld-example-app", "DjangoGirls+djangogirls", "healthchecks+healthchecks",
]
OVERNIGHT_HOURS = 8
ORGANISATION = 5000


class TreeMemorySampler(threading.Thread):
    """Peak resident memory of each worker process plus its descendants, sampled every `interval` s."""

    def __init__(self, client, interval: float = 0.5):
        super().__init__(daemon=True)
        self.client, self.interval = client, interval
        self.peaks: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil
        while not self.stop.is_set():
            try:
                pids = self.client.run(os.getpid)
            except Exception:   # a worker restarting: sample again next time
                pids = {}
            for address, pid in pids.items():
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                self.peaks[address] = max(self.peaks.get(address, 0.0), rss / 2**20)
            self.stop.wait(self.interval)


def bench(workers: int, targets_file: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    targets = load_targets(targets_file)
    load_before = os.getloadavg()
    cpu_before = _children_cpu()
    with dask_client(workers, None, None) as client:
        sampler = TreeMemorySampler(client)
        sampler.start()
        started = time.monotonic()
        outcome = run_fleet(targets, FleetSettings(out, str(targets_file), force=True, scheduler=client.scheduler.address))
        wall = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
    # the cluster is closed: its nannies were reaped, and with them their workers and the engines they ran
    cpu = _children_cpu() - cpu_before
    results = list(outcome.results.values())
    ok = [r for r in results if r.status == "ok"]
    by_worker: dict[str, dict] = {}
    for r in results:
        w = by_worker.setdefault(r.worker, {"targets": 0, "python_peak_mb": 0.0, "child_peak_mb": 0.0})
        w["targets"] += 1
        w["python_peak_mb"] = max(w["python_peak_mb"], r.peak_rss_mb or 0)
        w["child_peak_mb"] = max(w["child_peak_mb"], r.peak_child_rss_mb or 0)
    return {
        "workers": workers, "targets": len(results), "ok": len(ok),
        "errors": {r.target: r.error for r in results if r.status != "ok"},
        "wall_s": round(wall, 1), "targets_per_hour": round(len(results) / wall * 3600, 1),
        "audit_s_sum": round(sum(r.duration_s for r in results), 1),
        "cpu_s": round(cpu, 1), "cpu_s_per_target": round(cpu / max(1, len(results)), 1),
        "audit_s_median": round(statistics.median(r.duration_s for r in ok), 1) if ok else None,
        "audit_s_max": round(max((r.duration_s for r in ok), default=0), 1),
        "slowest": max(ok, key=lambda r: r.duration_s).target if ok else None,
        "peak_tree_rss_mb_per_worker": {a: round(v) for a, v in sampler.peaks.items()},
        "per_worker_process": by_worker,
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def _children_cpu() -> float:
    """CPU seconds of every finished descendant (user + system), which is load-independent, unlike wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def projection(one: dict, many: dict) -> list[str]:
    """On paper: how many workers an organisation of 5,000 repositories needs to finish overnight."""
    peak = max(many["peak_tree_rss_mb_per_worker"].values(), default=0)
    core_hours = ORGANISATION * many["cpu_s_per_target"] / 3600
    cores = core_hours / OVERNIGHT_HOURS
    return [
        f"scaling 1 -> {many['workers']} workers: {many['targets_per_hour'] / one['targets_per_hour']:.2f}x "
        f"({one['wall_s']} s -> {many['wall_s']} s for {many['targets']} targets)",
        f"CPU per target: {one['cpu_s_per_target']} s (1 worker), {many['cpu_s_per_target']} s ({many['workers']} workers);"
        f" peak memory per worker {peak} MB",
        f"{ORGANISATION} repositories at this mix: {core_hours:.0f} core-hours, so {cores:.1f} busy cores for "
        f"{OVERNIGHT_HOURS} h; with one worker per core and a margin of 1.5 for idle time and stragglers, "
        f"{cores * 1.5:.0f} workers and {cores * 1.5 * peak / 1024:.0f} GiB",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--repos", type=Path, help="A file of owner+name lines (default: the list in this script).")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-fleet"))
    args = parser.parse_args()
    names = args.repos.read_text().split() if args.repos else DEFAULT_REPOS
    present = [n for n in names if (args.mirrors / n / "repo" / "HEAD").is_file()]
    missing = sorted(set(names) - set(present))
    if missing:
        print(f"not fetched, left out: {', '.join(missing)}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    targets_file = args.out / "targets.txt"
    targets_file.write_text("".join(f"{args.mirrors / n / 'repo'}  {n.split('+')[0]}\n" for n in present))
    rows = []
    for workers in (int(w) for w in args.workers.split(",")):
        row = bench(workers, targets_file, args.out / f"w{workers}")
        rows.append(row)
        print(json.dumps(row), flush=True)
    if len(rows) >= 2:
        print("\n".join(projection(rows[0], rows[-1])))


if __name__ == "__main__":
    main()
