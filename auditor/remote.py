"""Audit a git URL: shallow clone into a temporary folder that is always removed, even on failure or Ctrl-C."""
from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from auditor.errors import AuditError

_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")
_USERINFO = re.compile(r"^([a-z+]+://)[^/@]+@", re.I)
# never wait for a password on a terminal nobody watches (CI): fail at once instead
_CLONE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}


def is_git_url(target: str) -> bool:
    return bool(_URL.match(target))


def redact_url(target: str) -> str:
    """The URL without a password or token (https://user:TOKEN@host/...), for messages and reports."""
    return _USERINFO.sub(r"\1***@", target)


@contextmanager
def checkout_target(target: str, ref: str | None = None) -> Iterator[Path]:
    if not is_git_url(target):
        if ref:
            raise AuditError("--ref applies to a git URL; for a local folder, check out the ref yourself")
        yield Path(target)
        return
    import git
    workdir = Path(tempfile.mkdtemp(prefix="auditor-clone-"))
    try:
        dest = workdir / "repo"
        kwargs = {"depth": 1, "single_branch": True}
        if ref:
            kwargs["branch"] = ref
        try:
            git.Repo.clone_from(target, dest, multi_options=["--no-tags"], env=_CLONE_ENV, **kwargs)
        except git.GitCommandError as exc:
            detail = (exc.stderr or "").strip().splitlines()
            reason = detail[-1].strip().removeprefix("stderr: ").strip("'") if detail else str(exc)
            raise AuditError(f"cannot clone {redact_url(target)}: {redact_url(reason)}") from None
        yield dest
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
