"""Where semgrep's time goes: run it as the audit does, with `--time`, and print the most expensive rules and
files (issue 17). The benchmarks call `profile` after their timings, so every run says what to cut next.

    PYTHONPATH=$PWD python bench/semgrep_profile.py /tmp/ctfd [--top 10] [--all-files]

Rule time is semgrep's own matching time per rule summed over every file (its threads run side by side, so
the sum exceeds the wall time); file time is parsing plus matching of that file. `--all-files` scans what
semgrep alone would (bundles and data tables included) to show what leaving them out saves.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.engines.base import locate_executable
from auditor.engines.process import run_process
from auditor.engines.semgrep import (
    MAX_TARGET_BYTES,
    combined_rules_file,
    excluded_test_code,
    nonsource_excludes,
    project_anchor,
    semgrep_env,
    semgrep_jobs,
    semgrep_rules_dir,
)
from auditor.repo import DEFAULT_EXCLUDED_DIRS, Repository


@dataclass
class Profile:
    wall_s: float
    rules: list[tuple[str, float]] = field(default_factory=list)      # rule id, seconds, most expensive first
    files: list[tuple[str, float]] = field(default_factory=list)      # relative path, seconds
    timeouts: list[str] = field(default_factory=list)                 # "path: rule" semgrep gave up on
    files_scanned: int = 0
    max_memory_mb: float = 0.0
    error: str | None = None


def command(root: Path, all_files: bool = False) -> list[str]:
    """The audit's whole-repository semgrep command (run_semgrep), with --time."""
    exe = locate_executable("semgrep", "AUDITOR_SEMGREP") or "semgrep"
    cmd = [exe, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet", "--time",
           "--config", str(combined_rules_file(semgrep_rules_dir())), "--timeout", "20",
           "--max-target-bytes", str(MAX_TARGET_BYTES), "--x-ignore-semgrepignore-files",
           "--jobs", str(semgrep_jobs())]
    for name in sorted(DEFAULT_EXCLUDED_DIRS):
        cmd += ["--exclude", name]
    if not all_files:
        repo, anchor = Repository.scan(root), project_anchor(root.resolve())
        cmd += nonsource_excludes(repo, anchor) + excluded_test_code(repo, anchor)
    return cmd + [str(root)]


def profile(root: Path, all_files: bool = False, timeout: float = 3600) -> Profile:
    root = root.resolve()
    started = time.monotonic()
    result = run_process(command(root, all_files), timeout, env=semgrep_env(semgrep_jobs()), cwd=str(root))
    wall = time.monotonic() - started
    try:
        data = json.loads(result.stdout)
        if not isinstance(data, dict) or not isinstance(data.get("time"), dict):
            raise ValueError("no --time data")
    except ValueError:
        return Profile(wall, error=(result.stderr.strip().splitlines() or ["no JSON from semgrep"])[-1][:300])
    return summarise(data, root, wall)


def summarise(data: dict, root: Path, wall: float) -> Profile:
    """The per-rule and per-file totals of semgrep's `--time` JSON."""
    timing = data["time"]
    rule_ids = [r["id"] if isinstance(r, dict) else str(r) for r in timing.get("rules", [])]
    per_rule: dict[str, float] = {}
    per_file: dict[str, float] = {}
    for target in timing.get("targets", []):
        path = _relative(target.get("path", ""), root)
        per_file[path] = per_file.get(path, 0.0) + float(target.get("run_time") or 0.0)
        for rule, seconds in zip(rule_ids, target.get("match_times") or ()):
            per_rule[rule] = per_rule.get(rule, 0.0) + float(seconds or 0.0)
    timeouts = sorted({f"{_relative(e.get('path', ''), root)}: {(e.get('rule_id') or '').rsplit('.', 1)[-1]}"
                       for e in data.get("errors", []) if "Timeout" in str(e.get("type"))})
    return Profile(
        wall_s=wall,
        rules=sorted(((r.rsplit(".", 1)[-1], s) for r, s in per_rule.items()), key=lambda x: -x[1]),
        files=sorted(per_file.items(), key=lambda x: -x[1]),
        timeouts=timeouts,
        files_scanned=len(timing.get("targets", [])),
        max_memory_mb=float(timing.get("max_memory_bytes") or 0) / 2**20,
    )


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def report(prof: Profile, top: int = 10) -> str:
    if prof.error:
        return f"semgrep profile: failed: {prof.error}"
    rule_total = sum(s for _, s in prof.rules)
    lines = [f"semgrep profile: {prof.wall_s:.1f} s wall, {prof.files_scanned} files, "
             f"{rule_total:.1f} s of rule time, {prof.max_memory_mb:.0f} MB, "
             f"{len(prof.timeouts)} rule timeouts" + (f" ({', '.join(prof.timeouts[:5])})" if prof.timeouts else "")]
    lines.append(f"  {top} most expensive rules (matching time summed over files):")
    lines += [f"    {s:7.2f} s  {rule}" for rule, s in prof.rules[:top]]
    lines.append(f"  {top} most expensive files (parse + match):")
    lines += [f"    {s:7.2f} s  {path}" for path, s in prof.files[:top]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--all-files", action="store_true", help="do not leave out bundles and data tables")
    args = parser.parse_args(argv)
    prof = profile(args.root, args.all_files)
    print(report(prof, args.top))
    return 1 if prof.error else 0


if __name__ == "__main__":
    sys.exit(main())
