"""What every engine run is (EngineRun) and the skeleton semgrep and bandit fill in.

An engine module supplies: its executable, its command, `scan(targets)` (the whole repository for None, else
those files) built on `json_process`, and how one raw result becomes a Finding. `run_scans` does the rest
the same way for both: one whole scan, or with a findings cache only the changed files; the duration, the
status, the version, the files scanned and the engine's messages on the EngineRun.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from auditor.engines.incremental import Merged, ScanOutput, run_incremental
from auditor.engines.process import ProcessResult, last_line, run_process
from auditor.model import Finding

if TYPE_CHECKING:
    from auditor.cache import FindingsCache

OK, FAILED, MISSING, TIMEOUT, SKIPPED = "ok", "failed", "missing", "timeout", "skipped"


@dataclass
class EngineRun:
    name: str
    status: str = OK
    version: str | None = None
    duration_s: float = 0.0
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    scanned_files: int | None = None
    messages: list[str] = field(default_factory=list)   # non-fatal engine errors (a file it could not parse)
    # files the engine could not analyse (timed out on, crashed on): path -> why. The items that need such a
    # file cannot pass (auditor/incomplete.py)
    unanalysed: dict[str, str] = field(default_factory=dict)
    cache: dict | None = None   # with a findings cache: {"reused": files, "rescanned": files} (not in the report)

    def to_json(self) -> dict:
        return {
            "name": self.name, "version": self.version, "status": self.status,
            "duration_s": round(self.duration_s, 3), "error": self.error,
            "findings": len(self.findings), "scanned_files": self.scanned_files,
            "messages": self.messages[:50],
        }


def locate_executable(name: str, env_var: str) -> str | None:
    """AUDITOR_<ENGINE> when set; else the one beside the running Python (a venv's bin/); else PATH."""
    override = os.environ.get(env_var)
    if override:
        return override
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


Scan = Callable[[list[str] | None], "ScanOutput | EngineRun"]


def json_process(name: str, cmd: list[str], timeout: float, cwd: str,
                 env: dict[str, str] | None = None) -> "tuple[ProcessResult, dict[str, Any]] | EngineRun":
    """Run an engine that prints a JSON object with a `results` list. Its failures (not found, past the time
    limit, no valid JSON) come back as a failed EngineRun with the reason."""
    run = EngineRun(name)
    result = run_process(cmd, timeout, env=env, cwd=cwd)
    if result.stopped:
        run.status, run.error = TIMEOUT, f"{name} was stopped: the audit was interrupted or reached its --timeout"
        return run
    if result.launch_error:
        run.status, run.error = MISSING, result.launch_error
        return run
    if result.timed_out:
        run.status, run.error = TIMEOUT, f"{name} ran past the {timeout:g}s engine time limit"
        return run
    try:
        data = json.loads(result.stdout)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ValueError("no results list")
    except ValueError as exc:
        detail = last_line(result.stderr) or f"exit code {result.returncode}"
        run.status, run.error = FAILED, f"{name} gave no valid JSON ({exc}); {detail}"
        return run
    return result, data


def run_scans(name: str, scan: Scan, root: Path, universe: list[str], started: float,
              cache: "FindingsCache | None", context: Callable[[], dict[str, Any]],
              includable: Callable[[str], bool] = lambda rel: True) -> "tuple[EngineRun, Merged | None]":
    """The engine's results for every file of `universe`: one whole scan, or with a cache only the files whose
    content changed (`context()` keys the cache). Returns (the run, the merged raw results), or (the failed
    run, None) when the engine failed."""
    run = EngineRun(name)
    if cache is None:
        out = scan(None)
        if isinstance(out, EngineRun):
            out.duration_s = time.monotonic() - started
            return out, None
        merged = Merged(out.version, out.results, len(out.scanned & set(universe)), out.messages, len(out.scanned), 0,
                        dict(out.failed))
    else:
        store = cache.open(name, context())
        found = run_incremental(store, cache.file_hashes(root, universe), scan, includable)
        if isinstance(found, EngineRun):
            found.duration_s = time.monotonic() - started
            return found, None
        merged = found
        run.cache = {"reused": merged.reused, "rescanned": merged.rescanned}
    run.duration_s = time.monotonic() - started
    run.status = OK
    run.version = merged.version
    run.scanned_files = merged.scanned
    run.messages = merged.messages
    known = set(universe)
    run.unanalysed = {rel: why for rel, why in merged.failed.items() if rel in known}
    return run, merged
