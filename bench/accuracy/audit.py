"""`run`: audit each checkout with a chosen auditor checkout and keep the JSON reports under a tag.

Layout: <results>/<tag>/<slug>/report.json, and <results>/<tag>/run.json recording which auditor code
ran (path, commit, dirty), and per project its pinned commit, wall time, peak memory and exit code.
Projects are audited one at a time: the machine is shared.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, for measure.py

from materialise import audit_dir  # noqa: E402
from measure import measure  # noqa: E402
from project_files import Project  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results"


def results_root() -> Path:
    return Path(os.environ.get("ACCURACY_RESULTS") or DEFAULT_RESULTS)


def tag_dir(tag: str, root: Path | None = None) -> Path:
    if not tag or "/" in tag or tag.startswith("."):
        raise ValueError(f"tag {tag!r} must be a plain folder name")
    return (root or results_root()) / tag


def report_path(tag: str, slug: str, root: Path | None = None) -> Path:
    return tag_dir(tag, root) / slug / "report.json"


def auditor_revision(auditor: Path) -> dict:
    """Which auditor code runs: its folder, commit and whether it has uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(auditor), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""
    return {"path": str(auditor), "commit": git("rev-parse", "HEAD") or None,
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def audit_project(project: Project, tag: str, auditor: Path, repos: Path | None = None,
                  results: Path | None = None, python: str = sys.executable) -> dict:
    """Audits one checkout; returns its row for run.json (the report is written beside it)."""
    target = audit_dir(project, repos)
    if not target.is_dir():
        return {"status": "not fetched", "error": f"{target} is missing: run fetch first"}
    out = report_path(tag, project.slug, results).parent.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").unlink(missing_ok=True)
    cmd = [python, "-m", "auditor", "audit", str(target.resolve()), "--format", "json", "--output", str(out),
           "--fail-on", "none", "--no-cache"]
    # `python -m` puts the working directory first on the import path: run from the auditor being measured,
    # or the code of whatever directory the harness was started from is what runs
    row = measure(cmd, env={"PYTHONPATH": str(auditor), "CI": "1", "SEMGREP_ENABLE_VERSION_CHECK": "0"},
                  cwd=str(Path(auditor).resolve()))
    row["commit"] = project.commit
    row["auditor_commit"] = auditor_revision(auditor)["commit"]
    row["status"] = "audited" if (out / "report.json").is_file() and row["returncode"] in (0, 1) else "failed"
    if row["status"] == "audited":
        row.pop("stderr", None)
    return row


def run_all(projects: list[Project], tag: str, auditor: Path, repos: Path | None = None,
            results: Path | None = None, echo=print) -> dict:
    """Audits the projects one after another, updating <tag>/run.json after each."""
    manifest_path = tag_dir(tag, results) / "run.json"
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {"projects": {}}
    manifest.update(tag=tag, auditor=auditor_revision(auditor),
                    started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    for project in projects:
        echo(f"auditing {project.slug} ...")
        row = audit_project(project, tag, auditor, repos, results)
        manifest["projects"][project.slug] = row
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        if row["status"] == "audited":
            echo(f"  {row['seconds']:.1f} s, peak {row['peak_rss_mb']:.0f} MB, exit {row['returncode']}")
        else:
            echo(f"  {row['status']}: {row.get('error') or row.get('stderr', '')[-300:]}")
    return manifest
