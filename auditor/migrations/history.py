"""MIG-IMMUTABLE: migrations edited after the commit that added them, from git history (gitpython).

One `git log --numstat` over the migration files, never one call per file. An edit counts when it came
after a later migration was added to the same folder: by then the migration had shipped. Edits while it was
still the newest migration are usually review fixes before release and are not counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Edit:
    file: str            # relative to the audited folder
    commit: str
    date: str
    author: str
    summary: str
    added: int
    deleted: int

    def to_json(self) -> dict:
        return {"file": self.file, "commit": self.commit, "date": self.date, "author": self.author,
                "summary": self.summary, "lines_added": self.added, "lines_deleted": self.deleted}


class NoHistory(Exception):
    """The folder has no usable git history: the reason."""


def migration_edits(root: Path, files: list[str], folders: dict[str, str]) -> tuple[list[Edit], int]:
    """(edits after shipping, number of migration files with history). folders: file -> its migration folder."""
    try:
        import git
        repo = git.Repo(root, search_parent_directories=True)
    except Exception as exc:
        raise NoHistory(f"not a git repository ({type(exc).__name__})") from None
    try:
        top = Path(repo.working_tree_dir).resolve()
        prefix = root.resolve().relative_to(top).as_posix()
    except Exception as exc:
        raise NoHistory(f"cannot place {root} in its git work tree: {exc}") from None
    prefix = "" if prefix == "." else prefix + "/"
    if not files:
        return [], 0
    try:
        out = repo.git.log("--numstat", "--no-renames", "--format=@@%H|%at|%aI|%an|%s", "--reverse", "--",
                           *(prefix + f for f in sorted(set(folders.values())) if f), **{"no_color": True})
    except Exception as exc:
        raise NoHistory(f"git log failed: {exc}") from None
    wanted = set(files)
    history: dict[str, list[tuple]] = {}
    first_added: dict[str, int] = {}
    commit = None
    for line in out.splitlines():
        if line.startswith("@@"):
            parts = (line[2:].split("|", 4) + ["", "", "", "", ""])[:5]
            commit = (parts[0], int(parts[1]) if parts[1].isdigit() else 0, parts[2], parts[3], parts[4])
            continue
        cols = line.split("\t")
        if len(cols) != 3 or commit is None:
            continue
        path = cols[2]
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix):]
        added = int(cols[0]) if cols[0].isdigit() else 0
        deleted = int(cols[1]) if cols[1].isdigit() else 0
        history.setdefault(rel, []).append((commit[0], commit[1], commit[2], commit[3], commit[4], added, deleted))
        first_added.setdefault(rel, commit[1])
    edits: list[Edit] = []
    for rel, commits in history.items():
        if rel not in wanted or len(commits) < 2:
            continue
        folder = folders.get(rel, "")
        later = sorted(first_added[f] for f in first_added if folders.get(f) == folder and f != rel
                       and first_added[f] > commits[0][1])
        for sha, when, date, author, summary, added, deleted in commits[1:]:
            if later and when >= later[0] and (added or deleted):
                edits.append(Edit(rel, sha, date, author, summary, added, deleted))
    return sorted(edits, key=lambda e: (e.file, e.date)), len([f for f in history if f in wanted])
