"""Scan the working tree's text files (code and config) for secrets."""
from __future__ import annotations

import dataclasses
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.budget import budgeted
from auditor.facts import FileFacts
from auditor.repo import Repository
from auditor.secrets.files import is_env_file, is_minified, reportable, scan_mode, skip_reason
from auditor.secrets.loaded_templates import loaded_templates
from auditor.secrets.meaning import Guard, scan_meaning
from auditor.secrets.scanner import CONFIG, KNOWN, SecretMatch, scan_text


@dataclass(frozen=True)
class TreeSecret:
    path: str
    match: SecretMatch


@dataclass
class TreeScan:
    files_scanned: int = 0
    lines_scanned: int = 0
    findings: list[TreeSecret] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)     # path -> reason
    git_ignored: int = 0                                        # files git ignores: not committed, not scanned
    guarded: list[Guard] = field(default_factory=list)          # development defaults the code rejects
    duration_s: float = 0.0


def scan_tree(repo: Repository, facts: "FileFacts | None" = None) -> TreeScan:
    """Every secret in the working tree; `facts` reuses each file's matches from an earlier audit."""
    facts = facts or FileFacts(None)
    started = time.monotonic()
    scan = TreeScan()
    candidates = []
    # generated files, bundles, data tables and committed build output too: a key there leaks
    for f in [*repo.security_files(), *repo.nonsource, *repo.build_output_files()]:
        reason = skip_reason(f.path, f.size)
        if reason:
            scan.skipped[f.path] = reason
        else:
            candidates.append(f.path)
    ignored = git_ignored(repo.root, candidates)
    loaded = loaded_templates(repo)

    def mode_of(path: str) -> str:
        return CONFIG if path in loaded else scan_mode(path)

    scan.git_ignored = len(ignored)
    for path in budgeted(candidates):
        if path in ignored:
            scan.skipped[path] = "ignored by git (never committed)"
            continue
        text = repo.read_text(path)
        if text is None:
            scan.skipped[path] = "binary or unreadable"
            continue
        if is_minified(text):
            scan.skipped[path] = "minified (very long lines)"
            continue
        scan.files_scanned += 1
        scan.lines_scanned += text.count("\n") + 1
        mode, env_file = mode_of(path), is_env_file(path) or path in loaded
        rows = facts.rows(f"text:{mode}:{env_file}:{path}", text,
                          lambda: [dataclasses.asdict(m) for m in scan_text(text, mode, env_file)])
        scan.findings.extend(TreeSecret(path, m) for m in map(_match, rows) if reportable(m.rule_id, path))
    scanned = {p for p in candidates if p not in ignored and p not in scan.skipped}
    by_meaning, scan.guarded = scan_meaning(repo, lambda p: mode_of(p) if p in scanned else KNOWN, facts,
                                            frozenset(loaded & scanned))
    seen = {(s.path, s.match.line) for s in scan.findings}
    for path, matches in by_meaning.items():
        scan.findings.extend(TreeSecret(path, m) for m in matches if (path, m.line) not in seen)
    scan.duration_s = time.monotonic() - started
    return scan


def git_ignored(root: Path, paths: list[str]) -> set[str]:
    """The paths git ignores (a local .env that .gitignore keeps out is the right practice, not a leak).
    Empty when root is not in a git work tree or git is missing."""
    if not paths or not _in_git_work_tree(root):
        return set()
    try:
        result = subprocess.run(["git", "check-ignore", "--stdin", "-z"], cwd=root, capture_output=True,
                                input="\0".join(paths).encode("utf-8", "surrogateescape"), timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if result.returncode not in (0, 1):
        return set()
    return {p for p in result.stdout.decode("utf-8", "surrogateescape").split("\0") if p}


def _in_git_work_tree(root: Path) -> bool:
    try:
        result = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True,
                                timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == b"true"


def _match(row: dict) -> SecretMatch:
    return SecretMatch(**row)
