"""Engines and clones die with the audit (issue 16, point 13): SIGTERM, SIGINT and `kill -9` of the audit leave
no semgrep, bandit or git process running; a stop racing an engine's start still kills it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers import ROOT
from hostile_repos import DB_PY, write


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def command_of(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for(predicate, timeout: float = 60.0, step: float = 0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    return None


def start_audit(repo: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    return subprocess.Popen([sys.executable, "-m", "auditor", "audit", str(repo), "--no-cache", "-q"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("engines-die") / "repo"
    write(root, {"app/db.py": DB_PY, **{f"app/m{i}.py": DB_PY for i in range(20)}})
    return root


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_stopped_audit_leaves_no_engine_running(small_repo, how):
    audit = start_audit(small_repo)
    try:
        engine = wait_for(lambda: next((p for p in children_of(audit.pid) if "semgrep" in command_of(p)), None))
        assert engine, "semgrep never started"
        audit.send_signal(how)
        code = audit.wait(timeout=30)
        assert code == (-signal.SIGKILL if how == signal.SIGKILL else 128 + how), audit.stderr.read()
        # the engine was started in a process group of its own: nothing of that group may remain
        assert wait_for(lambda: not group_alive(engine), timeout=15), command_of(engine)
    finally:
        if audit.poll() is None:
            audit.kill()
            audit.wait()
    if how != signal.SIGKILL:
        assert "interrupted by" in audit.stderr.read()


def test_a_stop_racing_engine_starts_kills_every_engine(tmp_path):
    """Threads keep starting engines (`sleep`) while the stop happens: none may survive it, and none starts
    afterwards."""
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        from auditor.engines import process

        results, pids = [], []
        real_popen = process.subprocess.Popen

        def recording_popen(*args, **kwargs):
            proc = real_popen(*args, **kwargs)
            pids.append(proc.pid)
            return proc

        process.subprocess.Popen = recording_popen

        def starter():
            for _ in range(40):
                results.append(process.run_process(["sleep", "30"], timeout=60))

        threads = [threading.Thread(target=starter) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        process.stop_all()
        for t in threads:
            t.join(timeout=20)
        assert not any(t.is_alive() for t in threads), "a started engine was not killed"
        assert pids, "no engine started before the stop"
        assert all(r.stopped for r in results), [r for r in results if not r.stopped][:3]
        print(" ".join(map(str, pids)))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for pid in map(int, result.stdout.split()):
        assert not Path(f"/proc/{pid}").exists() or "sleep" not in command_of(pid)
