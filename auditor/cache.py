"""Content-hash cache of engine results per file, so a second audit rescans only the files that changed.

Layout: `<cache dir>/<engine>-<context key>.json`. The default cache dir is per user, outside the audited
tree: `$XDG_CACHE_HOME/backend-auditor/repos/<hash of the repository path>` (`~/.cache/...` without
XDG_CACHE_HOME). The audited repository is hostile input: a cache folder it commits must not be trusted as
the tool's own state (its entries would stand for engine runs that never happened), so
- every cache file carries an HMAC over its content keyed by a per-machine secret (`secret` in the user's
  cache root, mode 0600, created on first use); a file without a valid MAC is ignored (a cold run);
- a cache folder that is a symlink, or that git tracks (committed files in it), is refused with the reason
  and the audit runs without a cache.
One file holds, for every file of the last audit, its content hash and the engine's raw results for it.

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
import hmac
import json
import os
import secrets
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from auditor.files import write_atomic

CACHE_FORMAT = 2    # 2: every file carries an HMAC (format 1 files are ignored)
DEFAULT_DIR_NAME = ".auditor-cache"   # the old in-tree default: still excluded from the walk
APP_DIR = "backend-auditor"
SECRET_NAME = "secret"
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
    key: bytes | None = None            # the per-machine HMAC key; None: nothing is read or written
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
        if self.key is None:
            return
        document["mac"] = _mac(self.key, document)
        try:
            write_atomic(self.path, json.dumps(document, separators=(",", ":")))
            for stale in self.path.parent.glob(self.path.name.split("-", 1)[0] + "-*.json"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only repository: the audit is still right, only slower next time


def user_cache_root() -> Path:
    """The per-user cache root: $XDG_CACHE_HOME/backend-auditor, else ~/.cache/backend-auditor."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_DIR


def default_cache_dir(root: Path) -> Path:
    return user_cache_root() / "repos" / blake(str(Path(root).resolve()).encode())


def private_dir(path: Path) -> Path:
    """`path` created (mode 0700) or checked: a real folder (no symlink) owned by this user that no one else
    may write. Raises OSError with the reason otherwise."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise OSError(f"{path} is not a folder (a symlink?)")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise OSError(f"{path} belongs to another user")
    if st.st_mode & 0o022:
        os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
    return path


def machine_secret() -> bytes:
    """The per-machine key that authenticates cache files: `secret` in the user's cache root, mode 0600."""
    folder = private_dir(user_cache_root())
    path = folder / SECRET_NAME
    if not os.path.lexists(path):
        _publish_new_secret(folder, path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "r", encoding="ascii") as handle:
        st = os.fstat(handle.fileno())
        if (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & 0o077:
            raise OSError(f"{path} must be owned by you with mode 0600")
        key = handle.read().strip()
    if len(key) < 32:
        raise OSError(f"{path} holds no usable key (delete it: a new one is made)")
    return key.encode("ascii")


def _publish_new_secret(folder: Path, path: Path) -> None:
    """Write a fresh key to a private temporary file, then link it into place: a reader in another thread or
    process sees no key file or a whole one, never an empty file it would take for a broken key (two
    threads of one first audit, the engines' and the collectors', both ask for the key)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{SECRET_NAME}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another writer won: its key is the machine's key
    finally:
        os.unlink(tmp)


def _mac(key: bytes, document: dict) -> str:
    body = {k: v for k, v in document.items() if k != "mac"}
    return hmac.new(key, json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()


def cache_refusal(directory: Path, root: Path | None = None) -> str | None:
    """Why `directory` must not be used as the cache, or None: it is a symlink, or a folder on its way down
    from the audited repository's root is one, or git tracks files in it."""
    directory = Path(directory).absolute()
    probes = [directory]
    if root is not None:
        root = Path(root).absolute()
        if directory.is_relative_to(root):
            probe = directory.parent
            while probe != root and probe.is_relative_to(root):
                probes.append(probe)
                probe = probe.parent
    for probe in probes:
        if probe.is_symlink():
            return f"cache folder {directory} is refused: {probe} is a symlink"
    if directory.is_dir() and _git_tracks(directory):
        return f"cache folder {directory} is refused: git tracks files in it (a committed cache is not ours)"
    return None


def _git_tracks(directory: Path) -> bool:
    try:
        done = subprocess.run(["git", "-c", "core.fsmonitor=false", "ls-files", "-z", "--", "."], cwd=directory,
                              capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip(b"\0"))


class FindingsCache:
    """The cache folder; each engine thread uses its own EngineStore."""

    def __init__(self, directory: Path, root: Path | None = None):
        self.directory = Path(directory)
        self.problem: str | None = cache_refusal(self.directory, root)
        self.key: bytes | None = None
        self.usable = self.problem is None and self._prepare()

    @classmethod
    def for_repository(cls, root: Path, cache_dir: Path | None = None) -> "FindingsCache":
        """The cache for auditing `root`: `cache_dir`, else the per-user default (never inside `root`)."""
        return cls(Path(cache_dir) if cache_dir else default_cache_dir(root), Path(root))

    def _prepare(self) -> bool:
        try:
            self.key = machine_secret()
        except OSError as exc:
            self.problem = f"no cache: the per-machine cache key is unusable ({exc})"
            return False
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
        store = EngineStore(path, key=self.key)
        try:
            if path.is_symlink():
                raise ValueError("a symlinked cache file")
            document = json.loads(path.read_text(encoding="utf-8"))
            entries = document["entries"]
            if document.get("format") != CACHE_FORMAT or not isinstance(entries, dict):
                raise ValueError("unexpected cache format")
            if self.key is None or not hmac.compare_digest(str(document.get("mac", "")), _mac(self.key, document)):
                raise ValueError("not written by this machine's auditor (no valid MAC)")
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
