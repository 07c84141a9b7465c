"""Nothing the scanned repository's git config names runs: not under `audit`, `--diff-base`, the secret-history
scan or `auditor history` (issue 16, points 8 and 9).

The repository configures a program for every git setting that can name one (signature programs with
`log.showSignature` and a signed HEAD, filters, textconv, external diff, fsmonitor, pagers, sshCommand, a
credential helper, hooks), some of them through `include.path` and `includeIf "gitdir:..."`; each leaves a
marker file when it runs.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from helpers import item, run_cli
from hostile_repos import TOKEN, git_programs_repo, markers


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("git-programs")
    marker_dir = base / "markers"
    root = git_programs_repo(base / "repo", marker_dir)
    # the test bites: plain porcelain in this repository does run its programs
    subprocess.run(["git", "log", "-p", "-2"], cwd=root, capture_output=True, timeout=60)
    subprocess.run(["git", "status"], cwd=root, capture_output=True, timeout=60)
    ran = markers(marker_dir)
    # (the signature program, and a program that only a conditional include names)
    assert {"gpg.openpgp.program", "conditional.fsmonitor"} <= set(ran), ran
    # and a checkout in a new worktree runs the smudge filter that only a worktree's config names
    subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "filter.evil.process=", "worktree", "add", "-q", "--detach", str(base / "wt"),
                    "HEAD"], cwd=root, capture_output=True, timeout=60)
    assert "worktree.smudge" in markers(marker_dir)
    subprocess.run(["git", "worktree", "remove", "--force", str(base / "wt")], cwd=root, capture_output=True, timeout=60)
    shutil.rmtree(marker_dir)
    marker_dir.mkdir()
    return root, marker_dir


def test_secret_history_scan_runs_no_program(hostile):
    from auditor.secrets.history import scan_history

    root, marker_dir = hostile
    scan = scan_history(root)
    assert scan.commits_scanned == 3
    assert any(h.path == "app/settings.py" and h.match.line == 1 for h in scan.findings)
    assert markers(marker_dir) == []


def test_audit_with_diff_base_runs_no_program(hostile, tmp_path):
    root, marker_dir = hostile
    out = tmp_path / "report.json"
    result = run_cli("audit", str(root), "--diff-base", "HEAD~2", "--no-cache", "-f", "json", "-o", str(out),
                     timeout=240)
    assert result.returncode in (0, 1), result.stderr   # the gate's answer to --diff-base is not this test's
    report = json.loads(out.read_text())
    assert item(report, "SEC-SQLI")["verdict"] == "fail"
    secrets = item(report, "SEC-SECRETS")
    assert secrets["verdict"] == "fail" and TOKEN not in json.dumps(secrets)   # found in history, redacted
    assert secrets["details"]["commits_scanned"] == 3
    assert markers(marker_dir) == []


def test_history_writes_commits_without_checking_them_out(hostile, tmp_path):
    root, marker_dir = hostile
    before = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    result = run_cli("history", str(root), "-n", "2", "-o", str(tmp_path / "out"), timeout=240)
    assert result.returncode == 0, result.stderr
    trend = json.loads((tmp_path / "out" / "history.json").read_text())
    assert [c["subject"] for c in trend["commits"]] == ["key from the environment", "signed change"]
    assert all(c["score"] is not None for c in trend["commits"])
    assert all("SEC-SQLI" in c["failing"] for c in trend["commits"])
    assert markers(marker_dir) == []
    after = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    assert after == before


def test_tree_writer_refuses_paths_outside_the_folder():
    from auditor.gittree import safe_relative

    assert safe_relative("app/db.py") and safe_relative("a b/[x].py")
    for path in ("../x.py", "a/../../x", "/etc/passwd", ".git/config", "a/.GIT/hooks/x", "a//b", "./a", ""):
        assert not safe_relative(path), path
