"""Scan git history for secrets: the lines each of the last N commits added.

A secret deleted from the working tree is still readable from every clone, so history is scanned too.
`git rev-list` lists the last N commits touching the folder and one `git diff-tree --stdin -p --unified=0`
process streams their diffs (plumbing: it reads none of the settings that make porcelain run programs); only
added lines are scanned, with the line number they have in that commit. Merge commits add no lines of
their own (their diff is not shown), renames are detected so a moved file is not re-reported.
"""
from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.gitsafe import safe_git_env
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
    shallow: bool = False                # a shallow clone: older commits are not there to scan
    stopped_early: str = ""              # why the scan stopped before the limit (time)
    findings: list[HistorySecret] = field(default_factory=list)
    duration_s: float = 0.0


def scan_history(root: Path, commit_limit: int = DEFAULT_COMMIT_LIMIT,
                 time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> HistoryScan:
    """Scan the added lines of the last `commit_limit` commits that touch `root`.

    Returns is_git=False when root is not inside a git repository. Raises when git fails on a repository
    (the check then reports the item unknown rather than pretending history is clean).

    Plumbing only (`rev-parse`, `rev-list`, `diff-tree`), under the overrides of auditor/gitsafe.py: porcelain
    `git log -p` reads settings that run programs (`log.showSignature` runs `gpg.program` on a signed commit)."""
    started = time.monotonic()
    env = {**os.environ, **safe_git_env(root)}
    where = _git(["rev-parse", "--is-bare-repository", "--show-toplevel", "--git-dir"], root, env)
    if where is None:
        return HistoryScan(is_git=False, reason="not a git repository")
    lines = where.splitlines()
    if lines[0] == "true" or len(lines) < 3:
        return HistoryScan(is_git=False, reason="bare repository")
    top, git_dir = Path(lines[1]).resolve(), Path(root, lines[2])
    scan = HistoryScan(is_git=True, commit_limit=commit_limit)
    if _git(["rev-parse", "--verify", "--quiet", "HEAD"], root, env) is None:
        scan.reason = "the repository has no commit yet"   # an unborn branch: nothing committed yet
        return scan
    prefix = root.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    pathspecs = ["--", f":(top){prefix}"]
    pathspecs += [f":(top,exclude,glob)**/{d}/**" for d in sorted(DEFAULT_EXCLUDED_DIRS)]
    pathspecs += [f":(top,exclude,glob)**/{name}" for name in sorted(LOCK_FILES)]
    scan.shallow = (git_dir / "shallow").exists()
    listed = _git(["rev-list", f"-n{commit_limit + 1}", "HEAD", *pathspecs], root, env, check=True) or ""
    shas = listed.split()
    if len(shas) > commit_limit:
        scan.more_commits = True
        shas = shas[:commit_limit]
    if not shas:
        scan.duration_s = time.monotonic() - started
        return scan
    # one diff-tree process for every commit: the shas on stdin, the diffs of added lines on stdout
    args = ["git", "diff-tree", "--stdin", "--always", "--root", "-r", "-p", "--unified=0", "--no-color",
            "--no-ext-diff", "--no-textconv", "-M", "--diff-filter=ACMR", "--format=%x00commit %H %aI",
            *pathspecs]
    process = subprocess.Popen(args, cwd=top, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    feeder = threading.Thread(target=_feed, args=(process, shas), daemon=True)
    feeder.start()
    stopped = False
    try:
        _parse(process.stdout, scan, prefix, started, time_limit_s)
        stopped = bool(scan.stopped_early)
    finally:
        if process.poll() is None and stopped:
            process.kill()
        stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
        code = process.wait()
        feeder.join(timeout=5)
    if code != 0 and not stopped:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        if "unable to read" in last or "missing" in last:
            last += " (objects are missing: a partial clone?)"
        raise RuntimeError(f"git diff-tree failed (exit {code}): {last}")
    scan.findings = _first_introductions(scan.findings)
    scan.duration_s = time.monotonic() - started
    return scan


def _git(args: list[str], cwd: Path, env: dict[str, str], check: bool = False) -> str | None:
    """A git plumbing command's stdout, or None when it fails (raises instead with `check`)."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                                timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        if check:
            raise RuntimeError(f"git {args[0]} failed: {exc}") from None
        return None
    if result.returncode != 0:
        if check:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"git {args[0]} failed (exit {result.returncode}): {detail[-1] if detail else 'no message'}")
        return None
    return result.stdout.decode("utf-8", "replace").strip()


def _feed(process: subprocess.Popen, shas: list[str]) -> None:
    try:
        assert process.stdin is not None
        process.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass   # diff-tree was stopped (time limit): nothing more to feed


def _parse(stream, scan: HistoryScan, prefix: str, started: float, time_limit_s: float) -> None:
    """Read `git log -p --unified=0` output one commit at a time; scan each file's added lines."""
    for chunk in _commit_chunks(stream):
        if time.monotonic() - started > time_limit_s:
            scan.stopped_early = f"time limit of {time_limit_s:g}s reached"
            return
        text = chunk.decode("utf-8", "replace")
        head, _, body = text.partition("\n")
        commit, _, date = head.partition(" ")
        scan.commits_scanned += 1
        for file_diff in body.split("\ndiff --git ")[1:] if not body.startswith("diff --git ") else \
                ("\n" + body).split("\ndiff --git ")[1:]:
            path, added = _added_lines(file_diff)
            if path is None or not added:
                continue
            rel = path[len(prefix):] if prefix and path.startswith(prefix) else path
            scan.findings.extend(HistorySecret(rel, m, commit, date) for m in scan_lines(added, scan_mode(rel))
                                 if reportable(m.rule_id, rel))


def _commit_chunks(stream):
    """Split the byte stream at each commit mark; yields the bytes after the mark."""
    mark = _COMMIT_MARK.encode()
    pending = b""
    while True:
        block = stream.read(1 << 20)
        if not block:
            break
        pending += block
        parts = pending.split(mark)
        pending = parts.pop()
        for part in parts:
            if part:
                yield part
    if pending:
        yield pending


def _added_lines(file_diff: str) -> tuple[str | None, list[tuple[int, str]]]:
    """(path in the new version, [(line number, added line)]) of one file's diff (unified=0)."""
    header, sep, hunks = file_diff.partition("\n@@")
    if not sep:
        return None, []           # binary, mode change or pure rename: no line added
    path = None
    for line in header.split("\n"):
        if line.startswith("+++ "):
            target = line[4:]
            path = None if target == "/dev/null" else _unquote(target)[2:]
    if path is None or skip_reason(path):
        return None, []
    added: list[tuple[int, str]] = []
    number = 0
    for line in ("@@" + hunks).split("\n"):
        first = line[:1]
        if first == "+":
            added.append((number, line[1:]))
            number += 1
        elif first == "@":
            m = _HUNK.match(line)
            number = int(m.group(1)) if m else 0
        elif first == " ":
            number += 1
    return path, added


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
