"""A commit's files written into a folder with git plumbing, never by a checkout.

`git checkout` (and `git worktree add`) apply the repository's smudge and `process` filters, run its
post-checkout hook and read config that may differ in a new worktree (an `includeIf "gitdir:..."` that only
matches there). Reading a commit as data does none of that: `git ls-tree -r -z` lists its blobs and one
`git cat-file --batch` process streams their bytes exactly as committed (no filter, no textconv, no
line-ending conversion), under the overrides of auditor/gitsafe.py.

Only regular files are written. Symlinks and submodules are left out (a link written into the folder could
later lead a write outside it), and so is any path git would refuse to check out: an absolute path, an
empty, `.` or `..` component, or a `.git` component.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from auditor.gitsafe import safe_git_env

_REGULAR_MODES = {"100644", "100755", "100664"}
_CHUNK = 1 << 20


class TreeWriter:
    """Writes commits of the repository at `top` into `dest`, replacing what the previous commit left there."""

    def __init__(self, top: Path, dest: Path):
        self.top = Path(top)
        self.dest = Path(dest)
        self.env = {**os.environ, **safe_git_env(self.top)}
        self._batch: subprocess.Popen | None = None

    def __enter__(self) -> "TreeWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._batch is not None:
            try:
                if self._batch.stdin:
                    self._batch.stdin.close()
                self._batch.kill()
            except OSError:
                pass
            self._batch.wait()
            self._batch = None

    def write(self, commit: str, sub: str = "") -> Path:
        """The files of `commit` under `sub` (a folder relative to the top, '' for all) in `dest`; returns
        the folder that holds `sub` (which does not exist when the commit has no such folder).

        `dest` is a git repository of our own (created once: our config, no hooks, the scanned repository's
        objects borrowed through `alternates`) whose HEAD is `commit` and whose index matches the files, so
        the audit of the folder reads that commit's history and state as it would in a checkout."""
        self._prepare()
        for mode, sha, path in self._entries(commit, sub):
            if mode not in _REGULAR_MODES or not safe_relative(path):
                continue
            target = self.dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as out:
                self._copy_blob(sha, out)
        self._git("update-ref", "--no-deref", "HEAD", commit)
        self._git("read-tree", commit)
        self._git("update-index", "-q", "--refresh", check=False)   # stat data: the files are the commit's
        return self.dest / sub if sub else self.dest

    def _prepare(self) -> None:
        """An empty `dest` but for its own `.git`, created on the first call."""
        git_dir = self.dest / ".git"
        if git_dir.is_dir():
            for child in self.dest.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
            return
        self.dest.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "--template=", str(self.dest), cwd=self.dest.parent)
        common = self._git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=self.top).strip()
        (git_dir / "objects" / "info").mkdir(parents=True, exist_ok=True)
        (git_dir / "objects" / "info" / "alternates").write_text(str(Path(common) / "objects") + "\n")
        shallow = Path(common) / "shallow"
        if shallow.is_file():
            shutil.copyfile(shallow, git_dir / "shallow")

    def _git(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        result = subprocess.run(["git", *args], cwd=cwd or self.dest, env=self.env, capture_output=True,
                                stdin=subprocess.DEVNULL, timeout=300)
        if check and result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"git {args[0]} failed: {lines[-1] if lines else 'no message'}")
        return result.stdout.decode("utf-8", "replace")

    def _entries(self, commit: str, sub: str) -> list[tuple[str, str, str]]:
        args = ["git", "ls-tree", "-r", "-z", "--full-tree", commit]
        if sub:
            args += ["--", f":(top,literal){sub}"]
        result = subprocess.run(args, cwd=self.top, env=self.env, capture_output=True, stdin=subprocess.DEVNULL,
                                timeout=300)
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"git ls-tree {commit[:10]} failed: {lines[-1] if lines else 'no message'}")
        entries = []
        for record in result.stdout.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            parts = meta.decode("ascii", "replace").split(" ")
            if len(parts) != 3 or parts[1] != "blob":
                continue   # a submodule (commit) entry
            entries.append((parts[0], parts[2], os.fsdecode(raw_path)))
        return entries

    def _copy_blob(self, sha: str, out) -> None:
        batch = self._process()
        assert batch.stdin is not None and batch.stdout is not None
        batch.stdin.write(sha.encode("ascii") + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().decode("ascii", "replace").split()
        if len(header) != 3 or header[1] != "blob":
            raise RuntimeError(f"git cat-file could not read blob {sha[:10]}: {' '.join(header) or 'no answer'}")
        left = int(header[2])
        while left:
            block = batch.stdout.read(min(left, _CHUNK))
            if not block:
                raise RuntimeError(f"git cat-file stopped in the middle of blob {sha[:10]}")
            out.write(block)
            left -= len(block)
        batch.stdout.read(1)   # the newline after the content

    def _process(self) -> subprocess.Popen:
        if self._batch is None or self._batch.poll() is not None:
            self._batch = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.top, env=self.env,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._batch


def safe_relative(path: str) -> bool:
    """A path that stays inside the folder it is written to and is not git's own."""
    if not path or path.startswith("/") or "\0" in path:
        return False
    return all(part not in ("", ".", "..") and part.lower() != ".git" for part in path.split("/"))
