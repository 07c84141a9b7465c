"""`auditor history`: the last N commits audited in a temporary worktree, the trend as JSON and SVG/HTML.

The repository (tests/fixtures/history/build_repo.py) has three commits whose score changes: an SQL
injection, then its fix, then tests and a timeout. The user's working tree holds an uncommitted edit and
an untracked file, which must survive untouched; TMPDIR points at a folder of the test's own, so the
removal of the temporary worktree is checked by looking there.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from auditor.render.history import render_history_html, trend_svg
from helpers import FIXTURES, run_cli

_spec = importlib.util.spec_from_file_location("build_repo", FIXTURES / "history" / "build_repo.py")
build_repo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_repo)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def history_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("history")
    repo = base / "repo"
    shas = build_repo.build(repo)
    (repo / "helpers.py").write_text("# work in progress\n")        # uncommitted edit
    (repo / "notes.txt").write_text("untracked\n")                   # untracked file
    hook = repo / ".git" / "hooks" / "post-checkout"                 # the repository's own code: never run
    hook.write_text(f"#!/bin/sh\ntouch {base / 'hook-ran'}\n")
    hook.chmod(0o755)
    before = (_git(repo, "status", "--porcelain"), _git(repo, "rev-parse", "HEAD"), _git(repo, "branch", "--show-current"))
    tmp = base / "tmp"
    tmp.mkdir()
    out = base / "out"
    proc = run_cli("history", str(repo), "--commits", "5", "--output", str(out), env={"TMPDIR": str(tmp)})
    return {"proc": proc, "repo": repo, "shas": shas, "before": before, "tmp": tmp, "out": out, "base": base}


@pytest.fixture(scope="module")
def trend(history_run) -> dict:
    assert history_run["proc"].returncode == 0, history_run["proc"].stderr
    return json.loads((history_run["out"] / "history.json").read_text())


def test_every_commit_is_audited_oldest_first_even_when_fewer_than_asked(trend, history_run):
    assert [c["commit"] for c in trend["commits"]] == history_run["shas"]
    assert trend["commits_requested"] == 5 and trend["reuse"] is True
    for entry in trend["commits"]:
        assert isinstance(entry["score"], (int, float)) and entry["grade"] in "ABCDF"
        assert entry["categories"]["security"] is not None


def test_the_trend_follows_the_code(trend):
    first, second, third = trend["commits"]
    assert "SEC-SQLI" in first["failing"] and "SEC-SQLI" not in second["failing"]
    assert second["categories"]["security"] > first["categories"]["security"]
    assert second["score"] > first["score"]
    assert "REL-TIMEOUTS" in second["failing"] and "REL-TIMEOUTS" not in third["failing"]
    assert third["categories"]["reliability"] > second["categories"]["reliability"]


def test_the_engines_run_once_over_the_distinct_file_versions(trend):
    shared = trend["shared_scan"]
    # commit 1: requirements.txt, app.py, helpers.py; commit 2: app.py; commit 3: app.py, tests/test_app.py, legacy.py
    assert shared["file_versions"] == 7
    assert shared["engines"]["semgrep"]["status"] == "ok" and shared["engines"]["bandit"]["status"] == "ok"
    for entry in trend["commits"]:
        assert entry["engines"]["semgrep"]["duration_s"] == 0.0       # no engine process per commit


def test_reused_results_are_the_results_of_auditing_each_commit_from_scratch(history_run, trend):
    from auditor.history import audit_history
    fresh = audit_history(history_run["repo"], 5, reuse=False)
    assert fresh["shared_scan"] is None
    keys = ("commit", "score", "grade", "categories", "verdicts", "failing", "unknown", "warnings")
    assert [{k: e[k] for k in keys} for e in fresh["commits"]] == [{k: e[k] for k in keys} for e in trend["commits"]]
    print(f"history of 3 commits: {trend['duration_s']:.1f}s with reuse, {fresh['duration_s']:.1f}s without")


def test_the_users_working_tree_is_untouched_and_the_worktree_removed(history_run, trend):
    repo = history_run["repo"]
    after = (_git(repo, "status", "--porcelain"), _git(repo, "rev-parse", "HEAD"), _git(repo, "branch", "--show-current"))
    assert after == history_run["before"]
    assert (repo / "helpers.py").read_text() == "# work in progress\n"
    assert len(_git(repo, "worktree", "list", "--porcelain").split("worktree ")) == 2   # the main one only
    assert [p.name for p in history_run["tmp"].iterdir() if p.name.startswith("auditor-history-")] == []


def test_the_checkouts_run_none_of_the_repositorys_hooks(history_run, trend):
    assert not (history_run["base"] / "hook-ran").exists()


def test_the_html_is_self_contained_with_one_svg_line_per_series(history_run, trend):
    html = (history_run["out"] / "history.html").read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count('class="overall"') >= 1 and "<svg" in html
    for entry in trend["commits"]:
        assert entry["short"] in html
    assert "Parameterise the users query" in html
    assert "history.json" in history_run["proc"].stderr


def test_the_chart_breaks_a_line_where_a_category_did_not_apply_and_escapes_text():
    commits = [
        {"short": "a1", "score": 40, "categories": {"security": 50, "migrations": None}, "subject": "<b>x</b>"},
        {"short": "b2", "score": 60, "categories": {"security": 70, "migrations": 80}, "subject": "y"},
        {"short": "c3", "score": 70, "categories": {"security": 90, "migrations": None}, "subject": "z"},
    ]
    cats = [{"id": "security", "title": "Security"}, {"id": "migrations", "title": "Migrations"}]
    svg = trend_svg(commits, cats)
    assert svg.count("<polyline") == 2        # overall and security; migrations has no two adjacent points
    assert "Migrations: 80" in svg            # its lone point is still drawn
    html = render_history_html({"repository": "/r", "commits": commits, "categories": cats})
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize("args, message", [
    (["--commits", "0"], "--commits"),
])
def test_bad_arguments_are_exit_2(tmp_path, args, message):
    proc = run_cli("history", str(tmp_path), *args)
    assert proc.returncode == 2 and message in proc.stderr


def test_a_folder_outside_git_is_a_one_line_error(tmp_path):
    proc = run_cli("history", str(tmp_path), "--commits", "2", "--output", str(tmp_path / "out"),
                   env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("auditor: error: history needs a git repository")
    assert not (tmp_path / "out").exists()


def test_history_shows_the_warnings_audit_shows_for_each_commit(history_run, trend):
    """Commit 3 adds a file that does not parse: its audit warns, so the history says so for that commit only."""
    first, second, third = trend["commits"]
    assert first["warnings"] == [] and second["warnings"] == []
    assert any("legacy.py: syntax error" in w for w in third["warnings"])
    assert not any("_v0/" in w for w in third["warnings"])          # the real path, not the staging folder's
    out = history_run["proc"].stdout
    assert f"legacy.py: syntax error while parsing AST from file (commit {third['short']})" in out
    html = (history_run["out"] / "history.html").read_text()
    assert "Read this first" in html and "legacy.py: syntax error" in html


def test_history_html_says_which_way_each_part_reads(history_run, trend):
    html = (history_run["out"] / "history.html").read_text()
    assert "oldest first" not in html
    assert html.index("Trend, oldest commit on the left") < html.index("<svg")
    table = html.split("<h2>Commits, newest first</h2>", 1)[1]
    shorts = [c["short"] for c in trend["commits"]]
    assert table.index(shorts[-1]) < table.index(shorts[0])        # newest first, as the heading says
    assert "Newest first" in history_run["proc"].stdout
