"""`fetch`: put each project's pinned commit in a folder outside this repository.

Source, in order: a local mirror (a git directory under $ACCURACY_MIRRORS, default /work/.mirror,
named owner+name), else a bare clone from GitHub. The files come out of `git archive <commit>`
unpacked with `tar`; nothing from the repository runs (no checkout hooks, no filters, no scripts),
and the checkout has no .git folder, so history-based items see no history.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from project_files import Project

DEFAULT_REPOS_DIR = Path("/tmp/accuracy-repos")
DEFAULT_MIRRORS = Path("/work/.mirror")
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_ATTR_NOSYSTEM": "1"}


class FetchError(RuntimeError):
    pass


def repos_dir() -> Path:
    return Path(os.environ.get("ACCURACY_DIR") or DEFAULT_REPOS_DIR)


def checkout_dir(project: Project, root: Path | None = None) -> Path:
    return (root or repos_dir()) / project.slug


def audit_dir(project: Project, root: Path | None = None) -> Path:
    """The folder the auditor is pointed at: the checkout, or its `subdir`."""
    base = checkout_dir(project, root)
    return base / project.subdir if project.subdir else base


def _git(git_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["git", f"--git-dir={git_dir}", "-c", "core.hooksPath=/dev/null", *args],
                          env={**os.environ, **_GIT_ENV}, **kwargs)


def find_mirror(repo: str, mirrors: Path | None = None) -> Path | None:
    """The git directory of the local mirror of `owner/name`, matched case-insensitively, or None."""
    root = mirrors or Path(os.environ.get("ACCURACY_MIRRORS") or DEFAULT_MIRRORS)
    if not root.is_dir():
        return None
    wanted = repo.replace("/", "+").lower()
    for candidate in sorted(root.iterdir()):
        if candidate.name.lower() != wanted or not candidate.is_dir():
            continue
        for git_dir in (candidate / "repo", candidate / "repo.git", candidate):
            if (git_dir / "HEAD").is_file() and (git_dir / "objects").is_dir():
                return git_dir
    return None


def _has_commit(git_dir: Path, commit: str) -> bool:
    return _git(git_dir, "cat-file", "-e", f"{commit}^{{commit}}", capture_output=True).returncode == 0


def _clone(repo: str, into: Path) -> Path:
    url = f"https://github.com/{repo}.git"
    done = subprocess.run(["git", "clone", "--bare", "--quiet", url, str(into)], capture_output=True, text=True,
                          env={**os.environ, **_GIT_ENV}, timeout=900)
    if done.returncode != 0:
        raise FetchError(f"no local mirror of {repo}, and cloning {url} failed: "
                         f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no message'}")
    return into


def _missing_blobs(git_dir: Path, commit: str) -> list[str]:
    """Paths whose blob the git directory lacks (a mirror may leave its largest files out)."""
    tree = _git(git_dir, "ls-tree", "-r", "-z", commit, capture_output=True).stdout.decode(errors="replace")
    entries = [line.split("\t", 1) for line in tree.split("\0") if "\t" in line]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == "blob"]
    if not blobs:
        return []
    checked = _git(git_dir, "cat-file", "--batch-check", input="\n".join(b for b, _ in blobs) + "\n",
                   capture_output=True, text=True).stdout.splitlines()
    return [path for (_, path), line in zip(blobs, checked) if line.endswith(" missing")]


def _archive(git_dir: Path, commit: str, dest: Path) -> tuple[int, list[str]]:
    """Unpacks the tree of `commit` into `dest`, leaving out blobs the mirror lacks.

    Returns the number of files the tree lists and the paths left out."""
    dest.mkdir(parents=True)
    missing = _missing_blobs(git_dir, commit)
    pathspecs = ["--", ".", *(f":(exclude,literal){path}" for path in missing)] if missing else []
    archive = _git(git_dir, "archive", "--format=tar", commit, *pathspecs, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "--no-same-owner", "--no-same-permissions", "-C", str(dest)],
                           input=archive.stdout, capture_output=True)
    if archive.returncode != 0 or untar.returncode != 0:
        raise FetchError(f"git archive {commit} from {git_dir} could not be unpacked: "
                         f"{untar.stderr.decode(errors='replace').strip()[:200]}")
    listed = _git(git_dir, "ls-tree", "-r", "--name-only", commit, capture_output=True, text=True)
    return len(listed.stdout.splitlines()), missing


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def materialise(project: Project, root: Path | None = None, force: bool = False) -> tuple[Path, str]:
    """Puts `project` at its pinned commit under `root`; returns the folder and what was done."""
    dest = checkout_dir(project, root)
    stamp = dest.parent / f".{project.slug}.commit"
    if dest.is_dir() and not force and stamp.is_file() and stamp.read_text().strip() == project.commit:
        return dest, "already there"
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    mirror = find_mirror(project.repo)
    with tempfile.TemporaryDirectory(prefix="accuracy-clone-") as scratch:
        if mirror is not None and _has_commit(mirror, project.commit):
            git_dir, source = mirror, f"mirror {mirror}"
        else:
            git_dir, source = _clone(project.repo, Path(scratch) / "repo.git"), f"clone of github.com/{project.repo}"
            if not _has_commit(git_dir, project.commit):
                raise FetchError(f"{project.repo} has no commit {project.commit}")
        listed, missing = _archive(git_dir, project.commit, dest)
    stamp.write_text(project.commit + "\n")
    if project.subdir and not (dest / project.subdir).is_dir():
        raise FetchError(f"{project.slug}: subdir {project.subdir!r} is not in {project.repo}@{project.commit[:12]}")
    found = _count_files(dest)
    note = f"from {source}, {found} files"
    if missing:
        note += f"; {len(missing)} file(s) absent from the source left out: {', '.join(missing[:5])}"
        listed -= len(missing)
    if found != listed:  # .gitattributes export-ignore drops files from git archive: say so
        note += f" (the tree lists {listed}: export-ignore attributes dropped some)"
    return dest, note
