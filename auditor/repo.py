"""The scanned repository's files: one walk, default excludes, safe reads.

Never follows a symlink: a link inside the repo is listed as skipped with the reason, so nothing
outside the repository is ever read. Binary and oversized files are skipped the same way.
"""
from __future__ import annotations

import ast
import fnmatch
import os
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from auditor import astwalk
from auditor.budget import touch
from auditor.files import is_generated
from auditor.nonsource import TEMPLATE_REASON, nonsource_reason, parse_template

DEFAULT_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "bower_components", ".venv", "venv", "env", ".env.d",
    "virtualenv", ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "site-packages", "vendor", "third_party", "third-party", "dist", "build", "target", "out",
    ".next", ".nuxt", "coverage", "htmlcov", ".idea", ".vscode", ".auditor-cache", ".eggs",
})
# build output the walk leaves out (compiled copies of the code): a secret committed there is committed all
# the same, so the walk remembers these folders and the secret scan reads them (Repository.build_output_files)
BUILD_OUTPUT_DIRS = frozenset({"dist", "build", "out"})
MAX_BUILD_OUTPUT_FILES = 2000

LANGUAGE_BY_EXTENSION = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript",
    ".go": "go", ".rb": "ruby", ".java": "java", ".kt": "kotlin", ".php": "php", ".cs": "csharp",
    ".rs": "rust", ".sql": "sql", ".html": "html", ".jinja": "html", ".jinja2": "html", ".j2": "html",
    ".yml": "yaml", ".yaml": "yaml", ".toml": "toml", ".json": "json",
}
CODE_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "ruby", "java", "kotlin",
                            "php", "csharp", "rust"})
MAX_FILE_BYTES = 2_000_000  # larger files are generated or data: listed as skipped, not parsed
RECENT_LINES_KEPT = 16        # files whose split lines Repository.lines keeps
_RECENT_LINES_LOCK = threading.Lock()


