"""Bandit: one recursive run over the repository; each test id is mapped to a checklist item by rules/bandit.yml."""
from __future__ import annotations

import json
import time
from functools import lru_cache

import yaml

from auditor.engines.base import FAILED, MISSING, OK, TIMEOUT, EngineRun, locate_executable
from auditor.engines.process import last_line, run_process
from auditor.model import Evidence, Finding
from auditor.repo import DEFAULT_EXCLUDED_DIRS, Repository
from auditor.resources import rules_dir

SEVERITY_BY_BANDIT = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


@lru_cache(maxsize=1)
def bandit_item_map() -> dict[str, str]:
    """bandit test id (B608) -> checklist item id (SEC-SQLI)."""
    data = yaml.safe_load((rules_dir() / "bandit.yml").read_text(encoding="utf-8"))
    return {test_id: entry["item"] for test_id, entry in data["tests"].items()}


def run_bandit(repo: Repository, timeout: float) -> EngineRun:
    run = EngineRun("bandit")
    if not repo.paths("python"):
        run.status, run.error, run.scanned_files = OK, None, 0
        run.messages.append("no Python files: bandit had nothing to scan")
        return run
    exe = locate_executable("bandit", "AUDITOR_BANDIT")
    if exe is None:
        run.status, run.error = MISSING, "bandit executable not found (install bandit or set AUDITOR_BANDIT)"
        return run
    mapping = bandit_item_map()
    excludes = [f"*/{name}/*" for name in sorted(DEFAULT_EXCLUDED_DIRS)]
    excludes += [f"./{p.rstrip('/')}/*" if not p.startswith(("*", "/")) else p for p in repo.extra_excludes]
    cmd = [exe, "-r", ".", "-f", "json", "-q", "-t", ",".join(sorted(mapping)), "-x", ",".join(excludes)]
    started = time.monotonic()
    result = run_process(cmd, timeout, cwd=str(repo.root))
    run.duration_s = time.monotonic() - started
    if result.launch_error:
        run.status, run.error = MISSING, result.launch_error
        return run
    if result.timed_out:
        run.status, run.error = TIMEOUT, f"bandit ran past the {timeout:g}s engine time limit"
        return run
    try:
        data = json.loads(result.stdout)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ValueError("no results list")
    except ValueError as exc:
        detail = last_line(result.stderr) or f"exit code {result.returncode}"
        run.status, run.error = FAILED, f"bandit gave no valid JSON ({exc}); {detail}"
        return run
    run.status = OK
    run.version = _version(exe)
    run.scanned_files = len([k for k in data.get("metrics", {}) if k != "_totals"])
    run.messages = [f"{e.get('filename', '').removeprefix('./')}: {e.get('reason', '')}"[:300]
                    for e in data.get("errors", [])]
    for entry in data["results"]:
        item_id = mapping.get(entry.get("test_id"))
        if not item_id:
            continue
        path = entry["filename"].removeprefix("./")
        line = entry["line_number"]
        rng = entry.get("line_range") or [line]
        evidence = Evidence(file=path, line=line, end_line=max(rng), snippet=repo.snippet(path, line),
                            rule_id=f"bandit.{entry['test_id']}.{entry.get('test_name', '')}".rstrip("."),
                            engine="bandit", message=entry.get("issue_text", ""))
        run.findings.append(Finding(item_id, evidence, SEVERITY_BY_BANDIT.get(entry.get("issue_severity"), "medium")))
    return run


@lru_cache(maxsize=4)
def _version(exe: str) -> str | None:
    result = run_process([exe, "--version"], 30)
    first = result.stdout.strip().splitlines()[:1]
    return first[0].split()[-1] if first else None
