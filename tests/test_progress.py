"""Progress on stderr: shown to a person at a terminal, silent in CI logs and pipes, never in stdout's JSON.

The live display is checked end to end with a pseudo-terminal as stderr (stdout a pipe, as with
`--output - > report.json`); the CI / pipe / dumb-terminal cases are checked on the decision itself.
"""
from __future__ import annotations

import io
import json
import os
import pty
import shutil
import subprocess
import sys
import threading

import pytest
from rich.console import Console

from auditor.cli import progress_wanted
from helpers import FIXTURES

APP = FIXTURES / "apps" / "fastapi-compliant"


def _terminal_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "FORCE_COLOR", "NO_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    return env


def test_a_terminal_sees_the_progress_and_stdout_stays_pure_json(tmp_path):
    master, slave = pty.openpty()
    seen = bytearray()

    def drain():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:      # EIO: the child closed the terminal
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        repo = tmp_path / "repo"
        shutil.copytree(APP, repo)     # a copy: an engine cache is never written into the fixture
        proc = subprocess.Popen([sys.executable, "-m", "auditor", "audit", str(repo), "--format", "json",
                                 "--output", "-"],
                                stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=_terminal_env())
        os.close(slave)
        out, _ = proc.communicate(timeout=600)
    finally:
        reader.join(timeout=10)
        os.close(master)
    assert proc.returncode in (0, 1)
    report = json.loads(out)                     # nothing but the report on stdout
    assert report["summary"]["grade"]
    stderr = seen.decode("utf-8", "replace")
    assert "auditing" in stderr                  # the status line, with the phases
    assert "files" in stderr or "collecting" in stderr or "semgrep" in stderr


def _pty_console() -> tuple[Console, int, int]:
    master, slave = pty.openpty()
    return Console(file=os.fdopen(slave, "w"), stderr=False), master, slave


@pytest.mark.parametrize("env, expected", [
    ({}, True),
    ({"CI": "true"}, False),
    ({"TERM": "dumb"}, False),
])
def test_a_terminal_shows_progress_unless_ci_or_dumb(monkeypatch, env, expected):
    for key in ("CI", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    console, master, _ = _pty_console()
    try:
        assert progress_wanted(console) is expected
    finally:
        console.file.close()
        os.close(master)


def test_a_pipe_or_a_file_never_shows_progress_even_when_colour_is_forced(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert progress_wanted(Console(file=io.StringIO())) is False
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as pipe:
        assert progress_wanted(Console(file=pipe, force_terminal=True)) is False
    os.close(read_end)
