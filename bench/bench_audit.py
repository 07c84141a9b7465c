"""Benchmark: the whole audit against semgrep (same rules) and bandit (same tests) run by hand.

Target (issue 2): `auditor audit` within 1.2x of the slower engine run alone, on a generated
repository of about 200,000 lines of Python. The ratio is given against two semgrep baselines (see
baseline.py): semgrep by hand with its defaults, and semgrep run alone exactly as the audit runs it. Usage:

    python bench/bench_audit.py [--lines 200000] [--root /tmp/bench-repo] [--repeat 1]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import bandit_alone, semgrep_alone, semgrep_as_audited  # noqa: E402
from generate_repo import generate  # noqa: E402
from measure import fmt, measure  # noqa: E402
from semgrep_profile import profile, report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--root", type=Path, help="existing or new folder for the generated repository")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-profile", action="store_true", help="skip the semgrep --time profile at the end")
    args = parser.parse_args()

    root = args.root or Path(tempfile.mkdtemp(prefix="auditor-bench-"))
    if not any(root.glob("app/*")):
        print(f"generated {generate(root, args.lines)} lines in {root}")
    auditor = shutil.which("auditor") or str(Path(sys.executable).parent / "auditor")
    out = Path(tempfile.mkdtemp(prefix="auditor-bench-out-"))
    commands = {
        "semgrep alone (same rules)": semgrep_alone(root),
        "semgrep alone, as audited": semgrep_as_audited(root),
        "bandit alone (same tests)": (bandit_alone(root), None),
        "auditor audit (everything)": ([auditor, "audit", str(root), "--format", "json", "--output", str(out),
                                        "--fail-on", "none", "--no-cache"], None),
    }
    runs: dict[str, list[dict]] = {label: [] for label in commands}
    for _ in range(args.repeat):  # interleaved, so a machine that slows down mid-run weighs on every row alike
        for label, (cmd, env) in commands.items():
            runs[label].append(measure(cmd, env=env))
    results = {label: min(rows, key=lambda r: r["seconds"]) for label, rows in runs.items()}
    for label, best in results.items():
        print(f"{label:30} {fmt(best)}")
    audit = results["auditor audit (everything)"]["seconds"]
    bandit = results["bandit alone (same tests)"]["seconds"]
    for label in ("semgrep alone (same rules)", "semgrep alone, as audited"):
        ratio = audit / max(results[label]["seconds"], bandit)
        print(f"audit / slower engine alone ({label}) = {ratio:.2f}x (target <= 1.2x): "
              + ("OK" if ratio <= 1.2 else "MISSED"))
    if not args.no_profile:
        print(report(profile(root)))


if __name__ == "__main__":
    main()
