"""Two audits of the same commit give the same JSON, byte for byte, apart from the time fields and durations.

The two runs use different hash seeds (set and dict-of-set orders differ between them) and different working
directories, and a third run reads a warm cache: none of that may change a byte.
"""
import json
import shutil
import subprocess

import pytest

from helpers import FIXTURES, run_cli

# a Django app with endpoints, models and migrations, plus an Express app and Alembic migrations: most collectors
SOURCES = {"django": FIXTURES / "apps" / "django-noncompliant", "express": FIXTURES / "apps" / "express-noncompliant",
           "alembic": FIXTURES / "migrations" / "alembic_app"}
TIME_FIELDS = ("generated_at", "duration_s")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("determinism") / "repo"
    for name, source in SOURCES.items():
        shutil.copytree(source, root / name)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(git + ["add", "-A"], cwd=root, check=True)
    subprocess.run(git + ["commit", "-qm", "fixture"], cwd=root, check=True)
    return root


def audit(repo, tmp_path, name, seed, *extra):
    cwd = tmp_path / name
    cwd.mkdir()
    result = run_cli("audit", str(repo), "--format", "json", "--output", "-", "--fail-on", "none", *extra,
                     cwd=cwd, env={"PYTHONHASHSEED": str(seed)}, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def without_times(text: str) -> str:
    report = json.loads(text)
    for key in TIME_FIELDS:
        report.pop(key)
    for engine in report["engines"]:
        engine.pop("duration_s")
    return json.dumps(report, indent=2, ensure_ascii=False)


@pytest.fixture(scope="module")
def runs(repo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    cache = tmp / "cache"
    return {
        "first": audit(repo, tmp, "a", 1, "--no-cache"),
        "second": audit(repo, tmp, "b", 987654, "--no-cache"),
        "cold": audit(repo, tmp, "c", 42, "--cache-dir", str(cache)),
        "warm": audit(repo, tmp, "d", 7, "--cache-dir", str(cache)),
    }


def test_two_audits_are_byte_identical_apart_from_times(runs):
    first, second = without_times(runs["first"]), without_times(runs["second"])
    if first != second:
        import difflib
        diff = "\n".join(list(difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm=""))[:60])
        pytest.fail("the two reports differ:\n" + diff)


def test_a_warm_cache_changes_nothing(runs):
    assert without_times(runs["cold"]) == without_times(runs["first"])
    assert without_times(runs["warm"]) == without_times(runs["first"])


def test_the_report_has_content_to_compare(runs):
    report = json.loads(runs["first"])
    assert report["inventory"]["endpoints"] and report["inventory"]["migrations"]
    assert sum(len(i["evidence"]) for i in report["items"]) > 10


def test_lists_are_in_a_stable_order(runs):
    report = json.loads(runs["first"])
    endpoints = [(e["path"], e["method"], e["file"], e["line"]) for e in report["inventory"]["endpoints"]]
    assert endpoints == sorted(endpoints)
    skipped = [s["path"] for s in report["inventory"]["skipped_files"]]
    assert skipped == sorted(skipped)
    for row in report["items"]:
        keys = [(e.get("kind", "violation") != "violation", e["file"], e["line"] or 0, e["rule_id"])
                for e in row["evidence"]]
        assert keys == sorted(keys), row["id"]
