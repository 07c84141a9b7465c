"""`auditor history`: audit the last N commits and record the trend of the overall and category scores.

Each commit is checked out into ONE temporary git worktree (`git worktree add --detach`, then
`git checkout --detach` from commit to commit, which rewrites only the files that changed), so the user's
working tree, index and branches are never touched; the worktree and its folder are removed afterwards,
also on failure or Ctrl-C.

Speed: the engines' per-file cache (auditor/cache.py: results keyed by file path and content hash) lives in
the same temporary folder for the whole run, so each commit after the first rescans only the files that
changed since the previous one. Collectors and checks run again per commit (they are pure Python and cheap).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from auditor.errors import AuditError
from auditor.options import AuditOptions


def commits_to_audit(path: Path, count: int) -> tuple[Any, list[Any], str]:
    """(git repo, the last `count` first-parent commits oldest first, path of `path` inside the work tree)."""
    import git
    if count < 1:
        raise AuditError("--commits must be at least 1")
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise AuditError(f"history needs a git repository; {path} is not one") from None
    if repo.bare or repo.working_tree_dir is None:
        raise AuditError(f"history needs a work tree; {path} is a bare repository")
    try:
        shas = repo.git.rev_list(f"-n{count}", "--first-parent", "HEAD").split()
    except git.GitCommandError:
        raise AuditError(f"{path}: the repository has no commit yet") from None
    top = Path(repo.working_tree_dir).resolve()
    sub = path.resolve().relative_to(top).as_posix()
    return repo, [repo.commit(sha) for sha in reversed(shas)], "" if sub == "." else sub


def audit_history(path: Path, count: int, options: AuditOptions | None = None, reuse: bool = True,
                  progress: Callable[[str], None] | None = None) -> dict:
    """The trend document (history.json): one entry per commit, oldest first."""
    from auditor.pipeline import audit_repository

    options = options or AuditOptions()
    repo, commits, sub = commits_to_audit(path, count)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="auditor-history-"))
    tree = workdir / "worktree"
    entries: list[dict] = []
    categories: dict[str, str] = {}
    run_options = _with_cache(options, reuse, workdir / "cache")
    try:
        repo.git.worktree("add", "--detach", "--quiet", str(tree), commits[0].hexsha)
        for n, commit in enumerate(commits, 1):
            if progress:
                progress(f"commit {n}/{len(commits)} {commit.hexsha[:10]}")
            repo.git.execute(["git", "-C", str(tree), "checkout", "--quiet", "--detach", "--force", commit.hexsha])
            target = tree / sub if sub else tree
            commit_started = time.monotonic()
            if not target.is_dir():
                entries.append(_missing_entry(commit, f"{sub or '.'} does not exist in this commit"))
                continue
            try:
                run = audit_repository(target, run_options)
            except AuditError as exc:
                entries.append(_missing_entry(commit, str(exc)))
                continue
            for cat in run.report["categories"]:
                categories.setdefault(cat["id"], cat.get("title") or cat["id"])
            entries.append(_entry(commit, run, time.monotonic() - commit_started))
    finally:
        _remove_worktree(repo, tree)
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "repository": str(path.resolve()),
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "commits_requested": count,
        "reuse": reuse,
        "duration_s": round(time.monotonic() - started, 3),
        "categories": [{"id": cid, "title": title} for cid, title in categories.items()],
        "commits": entries,
    }


def _with_cache(options: AuditOptions, reuse: bool, cache_dir: Path) -> AuditOptions:
    """The engines' per-file cache in the run's own temporary folder (never in the audited repository)."""
    fields = {f.name for f in dataclasses.fields(options)}
    if "use_cache" not in fields:
        return options
    return dataclasses.replace(options, use_cache=reuse, cache_dir=cache_dir if reuse else None)


def _entry(commit, run, duration: float) -> dict:
    report = run.report
    summary = report["summary"]
    engines = {name: {"status": e.status, "duration_s": round(e.duration_s, 3), "scanned_files": e.scanned_files}
               | ({"cache": e.cache} if getattr(e, "cache", None) else {}) for name, e in run.ctx.engines.items()}
    return {
        **_commit_facts(commit),
        "score": summary["score"], "grade": summary["grade"],
        "categories": {c["id"]: c["score"] for c in report["categories"]},
        "verdicts": summary.get("verdicts", {}),
        "failing": [i["id"] for i in report["items"] if i["verdict"] == "fail"],
        "engines": engines,
        "duration_s": round(duration, 3),
    }


def _missing_entry(commit, reason: str) -> dict:
    return {**_commit_facts(commit), "score": None, "grade": "N/A", "categories": {}, "verdicts": {},
            "failing": [], "engines": {}, "error": reason}


def _commit_facts(commit) -> dict:
    return {"commit": commit.hexsha, "short": commit.hexsha[:10],
            "date": commit.committed_datetime.isoformat(), "subject": commit.summary[:120],
            "author": commit.author.name}


def _remove_worktree(repo, tree: Path) -> None:
    try:
        repo.git.worktree("remove", "--force", str(tree))
    except Exception:
        pass  # already gone or never added: the folder is deleted below and the record pruned
    try:
        repo.git.worktree("prune")
    except Exception:
        pass
