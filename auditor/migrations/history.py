"""MIG-IMMUTABLE: migrations edited after the commit that added them, from git history (gitpython).

One `git log --numstat` over the migration files, never one call per file. An edit counts when it came
after a later migration was added to the same folder: by then the migration had shipped. Edits while it was
still the newest migration are usually review fixes before release and are not counted. Nor are edits
that leave the migration's meaning unchanged (reformatting, import order, comments, docstrings): the file's
Python AST without imports and docstrings, or its SQL without comments and whitespace, is compared before and
after the commit.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from auditor.gitsafe import commits_diff_text


@dataclass
class Edit:
    file: str            # relative to the audited folder
    commit: str
    date: str
    author: str
    summary: str
    added: int
    deleted: int
    line: int | None = None          # the first edited line, in the file as that commit left it
    line_text: str = ""              # that line's text, to find it again in today's file
    changed_parts: tuple[str, ...] = ()   # 'upgrade()', 'downgrade()', 'class Migration', 'migrate:down', ...

    def to_json(self) -> dict:
        return {"file": self.file, "commit": self.commit, "date": self.date, "author": self.author,
                "summary": self.summary, "lines_added": self.added, "lines_deleted": self.deleted,
                "line": self.line, "changed_parts": list(self.changed_parts)}


class NoHistory(Exception):
    """The folder has no usable git history: the reason."""


def meaning(path: str, text: str | None) -> str | None:
    """What a migration does, without formatting: compared to tell real edits from cosmetic ones."""
    if text is None:
        return None
    if path.endswith(".py"):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            return text
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list):
                node.body = [s for s in body if not isinstance(s, (ast.Import, ast.ImportFrom))
                             and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                      and isinstance(s.value.value, str))] or [ast.Pass()]
        return ast.dump(tree)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    comment = r"--[^\n]*" if path.endswith(".sql") else r"(#|//)[^\n]*"
    return " ".join(re.sub(comment, " ", text).split()).lower()


def _python_parts(text: str) -> dict[str, tuple[str, int, int]] | None:
    """Top-level functions and classes: name -> (meaning, first line, last line)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    parts = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            label = f"class {node.name}" if isinstance(node, ast.ClassDef) else f"{node.name}()"
            parts[label] = (meaning("x.py", ast.unparse(node)) or "", node.lineno, node.end_lineno or node.lineno)
    return parts


_SQL_SECTION = re.compile(r"^\s*--\s*(\+migrate\s+(up|down)|migrate:(up|down)|\+goose\s+(up|down))", re.I)


def _sql_section(lines: list[str], line: int) -> str | None:
    """The dbmate/sql-migrate/goose section ('up'/'down') holding a line of a sectioned SQL file."""
    for text in reversed(lines[:line]):
        m = _SQL_SECTION.match(text)
        if m:
            return (m.group(2) or m.group(3) or m.group(4)).lower()
    return None


def locate_edit(path: str, before: str, after: str) -> tuple[int | None, str, tuple[str, ...]]:
    """(first edited line in `after`, its text, the parts whose meaning changed) for one real edit.

    For Python migrations the parts are the top-level functions and classes whose meaning differs
    (so an edit of downgrade() alone says so); the line is the first changed line inside one of them.
    For sectioned SQL files the part is the up or down section of that line."""
    import difflib
    old_lines, new_lines = before.splitlines(), after.splitlines()
    changed_lines: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag != "equal":
            changed_lines.append(min(j1 + 1, len(new_lines)) if new_lines else 1)
    parts: tuple[str, ...] = ()
    line = changed_lines[0] if changed_lines else None
    if path.endswith(".py"):
        old_parts, new_parts = _python_parts(before), _python_parts(after)
        if old_parts is not None and new_parts is not None:
            parts = tuple(name for name in sorted(set(old_parts) | set(new_parts))
                          if (old_parts.get(name) or ("",))[0] != (new_parts.get(name) or ("",))[0])
            spans = [new_parts[name][1:] for name in parts if name in new_parts]
            inside = [n for n in changed_lines if any(a <= n <= b for a, b in spans)]
            line = inside[0] if inside else line
    elif line is not None:
        section = _sql_section(new_lines, line)
        parts = (f"{section} section",) if section else ()
    text = new_lines[line - 1].strip() if line and 0 < line <= len(new_lines) else ""
    return line, text, parts


def _content(commit, path: str) -> str | None:
    try:
        return (commit.tree / path).data_stream.read().decode("utf-8", "replace")
    except Exception:   # absent in that commit (added, deleted) or unreadable
        return None


def migration_edits(root: Path, files: list[str], folders: dict[str, str]) -> tuple[list[Edit], int, int]:
    """(edits after shipping, migration files with history, cosmetic edits ignored).

    folders: file -> its migration folder."""
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
        return [], 0, 0
    try:
        out = commits_diff_text(top, ["--reverse", "HEAD"], ["--numstat", "--no-renames", "--format=@@%H|%at|%aI|%an|%s"],
                                [f":(top){prefix}{f}" for f in sorted(set(folders.values())) if f])
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
    cosmetic = 0
    for rel, commits in history.items():
        if rel not in wanted or len(commits) < 2:
            continue
        folder = folders.get(rel, "")
        later = sorted(first_added[f] for f in first_added if folders.get(f) == folder and f != rel
                       and first_added[f] > commits[0][1])
        for sha, when, date, author, summary, added, deleted in commits[1:]:
            if later and when >= later[0] and (added or deleted):
                try:
                    commit_obj = repo.commit(sha)
                    before = _content(commit_obj.parents[0], prefix + rel) if commit_obj.parents else None
                    after = _content(commit_obj, prefix + rel)
                except Exception:
                    before = after = ""
                if before is None or after is None:
                    continue   # the file was deleted or re-added (a squash and its revert), not edited
                if meaning(rel, before) == meaning(rel, after):
                    cosmetic += 1
                    continue
                line, line_text, parts = locate_edit(rel, before, after)
                edits.append(Edit(rel, sha, date, author, summary, added, deleted, line, line_text, parts))
    return sorted(edits, key=lambda e: (e.file, e.date)), len([f for f in history if f in wanted]), cosmetic
