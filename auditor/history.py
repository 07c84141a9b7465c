"""`auditor history`: audit the last N commits and record the trend of the overall and category scores.

Each commit's files are written into ONE temporary folder with git plumbing (auditor/gittree.py: `ls-tree`
and `cat-file --batch`), never checked out: a checkout or a new worktree would apply the repository's smudge
filters and hooks, and config that only matches there (`includeIf "gitdir:..."`). The user's working tree,
index, branches and worktree list are never touched; the folder is removed afterwards, also on failure or
Ctrl-C.

Speed: the engines dominate an audit (semgrep's start-up and rule loading alone take seconds), so they do
not run once per commit: SharedScan runs semgrep and bandit ONCE over every distinct version of every file
in the N commits, and each commit's audit takes the findings of its own file versions. A file unchanged
between commits is scanned once. Inventory, collectors and checks run again per commit (pure Python, cheap).
`--no-reuse` audits every commit from scratch (for comparisons).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from auditor.errors import AuditError
from auditor.gittree import TreeWriter
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
    """The trend document (history.json): one entry per commit, oldest first.

    Every git command (the worktree, the checkouts, the audits' own) runs with the repository's configured
    commands disabled (auditor/gitsafe.py): a checkout must not run its hooks or smudge filters."""
    from auditor.gitsafe import safe_git_environment

    with safe_git_environment(path):
        return _audit_history(path, count, options, reuse, progress)


def _audit_history(path: Path, count: int, options: AuditOptions | None, reuse: bool,
                   progress: Callable[[str], None] | None) -> dict:
    from auditor.pipeline import audit_repository

    options = options or AuditOptions()
    repo, commits, sub = commits_to_audit(path, count)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="auditor-history-"))
    entries: list[dict] = []
    categories: dict[str, str] = {}
    run_options = _with_cache(options, False, workdir / "cache")   # the shared scan below replaces the cache
    shared: SharedScan | None = None
    try:
        with TreeWriter(Path(repo.working_tree_dir), workdir / "tree") as writer:

            def checkout(commit) -> Path:
                return writer.write(commit.hexsha, sub)

            if reuse and len(commits) > 1:
                if progress:
                    progress(f"one engine scan of the file versions of {len(commits)} commits")
                shared = SharedScan.build(commits, checkout, run_options, workdir / "versions")
            for n, commit in enumerate(commits, 1):
                if progress:
                    progress(f"commit {n}/{len(commits)} {commit.hexsha[:10]}")
                target = checkout(commit)
                commit_started = time.monotonic()
                if not target.is_dir():
                    entries.append(_missing_entry(commit, f"{sub or '.'} does not exist in this commit"))
                    continue
                try:
                    run = audit_repository(target, run_options, engines=shared.engine_runs if shared else None)
                except AuditError as exc:
                    entries.append(_missing_entry(commit, str(exc)))
                    continue
                for cat in run.report["categories"]:
                    categories.setdefault(cat["id"], cat.get("title") or cat["id"])
                entries.append(_entry(commit, run, time.monotonic() - commit_started))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "repository": str(path.resolve()),
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "commits_requested": count,
        "reuse": reuse,
        "shared_scan": shared.summary() if shared else None,
        "duration_s": round(time.monotonic() - started, 3),
        "categories": [{"id": cid, "title": title} for cid, title in categories.items()],
        "commits": entries,
    }


class SharedScan:
    """semgrep and bandit run ONCE over every distinct version of every file of the N commits.

    Both engines analyse one file at a time (semgrep's open-source engine and its taint mode are
    intra-file; bandit is per file), so a file's findings depend on its content alone: a version seen in
    several commits is scanned once. The versions are laid out as `_v<k>/<path>` (k-th distinct content of
    that path), so a path keeps its name and its folders (rules filter on them: tests/, settings files);
    the `_v<k>` prefix matches none of the rules' unanchored path globs. Each commit's audit then receives
    the findings of its own file versions, with the engines' real status: a failed shared run makes the
    items of every commit unknown, as a failed run would for one audit.
    """

    def __init__(self, runs: list, versions: dict[str, dict[str, int]], duration: float, files: int):
        self.runs = runs
        self.versions = versions            # path -> content digest -> k
        self.duration = duration
        self.files = files
        self.by_version: dict[str, dict[tuple[str, int], list]] = {}
        for run in runs:
            index: dict[tuple[str, int], list] = {}
            for finding in run.findings:
                head, _, rel = finding.file.partition("/")
                if head.startswith("_v") and head[2:].isdigit():
                    index.setdefault((rel, int(head[2:])), []).append(finding)
            self.by_version[run.name] = index

    @classmethod
    def build(cls, commits: list, checkout: Callable[[Any], Path], options: AuditOptions, stage: Path) -> "SharedScan":
        from auditor.pipeline import run_engines
        from auditor.repo import Repository

        versions: dict[str, dict[str, int]] = {}
        files = 0
        for commit in commits:
            target = checkout(commit)
            if not target.is_dir():
                continue
            for f in Repository.scan(target, options.excludes).files:
                if f.path.rsplit("/", 1)[-1] == ".git":
                    continue    # a worktree's `.git` is a file pointing at the repository: not source
                data = (target / f.path).read_bytes()
                known = versions.setdefault(f.path, {})
                digest = _digest(data)
                if digest in known:
                    continue
                known[digest] = len(known)
                dest = stage / f"_v{known[digest]}" / f.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                files += 1
        started = time.monotonic()
        staged = Repository.scan(stage) if stage.is_dir() else Repository(root=stage)
        runs = run_engines(staged, dataclasses.replace(options, excludes=())) if staged.files else []
        return cls(runs, versions, time.monotonic() - started, files)

    def engine_runs(self, repo, options, side_lane=None) -> list:
        """The pipeline's engine step for one commit: its files' findings from the shared run."""
        from auditor.engines.base import OK, EngineRun

        out = []
        for shared in self.runs:
            run = EngineRun(shared.name, status=shared.status, version=shared.version, error=shared.error,
                            duration_s=0.0, messages=self.messages_for(shared, repo))
            if shared.status == OK:
                index = self.by_version[shared.name]
                for f in repo.files:
                    try:
                        k = self.versions.get(f.path, {}).get(_digest((repo.root / f.path).read_bytes()))
                    except OSError:
                        k = None
                    for finding in index.get((f.path, k), ()) if k is not None else ():
                        ev = finding.evidence
                        run.findings.append(dataclasses.replace(finding, evidence=dataclasses.replace(ev, file=f.path)))
                run.scanned_files = sum(1 for f in repo.files if f.path in self.versions)
            out.append(run)
        return out

    def messages_for(self, shared, repo) -> list[str]:
        """The shared run's file errors that concern this commit's own file versions, with their real paths
        (`_v1/app.py: syntax error` is this commit's `app.py: syntax error` only if its app.py is version 1);
        messages naming no staged file concern every commit. They become this commit's warnings, as an
        audit of the commit alone would show them."""
        mine: set[str] = set()
        for f in repo.files:
            try:
                k = self.versions.get(f.path, {}).get(_digest((repo.root / f.path).read_bytes()))
            except OSError:
                k = None
            if k is not None:
                mine.add(f"_v{k}/{f.path}")
        out = []
        for message in shared.messages:
            staged = _STAGED_PATH.findall(message)
            if not staged:
                out.append(message)
            elif any(f"_v{k}/{path}" in mine for k, path in staged):
                out.append(_STAGED_PATH.sub(lambda m: m.group(2), message))
        return out[:20]

    def summary(self) -> dict:
        return {"file_versions": self.files, "duration_s": round(self.duration, 3),
                "engines": {r.name: {"status": r.status, "duration_s": round(r.duration_s, 3),
                                     "findings": len(r.findings)} for r in self.runs}}


_STAGED_PATH = re.compile(r"(?<![\w/.-])_v(\d+)/([^\s:,;'\"]+)")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
        "unknown": [i["id"] for i in report["items"] if i["verdict"] == "unknown"],
        "warnings": list(summary.get("warnings") or []),   # what `audit` says at the top of this commit's report
        "engines": engines,
        "duration_s": round(duration, 3),
    }


def _missing_entry(commit, reason: str) -> dict:
    return {**_commit_facts(commit), "score": None, "grade": "N/A", "categories": {}, "verdicts": {},
            "failing": [], "unknown": [], "warnings": [], "engines": {}, "error": reason}


def _commit_facts(commit) -> dict:
    return {"commit": commit.hexsha, "short": commit.hexsha[:10],
            "date": commit.committed_datetime.isoformat(), "subject": commit.summary[:120],
            "author": commit.author.name}
