"""Benchmark: what the standard's eleven remaining items (issue 18) cost on a 250,000-line repository.

Runs the same cold audit (`--no-cache`, JSON to a temporary folder) with two checkouts of the tool, the one
before the items (`--before`, e.g. a worktree of main) and this one, alternately, and prints each run's
wall time and the ratio of the medians. Target: at most 1.10 (10 % slower). Usage:

    python bench/bench_new_items.py --before /work/main [--lines 250000] [--root /tmp/bench250k] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_repo import generate  # noqa: E402

HERE = Path(__file__).resolve().parent.parent


def audit_seconds(checkout: Path, root: Path) -> float:
    out = tempfile.mkdtemp(prefix="auditor-bench-out-")
    env = {**os.environ, "PYTHONPATH": str(checkout), "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "--no-cache", "--format", "json",
                    "--output", out, "--fail-on", "none"], env=env, check=False, capture_output=True)
    return time.monotonic() - started


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
    before, after = [], []
    for i in range(args.repeat):
        before.append(audit_seconds(args.before, root))
        after.append(audit_seconds(HERE, root))
        print(f"run {i + 1}: before {before[-1]:.1f} s, with the new items {after[-1]:.1f} s", flush=True)
    ratio = statistics.median(after) / statistics.median(before)
    print(f"median before {statistics.median(before):.1f} s, after {statistics.median(after):.1f} s: {ratio:.3f}x "
          f"(target <= 1.10)")


if __name__ == "__main__":
    main()
