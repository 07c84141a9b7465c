"""Replay the judging of an audit over recorded engine results, to prove a refactor changes no verdict.

The engines (semgrep, bandit) are the slow, external part of an audit; everything after them (collectors,
checks, scoring, the report) is our code. This script records what `pipeline.run_engines` returns for a
repository once, then replays the rest of the audit over that record with whatever code is on PYTHONPATH,
and writes the report normalised: every item with its verdict, score, rationale, details and evidence
(file, line, rule, snippet, message, fingerprint), the categories, summary and inventory, without the
fields that change from run to run (timestamps, durations, the repository's absolute path).

Two normalised files from two versions of the code are byte-identical exactly when the refactor kept
every verdict. Records and outputs belong outside the repository (they quote the scanned code).

    # once, on the code before the change:
    PYTHONPATH=$PWD python bench/replay.py record /tmp/repos/saleor --to /tmp/replay/records/saleor.json
    PYTHONPATH=$PWD python bench/replay.py replay-all /tmp/replay/records --to /tmp/replay/before
    # after each step of the change:
    PYTHONPATH=$PWD python bench/replay.py replay-all /tmp/replay/records --to /tmp/replay/after
    python bench/replay.py compare /tmp/replay/before /tmp/replay/after

`record` also takes several repositories; `fixtures DEST` copies every fixture repository the tests audit
(and builds the git-history fixture) into DEST, outside the worktree, so their input cannot change with
the branch's own git history.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path

RECORD_VERSION = 1
# report keys whose values change from run to run, or with where the repository sits on disk
VOLATILE_TOP = ("generated_at", "duration_s", "repository")
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# fixture folders that are parts of another fixture, or build scripts, not repositories on their own
NOT_REPOSITORIES = {"monorepo/docs", "monorepo/services", "history"}


def record(repo_path: Path, out: Path, engine_timeout: float) -> None:
    from auditor.options import AuditOptions
    from auditor.pipeline import run_engines, validate_target
    from auditor.repo import Repository

    root = validate_target(repo_path)
    options = AuditOptions(engine_timeout=engine_timeout)
    started = time.monotonic()
    repo = Repository.scan(root, options.excludes)
    runs = run_engines(repo, options)
    data = {
        "record_version": RECORD_VERSION,
        "repository": str(root),
        "files": len(repo.files),
        "engines": [_run_to_json(run) for run in runs],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    statuses = ", ".join(f"{r.name} {r.status} ({len(r.findings)} findings)" for r in runs)
    print(f"recorded {root} in {time.monotonic() - started:.1f}s: {statuses}", file=sys.stderr)


def _run_to_json(run) -> dict:
    row = {f.name: getattr(run, f.name) for f in dataclasses.fields(run) if f.name not in ("findings", "cache")}
    row["findings"] = [{"item_id": f.item_id, "severity": f.severity, "evidence": dataclasses.asdict(f.evidence)}
                       for f in run.findings]
    return row


def _runs_from_json(rows: list[dict]) -> list:
    from auditor.engines.base import EngineRun
    from auditor.model import Evidence, Finding

    runs = []
    for row in rows:
        findings = [Finding(f["item_id"], Evidence(**f["evidence"]), f["severity"]) for f in row["findings"]]
        fields = {k: v for k, v in row.items() if k != "findings"}
        runs.append(EngineRun(**fields, findings=findings))
    return runs


def replay(record_file: Path, out: Path) -> float:
    """Judge the recorded repository with the current code; returns the seconds the judging took."""
    from auditor.options import AuditOptions
    from auditor.pipeline import audit_repository

    data = json.loads(record_file.read_text(encoding="utf-8"))
    if data.get("record_version") != RECORD_VERSION:
        raise SystemExit(f"{record_file}: record version {data.get('record_version')}, expected {RECORD_VERSION}")

    def recorded_engines(repo, options, side_lane=None):
        return _runs_from_json(data["engines"])

    started = time.monotonic()
    run = audit_repository(Path(data["repository"]), AuditOptions(), engines=recorded_engines)
    elapsed = time.monotonic() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(normalise(run.report), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    return elapsed


def normalise(report: dict) -> dict:
    """The report without what changes from run to run: timestamps, durations, the absolute path."""
    out = {k: v for k, v in report.items() if k not in VOLATILE_TOP}
    out["engines"] = [{k: v for k, v in e.items() if k != "duration_s"} for e in report.get("engines", [])]
    return out


def copy_fixtures(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for group in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for folder in sorted(p for p in group.iterdir() if p.is_dir()):
            rel = f"{group.name}/{folder.name}"
            if rel in NOT_REPOSITORIES:
                continue
            target = dest / f"fx-{group.name}-{folder.name}"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target, symlinks=True)
    monorepo = dest / "fx-monorepo"
    shutil.rmtree(monorepo, ignore_errors=True)
    shutil.copytree(FIXTURES / "monorepo", monorepo, symlinks=True)
    sys.path.insert(0, str(FIXTURES / "history"))
    import build_repo  # the test suite's own builder of a three-commit repository
    history = dest / "fx-history"
    shutil.rmtree(history, ignore_errors=True)
    history.mkdir()
    build_repo.build(history)


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    different = 0
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'after' if not a.exists() else 'before'}")
            different += 1
            continue
        if a.read_bytes() == b.read_bytes():
            print(f"{name}: identical")
            continue
        different += 1
        ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
        items_a = {i["id"]: i for i in ra["items"]}
        items_b = {i["id"]: i for i in rb["items"]}
        changed = sorted(i for i in items_a.keys() | items_b.keys() if items_a.get(i) != items_b.get(i))
        others = sorted(k for k in ra.keys() | rb.keys() if k != "items" and ra.get(k) != rb.get(k))
        print(f"{name}: DIFFERENT items {', '.join(changed) or '-'}; other keys {', '.join(others) or '-'}")
    print(f"{len(names) - different} of {len(names)} identical")
    return 1 if different else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run the engines once over each repository and save what they return")
    rec.add_argument("repos", nargs="+", type=Path)
    rec.add_argument("--to", type=Path, required=True, help="a file (one repository) or a folder (several)")
    rec.add_argument("--engine-timeout", type=float, default=3600.0)
    rep = sub.add_parser("replay", help="judge one recorded repository with the code on PYTHONPATH")
    rep.add_argument("record", type=Path)
    rep.add_argument("--to", type=Path, required=True)
    allp = sub.add_parser("replay-all", help="replay every record in a folder into another folder")
    allp.add_argument("records", type=Path)
    allp.add_argument("--to", type=Path, required=True)
    cmp_ = sub.add_parser("compare", help="compare two folders of normalised reports")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    fx = sub.add_parser("fixtures", help="copy the fixture repositories the tests audit into a folder")
    fx.add_argument("dest", type=Path)
    args = parser.parse_args(argv)

    if args.command == "record":
        for repo in args.repos:
            target = args.to / f"{repo.resolve().name}.json" if len(args.repos) > 1 or args.to.is_dir() else args.to
            record(repo, target, args.engine_timeout)
    elif args.command == "replay":
        print(f"judged in {replay(args.record, args.to):.2f}s", file=sys.stderr)
    elif args.command == "replay-all":
        total = 0.0
        for rec_file in sorted(args.records.glob("*.json")):
            seconds = replay(rec_file, args.to / rec_file.name)
            total += seconds
            print(f"{rec_file.stem}: judged in {seconds:.2f}s", file=sys.stderr)
        print(f"all judged in {total:.1f}s", file=sys.stderr)
    elif args.command == "compare":
        return compare(args.before, args.after)
    elif args.command == "fixtures":
        copy_fixtures(args.dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
