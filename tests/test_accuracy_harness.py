"""The accuracy harness (bench/accuracy): label files, scoring and fetching from a local mirror.

Scoring is pure and tested on hand-built labels and reports; fetching is tested with real git on a
throw-away repository laid out like a mirror.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ACCURACY = Path(__file__).resolve().parent.parent / "bench" / "accuracy"
sys.path.insert(0, str(ACCURACY))

from materialise import audit_dir, find_mirror, materialise  # noqa: E402
from project_files import PROJECTS_DIR, ProjectError, load_projects, parse_project  # noqa: E402
from scoring import (  # noqa: E402
    AGREED_PASS, DETECTED, FALSE_ALARM, MISSED, MISSED_NO_VERDICT, NA_AGREED, NA_DISAGREED, NOT_SCORED,
    PASS_NO_VERDICT, changes, outcome, summarise,
)
from tables import format_changes, format_summary  # noqa: E402

COMMIT = "a" * 40


def project(labels: dict, slug: str = "demo", kind: str = "vulnerable"):
    return parse_project({"slug": slug, "repo": "owner/demo", "commit": COMMIT, "kind": kind,
                          "stack": ["python"], "subdir": "", "labelled_by": "hand", "notes": "n",
                          "labels": labels}, f"{slug}.yml")


def report(**verdicts: str) -> dict:
    return {"items": [{"id": item.replace("_", "-"), "verdict": v, "rationale": f"why {v}",
                       "evidence": [{"file": "app.py", "line": 3, "message": "m"}]}
                      for item, v in verdicts.items()]}


def test_outcome_table():
    assert outcome("fail", "fail") == outcome("fail", "partial") == DETECTED
    assert outcome("fail", "pass") == MISSED
    assert {outcome("fail", v) for v in ("unknown", "not_applicable", "manual")} == {MISSED_NO_VERDICT}
    assert outcome("pass", "partial") == outcome("pass", "fail") == FALSE_ALARM
    assert outcome("pass", "pass") == AGREED_PASS
    assert outcome("pass", "unknown") == PASS_NO_VERDICT
    assert outcome("not_applicable", "not_applicable") == NA_AGREED
    assert outcome("not_applicable", "pass") == NA_DISAGREED
    assert outcome("fail", None) == NOT_SCORED


def test_summary_counts_detection_false_alarms_and_unscored_items():
    labels = {
        "SEC-SQLI": {"expect": "fail", "reason": "f-string SQL", "where": ["a.py:1"]},
        "SEC-XSS": {"expect": "fail", "reason": "safe filter", "where": ["t.html:2"]},
        "SEC-CSRF": {"expect": "fail", "reason": "no token", "where": ["a.py:9"]},
        "QA-TESTS": {"expect": "pass", "reason": "tests/ exists", "where": ["tests/t.py:1"]},
        "SEC-SSRF": {"expect": "fail", "reason": "urlopen(url)", "where": ["a.py:4"]},
    }
    rep = report(SEC_SQLI="fail", SEC_XSS="pass", SEC_CSRF="unknown", QA_TESTS="partial")
    summary = summarise([project(labels)], {"demo": rep})
    overall = summary["overall"]
    assert (overall["true_failures"], overall["detected"], overall["missed"], overall["missed_no_verdict"]) == (3, 1, 1, 1)
    assert overall["detection"] == pytest.approx(1 / 3)
    assert (overall["true_passes"], overall["false_alarms"]) == (1, 1)
    assert overall["not_scored"] == 1 and summary["not_scored_items"] == ["SEC-SSRF"]
    assert summary["by_item"]["SEC-SQLI"]["detection"] == 1.0
    text = format_summary({**summary, "meta": {"tag": "t", "projects": 1}})
    assert "false alarm (1)" in text and "why partial" in text and "tests/ exists" in text
    assert "Labelled but not scored by this auditor: SEC-SSRF" in text


def test_missing_report_is_listed_not_scored_as_a_pass():
    labels = {"SEC-SQLI": {"expect": "fail", "reason": "r", "where": ["a.py:1"]}}
    summary = summarise([project(labels)], {})
    assert summary["missing_reports"] == ["demo"]
    assert summary["overall"]["detected"] == 0 and summary["overall"]["true_failures"] == 0
    assert summary["overall"]["no_report"] == 1


def test_changes_show_each_label_that_moved():
    labels = {"SEC-SQLI": {"expect": "fail", "reason": "r", "where": ["a.py:1"]},
              "QA-TESTS": {"expect": "pass", "reason": "r", "where": []}}
    before = summarise([project(labels)], {"demo": report(SEC_SQLI="pass", QA_TESTS="pass")})
    after = summarise([project(labels)], {"demo": report(SEC_SQLI="fail", QA_TESTS="pass")})
    diff = changes(before, after)
    assert [(c["item"], c["before"], c["after"]) for c in diff["changed"]] == [("SEC-SQLI", MISSED, DETECTED)]
    assert "0/1   0% -> 1/1 100%" in format_changes(diff, "before", "after")


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["labels"].update({"SEC-NOPE": {"expect": "pass", "reason": "r"}}), "not an item id"),
    (lambda d: d["labels"]["SEC-SQLI"].update(expect="maybe"), "expect must be"),
    (lambda d: d["labels"]["SEC-SQLI"].pop("where"), "needs the file:line"),
    (lambda d: d["labels"]["SEC-SQLI"].update(where=["a.py"]), "file:line"),
    (lambda d: d.update(commit="abc"), "40 lower-case hex"),
    (lambda d: d.update(subdir="../x"), "relative folder"),
    (lambda d: d.update(extra=1), "unknown field"),
])
def test_malformed_project_files_are_rejected_with_the_field(mutate, message):
    data = {"slug": "demo", "repo": "o/n", "commit": COMMIT, "kind": "vulnerable", "stack": ["python"],
            "subdir": "", "labelled_by": "hand", "notes": "n",
            "labels": {"SEC-SQLI": {"expect": "fail", "reason": "r", "where": ["a.py:1"]}}}
    mutate(data)
    with pytest.raises(ProjectError, match=message):
        parse_project(data, "demo.yml")


def test_committed_project_files_follow_the_format():
    projects = load_projects(PROJECTS_DIR)
    assert projects, "the labelled set is empty"
    for p in projects:
        assert len(p.labels) >= 20, f"{p.slug} has fewer than 20 labels"


def _git(*args: str, cwd: Path) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_fetch_unpacks_the_pinned_commit_from_a_mirror_without_git_metadata(tmp_path, monkeypatch):
    work = tmp_path / "src"
    (work / "app").mkdir(parents=True)
    (work / "app" / "views.py").write_text("old\n")
    _git("init", "-q", cwd=work)
    _git("add", ".", cwd=work)
    _git("commit", "-qm", "one", cwd=work)
    pinned = _git("rev-parse", "HEAD", cwd=work)
    (work / "app" / "views.py").write_text("new\n")
    _git("commit", "-qam", "two", cwd=work)
    mirrors = tmp_path / "mirror"
    (mirrors / "Owner+Demo").mkdir(parents=True)
    _git("clone", "-q", "--bare", str(work), str(mirrors / "Owner+Demo" / "repo"), cwd=tmp_path)
    monkeypatch.setenv("ACCURACY_MIRRORS", str(mirrors))

    p = parse_project({"slug": "demo", "repo": "owner/demo", "commit": pinned, "kind": "production",
                       "stack": ["python"], "subdir": "app", "labelled_by": "hand", "notes": "n",
                       "labels": {"QA-TESTS": {"expect": "pass", "reason": "r"}}}, "demo.yml")
    assert find_mirror("owner/demo") == mirrors / "Owner+Demo" / "repo"
    dest, note = materialise(p, root=tmp_path / "repos")
    assert (dest / "app" / "views.py").read_text() == "old\n"
    assert not (dest / ".git").exists() and "from mirror" in note
    assert audit_dir(p, tmp_path / "repos") == dest / "app"
    assert materialise(p, root=tmp_path / "repos")[1] == "already there"
