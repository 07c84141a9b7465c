"""Hostile input reaching the fleet's outputs and its own git calls.

A target's name (from the targets file) and its error (from a clone's stderr, or a config error quoting
the repository's own keys) reach fleet.html, fleet.md, fleet.json and the terminal: each medium escapes
them. Deciding whether a local checkout changed runs `git status` there: its `core.fsmonitor` must not run.
"""
from __future__ import annotations

import json
import os
import subprocess

from auditor.fleet.cli import _line
from auditor.fleet.render import write_fleet_outputs
from auditor.fleet.resume import current_commit
from auditor.fleet.synthetic import HOSTILE_ERROR, HOSTILE_TARGET, synthetic_fleet
from auditor.fleet.targets import load_targets
from auditor.fleet.task import ERROR, TargetResult

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def test_hostile_names_and_errors_are_inert_in_every_fleet_output(tmp_path):
    synthetic_fleet(tmp_path, targets=6, runs=1, hostile=True)
    write_fleet_outputs(tmp_path)
    html = (tmp_path / "fleet.html").read_text()
    md = (tmp_path / "fleet.md").read_text()
    doc = json.loads((tmp_path / "fleet.json").read_text())
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "\x1b" not in html and "\x1b" not in md
    hostile_line = next(line for line in md.splitlines() if "service" not in line and "alert(1)" in line)
    assert "<script>" not in hostile_line and "\\|pipe\\|" in hostile_line   # no HTML, no extra table cells
    assert not any(line.startswith("::error") for line in md.splitlines())
    entry = next(t for t in doc["targets"] if t["target"] == HOSTILE_TARGET)
    assert entry["error"] == HOSTILE_ERROR                                      # JSON keeps the exact text


def test_a_hostile_error_is_one_plain_line_on_the_terminal():
    line = _line(3, 9, TargetResult(HOSTILE_TARGET, ERROR, error=HOSTILE_ERROR))
    assert "\x1b" not in line and "\n" not in line and line.startswith("fleet: [3/9] error")


def test_checking_a_local_checkout_for_changes_runs_none_of_its_git_config(tmp_path):
    work = tmp_path / "svc"
    work.mkdir()
    (work / "app.py").write_text("print('hi')\n")
    marker = tmp_path / "pwned"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "one"], ["config", "core.fsmonitor", str(hook)]):
        subprocess.run(["git", *args], cwd=work, check=True, capture_output=True, env={**os.environ, **GIT_ENV})
    (tmp_path / "targets.txt").write_text("svc\n")
    target, = load_targets(tmp_path / "targets.txt")
    assert current_commit(target) is not None
    assert not marker.exists()