@dataclass(frozen=True)
class SourceFile:
    path: str          # relative, with '/'
    language: str | None
    size: int


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class Repository:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    # generated code (by name or header marker): left out of `files`, so the practice and quality items do not
    # judge a generator's output, but still read by the security engines and the secret scan (a "DO NOT
    # EDIT" header written by the author of a change must not hide an injection)
    generated: list[SourceFile] = field(default_factory=list)
    extra_excludes: tuple[str, ...] = ()
    # bundles and data tables (auditor/nonsource.py): not source, also listed in `skipped` with the reason;
    # no engine or collector reads them, the secret scan does
    nonsource: list[SourceFile] = field(default_factory=list)
    build_output_dirs: list[str] = field(default_factory=list)   # BUILD_OUTPUT_DIRS found, left out of `files`

    @classmethod
    def scan(cls, root: Path, extra_excludes: tuple[str, ...] = ()) -> "Repository":
        repo = cls(root=root.resolve(), extra_excludes=tuple(extra_excludes))
        repo._walk()
        return repo

    def _excluded(self, rel: str) -> bool:
        return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat.rstrip("/") + "/*")
                   for pat in self.extra_excludes)

    def _walk(self) -> None:
        root = str(self.root)
        for dirpath, dirnames, filenames in walk_iteratively(root):
            rel_dir = os.path.relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
            kept = []
            for name in sorted(dirnames):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                full = os.path.join(dirpath, name)
                if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info") or self._excluded(rel):
                    if name in BUILD_OUTPUT_DIRS and not self._excluded(rel) and not os.path.islink(full):
                        self.build_output_dirs.append(rel)
                    continue
                if os.path.islink(full):
                    self.skipped.append(SkippedFile(rel, "symlink (not followed)"))
                    continue
                kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if self._excluded(rel):
                    continue
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    self.skipped.append(SkippedFile(rel, "symlink (not followed)"))
                    continue
                try:
                    size = os.stat(full).st_size
                except OSError as exc:
                    self.skipped.append(SkippedFile(rel, f"unreadable: {exc.strerror or exc}"))
                    continue
                language = language_of(name)
                if language and size > MAX_FILE_BYTES:
                    self.skipped.append(SkippedFile(rel, f"larger than {MAX_FILE_BYTES} bytes"))
                    continue
                if language in CODE_LANGUAGES and is_generated(rel, _head(full)):
                    self.generated.append(SourceFile(rel, language, size))
                    continue
                reason = nonsource_reason(rel, language, size, lambda: _read(full)) if language in CODE_LANGUAGES else None
                if reason:
                    self.skipped.append(SkippedFile(rel, reason))
                    self.nonsource.append(SourceFile(rel, language, size))
                    continue
                self.files.append(SourceFile(rel, language, size))

    # ---- queries -------------------------------------------------------------------------------
    def security_files(self) -> list[SourceFile]:
        """What the security engines and the secret scan read: every audited file, generated ones included."""
        return self.files + self.generated if self.generated else self.files

    def build_output_files(self) -> list[SourceFile]:
        """The files under the build output folders (dist/, build/, out/), dependency folders inside them left
        out, at most MAX_BUILD_OUTPUT_FILES: read by the secret scan only."""
        out: list[SourceFile] = []
        for top in self.build_output_dirs:
            for dirpath, dirnames, filenames in walk_iteratively(str(self.root / top)):
                dirnames[:] = [d for d in sorted(dirnames) if d not in DEFAULT_EXCLUDED_DIRS
                               and not os.path.islink(os.path.join(dirpath, d))]
                rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if os.path.islink(full):
                        continue
                    try:
                        size = os.stat(full).st_size
                    except OSError:
                        continue
                    out.append(SourceFile(f"{rel_dir}/{name}", language_of(name), size))
                    if len(out) >= MAX_BUILD_OUTPUT_FILES:
                        return out
        return out

    def paths(self, language: str | None = None, suffix: str | None = None) -> list[str]:
        return [f.path for f in self.files
                if (language is None or f.language == language)
                and (suffix is None or f.path.endswith(suffix))]

    def exists(self, rel: str) -> bool:
        """`rel` is one of the audited files. The set of paths is kept while `files` is the same list of the
        same length (a caller may add files after the scan): import resolution asks thousands of times."""
        files = self.files
        kept = self.__dict__.get("_path_set")
        if kept is None or kept[0] is not files or kept[1] != len(files):
            kept = self.__dict__["_path_set"] = (files, len(files), {f.path for f in files})
        return rel in kept[2]

    def glob(self, pattern: str) -> list[str]:
        return [f.path for f in self.files if fnmatch.fnmatch(f.path, pattern)]

    def read_text(self, rel: str) -> str | None:
        """The file's text, or None for a binary or unreadable file (recorded as skipped once)."""
        touch(rel)   # the per-file budget of the analysis reading it (auditor/budget.py)
        return self._texts.get(rel) if rel in self._texts else self._load(rel)

    def lines(self, rel: str) -> list[str]:
        """The file's lines (shared: do not modify). The last few files' lines are kept, because evidence
        snippets come in runs from one file and splitting a long file for each cost more than the checks."""
        kept = self._recent_lines
        found = kept.get(rel)
        if found is None:
            text = self.read_text(rel)
            found = text.splitlines() if text is not None else []
            with _RECENT_LINES_LOCK:  # the engine threads make snippets while the collectors run
                if len(kept) >= RECENT_LINES_KEPT:
                    del kept[next(iter(kept))]
                kept[rel] = found
        return found

    def snippet(self, rel: str, line: int | None, end_line: int | None = None) -> str:
        if not line:
            return ""
        lines = self.lines(rel)
        end = min(end_line or line, line + 4)
        return "\n".join(lines[line - 1:end]).rstrip()

    def python_ast(self, rel: str) -> ast.Module | None:
        """Parsed module, or None when it does not parse (recorded as skipped with the reason)."""
        touch(rel)
        if rel in self._asts:
            return self._asts[rel]
        tree = None
        text = self.read_text(rel)
        if text is not None:
            try:
                tree = ast.parse(text, filename=rel)
                tree = self._shallow_enough(tree, rel)
            except (SyntaxError, ValueError) as exc:
                tree = _parse_newer_python(text, rel)
                if tree is None and (tree := parse_template(text, rel)) is not None:
                    self.skipped.append(SkippedFile(rel, TEMPLATE_REASON))
                if tree is not None:
                    tree = self._shallow_enough(tree, rel)
                else:
                    line = getattr(exc, "lineno", None)
                    where = f" at line {line}" if line else ""
                    self.skipped.append(SkippedFile(rel, f"does not parse as Python 3{where}: {exc.msg if isinstance(exc, SyntaxError) else exc}"))
            except (RecursionError, MemoryError):
                self.skipped.append(SkippedFile(rel, "too deeply nested to parse"))
                self.unanalysed[rel] = "too deeply nested to parse"
        self._asts[rel] = tree
        return tree

    def _shallow_enough(self, tree: ast.Module, rel: str) -> ast.Module | None:
        """The tree, or None when it is nested deeper than our recursive analyses can follow (recorded)."""
        levels = astwalk.depth(tree) if len(tree.body) else 1
        if levels <= astwalk.MAX_DEPTH:
            return tree
        reason = f"nested {levels} levels deep (over {astwalk.MAX_DEPTH}): the Python analyses cannot read it"
        self.skipped.append(SkippedFile(rel, reason))
        self.unanalysed[rel] = reason
        return None

    @cached_property
    def unanalysed(self) -> dict[str, str]:
        """Python files the AST analyses could not read (path -> why): the items they feed cannot pass."""
        return {}

    @cached_property
    def _texts(self) -> dict[str, str | None]:
        return {}

    @cached_property
    def _asts(self) -> dict[str, ast.Module | None]:
        return {}

    @cached_property
    def _recent_lines(self) -> dict[str, list[str]]:
        return {}

    def _load(self, rel: str) -> str | None:
        text = None
        try:
            data = (self.root / rel).read_bytes()
        except OSError as exc:
            self.skipped.append(SkippedFile(rel, f"unreadable: {exc.strerror or exc}"))
        else:
            if b"\0" in data[:8192]:
                self.skipped.append(SkippedFile(rel, "binary content"))
            else:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
        self._texts[rel] = text
        return text


