"""`auditor audit GIT-URL [--ref REF]`: a shallow clone into a temporary folder that is always removed.

The remote is a local bare repository reached through a file:// URL. TMPDIR points at a folder of the
test's own, so "the clone was removed" is checked by looking at that folder afterwards.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from auditor.errors import AuditError
from auditor.remote import checkout_target, is_git_url
from helpers import FIXTURES, item, run_cli

SQLI = '''import sqlite3


def find(name):
    conn = sqlite3.connect("app.db")
    return conn.execute("SELECT * FROM users WHERE name = '" + name + "'").fetchall()
'''


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def remote(tmp_path_factory) -> str:
    """A bare repository: `main` holds the compliant FastAPI fixture, `feature` adds an SQL injection."""
    base = tmp_path_factory.mktemp("remote")
    work = base / "work"
    shutil.copytree(FIXTURES / "apps" / "fastapi-compliant", work)
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "compliant app")
    _git(work, "checkout", "-qb", "feature")
    (work / "legacy_search.py").write_text(SQLI)
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "legacy search")
    _git(work, "checkout", "-q", "main")       # the bare copy's HEAD (its default branch) is main
    _git(base, "clone", "-q", "--bare", str(work), str(base / "origin.git"))
    return (base / "origin.git").as_uri()


@pytest.fixture
def tmpdir_env(tmp_path) -> tuple[Path, dict]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder, {"TMPDIR": str(folder)}


def _clones_left(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith("auditor-clone-")]


def test_file_urls_and_scp_forms_are_git_urls(tmp_path):
    assert is_git_url("file:///srv/repo.git") and is_git_url("https://example.com/a/b.git")
    assert is_git_url("git@example.com:team/app.git")
    assert not is_git_url(str(tmp_path)) and not is_git_url("./services/api")


def test_audit_of_a_url_clones_the_default_branch_and_removes_the_clone(remote, tmpdir_env):
    folder, env = tmpdir_env
    proc = run_cli("audit", remote, "--format", "json", "--output", "-", "--only", "SEC-SQLI,SEC-INJECTION",
                   env=env)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, (report["summary"]["gate"], report["engines"], proc.stderr)
    assert report["repository"]["path"] == remote
    assert report["repository"]["branch"] == "main"
    assert item(report, "SEC-SQLI")["verdict"] == "pass"
    assert _clones_left(folder) == []


def test_ref_selects_the_branch_and_its_findings(remote, tmpdir_env):
    folder, env = tmpdir_env
    proc = run_cli("audit", remote, "--ref", "feature", "--format", "json", "--output", "-",
                   "--only", "SEC-SQLI,SEC-INJECTION", env=env)
    assert proc.returncode == 1, proc.stderr          # the critical SQL injection fails the default gate
    report = json.loads(proc.stdout)
    sqli = item(report, "SEC-SQLI")
    assert sqli["verdict"] == "fail"
    assert any(e["file"] == "legacy_search.py" and e["line"] == 6 for e in sqli["evidence"])
    assert _clones_left(folder) == []


@pytest.mark.parametrize("url_suffix, ref, message", [
    ("/does-not-exist.git", None, "cannot clone"),
    ("", "no-such-branch", "cannot clone"),
])
def test_a_clone_failure_is_one_line_exit_2_and_leaves_nothing(remote, tmpdir_env, url_suffix, ref, message):
    folder, env = tmpdir_env
    url = remote.rsplit("/", 1)[0] + url_suffix if url_suffix else remote
    proc = run_cli("audit", url, *(["--ref", ref] if ref else []), env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: error: ") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert _clones_left(folder) == []


def test_ref_on_a_local_folder_is_a_usage_error(tmp_path):
    proc = run_cli("audit", str(tmp_path), "--ref", "main")
    assert proc.returncode == 2 and "--ref applies to a git URL" in proc.stderr


@pytest.mark.parametrize("error", [RuntimeError("the audit crashed"), KeyboardInterrupt()])
def test_the_clone_is_removed_when_the_audit_raises(remote, tmp_path, monkeypatch, error):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    seen = []
    with pytest.raises(type(error)):
        with checkout_target(remote) as root:
            seen.append(root)
            assert (root / "pyproject.toml").is_file()
            assert (root / ".git" / "shallow").is_file()       # a shallow clone: history is not fetched
            raise error
    assert seen and not seen[0].exists()
    assert _clones_left(folder) == []


def test_the_temporary_folder_is_removed_when_the_clone_fails(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    with pytest.raises(AuditError, match="cannot clone"):
        with checkout_target((tmp_path / "nothing-here.git").as_uri()):
            pytest.fail("the body must not run when the clone failed")
    assert _clones_left(folder) == []


def test_credentials_in_a_url_never_reach_the_message(tmpdir_env):
    folder, env = tmpdir_env
    # port 1 on the loopback refuses at once: no network is used, and git must not prompt for a password
    proc = run_cli("audit", "https://user:s3cr3t-token@127.0.0.1:1/team/app.git", env=env, timeout=120)
    assert proc.returncode == 2
    assert "s3cr3t-token" not in proc.stderr and "https://***@127.0.0.1:1/team/app.git" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert _clones_left(folder) == []
