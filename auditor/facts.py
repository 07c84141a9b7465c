"""Per-file facts a collector extracts, reused across audits when the file's text is unchanged.

A collector step that reads one file and nothing else (its text, its parse tree, its path) gives the same
rows for the same input, so a re-audit after a one-file change need not recompute it for the other files.
The rows are kept in the findings cache (auditor/cache.py: per user, outside the audited tree, every file
under an HMAC of the per-machine key), one cache file per step, keyed by
- the step's name and the auditor's own code and rules (a hash of the installed package: an edit to the
  auditor, a new version or a changed rule starts cold), and
- per file: its path and the BLAKE2b of the text the step read.
Whole-repository steps (the program model's fixpoint, the checks) are not cached here: they rerun on the
merged facts, so a verdict never depends on whether a fact came from the cache.

Without a cache (--no-cache, or a refused cache folder) every fact is computed, as before.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Callable

from auditor.cache import EngineStore, FindingsCache, blake, context_key, tree_hash
from auditor.resources import rules_dir


@functools.lru_cache(maxsize=1)
def auditor_code_hash() -> str:
    """Hash of the auditor package and its rules: any change to the tool invalidates its facts."""
    package = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*")):
        # the sources, never the interpreter's byte code (written by the first run: the key would move)
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(tree_hash(rules_dir()).encode())
    return h.hexdigest()


class FileFacts:
    """One step's cached rows per file for one audit: `rows(path, text, compute)`; `save()` at the end."""

    def __init__(self, store: EngineStore | None):
        self.store = store
        self.seen: set[str] = set()
        self.reused = 0
        self.computed = 0

    @classmethod
    def open(cls, options: dict[str, Any], root: Path, step: str) -> "FileFacts":
        """The step's facts for auditing `root` with `options` (AuditContext.options): a cache only when the
        audit uses one."""
        if not options.get("use_cache"):
            return cls(None)
        cache_dir = options.get("cache_dir")
        cache = FindingsCache.for_repository(root, Path(cache_dir) if cache_dir else None)
        if not cache.usable:
            return cls(None)
        return cls(cache.open(f"facts_{step}", context_key(kind="facts", step=step, code=auditor_code_hash())))

    def rows(self, path: str, text: str | None, compute: Callable[[], list[dict]]) -> list[dict]:
        """`compute()` (JSON rows that depend on `path` and `text` only), or its rows from an earlier audit."""
        if self.store is None or text is None:
            self.computed += 1
            return compute()
        sha = blake(text.encode("utf-8", "surrogatepass"))
        self.seen.add(path)
        entry = self.store.get(path, sha)
        if entry is not None:
            self.reused += 1
            return entry["results"]
        rows = compute()
        self.store.put(path, sha, {"results": rows})
        self.computed += 1
        return rows

    def save(self) -> None:
        if self.store is not None and (self.computed or len(self.seen) != self.store.loaded):
            self.store.save(self.seen, None)
