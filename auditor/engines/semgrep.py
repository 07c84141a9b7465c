"""Semgrep: every rule under rules/semgrep in ONE process, offline (no metrics, no version check)."""
from __future__ import annotations

import json
import time
from pathlib import Path

from auditor.engines.base import FAILED, MISSING, OK, TIMEOUT, EngineRun, locate_executable
from auditor.engines.process import last_line, run_process
from auditor.model import Evidence, Finding, PRACTICE, VIOLATION
from auditor.repo import DEFAULT_EXCLUDED_DIRS, Repository
from auditor.resources import rules_dir

OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
SEVERITY_BY_SEMGREP = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}


def semgrep_rules_dir() -> Path:
    return rules_dir() / "semgrep"


def run_semgrep(repo: Repository, timeout: float, rules: Path | None = None) -> EngineRun:
    run = EngineRun("semgrep")
    exe = locate_executable("semgrep", "AUDITOR_SEMGREP")
    if exe is None:
        run.status, run.error = MISSING, "semgrep executable not found (install semgrep or set AUDITOR_SEMGREP)"
        return run
    started = time.monotonic()
    cmd = [exe, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
           "--config", str(rules or semgrep_rules_dir()), "--timeout", "20",
           "--max-target-bytes", "2000000", "--x-ignore-semgrepignore-files"]
    for name in sorted(DEFAULT_EXCLUDED_DIRS):
        cmd += ["--exclude", name]
    for pattern in repo.extra_excludes:
        cmd += ["--exclude", pattern]
    cmd.append(str(repo.root))
    result = run_process(cmd, timeout, env=OFFLINE_ENV, cwd=str(repo.root))
    run.duration_s = time.monotonic() - started
    if result.launch_error:
        run.status, run.error = MISSING, result.launch_error
        return run
    if result.timed_out:
        run.status, run.error = TIMEOUT, f"semgrep ran past the {timeout:g}s engine time limit"
        return run
    try:
        data = json.loads(result.stdout)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ValueError("no results list")
    except ValueError as exc:
        detail = last_line(result.stderr) or f"exit code {result.returncode}"
        run.status, run.error = FAILED, f"semgrep gave no valid JSON ({exc}); {detail}"
        return run
    # semgrep exits 0 (no findings) or 1 (findings); 2+ with results means partial errors
    fatal = [e for e in data.get("errors", []) if e.get("level") == "error" and not e.get("path")]
    if result.returncode not in (0, 1) and fatal:
        run.status, run.error = FAILED, "; ".join(_error_text(e) for e in fatal)[:500]
        return run
    run.status = OK
    run.version = data.get("version")
    run.scanned_files = len(data.get("paths", {}).get("scanned", []))
    run.messages = [_error_text(e) for e in data.get("errors", [])]
    run.findings = [f for f in (_finding(r, repo) for r in data["results"]) if f is not None]
    return run


def _error_text(error: dict) -> str:
    where = f"{error.get('path')}: " if error.get("path") else ""
    return where + str(error.get("message") or error.get("type") or "error").strip().splitlines()[0][:300]


def _finding(result: dict, repo: Repository) -> Finding | None:
    meta = result.get("extra", {}).get("metadata", {})
    item_id = meta.get("item")
    if not item_id:
        return None
    path = _relative(result["path"], repo.root)
    line = result["start"]["line"]
    end_line = result["end"]["line"]
    kind = PRACTICE if meta.get("kind") == PRACTICE else VIOLATION
    rule_id = meta.get("rule") or result["check_id"].rsplit(".", 1)[-1]
    severity = meta.get("severity") or SEVERITY_BY_SEMGREP.get(result.get("extra", {}).get("severity"), "medium")
    evidence = Evidence(file=path, line=line, end_line=end_line, snippet=repo.snippet(path, line, end_line),
                        rule_id=rule_id, engine="semgrep", message=result["extra"].get("message", "").strip(),
                        kind=kind)
    return Finding(item_id=item_id, evidence=evidence, severity=severity)


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix().removeprefix("./")
