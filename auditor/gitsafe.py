"""Git without the scanned repository's commands.

A repository's own `.git/config` can name programs that git runs on ordinary read commands: `core.fsmonitor`
(run by `git status`, `git diff`, `git ls-files`: gitpython's is_dirty and semgrep both trigger it), clean and
smudge filters and `process` filters (attached to paths by `.gitattributes`), diff textconv and external diff
drivers, hooks. Auditing a repository must never run its code, so for the duration of an audit every git
process (ours, gitpython's, semgrep's) gets command-line-level config overrides through GIT_CONFIG_COUNT /
GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n, which take precedence over every config file:
fsmonitor off, hooks path empty, filters replaced by `cat` (content unchanged), textconv by `cat`, external
diff and merge drivers by `false` (that git call then fails instead of running foreign code: the analysis
needing it becomes unknown).
"""
from __future__ import annotations

import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

STATIC_OVERRIDES = {
    "core.fsmonitor": "false",
    "core.hooksPath": os.devnull,
    "core.pager": "cat",
    "core.editor": "false",
    "core.askPass": "false",
    "credential.helper": "",
    "uploadpack.packObjectsHook": "",
}
_DRIVER_KEY = re.compile(r"^(filter|diff|merge)\.(.+)\.(clean|smudge|process|required|textconv|command|driver)$", re.I)
_REPLACEMENT = {"clean": "cat", "smudge": "cat", "process": "", "required": "false", "textconv": "cat",
                "command": "false", "driver": "false"}


def configured_keys(root: Path) -> list[str]:
    """Every config key git sees in `root` (reading config runs nothing)."""
    try:
        result = subprocess.run(["git", "config", "--list", "--name-only", "-z"], cwd=root, capture_output=True,
                                timeout=30, stdin=subprocess.DEVNULL, env={**os.environ, **_env(STATIC_OVERRIDES)})
    except (OSError, subprocess.SubprocessError):
        return []
    if result.returncode != 0:
        return []
    return [k for k in result.stdout.decode("utf-8", "replace").split("\0") if k]


def overrides_for(root: Path) -> dict[str, str]:
    overrides = dict(STATIC_OVERRIDES)
    for key in configured_keys(root):
        match = _DRIVER_KEY.match(key)
        if match:
            overrides[key] = _REPLACEMENT[match.group(3).lower()]
        elif key.lower() == "diff.external":
            overrides["diff.external"] = "false"
    return overrides


def _env(overrides: dict[str, str], start: int = 0) -> dict[str, str]:
    env = {"GIT_CONFIG_COUNT": str(start + len(overrides)), "GIT_TERMINAL_PROMPT": "0"}
    for i, (key, value) in enumerate(overrides.items(), start=start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def safe_git_env(root: Path) -> dict[str, str]:
    """Environment variables that make git in `root` run none of the repository's configured commands."""
    try:
        start = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        start = 0
    return _env(overrides_for(root), start)


@contextmanager
def safe_git_environment(root: Path):
    """Set safe_git_env in os.environ (inherited by every child process) for the block, then restore it."""
    env = safe_git_env(Path(root))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
