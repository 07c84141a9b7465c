"""Bandit: one recursive run over the repository; each test id is mapped to a checklist item by rules/bandit.yml."""
from __future__ import annotations

import time
from functools import lru_cache

import yaml

from auditor.cache import FindingsCache, context_key, executable_identity, file_hash
from auditor.engines.base import MISSING, OK, EngineRun, json_process, locate_executable, run_scans
from auditor.engines.incremental import ScanOutput
from auditor.engines.process import run_process
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
    if not any(f.language == "python" for f in repo.security_files()):
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
    # --ignore-nosec: the audited code's `# nosec` never hides a finding (auditor.suppressions lists it instead)
    base_cmd = [exe, "-f", "json", "-q", "--ignore-nosec", "-t", ",".join(sorted(mapping)), "-x", ",".join(excludes)]
    started = time.monotonic()

    def scan(targets: list[str] | None):
        cmd = base_cmd + (["-r", "."] if targets is None else ["--", *targets])
        return _scan(exe, cmd, timeout, repo)

    universe = [f.path for f in repo.security_files() if f.path.endswith(BANDIT_SUFFIXES)]

    def context() -> dict:
        return context_key(engine="bandit", exe=executable_identity(exe), cmd=base_cmd[1:],
                           config=file_hash(repo.root / ".bandit"))

    run, merged = run_scans("bandit", scan, repo.root, universe, started, cache, context)
    if merged is None:
        return run
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
    ran = json_process("bandit", cmd, timeout, str(repo.root))
    if isinstance(ran, EngineRun):
        return ran
    _, data = ran
    out = ScanOutput(version=_version(exe))
    out.scanned = {_rel(k) for k in data.get("metrics", {}) if k != "_totals"}
    errors = [e for e in data.get("errors", []) if isinstance(e, dict)]
    out.messages = [f"{_rel(e.get('filename', ''))}: {e.get('reason', '')}"[:300] for e in errors]
    out.errored = {_rel(e.get("filename", "")) for e in errors}
    # bandit reports a file it could not read, parse or walk to the end: none of its tests ran on it
    out.failed = {_rel(e.get("filename", "")): str(e.get("reason", "error"))[:300] for e in errors}
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
