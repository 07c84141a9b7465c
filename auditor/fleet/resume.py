"""What identifies a finished audit, so that a resumed or repeated run skips a target that has not changed.

An audit's key covers the commit audited, the ref asked for, and everything of ours that can change a
verdict: the tool's version, the rule files, the fleet's `--config` file and the engine executables (an
upgrade of semgrep changes findings). The repository's own config lives in the commit, so the commit covers
it. A target whose commit cannot be known without auditing it (a folder that is not a git checkout, or a
checkout with uncommitted changes) has no key and is always audited.
"""
from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

from auditor import __version__
from auditor.cache import blake, executable_identity, tree_hash
from auditor.engines.base import locate_executable
from auditor.fleet.targets import Target
from auditor.gitinfo import git_state
from auditor.gitsafe import safe_git_environment
from auditor.resources import rules_dir

# as remote.py's clone: never wait for a password nobody will type
_REMOTE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}
LS_REMOTE_TIMEOUT = 60


@lru_cache(maxsize=None)
def _rules_fingerprint() -> str:
    return tree_hash(rules_dir())


def settings_fingerprint(config_file: str | None) -> str:
    """Everything but the commit that decides the verdicts, as this worker's install sees it."""
    engines = {name: executable_identity(exe) if (exe := locate_executable(name, var)) else None
               for name, var in (("semgrep", "AUDITOR_SEMGREP"), ("bandit", "AUDITOR_BANDIT"))}
    config = Path(config_file).read_bytes().hex() if config_file else None
    return blake(json.dumps({"tool": __version__, "rules": _rules_fingerprint(), "engines": engines,
                             "config": config}, sort_keys=True, default=str).encode("utf-8"))


def audit_key(commit: str | None, ref: str | None, settings: str) -> str | None:
    if not commit:
        return None
    return blake(json.dumps([commit, ref, settings]).encode("utf-8"))


def current_commit(target: Target) -> str | None:
    """The commit an audit of `target` would read now, without cloning it; None when it cannot be known."""
    if target.is_remote:
        return _remote_commit(target.source, target.ref)
    folder = Path(target.source)
    if not folder.is_dir():
        return None
    with safe_git_environment(folder):   # `git status` in a hostile checkout must run nothing of its own
        state = git_state(folder)
    return state["commit"] if state["commit"] and state["dirty"] is False else None


def _remote_commit(url: str, ref: str | None) -> str | None:
    """`git ls-remote`: the commit HEAD (or the branch or tag `ref`) points at, or None."""
    try:
        # `REF^{}` too: a pattern matches whole name tails, so the peeled line of an annotated tag needs its own
        patterns = [ref, f"{ref}^{{}}"] if ref else ["HEAD"]
        result = subprocess.run(["git", "ls-remote", "--", url, *patterns], capture_output=True, text=True,
                                timeout=LS_REMOTE_TIMEOUT, stdin=subprocess.DEVNULL, env={**os.environ, **_REMOTE_ENV})
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    refs: dict[str, str] = {}
    for line in result.stdout.splitlines():
        sha, _, name = line.partition("\t")
        if name:
            refs[name] = sha
    if ref is None:
        return refs.get("HEAD")
    # an annotated tag: the commit it points at (its ^{} line), as the clone checks out
    for name in (f"refs/tags/{ref}^{{}}", f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        if name in refs:
            return refs[name]
    return None
