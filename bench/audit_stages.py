"""Where an audit's time goes, stage by stage (issue 17): the repository walk, the inventory, each collector,
each engine, each check, the report. With --reaudit it runs a cold audit with an empty cache, changes one
Python file and audits again, each audit in a fresh process (as the CLI runs them), and prints both.

    PYTHONPATH=$PWD python bench/audit_stages.py /tmp/netbox [--reaudit] [--no-cache] [--top 15]

Engines run beside the collectors (pipeline.gather_context), so a stage's wall time includes its share of a
busy machine; CPU seconds are those of the thread that ran it. A check's time includes whatever it computes
lazily on first use (a parse, an index) that other checks then reuse.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHANGE = "\n\ndef bench_stage_probe(value):\n    return eval(value)\n"


def _timed(stages: dict[str, list[float]], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.monotonic(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            row = stages.setdefault(name, [0.0, 0.0])
            row[0] += time.monotonic() - wall
            row[1] += time.thread_time() - cpu
    return wrapper


def audit_once(root: Path, cache_dir: Path | None) -> dict:
    """One audit in this process, every stage timed; returns {"total": s, "stages": {name: [wall, cpu]}}."""
    from auditor import pipeline, registry
    from auditor.options import AuditOptions

    stages: dict[str, list[float]] = {}
    registry.load_plugins()
    pipeline.Repository.scan = staticmethod(_timed(stages, "walk: Repository.scan", pipeline.Repository.scan))
    pipeline.build_inventory = _timed(stages, "inventory", pipeline.build_inventory)
    pipeline.run_semgrep = _timed(stages, "engine: semgrep", pipeline.run_semgrep)
    pipeline.run_bandit = _timed(stages, "engine: bandit", pipeline.run_bandit)
    pipeline.find_suppressions = _timed(stages, "suppressions", pipeline.find_suppressions)
    pipeline.build_report = _timed(stages, "report dict", pipeline.build_report)
    for name, coll in list(registry.COLLECTORS.items()):
        registry.COLLECTORS[name] = registry.Collector(coll.name, _timed(stages, f"collector: {name}", coll.fn),
                                                       coll.after, coll.serves)
    for item_id, fn in list(pipeline.CHECKS.items()):
        pipeline.CHECKS[item_id] = _timed(stages, f"check: {item_id}", fn)
    options = AuditOptions(use_cache=cache_dir is not None, cache_dir=cache_dir, fail_on="none")
    started = time.monotonic()
    pipeline.run_audit(root, options)
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"total": time.monotonic() - started, "stages": stages,
            "cpu": me.ru_utime + me.ru_stime, "children_cpu": kids.ru_utime + kids.ru_stime,
            "peak_mib": me.ru_maxrss / 1024, "children_peak_mib": kids.ru_maxrss / 1024, "load": os.getloadavg()[0]}


def run_child(root: Path, cache_dir: Path | None) -> dict:
    cmd = [sys.executable, __file__, str(root), "--child"] + (["--cache-dir", str(cache_dir)] if cache_dir else [])
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, check=False)
    if done.returncode != 0:
        raise SystemExit(f"audit failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, result: dict, top: int) -> str:
    stages = sorted(result["stages"].items(), key=lambda kv: -kv[1][0])
    checks = sum(v[0] for k, v in result["stages"].items() if k.startswith("check: "))
    lines = [f"{label}: {result['total']:.1f} s in process; checks together {checks:.1f} s; "
             f"CPU {result.get('cpu', 0):.1f} s (this process, imports included) + "
             f"{result.get('children_cpu', 0):.1f} s (engines); peak RSS {result.get('peak_mib', 0):.0f} MiB "
             f"(largest engine process {result.get('children_peak_mib', 0):.0f} MiB); 1-min load at the end {result.get('load', 0):.1f}; "
             f"{top} longest stages (wall s / thread CPU s):"]
    lines += [f"  {wall:7.2f} {cpu:7.2f}  {name}" for name, (wall, cpu) in stages[:top]]
    return "\n".join(lines)


def one_python_file(root: Path) -> Path:
    candidates = sorted(p for p in root.rglob("*.py") if p.is_file() and not p.is_symlink()
                        and "tests" not in p.parts and p.stat().st_size > 500)
    return candidates[len(candidates) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--reaudit", action="store_true", help="cold audit with a cache, one file changed, again")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("SEMGREP_ENABLE_VERSION_CHECK", "0")
    if args.child:
        print(json.dumps(audit_once(args.root, args.cache_dir)))
        return
    if not args.reaudit:
        cache = None if args.no_cache else Path(tempfile.mkdtemp(prefix="auditor-stages-cache-"))
        print(report("audit" + (", no cache" if cache is None else ", cold cache"), run_child(args.root, cache),
                     args.top))
        if cache:
            shutil.rmtree(cache, ignore_errors=True)
        return
    cache = Path(tempfile.mkdtemp(prefix="auditor-stages-cache-"))
    target = one_python_file(args.root)
    original = target.read_bytes()
    try:
        cold = run_child(args.root, cache)
        target.write_bytes(original + CHANGE.encode())
        warm = run_child(args.root, cache)
    finally:
        target.write_bytes(original)
        shutil.rmtree(cache, ignore_errors=True)
    print(report("cold audit, empty cache", cold, args.top))
    print(report(f"re-audit, {target.relative_to(args.root)} changed", warm, args.top))
    print(f"re-audit / cold = {warm['total'] / cold['total']:.0%} wall, "
          f"{(warm['cpu'] + warm['children_cpu']) / (cold['cpu'] + cold['children_cpu']):.0%} CPU "
          f"(Python alone: {warm['cpu'] / cold['cpu']:.0%})")


if __name__ == "__main__":
    main()
