"""Audit a git URL: shallow clone into a temporary folder that is always removed, even on failure or Ctrl-C.

The clone has a time limit (AUDITOR_CLONE_TIMEOUT seconds, default 300; a silent server would otherwise hang
the audit), runs in its own process group so a timeout or a stop kills it whole (engines/process.py), and
its temporary folder is removed on every way out: an error, the time limit, SIGINT and SIGTERM (the command
line turns both into an exception, so this `finally` runs). A failed clone's message carries git's reason.
Only the URL forms of `is_git_url` are cloned: `ext::` (runs a command) and anything starting with `-`
(read by git as an option) are refused, the URL is passed after `--`, and the `ext` transport is disallowed.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from auditor.engines.process import last_line, run_process
from auditor.errors import AuditError

_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.][\w.-]*@[\w.-]+:")
_USERINFO = re.compile(r"^([a-z+]+://)[^/@]+@", re.I)
DEFAULT_CLONE_TIMEOUT_S = 300.0
# never wait for a password on a terminal nobody watches (CI): fail at once instead. GIT_CONFIG_COUNT=0: no
# command-line config inherited from an audit running beside this one (its overrides are for its own repo)
_CLONE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never",
              "GIT_CONFIG_COUNT": "0"}
_CLONE_CONFIG = ("protocol.ext.allow=never", "core.hooksPath=" + os.devnull, "core.fsmonitor=false",
                 "submodule.recurse=false", "transfer.fsckObjects=true")


def is_git_url(target: str) -> bool:
    return bool(_URL.match(target))


def redact_url(target: str) -> str:
    """The URL without a password or token (https://user:TOKEN@host/...), for messages and reports."""
    return _USERINFO.sub(r"\1***@", target)


def clone_timeout() -> float:
    raw = os.environ.get("AUDITOR_CLONE_TIMEOUT")
    if not raw:
        return DEFAULT_CLONE_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise AuditError("AUDITOR_CLONE_TIMEOUT must be a number of seconds") from None
    if value <= 0:
        raise AuditError("AUDITOR_CLONE_TIMEOUT must be a positive number of seconds")
    return value


@contextmanager
def checkout_target(target: str, ref: str | None = None) -> Iterator[Path]:
    if target.startswith("-") or target.lower().startswith("ext::"):
        raise AuditError("refusing a target that git would read as an option or a command (starts with '-' or 'ext::')")
    if not is_git_url(target):
        if ref:
            raise AuditError("--ref applies to a git URL; for a local folder, check out the ref yourself")
        yield Path(target)
        return
    if ref is not None and (not ref or ref.startswith("-")):
        raise AuditError("--ref must name a branch or tag (it cannot start with '-')")
    timeout = clone_timeout()
    workdir = Path(tempfile.mkdtemp(prefix="auditor-clone-"))
    try:
        dest = workdir / "repo"
        cmd = ["git"]
        for setting in _CLONE_CONFIG:
            cmd += ["-c", setting]
        cmd += ["clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags"]
        if ref:
            cmd.append(f"--branch={ref}")
        cmd += ["--", target, str(dest)]
        result = run_process(cmd, timeout, env=_CLONE_ENV)
        if result.timed_out:
            raise AuditError(f"cannot clone {redact_url(target)}: no answer within {timeout:g}s "
                             "(set AUDITOR_CLONE_TIMEOUT for a slow server)")
        if result.launch_error or result.stopped:
            raise AuditError(f"cannot clone {redact_url(target)}: {result.launch_error or 'stopped'}")
        if result.returncode != 0:
            reason = _reason(result.stderr) or f"git exited with code {result.returncode}"
            raise AuditError(f"cannot clone {redact_url(target)}: {redact_url(reason)}")
        yield dest
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _reason(stderr: str) -> str:
    """git's own reason: its `fatal:` lines (the first says what, the next how: "'x' does not appear to be a
    git repository; Could not read from remote repository."), else its last line."""
    fatal = [line.strip().removeprefix("fatal:").strip() for line in stderr.splitlines()
             if line.strip().startswith("fatal:")]
    return "; ".join(fatal[:3])[:500] if fatal else last_line(stderr)
