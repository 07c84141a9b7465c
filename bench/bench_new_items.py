"""Benchmark: what the standard's eleven remaining items (issue 18) cost on a 250,000-line repository.

Runs the same cold audit (`--no-cache`, JSON to a temporary folder) with two checkouts of the tool, the one
before the items (`--before`, e.g. a worktree of main) and this one, alternately, and prints each run's
wall time and the ratio of the medians. Target: at most 1.10 (10 % slower). Usage:

    python bench/bench_new_items.py --before /work/main [--lines 250000] [--root /tmp/bench250k] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_repo import generate  # noqa: E402

HERE = Path(__file__).resolve().parent.parent


def audit_seconds(checkout: Path, root: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the audit and every engine it ran) of one cold audit.

    On a shared machine the wall time moves with the neighbours; the CPU time is the steadier figure."""
    out = tempfile.mkdtemp(prefix="auditor-bench-out-")
    env = {**os.environ, "PYTHONPATH": str(checkout), "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "--no-cache", "--format", "json",
                    "--output", out, "--fail-on", "none"], env=env, check=False, capture_output=True)
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="checkout of the tool without the new items")
    parser.add_argument("--lines", type=int, default=250_000)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    root = args.root or Path(tempfile.mkdtemp(prefix="auditor-bench-"))
    if not any(root.glob("app/*")):
        print(f"generated {generate(root, args.lines)} lines in {root}")
    before: list[tuple[float, float]] = []
    after: list[tuple[float, float]] = []
    for i in range(args.repeat):
        before.append(audit_seconds(args.before, root))
        after.append(audit_seconds(HERE, root))
        print(f"run {i + 1}: before {before[-1][0]:.1f} s wall, {before[-1][1]:.1f} s CPU; "
              f"with the new items {after[-1][0]:.1f} s wall, {after[-1][1]:.1f} s CPU", flush=True)
    for label, index in (("wall", 0), ("CPU", 1)):
        median_before = statistics.median(run[index] for run in before)
        median_after = statistics.median(run[index] for run in after)
        print(f"{label}: median before {median_before:.1f} s, after {median_after:.1f} s: "
              f"{median_after / median_before:.3f}x (target <= 1.10)")


if __name__ == "__main__":
    main()
