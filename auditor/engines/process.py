"""Run an engine's process with a time limit; every failure comes back as data, never as an exception.

Engines die with the audit. Each starts in a process group of its own (so a kill reaches the helpers it
starts, semgrep-core under semgrep) and, on Linux, with PR_SET_PDEATHSIG: the kernel kills it when the
audit dies, even by `kill -9`. `stop_all()` (called on SIGTERM/SIGINT, and when the audit's overall time
limit expires) kills every running engine's group and sets a permanent stop flag: an engine asked to start
afterwards does not start. The flag is checked and the process registered under one lock, so an engine
being started while the stop happens is killed too: either it starts before the stop takes the lock (and is
in the registry the stop kills), or it sees the flag.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass

STOPPED_MESSAGE = "not started: the audit was stopped"


@dataclass
class ProcessResult:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    launch_error: str | None = None
    stopped: bool = False       # killed by stop_all (the audit was interrupted or ran out of time)


_lock = threading.Lock()
_running: set[subprocess.Popen] = set()
_stopped = threading.Event()


def _parent_death_signal():
    """A preexec function asking the kernel to SIGKILL the child when its parent dies (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl   # looked up now: the child only calls it
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    return preexec


_PREEXEC = _parent_death_signal()


def run_process(cmd: list[str], timeout: float, env: dict[str, str] | None = None, cwd: str | None = None) -> ProcessResult:
    with _lock:
        if _stopped.is_set():
            return ProcessResult(None, "", "", launch_error=STOPPED_MESSAGE, stopped=True)
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True, preexec_fn=_PREEXEC,
            )
        except OSError as exc:
            return ProcessResult(None, "", "", launch_error=f"cannot start {cmd[0]}: {exc.strerror or exc}")
        _running.add(proc)
    try:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            return ProcessResult(proc.returncode, _text(out), _text(err), timed_out=True)
        return ProcessResult(proc.returncode, _text(out), _text(err), stopped=_stopped.is_set())
    finally:
        with _lock:
            _running.discard(proc)


def stop_all() -> None:
    """Kill every running engine (its whole process group) and let no other start. Safe in a signal handler:
    when the interrupted thread holds the lock, the flag is still set and the engines known so far killed
    (the one being started then is killed by the kernel when the audit exits: PR_SET_PDEATHSIG)."""
    _stopped.set()
    locked = _lock.acquire(timeout=2)
    try:
        for proc in list(_running):
            _kill_group(proc)
    finally:
        if locked:
            _lock.release()


def stopped() -> bool:
    return _stopped.is_set()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except OSError:
            pass


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
