"""Bandit: one recursive run over the repository; each test id is mapped to a checklist item by rules/bandit.yml."""
from __future__ import annotations

import json
import time
from functools import lru_cache

import yaml

from auditor.cache import FindingsCache, context_key, executable_identity, file_hash
from auditor.engines.base import FAILED, MISSING, OK, TIMEOUT, EngineRun, locate_executable
from auditor.engines.incremental import Merged, ScanOutput, run_incremental
from auditor.engines.process import last_line, run_process
from auditor.model import Evidence, Finding
from auditor.repo import DEFAULT_EXCLUDED_DIRS, Repository
from auditor.resources import rules_dir

SEVERITY_BY_BANDIT = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}
BANDIT_SUFFIXES = (".py", ".pyw")   # what `bandit -r` picks up


SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}


@lru_cache(maxsize=1)
def _bandit_tests() -> dict[str, dict]:
    data = yaml.safe_load((rules_dir() / "bandit.yml").read_text(encoding="utf-8"))
    return data["tests"]


def bandit_item_map() -> dict[str, str]:
    """bandit test id (B608) -> checklist item id (SEC-SQLI)."""
    return {test_id: entry["item"] for test_id, entry in _bandit_tests().items()}


def bandit_min_severity() -> dict[str, int]:
    """bandit test id -> lowest severity rank kept (rules/bandit.yml `min_severity`; default: keep all)."""
    return {test_id: SEVERITY_ORDER[str(entry["min_severity"]).lower()]
            for test_id, entry in _bandit_tests().items() if entry.get("min_severity")}


def run_bandit(repo: Repository, timeout: float, cache: "FindingsCache | None" = None) -> EngineRun:
    """One bandit process. With a cache, only the Python files whose content changed are scanned."""
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
    base_cmd = [exe, "-f", "json", "-q", "-t", ",".join(sorted(mapping)), "-x", ",".join(excludes)]
    started = time.monotonic()

    def scan(targets: list[str] | None):
        cmd = base_cmd + (["-r", "."] if targets is None else ["--", *targets])
        return _scan(exe, cmd, timeout, repo)

    universe = [p for p in repo.paths() if p.endswith(BANDIT_SUFFIXES)]
    if cache is None:
        out = scan(None)
        if isinstance(out, EngineRun):
            out.duration_s = time.monotonic() - started
            return out
        merged = Merged(out.version, out.results, len(out.scanned & set(universe)), out.messages, len(out.scanned), 0)
    else:
        context = context_key(engine="bandit", exe=executable_identity(exe), cmd=base_cmd[1:],
                              config=file_hash(repo.root / ".bandit"))
        store = cache.open("bandit", context)
        merged = run_incremental(store, cache.file_hashes(repo.root, universe), scan)
        if isinstance(merged, EngineRun):
            merged.duration_s = time.monotonic() - started
            return merged
        run.cache = {"reused": merged.reused, "rescanned": merged.rescanned}
    run.duration_s = time.monotonic() - started
    run.status = OK
    run.version = merged.version
    run.scanned_files = merged.scanned
    run.messages = merged.messages
    min_severity = bandit_min_severity()
    known = set(universe)
    for rel in sorted(merged.results):
        if rel not in known:
            continue
        for entry in merged.results[rel]:
            item_id = mapping.get(entry.get("test_id"))
            if not item_id:
                continue
            if SEVERITY_ORDER.get(str(entry.get("issue_severity", "")).lower(), 2) < min_severity.get(entry["test_id"], 0):
                continue
            line = entry["line_number"]
            rng = entry.get("line_range") or [line]
            evidence = Evidence(file=rel, line=line, end_line=max(rng), snippet=repo.snippet(rel, line),
                                rule_id=f"bandit.{entry['test_id']}.{entry.get('test_name', '')}".rstrip("."),
                                engine="bandit", message=entry.get("issue_text", ""))
            run.findings.append(Finding(item_id, evidence, SEVERITY_BY_BANDIT.get(entry.get("issue_severity"), "medium")))
    return run


def _scan(exe: str, cmd: list[str], timeout: float, repo: Repository) -> "ScanOutput | EngineRun":
    run = EngineRun("bandit")
    result = run_process(cmd, timeout, cwd=str(repo.root))
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
    out = ScanOutput(version=_version(exe))
    out.scanned = {_rel(k) for k in data.get("metrics", {}) if k != "_totals"}
    errors = [e for e in data.get("errors", []) if isinstance(e, dict)]
    out.messages = [f"{_rel(e.get('filename', ''))}: {e.get('reason', '')}"[:300] for e in errors]
    out.errored = {_rel(e.get("filename", "")) for e in errors}
    for entry in data["results"]:
        if not isinstance(entry, dict) or "line_number" not in entry or "filename" not in entry:
            continue
        rel = _rel(entry["filename"])
        out.results.setdefault(rel, []).append({
            k: entry.get(k) for k in ("test_id", "test_name", "issue_severity", "issue_text",
                                      "line_number", "line_range")})
    return out


def _rel(filename: str) -> str:
    return str(filename).removeprefix("./")


@lru_cache(maxsize=4)
def _version(exe: str) -> str | None:
    result = run_process([exe, "--version"], 30)
    first = result.stdout.strip().splitlines()[:1]
    return first[0].split()[-1] if first else None