# PEP 758 (Python 3.14): `except A, B:` without parentheses. Rewritten in place (no line moves) so code
# written for a newer Python than ours still parses; every other syntax error stays an error.
_PEP758_EXCEPT = re.compile(r"^(\s*except\*?\s+)(?!\()([\w.]+(?:\s*,\s*[\w.]+)+)(\s*:)", re.M)


def _parse_newer_python(text: str, rel: str) -> ast.Module | None:
    fixed = _PEP758_EXCEPT.sub(lambda m: f"{m.group(1)}({m.group(2)}){m.group(3)}", text)
    if fixed == text:
        return None
    try:
        return ast.parse(fixed, filename=rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _read(full: str) -> bytes | None:
    try:
        with open(full, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def walk_iteratively(top: str):
    """os.walk(top, followlinks=False), top-down, with an explicit stack: the os.walk of Python 3.11 recurses
    once per folder level, so a repository nested deeper than the recursion limit raised RecursionError.
    The caller may prune `dirnames` in place, as with os.walk; an unreadable folder is passed over."""
    stack = [top]
    while stack:
        dirpath = stack.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        try:
            with os.scandir(dirpath) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False) or (entry.is_symlink() and entry.is_dir())
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError:
            continue
        yield dirpath, dirnames, filenames
        stack.extend(os.path.join(dirpath, name) for name in reversed(dirnames)
                     if not os.path.islink(os.path.join(dirpath, name)))


def _head(full: str, size: int = 2048) -> str | None:
    try:
        with open(full, "rb") as handle:
            return handle.read(size).decode("utf-8", errors="replace")
    except OSError:
        return None


def language_of(name: str) -> str | None:
    lower = name.lower()
    if lower == "dockerfile":
        return "dockerfile"
    return LANGUAGE_BY_EXTENSION.get(os.path.splitext(lower)[1])
