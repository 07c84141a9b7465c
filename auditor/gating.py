"""New-versus-existing violations for the gate: a baseline file, or the lines changed since a git ref.

Verdicts stay truthful (a baselined SQL injection is still a failed SEC-SQLI); only the gate's
--fail-on looks at new violations. --fail-under still uses the whole score.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

from auditor.errors import AuditError
from auditor.fingerprints import item_failure_fingerprint, violation_fingerprints
from auditor.model import VIOLATION, ItemResult

BASELINE_VERSION = 1


# ---- baseline ------------------------------------------------------------------------------------
def baseline_document(report: dict) -> dict:
    entries = []
    for row in report["items"]:
        violations = [e for e in row["evidence"] if e.get("kind", VIOLATION) == VIOLATION]
        if row["verdict"] in ("fail", "partial"):
            for ev in violations:
                entries.append({"fingerprint": ev["fingerprint"], "item": row["id"], "rule_id": ev["rule_id"],
                                "file": ev["file"], "line": ev["line"]})
            if row["verdict"] == "fail" and not any(e["line"] for e in violations):
                entries.append({"fingerprint": item_failure_fingerprint(row["id"]), "item": row["id"],
                                "rule_id": "", "file": "", "line": None})
    return {"version": BASELINE_VERSION, "tool": "backend-auditor",
            "created_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "commit": report["repository"].get("commit"),
            "fingerprints": sorted(entries, key=lambda e: (e["item"], e["file"], e["line"] or 0, e["fingerprint"]))}


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise AuditError(f"baseline {path} is not JSON (create one with `auditor baseline create`)") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("fingerprints"), list):
        raise AuditError(f"baseline {path} is not a version-{BASELINE_VERSION} auditor baseline")
    return {e["fingerprint"] for e in data["fingerprints"] if isinstance(e, dict) and "fingerprint" in e}


def mark_baselined(results: dict[str, ItemResult], accepted: set[str]) -> None:
    for result in results.values():
        states = {id(ev): ("baselined" if fp in accepted else "new")
                  for ev, fp in violation_fingerprints(result.item_id, result.evidence)}
        result.evidence = [dataclasses.replace(ev, state=states[id(ev)]) if id(ev) in states else ev
                           for ev in result.evidence]
        if result.verdict == "fail" and not any(e.kind == VIOLATION and e.line for e in result.evidence):
            result.details["gate_state"] = "baselined" if item_failure_fingerprint(result.item_id) in accepted else "new"


# ---- diff base -----------------------------------------------------------------------------------
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def changed_lines(root: Path, ref: str) -> dict[str, set[int] | None]:
    """file -> changed line numbers since the merge base of REF and HEAD (None: the whole file is new)."""
    import git
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise AuditError(f"--diff-base needs a git repository; {root} is not one") from None
    try:
        bases = repo.merge_base(ref, "HEAD")
    except git.GitCommandError:
        raise AuditError(f"--diff-base: unknown git ref {ref!r}") from None
    if not bases:
        raise AuditError(f"--diff-base: {ref!r} and HEAD have no common ancestor")
    here = git.Git(str(root))  # run in the audited folder: --relative gives paths relative to it
    diff = here.diff(bases[0].hexsha, "--unified=0", "--no-color", "--no-ext-diff", "--relative", "--", ".")
    changed: dict[str, set[int] | None] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            current = None if name == "/dev/null" else name.removeprefix("b/")
            if current is not None:
                changed.setdefault(current, set())
        elif line.startswith("@@") and current is not None:
            m = _HUNK.match(line)
            bucket = changed[current]
            if m and bucket is not None:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                bucket.update(range(start, start + count))
    for name in here.ls_files("--others", "--exclude-standard", "--", ".").splitlines():
        changed[name] = None
    return changed


def mark_changed(results: dict[str, ItemResult], changed: dict[str, set[int] | None]) -> None:
    def is_new(ev) -> bool:
        if ev.file not in changed:
            return False
        lines = changed[ev.file]
        if lines is None or ev.line is None:
            return lines is None
        return any(n in lines for n in range(ev.line, (ev.end_line or ev.line) + 1))

    for result in results.values():
        result.evidence = [dataclasses.replace(ev, state="new" if is_new(ev) else "existing")
                           if ev.kind == VIOLATION else ev for ev in result.evidence]
        if result.verdict == "fail" and not any(e.kind == VIOLATION and e.line for e in result.evidence):
            result.details["gate_state"] = "existing"


def counts_for_gate(result: ItemResult) -> bool:
    """Whether a failed item holds the gate: it has a new violation, or no gating states were marked."""
    states = [e.state for e in result.evidence if e.kind == VIOLATION and e.state]
    if not states:
        return result.details.get("gate_state", "new") == "new"
    return "new" in states
