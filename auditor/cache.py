"""Content-hash cache of engine results per file, so a second audit rescans only the files that changed.

Layout: `<cache dir>/<engine>-<context key>.json` (default cache dir: `.auditor-cache/` in the scanned
repository; it carries its own `.gitignore` so it never makes the work tree dirty). One file holds, for
every file of the last audit, its content hash and the engine's raw results for it.

Correctness before speed: an entry is reused only when all of these are unchanged, else the file is rescanned:
- the file's bytes (BLAKE2b of the content) and its path (rules filter on paths);
- the context key: the engine executable's identity (real path, size, mtime: an upgrade changes it), the
  hash of every rule file, the command-line flags, the cache format, and anything in the repository that
  changes which files the engine selects (`.gitignore` files for semgrep, `.bandit` for bandit).
Files for which the engine reported an error (parse error, rule timeout) are never stored, so they are
rescanned every time. A cache file that cannot be read or does not have the expected shape is ignored
(a cold run), and written anew.

Reuse (e.g. for audit history): `FindingsCache(directory).open(engine, context)` gives an `EngineStore`
(`get(path, sha)`, `put(path, sha, entry)`, `save(version)`); `file_hashes(repo, paths)` hashes files.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from auditor.files import write_atomic

CACHE_FORMAT = 1
DEFAULT_DIR_NAME = ".auditor-cache"
_GITIGNORE = "# written by backend-auditor: engine results per file content hash; safe to delete\n*\n"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# backend-auditor cache (https://bford.info/cachedir/)\n"


def blake(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_hash(path: Path) -> str | None:
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def tree_hash(root: Path) -> str:
    """Hash of every file under `root` (relative names and contents), e.g. a rules folder."""
    h = hashlib.blake2b(digest_size=16)
    if root.is_file():
        h.update(root.read_bytes())
        return h.hexdigest()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def executable_identity(exe: str) -> list:
    """What changes when the engine is upgraded or replaced: its real path, size and modification time."""
    real = os.path.realpath(exe)
    try:
        st = os.stat(real)
    except OSError:
        return [real, None, None]
    return [real, st.st_size, st.st_mtime_ns]


def context_key(**parts) -> str:
    return blake(json.dumps({"format": CACHE_FORMAT, **parts}, sort_keys=True, default=str).encode())


@dataclass
class EngineStore:
    """One engine's cached entries under one context key: path -> {"sha", "scanned", "results"}."""
    path: Path | None
    entries: dict[str, dict] = field(default_factory=dict)
    version: str | None = None
    loaded: int = 0                     # entries read from disk (0 on a cold run)
    _fresh: dict[str, dict] = field(default_factory=dict)

    def get(self, rel: str, sha: str | None) -> dict | None:
        entry = self.entries.get(rel)
        if sha is None or entry is None or entry.get("sha") != sha:
            return None
        return entry

    def put(self, rel: str, sha: str | None, entry: dict) -> None:
        if sha is not None:
            self._fresh[rel] = {**entry, "sha": sha}

    def save(self, keep: Iterable[str], version: str | None) -> None:
        """Write the entries for `keep` (the current files): reused ones and freshly put ones."""
        if self.path is None:
            return
        keep = set(keep)
        out = {rel: e for rel, e in self.entries.items() if rel in keep and rel not in self._fresh}
        out.update({rel: e for rel, e in self._fresh.items() if rel in keep})
        document = {"format": CACHE_FORMAT, "version": version, "entries": dict(sorted(out.items()))}
        try:
            write_atomic(self.path, json.dumps(document, separators=(",", ":")))
            for stale in self.path.parent.glob(self.path.name.split("-", 1)[0] + "-*.json"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only repository: the audit is still right, only slower next time


class FindingsCache:
    """The cache folder; each engine thread uses its own EngineStore."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.usable = self._prepare()

    @classmethod
    def for_repository(cls, root: Path, cache_dir: Path | None = None) -> "FindingsCache":
        return cls(Path(cache_dir) if cache_dir else Path(root) / DEFAULT_DIR_NAME)

    def _prepare(self) -> bool:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _TAG)):
                target = self.directory / name
                if not target.exists():
                    write_atomic(target, text)
            return True
        except OSError:
            return False

    def open(self, engine: str, context: str) -> EngineStore:
        if not self.usable:
            return EngineStore(None)
        path = self.directory / f"{engine}-{context}.json"
        store = EngineStore(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            entries = document["entries"]
            if document.get("format") != CACHE_FORMAT or not isinstance(entries, dict):
                raise ValueError("unexpected cache format")
            for rel, entry in entries.items():
                if not (isinstance(entry, dict) and isinstance(entry.get("sha"), str)
                        and isinstance(entry.get("results"), list)
                        and all(isinstance(r, dict) for r in entry["results"])):
                    raise ValueError(f"bad entry for {rel}")
            store.entries, store.version = entries, document.get("version")
            store.loaded = len(entries)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # missing or corrupt: ignored, rewritten after this audit
        return store

    def file_hashes(self, root: Path, paths: Iterable[str]) -> dict[str, str | None]:
        """Content hash of each file (None when unreadable: such a file is always rescanned). Not memoised:
        a file may change between two audits run by one process."""
        return {rel: file_hash(Path(root) / rel) for rel in paths}
