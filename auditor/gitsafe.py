"""Git without the scanned repository's commands.

A repository's own `.git/config` (and any file it includes, conditionally or not) can name programs that git
runs on ordinary read commands: `core.fsmonitor` (run by `git status`, `git diff`, `git ls-files`: gitpython's
is_dirty and semgrep both trigger it), clean, smudge and `process` filters (attached to paths by
`.gitattributes`), diff textconv and external diff drivers, hooks, `gpg.program` (run by `git log` when
`log.showSignature` is set and a commit is signed), `core.sshCommand`, credential helpers, pagers.
Auditing a repository must never run its code, so every git process of an audit (ours, gitpython's,
semgrep's) gets command-line-level config overrides through GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n /
GIT_CONFIG_VALUE_n, which take precedence over every config file: a fixed list (STATIC_OVERRIDES) plus, for
every configured key whose name says it holds a program (`*.program`, `*.textconv`, `*.smudge`, `*.helper`,
`pager.*`, ...), that key replaced by `cat` (filters and textconv: content unchanged), an empty value or
`false` (that git call then fails instead of running foreign code: the analysis needing it becomes unknown).
`include.path` and `includeIf` cannot be switched off from the command line, so the keys are listed with
includes followed and every program key an include brings in is overridden too. Readers of history still
prefer plumbing (`rev-list`, `diff-tree`, `cat-file`) to porcelain: plumbing reads no porcelain settings.
"""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

STATIC_OVERRIDES = {
    "core.fsmonitor": "false",
    "core.hooksPath": os.devnull,
    "core.pager": "cat",
    "core.editor": "false",
    "core.askPass": "false",
    "core.sshCommand": "false",
    "core.gitProxy": "false",
    "core.alternateRefsCommand": "",
    "sequence.editor": "false",
    "credential.helper": "",
    "uploadpack.packObjectsHook": "",
    "log.showSignature": "false",          # `git log`/`show` would run gpg.program on a signed commit
    "gpg.program": "false",
    "gpg.openpgp.program": "false",
    "gpg.x509.program": "false",
    "gpg.ssh.program": "false",
    "gpg.ssh.defaultKeyCommand": "false",
    "diff.external": "false",
    "protocol.allow": "never",             # an audit reads local objects only: no fetch, no `ext::` transport
    "gc.auto": "0",                        # no background gc (and its hooks) started by a read command
    "maintenance.auto": "false",
    "fetch.recurseSubmodules": "false",
    "submodule.recurse": "false",
}
# Keys naming a program, by their last part (section.[subsection.]name), whatever the section or subsection:
# filter.<x>.clean, diff.<x>.textconv, merge.<x>.driver, credential.<url>.helper, gpg.<fmt>.program,
# pager.<command>, remote.<x>.uploadpack, trailer.<x>.command, difftool.<x>.cmd, ...
_PROGRAM_NAME = {
    "clean": "cat", "smudge": "cat", "process": "", "required": "false", "textconv": "cat",
    "command": "false", "cmd": "false", "driver": "false", "program": "false", "helper": "",
    "sshcommand": "false", "askpass": "false", "fsmonitor": "false", "hookspath": os.devnull,
    "uploadpack": "false", "receivepack": "false", "proxy": "", "gitproxy": "false",
    "packobjectshook": "", "alternaterefscommand": "", "defaultkeycommand": "false", "editor": "false",
    "browser": "false", "external": "false", "pager": "cat",
}
_PAGER_SECTION = "pager"   # pager.<command> = a pager program (or a boolean): paging off


def configured_keys(root: Path) -> list[str]:
    """Every config key git sees in `root`, includes and conditional includes followed (reading config runs
    nothing; `-c` cannot turn an include off, so every key an include brings in is listed and overridden)."""
    try:
        result = subprocess.run(["git", "config", "--list", "--includes", "--name-only", "-z"], cwd=root,
                                capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
                                env={**os.environ, **_env(STATIC_OVERRIDES), **ISOLATION})
    except (OSError, subprocess.SubprocessError):
        return []
    if result.returncode != 0:
        return []
    return [k for k in result.stdout.decode("utf-8", "replace").split("\0") if k]


def overrides_for(root: Path) -> dict[str, str]:
    """STATIC_OVERRIDES plus one override for every configured key that names a program."""
    overrides = dict(STATIC_OVERRIDES)
    lowered = {k.lower() for k in overrides}
    for key in configured_keys(root):
        section, _, rest = key.partition(".")
        name = rest.rsplit(".", 1)[-1].lower()
        if key.lower() in lowered:
            continue
        if section.lower() == _PAGER_SECTION:
            overrides[key] = "false"
        elif name in _PROGRAM_NAME:
            overrides[key] = _PROGRAM_NAME[name]
    return overrides


# Environment that keeps git to the repository's objects and our overrides: no system-wide config (the
# machine's, but nothing an audit needs), no lazy fetch of a partial clone's missing objects, no prompt.
ISOLATION = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0",
             "GIT_PROTOCOL_FROM_USER": "0", "GIT_OPTIONAL_LOCKS": "0"}


def _env(overrides: dict[str, str], start: int = 0) -> dict[str, str]:
    env = {"GIT_CONFIG_COUNT": str(start + len(overrides))}
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
    return {**ISOLATION, **_env(overrides_for(root), start)}


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


def commits_diff_text(root: Path, rev_list_args: list[str], diff_tree_args: list[str], pathspecs: list[str],
                      timeout: float = 300) -> str:
    """`git log <diff options>` with plumbing: `rev-list` picks the commits, one `diff-tree --stdin` shows
    them (`--always`: a header for every commit, merges included), both under the overrides of this module.
    Raises RuntimeError with git's reason when either fails."""
    env = {**os.environ, **safe_git_env(root)}
    listed = subprocess.run(["git", "rev-list", *rev_list_args, "--", *pathspecs], cwd=root, env=env,
                            capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)
    if listed.returncode != 0:
        raise RuntimeError(f"git rev-list failed: {_last_line(listed.stderr)}")
    if not listed.stdout.strip():
        return ""
    shown = subprocess.run(["git", "diff-tree", "--stdin", "--always", "-r", "--root", "--no-color", "--no-ext-diff",
                            "--no-textconv", *diff_tree_args, "--", *pathspecs], cwd=root, env=env,
                           capture_output=True, input=listed.stdout, timeout=timeout)
    if shown.returncode != 0:
        raise RuntimeError(f"git diff-tree failed: {_last_line(shown.stderr)}")
    return shown.stdout.decode("utf-8", "replace")


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"
