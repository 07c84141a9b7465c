"""Cloning a hostile or broken remote (issue 16, point 13): a silent server times out, a stopped clone leaves
no temporary folder and no git process, a failed clone says git's reason, `ext::` and option-injection
targets are refused without running anything.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.errors import AuditError
from auditor.remote import checkout_target
from helpers import ROOT, run_cli
from test_engines_die import children_of, command_of, group_alive, wait_for


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"git://127.0.0.1:{server.getsockname()[1]}/team/app.git"
    server.close()


@pytest.fixture
def tmpdir_env(tmp_path) -> tuple[Path, dict]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder, {"TMPDIR": str(folder)}


def clones_left(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith("auditor-clone-")]


def test_a_silent_server_times_out_with_a_clear_message(silent_server, tmpdir_env):
    folder, env = tmpdir_env
    started = time.monotonic()
    result = run_cli("audit", silent_server, env={**env, "AUDITOR_CLONE_TIMEOUT": "2"}, timeout=60)
    assert result.returncode == 2
    assert "no answer within 2s" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30
    assert clones_left(folder) == []


def test_sigterm_during_a_clone_removes_its_folder_and_kills_git(silent_server, tmpdir_env):
    folder, env = tmpdir_env
    audit = subprocess.Popen([sys.executable, "-m", "auditor", "audit", silent_server],
                             env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
    try:
        clone = wait_for(lambda: next((p for p in children_of(audit.pid) if "clone" in command_of(p)), None))
        assert clone and clones_left(folder)
        audit.send_signal(signal.SIGTERM)
        assert audit.wait(timeout=20) == 128 + signal.SIGTERM
        assert "interrupted by SIGTERM" in audit.stderr.read()
        assert clones_left(folder) == []
        assert wait_for(lambda: not group_alive(clone), timeout=10)
    finally:
        if audit.poll() is None:
            audit.kill()
            audit.wait()


def test_a_failed_clone_says_why(tmp_path, tmpdir_env):
    folder, env = tmpdir_env
    result = run_cli("audit", (tmp_path / "nowhere.git").as_uri(), env=env, timeout=60)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("auditor: error: cannot clone file://") and "does not appear to be a git repository" in line
    assert clones_left(folder) == []


@pytest.mark.parametrize("target, ref", [
    ("ext::sh -c touch% {marker}", None),
    ("-oProxyCommand=touch {marker}@example.com:team/app.git", None),
    ("--upload-pack=touch {marker}", None),
    ("git@example.com:team/app.git", "--upload-pack=touch {marker}"),
])
def test_command_and_option_injection_targets_are_refused(tmp_path, target, ref):
    marker = tmp_path / "ran"
    with pytest.raises(AuditError):
        with checkout_target(target.format(marker=marker), ref.format(marker=marker) if ref else None):
            pass
    assert not marker.exists()


def test_ext_url_on_the_command_line_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    result = run_cli("audit", f"ext::sh -c touch% {marker}", timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not marker.exists()
