"""Time limits for our own analyses: the audit's overall `--timeout` and a per-file budget.

The engines have their own limit (`--engine-timeout`, enforced on their processes). Our analyses run in the
main thread as Python code, so their limits are interval timers (the deadline on the wall clock, SIGALRM;
a file's budget in the process's CPU time, SIGPROF): when one fires, its handler raises in the main thread,
in the middle of whatever analysis overran:
- the per-file budget (AUDITOR_FILE_BUDGET seconds, default 30) for the analysis of one file: around an
  explicit loop (`budgeted(paths)`, `file_budget(rel)`), and for every read through the Repository inside a
  collector or a check (`touch`); past it, FileBudgetExceeded names the file; the collector or check that
  was reading it stops, and the items it feeds are `unknown` with that file in the reason;
- the overall deadline (`start_deadline(seconds, on_expiry)`): `on_expiry` runs first (it kills the engines),
  then AuditTimeout is raised, but only inside an `interruptible()` section (a collector, a check); elsewhere
  (rendering a report, removing a temporary folder) the expiry is only recorded, and the audit goes on to
  judge what finished: every item needing the unfinished work is `unknown`.
Both exceptions derive from BaseException, so an analysis's own `except Exception` cannot swallow them.
Outside the main thread (a fleet worker, a test's thread) nothing is armed: the limits are the command line's.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

DEFAULT_FILE_BUDGET_S = 30.0


class OutOfTime(BaseException):
    """An analysis ran past a time limit (not an Exception: `except Exception` in an analysis must not eat it)."""


class AuditTimeout(OutOfTime):
    def __init__(self, seconds: float):
        super().__init__(f"the audit reached its --timeout of {seconds:g}s")
        self.seconds = seconds


class FileBudgetExceeded(OutOfTime):
    def __init__(self, rel: str, seconds: float):
        super().__init__(f"the analysis of {rel} ran past its budget of {seconds:g}s (CPU) per file")
        self.rel = rel
        self.seconds = seconds


class _State:
    deadline: float | None = None        # time.monotonic() value
    seconds: float = 0.0
    on_expiry: Callable[[], None] | None = None
    expired: bool = False
    interruptible: int = 0
    file: str | None = None
    file_until: float = 0.0              # time.process_time() value
    file_seconds: float = 0.0
    explicit: bool = False               # a file_budget block (not a touch) is in force
    installed: bool = False


_state = _State()


def file_budget_seconds() -> float:
    try:
        value = float(os.environ.get("AUDITOR_FILE_BUDGET", DEFAULT_FILE_BUDGET_S))
    except ValueError:
        return DEFAULT_FILE_BUDGET_S
    return value if value > 0 else DEFAULT_FILE_BUDGET_S


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def _install() -> None:
    if not _state.installed:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.signal(signal.SIGPROF, _on_cpu_alarm)
        _state.installed = True


def _rearm() -> None:
    """The deadline on the wall clock (ITIMER_REAL), the current file's budget in CPU time (ITIMER_PROF:
    a loaded machine slows an analysis down without making it a runaway one); each off when unused."""
    if _state.deadline is not None and not _state.expired:
        signal.setitimer(signal.ITIMER_REAL, max(_state.deadline - time.monotonic(), 0.001))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if _state.file is not None:
        signal.setitimer(signal.ITIMER_PROF, max(_state.file_until - time.process_time(), 0.001))
    else:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _on_alarm(signum, frame) -> None:
    if _state.deadline is not None and not _state.expired and time.monotonic() >= _state.deadline - 0.005:
        _state.expired = True
        if _state.on_expiry is not None:
            _state.on_expiry()
        _rearm()
        if _state.interruptible:
            raise AuditTimeout(_state.seconds)
        return
    _rearm()


def _on_cpu_alarm(signum, frame) -> None:
    if _state.file is not None and time.process_time() >= _state.file_until - 0.005:
        rel, seconds = _state.file, _state.file_seconds
        _state.file = None
        _rearm()
        # raised only where a collector or check (or an explicit file_budget) is there to catch it: a signal that
        # lands between the end of that section and the reset of its file would otherwise crash the audit
        if _state.interruptible or _state.explicit:
            raise FileBudgetExceeded(rel, seconds)
        return
    _rearm()


def start_deadline(seconds: float, on_expiry: Callable[[], None] | None = None) -> None:
    """Arm the overall deadline (main thread only; elsewhere a no-op)."""
    if not _main_thread():
        return
    _install()
    _state.deadline = time.monotonic() + seconds
    _state.seconds = seconds
    _state.on_expiry = on_expiry
    _state.expired = False
    _rearm()


def cancel_deadline() -> None:
    if not _main_thread():
        return
    _state.deadline = None
    _state.on_expiry = None
    if _state.installed:
        _rearm()


def expired() -> bool:
    return _state.expired


def expiry_message() -> str:
    return f"the audit reached its --timeout of {_state.seconds:g}s" if _state.expired else ""


@contextmanager
def interruptible() -> Iterator[None]:
    """A section an expiry of the overall deadline may cut short (raising AuditTimeout); entered after the
    expiry, it raises at once."""
    if _state.expired:
        raise AuditTimeout(_state.seconds)
    _state.interruptible += 1
    try:
        yield
    finally:
        if _state.interruptible == 1 and _state.file is not None and not _state.explicit and _main_thread():
            _state.file = None   # the last file an analysis read: its budget ends with the analysis
            _rearm()
        _state.interruptible -= 1


def touch(rel: str) -> None:
    """An analysis reads `rel` (Repository.read_text and python_ast call this): inside a collector or a check,
    in the main thread, the per-file budget restarts for it. So every analysis reading through the Repository
    has a budget per file without a loop of its own: time spent past the budget after reading a file, before
    reading another, is charged to that file. An explicit `file_budget` in force is left alone."""
    if not _state.interruptible or _state.explicit or _state.file == rel or not _main_thread():
        return
    _install()
    limit = file_budget_seconds()
    _state.file, _state.file_seconds, _state.file_until = rel, limit, time.process_time() + limit
    _rearm()


@contextmanager
def file_budget(rel: str, seconds: float | None = None) -> Iterator[None]:
    """The analysis of one file, limited to `seconds` (default AUDITOR_FILE_BUDGET): past it,
    FileBudgetExceeded is raised in the middle of the analysis. Nested budgets keep the outer one."""
    if not _main_thread() or _state.explicit:
        yield
        return
    _install()
    limit = seconds if seconds is not None else file_budget_seconds()
    _state.file, _state.file_seconds, _state.file_until = rel, limit, time.process_time() + limit
    _state.explicit = True
    _rearm()
    try:
        yield
    finally:
        _state.file = None
        _state.explicit = False
        _rearm()


def budgeted(paths) -> Iterator[str]:
    """`paths`, each under its own file_budget while the caller's loop body analyses it."""
    for rel in paths:
        with file_budget(rel):
            yield rel
