"""Scan git history for secrets: the lines each of the last N commits added.

A secret deleted from the working tree is still readable from every clone, so history is scanned too.
One `git log -p --unified=0` process (through gitpython) streams the diffs of the last N commits; only
added lines are scanned, with the line number they have in that commit. Merge commits add no lines of
their own (their diff is not shown), renames are detected so a moved file is not re-reported.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.repo import DEFAULT_EXCLUDED_DIRS
from auditor.secrets.files import LOCK_FILES, reportable, scan_mode, skip_reason
from auditor.secrets.scanner import SecretMatch, scan_lines

DEFAULT_COMMIT_LIMIT = 500
DEFAULT_TIME_LIMIT_S = 120.0
_COMMIT_MARK = "\x00commit "
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class HistorySecret:
    path: str            # as in that commit, relative to the audited folder
    match: SecretMatch   # line: the line number in that commit's version of the file
    commit: str          # full sha
    date: str            # author date, ISO 8601

    @property
    def short(self) -> str:
        return self.commit[:7]


@dataclass
class HistoryScan:
    is_git: bool
    reason: str = ""                     # why history was not scanned (not a git repository, no commit)
    commits_scanned: int = 0
    commit_limit: int = DEFAULT_COMMIT_LIMIT
    more_commits: bool = False           # the history is longer than the limit
    stopped_early: str = ""              # why the scan stopped before the limit (time)
    findings: list[HistorySecret] = field(default_factory=list)
    duration_s: float = 0.0


def scan_history(root: Path, commit_limit: int = DEFAULT_COMMIT_LIMIT,
                 time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> HistoryScan:
    """Scan the added lines of the last `commit_limit` commits that touch `root`.

    Returns is_git=False when root is not inside a git repository. Raises when git fails on a repository
    (the check then reports the item unknown rather than pretending history is clean)."""
    import git  # gitpython

    started = time.monotonic()
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return HistoryScan(is_git=False, reason="not a git repository")
    if repo.bare or repo.working_tree_dir is None:
        return HistoryScan(is_git=False, reason="bare repository")
    scan = HistoryScan(is_git=True, commit_limit=commit_limit)
    if not repo.head.is_valid():
        scan.reason = "the repository has no commit yet"
        return scan
    top = Path(repo.working_tree_dir).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    args = [f"-n{commit_limit + 1}", "-p", "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv",
            "-M", "--diff-filter=ACMR", "--format=%x00commit %H %aI", "--", prefix or "."]
    args += [f":(exclude,glob)**/{d}/**" for d in sorted(DEFAULT_EXCLUDED_DIRS)]
    args += [f":(exclude,glob)**/{name}" for name in sorted(LOCK_FILES)]
    handle = repo.git.log(*args, as_process=True)
    process = handle.proc
    try:
        _parse(process.stdout, scan, prefix, started, time_limit_s)
    finally:
        if process.poll() is None:
            process.kill()
        stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
        code = process.wait()
    if code != 0 and not scan.stopped_early and not scan.more_commits:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        raise RuntimeError(f"git log failed (exit {code}): {last}")
    scan.findings = _first_introductions(scan.findings)
    scan.duration_s = time.monotonic() - started
    return scan


def _parse(stream, scan: HistoryScan, prefix: str, started: float, time_limit_s: float) -> None:
    commit = date = path = None
    added: list[tuple[int, str]] = []
    next_line = 0
    in_header = False

    def flush() -> None:
        if commit and path and added:
            rel = path[len(prefix):] if prefix and path.startswith(prefix) else path
            scan.findings.extend(HistorySecret(rel, m, commit, date) for m in scan_lines(added, scan_mode(rel))
                                 if reportable(m.rule_id, rel))
        added.clear()

    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line.startswith(_COMMIT_MARK):
            flush()
            path = None
            if scan.commits_scanned == scan.commit_limit:
                scan.more_commits = True
                return
            if time.monotonic() - started > time_limit_s:
                scan.stopped_early = f"time limit of {time_limit_s:g}s reached"
                return
            sha, _, date = line[len(_COMMIT_MARK):].partition(" ")
            commit = sha
            scan.commits_scanned += 1
        elif line.startswith("diff --git "):
            flush()
            path, in_header = None, True
        elif in_header and line.startswith("+++ "):
            target = line[4:]
            path = _unquote(target)[2:] if target != "/dev/null" else None
            if path and skip_reason(path):
                path = None
        elif line.startswith("@@"):
            in_header = False
            m = _HUNK.match(line)
            next_line = int(m.group(1)) if m else 0
        elif not in_header and path and line.startswith("+"):
            added.append((next_line, line[1:]))
            next_line += 1
        elif not in_header and line.startswith(" "):
            next_line += 1
    flush()


def _unquote(target: str) -> str:
    """git quotes unusual paths: "b/caf\\303\\251.py"."""
    if not (target.startswith('"') and target.endswith('"')):
        return target
    body = target[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return body.encode("latin-1", "replace").decode("utf-8", "replace")


def _first_introductions(found: list[HistorySecret]) -> list[HistorySecret]:
    """One entry per (secret, file): the oldest commit that added it (git log lists newest first)."""
    oldest: dict[tuple[str, str], HistorySecret] = {}
    for h in found:
        oldest[(h.match.fingerprint, h.path)] = h   # later in the list = older commit
    return sorted(oldest.values(), key=lambda h: (h.date, h.path, h.match.line))
