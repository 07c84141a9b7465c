"""What held up (issue 16): audits sharing one cache concurrently, and an audit killed with `kill -9` while it
scans, leave the engine cache consistent: every cache file is whole JSON and a later audit that reuses it
reports exactly what the first audits did.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from helpers import ROOT
from hostile_repos import DB_PY, write
from test_engines_die import children_of, command_of, wait_for


def start(repo: Path, cache: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    return subprocess.Popen([sys.executable, "-m", "auditor", "audit", str(repo), "--cache-dir", str(cache),
                             "-f", "json", "-o", str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def outcome(report_file: Path) -> dict:
    report = json.loads(report_file.read_text())
    return {row["id"]: (row["verdict"], sorted((e["file"], e.get("line") or 0) for e in row["evidence"]
                                               if e.get("kind") == "violation"))
            for row in report["items"]}


def test_concurrent_and_killed_audits_leave_the_cache_consistent(tmp_path):
    repo = tmp_path / "repo"
    write(repo, {"app/__init__.py": "", "app/db.py": DB_PY, "app/other.py": DB_PY, "requirements.txt": "flask\n"})
    cache = tmp_path / "cache"
    first, second = start(repo, cache, tmp_path / "a.json"), start(repo, cache, tmp_path / "b.json")
    assert first.wait(timeout=240) == 1, first.stderr.read()
    assert second.wait(timeout=240) == 1, second.stderr.read()
    expected = outcome(tmp_path / "a.json")
    assert outcome(tmp_path / "b.json") == expected
    assert expected["SEC-SQLI"][0] == "fail"

    # a change to rescan, and an audit killed while semgrep scans it (before it can save the cache)
    (repo / "app" / "other.py").write_text(DB_PY + "# reviewed\n")
    killed = start(repo, cache, tmp_path / "killed.json")
    engine = wait_for(lambda: next((p for p in children_of(killed.pid) if "semgrep" in command_of(p)), None))
    assert engine, "semgrep never started"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert not (tmp_path / "killed.json").exists()

    for entry in cache.rglob("*.json"):
        json.loads(entry.read_text())   # whole JSON, never a half-written file
    last = start(repo, cache, tmp_path / "c.json")
    assert last.wait(timeout=240) == 1, last.stderr.read()
    assert outcome(tmp_path / "c.json") == expected
