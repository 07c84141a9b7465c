"""What semgrep reads (issue 17): the items count production code only, so test code is never scanned."""
from __future__ import annotations

import subprocess

import pytest

from auditor.cache import FindingsCache
from auditor.engines import semgrep as semgrep_engine
from auditor.engines.base import json_process
from auditor.engines.semgrep import run_semgrep, excluded_test_code
from auditor.repo import Repository
from helpers import write_files

RULE = """rules:
- id: eval-call
  pattern: eval(...)
  message: eval of data
  languages: [python]
  severity: ERROR
  metadata: {item: SEC-INJECTION, kind: violation}
- id: eval-call-js
  pattern: eval(...)
  message: eval of data
  languages: [javascript]
  severity: ERROR
  metadata: {item: SEC-INJECTION, kind: violation}
"""
FILES = {
    "app/a.py": "x = eval(input())\n",
    "app/tests/test_a.py": "def test_a():\n    assert eval('1') == 1\n",
    "tests/conftest.py": "X = eval('2')\n",
    "app/test_b.py": "Y = eval('3')\n",
    "app/views_test.py": "Z = eval('4')\n",
    "app/conftest.py": "W = eval('5')\n",
    "web/main.js": "eval(location.hash);\n",
    "web/main.spec.js": "eval(location.hash);\n",
    "web/__tests__/util.js": "eval(location.hash);\n",
    "app/contest.py": "V = eval('6')\n",       # not a test file: a name that only looks like one
    "app/latest/views.py": "U = eval('7')\n",
}
PRODUCTION = ["app/a.py", "app/contest.py", "app/latest/views.py", "web/main.js"]


@pytest.fixture(autouse=True)
def own_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules" / "eval.yml"
    path.parent.mkdir()
    path.write_text(RULE)
    return path.parent


def scanned_by(monkeypatch) -> list[str]:
    seen: list[str] = []

    def recording(*args, **kwargs):
        ran = json_process(*args, **kwargs)
        seen.extend(ran[1]["paths"]["scanned"])
        return ran

    monkeypatch.setattr(semgrep_engine, "json_process", recording)
    return seen


def test_test_folders_are_excluded_whole_and_other_test_files_one_by_one(tmp_path):
    repo = Repository.scan(write_files(tmp_path / "repo", FILES))
    excludes = excluded_test_code(repo, "/")
    assert excludes[1::2] == ["/app/tests", "/tests", "/web/__tests__", "/app/conftest.py", "/app/test_b.py",
                              "/app/views_test.py", "/web/main.spec.js"]


@pytest.mark.parametrize("cached", [False, True])
def test_semgrep_scans_no_test_code(rules, tmp_path, monkeypatch, cached):
    """Inside a git work tree (the anchor is the work tree, not the audited folder), with and without the
    cache: the production files are scanned and found, the test files neither."""
    seen = scanned_by(monkeypatch)
    outer = tmp_path / "outer"
    root = write_files(outer / "svc", FILES)
    subprocess.run(["git", "init", "-q"], cwd=outer, check=True)
    cache = FindingsCache(tmp_path / "cache") if cached else None
    run = run_semgrep(Repository.scan(root), 120, rules=rules, cache=cache)
    assert sorted(p.split("/outer/svc/")[-1] for p in seen) == PRODUCTION
    assert sorted({f.file for f in run.findings}) == PRODUCTION
    assert run.scanned_files == len(PRODUCTION)
