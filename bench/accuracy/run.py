"""Accuracy on labelled real-world projects: fetch them, audit them, score the verdicts against labels.

    python bench/accuracy.py validate
    python bench/accuracy.py fetch [--only SLUGS] [--force]
    python bench/accuracy.py run --tag before --auditor /work/main [--only SLUGS]
    python bench/accuracy.py score --tag before [--summary FILE]
    python bench/accuracy.py score --compare before after

See bench/accuracy/README.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from audit import report_path, results_root, run_all, tag_dir  # noqa: E402
from materialise import FetchError, materialise, repos_dir  # noqa: E402
from project_files import ProjectError, load_projects  # noqa: E402
from scoring import changes, summarise  # noqa: E402
from tables import format_changes, format_summary  # noqa: E402


class UsageError(Exception):
    pass


def _only(value: str | None) -> set[str] | None:
    return {s.strip() for s in value.split(",") if s.strip()} if value else None


def cmd_validate(args) -> int:
    projects = load_projects(only=_only(args.only))
    total = {"pass": 0, "fail": 0, "not_applicable": 0}
    for p in projects:
        counts = {e: sum(1 for label in p.labels.values() if label.expect == e) for e in total}
        for e, n in counts.items():
            total[e] += n
        short = "  (fewer than 20: still being labelled)" if len(p.labels) < 20 else ""
        print(f"{p.slug:32} {p.kind:10} {len(p.labels):3} labels "
              f"(pass {counts['pass']}, fail {counts['fail']}, n/a {counts['not_applicable']})  {p.repo}{short}")
    print(f"{len(projects)} projects, {sum(total.values())} labels: pass {total['pass']}, "
          f"fail {total['fail']}, n/a {total['not_applicable']}")
    return 0


def cmd_fetch(args) -> int:
    failed = 0
    for project in load_projects(only=_only(args.only)):
        try:
            dest, note = materialise(project, force=args.force)
            print(f"{project.slug}: {dest} ({note})")
        except FetchError as exc:
            failed += 1
            print(f"{project.slug}: not fetched: {exc}", file=sys.stderr)
    return 1 if failed else 0


def cmd_run(args) -> int:
    auditor = Path(args.auditor).resolve()
    if not (auditor / "auditor" / "__init__.py").is_file():
        raise UsageError(f"--auditor {auditor} has no auditor package")
    manifest = run_all(load_projects(only=_only(args.only)), args.tag, auditor)
    bad = [slug for slug, row in manifest["projects"].items() if row["status"] != "audited"]
    if bad:
        print("not audited: " + ", ".join(bad), file=sys.stderr)
    return 1 if bad else 0


def _load_reports(tag: str, slugs: list[str]) -> tuple[dict, dict]:
    folder = tag_dir(tag)
    if not folder.is_dir():
        raise UsageError(f"no results for tag {tag!r} in {results_root()}: run it first")
    manifest_path = folder / "run.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    reports = {}
    for slug in slugs:
        path = report_path(tag, slug)
        try:
            reports[slug] = json.loads(path.read_text()) if path.is_file() else None
        except json.JSONDecodeError:
            reports[slug] = None
    return reports, manifest


def build_summary(tag: str, only: set[str] | None) -> dict:
    projects = load_projects(only=only)
    reports, manifest = _load_reports(tag, [p.slug for p in projects])
    summary = summarise(projects, reports)
    runs = manifest.get("projects", {})
    summary["meta"] = {
        "tag": tag, "auditor": manifest.get("auditor"), "projects": len(projects),
        "labels": len(summary["outcomes"]),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs": {p.slug: {k: runs.get(p.slug, {}).get(k) for k in ("status", "seconds", "peak_rss_mb", "returncode")}
                 for p in projects},
        "stale_reports": sorted(p.slug for p in projects
                                if runs.get(p.slug, {}).get("commit") not in (None, p.commit)),
    }
    return summary


def _summary_for(name: str, only: set[str] | None) -> dict:
    path = Path(name)
    if name.endswith(".json") and path.is_file():
        return json.loads(path.read_text())
    return build_summary(name, only)


def cmd_score(args) -> int:
    only = _only(args.only)
    if args.compare:
        before, after = (_summary_for(name, only) for name in args.compare)
        print(format_changes(changes(before, after), *args.compare), end="")
        return 0
    if not args.tag:
        raise UsageError("score needs --tag TAG or --compare BEFORE AFTER")
    summary = build_summary(args.tag, only)
    text = format_summary(summary)
    print(text, end="")
    target = Path(args.summary) if args.summary else tag_dir(args.tag) / "summary.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, indent=1) + "\n")
    if args.summary:
        target.with_suffix(".txt").write_text(text)
    print(f"\nsummary written to {target}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench/accuracy.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check every project file and count its labels")
    f = sub.add_parser("fetch", help=f"put each project at its pinned commit in $ACCURACY_DIR ({repos_dir()})")
    f.add_argument("--force", action="store_true", help="unpack again even if the folder is there")
    r = sub.add_parser("run", help="audit each checkout and keep the JSON reports under a tag")
    r.add_argument("--tag", required=True, help="results folder name, e.g. before, after")
    r.add_argument("--auditor", default=str(HERE.parent.parent),
                   help="checkout whose auditor package runs (default: this one); e.g. /work/main")
    s = sub.add_parser("score", help="compare verdicts with labels")
    s.add_argument("--tag", help="results to score")
    s.add_argument("--summary", help="where to write the summary JSON (a .txt of the table goes beside it)")
    s.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                   help="two tags or summary .json files: the change per item")
    for each in (v, f, r, s):
        each.add_argument("--only", help="comma-separated project slugs")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return {"validate": cmd_validate, "fetch": cmd_fetch, "run": cmd_run, "score": cmd_score}[args.command](args)
    except (ProjectError, UsageError, ValueError) as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
