"""Commit, branch and dirty state of the scanned repository (null fields when it is not a git repo)."""
from __future__ import annotations

from pathlib import Path


def git_state(root: Path) -> dict:
    state = {"commit": None, "branch": None, "dirty": None}
    try:
        import git
        repo = git.Repo(root, search_parent_directories=True)
    except Exception:  # not a repository, git missing, or an unreadable .git: all mean "no git facts"
        return state
    try:
        state["commit"] = repo.head.commit.hexsha
    except Exception:
        pass  # a repository with no commit yet
    try:
        state["branch"] = None if repo.head.is_detached else repo.active_branch.name
    except Exception:
        pass
    try:
        rel = root.resolve().relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
        paths = [] if rel == "." else [rel]
        state["dirty"] = repo.is_dirty(untracked_files=True, path=paths[0] if paths else None)
    except Exception:
        pass
    return state
