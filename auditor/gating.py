"""New-versus-existing violations for the gate: a baseline file, or the audit of the merge base with a git ref.

Verdicts stay truthful (a baselined SQL injection is still a failed SEC-SQLI); only the gate's
--fail-on looks at new violations. --fail-under still uses the whole score.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
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
# A violation is new when its fingerprint is absent from the audit of the merge base (as semgrep's
# --baseline-commit does), not when its line changed: an injection whose query is built on a changed line
# but executed on an unchanged one is new. The merge base's files are read with git plumbing (ls-tree,
# cat-file): no checkout, so no filter, hook or attribute of the audited repository runs.
MAX_BLOB_BYTES = 2_000_000   # larger files are skipped by the walker anyway


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["git", "-c", "core.fsmonitor=false", *args], cwd=root, input=stdin,
                          capture_output=True, timeout=300)
    if done.returncode != 0:
        raise AuditError(f"--diff-base: git {args[0]} failed: "
                         + (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no detail"])[-1][:200])
    return done.stdout


def merge_base(root: Path, ref: str) -> str:
    """The commit both REF and HEAD descend from (a usage error when there is none)."""
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n"):
        raise AuditError(f"--diff-base: not a git ref: {ref!r}")
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except AuditError:
        inside = False
    if not inside:
        raise AuditError(f"--diff-base needs a git repository; {root} is not one")
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").decode().strip()
    except AuditError:
        raise AuditError(f"--diff-base: unknown git ref {ref!r}") from None
    try:
        return _git(root, "merge-base", commit, "HEAD").decode().strip()
    except AuditError:
        raise AuditError(f"--diff-base: {ref!r} and HEAD have no common ancestor") from None


def export_commit(root: Path, commit: str, dest: Path) -> int:
    """Write the files of `commit` under the audited folder (`root`, maybe a subfolder of the repository)
    into `dest`, from git's object store. Symlinks and submodules are left out. Returns the files written."""
    prefix = _git(root, "rev-parse", "--show-prefix").decode("utf-8", "surrogateescape").strip()
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", "-l", commit)
    wanted: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != b"blob" or mode == b"120000" or not path.startswith(prefix):
            continue
        rel = path[len(prefix):]
        parts = rel.split("/")
        if not rel or rel.startswith("/") or ".." in parts or ".git" in parts:
            continue
        if size.isdigit() and int(size) > MAX_BLOB_BYTES:
            continue
        wanted.append((sha.decode(), rel))
    if not wanted:
        return 0
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha, _ in wanted).encode())
    at = 0
    for sha, rel in wanted:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        length = int(header[2])
        body = out[header_end + 1:header_end + 1 + length]
        at = header_end + 1 + length + 1
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    return len(wanted)


def base_state(report: dict, commit: str) -> dict:
    """What the merge base's audit found: every violation fingerprint, and the items that failed."""
    fingerprints = {e["fingerprint"] for row in report["items"] for e in row["evidence"] if e.get("fingerprint")}
    failed = {row["id"] for row in report["items"] if row["verdict"] == "fail"}
    return {"commit": commit, "fingerprints": fingerprints, "failed_items": failed}


def mark_against_base(results: dict[str, ItemResult], base: dict) -> None:
    """Each violation `new` when the merge base's audit has no violation with its fingerprint, else `existing`;
    a failure with no line is new when the item did not fail at the merge base."""
    known = base["fingerprints"]
    for result in results.values():
        states = {id(ev): ("existing" if fp in known else "new")
                  for ev, fp in violation_fingerprints(result.item_id, result.evidence)}
        result.evidence = [dataclasses.replace(ev, state=states[id(ev)]) if id(ev) in states else ev
                           for ev in result.evidence]
        if result.verdict == "fail" and not any(e.kind == VIOLATION and e.line for e in result.evidence):
            result.details["gate_state"] = "existing" if result.item_id in base["failed_items"] else "new"


def counts_for_gate(result: ItemResult) -> bool:
    """Whether a failed item holds the gate: it has a new violation, or no gating states were marked."""
    states = [e.state for e in result.evidence if e.kind == VIOLATION and e.state]
    if not states:
        return result.details.get("gate_state", "new") == "new"
    return "new" in states
