"""Files the running Python cannot parse do not leave a `pass` behind (issue 16, point 15): an item fed by our
Python analyses that passes without having read them is `unknown`, naming them; test code does not count.
"""
from __future__ import annotations

import sys

import pytest

from auditor.catalog import load_catalog
from auditor.engines.base import SKIPPED, EngineRun
from auditor.pipeline import audit_repository
from auditor.unparsed import reads_python_source
from hostile_repos import write

VIEWS = ("from flask import Flask\n\napp = Flask(__name__)\n\n\n"
         "@app.route('/health')\ndef health():\n    return {'status': 'ok'}\n")
NEWER_PYTHON = "type UserId = int\n\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n"


def no_engines(repo, options, side_lane=None):
    return [EngineRun("semgrep", status=SKIPPED), EngineRun("bandit", status=SKIPPED)]


def verdicts(root):
    report = audit_repository(root, engines=no_engines).report
    return {row["id"]: row for row in report["items"]}


def python_items(rows):
    by_id = load_catalog().by_id
    return {item_id: row for item_id, row in rows.items() if reads_python_source(by_id[item_id])}


@pytest.fixture(scope="module")
def control(tmp_path_factory):
    root = tmp_path_factory.mktemp("parsed")
    write(root, {"app/__init__.py": "", "app/views.py": VIEWS, "requirements.txt": "flask==3.0.3\n",
                 "tests/fixtures/broken.py": "def broken(:\n    pass\n"})   # test code: does not count
    return verdicts(root)


def test_broken_test_fixtures_do_not_count(control):
    passed = [row for row in python_items(control).values() if row["verdict"] == "pass"]
    assert passed, "the control audit should pass some items that read Python"
    assert not any("unparsed_files" in row["details"] for row in control.values())


@pytest.mark.parametrize("source", [
    pytest.param(NEWER_PYTHON, id="pep695", marks=pytest.mark.skipif(sys.version_info >= (3, 12),
                                                                     reason="this Python parses PEP 695")),
    pytest.param("def broken(:\n    pass\n", id="no-parser"),
])
def test_a_pass_that_missed_a_production_file_is_unknown(control, tmp_path, source):
    write(tmp_path, {"app/__init__.py": "", "app/views.py": VIEWS, "requirements.txt": "flask==3.0.3\n",
                     "app/models.py": source})
    rows = verdicts(tmp_path)
    reading = python_items(rows)
    assert not [i for i, row in reading.items() if row["verdict"] == "pass"]
    turned = [i for i, row in reading.items() if control[i]["verdict"] == "pass"]
    assert turned
    for item_id in turned:
        row = rows[item_id]
        assert row["verdict"] == "unknown" and "app/models.py" in row["rationale"], row
        assert row["details"]["unparsed_files"] == ["app/models.py"]
    # items that read no Python source keep their verdicts
    others = {i for i in rows if i not in reading}
    assert {i: rows[i]["verdict"] for i in others} == {i: control[i]["verdict"] for i in others}


def test_an_unparsed_production_file_fails_the_gate_unless_unknown_is_allowed(tmp_path):
    """An unknown left by a file no parser read is an analysis that could not run: the gate fails on it
    (summary.incomplete names the file) unless the policy or --allow-unknown accepts unknown items."""
    write(tmp_path, {"app/__init__.py": "", "app/views.py": VIEWS, "requirements.txt": "flask==3.0.3\n",
                     "app/models.py": "def broken(:\n    pass\n"})
    report = audit_repository(tmp_path, engines=no_engines).report
    rows = [row for row in report["summary"]["incomplete"] if row["files"] == ["app/models.py"]]
    assert rows, report["summary"]["incomplete"]
    assert not report["summary"]["gate"]["passed"]
