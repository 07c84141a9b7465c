"""Project templates (issue 15, group 12): a Python file that fails to parse only at `{{ }}`/`{% %}`
placeholders (a `startproject --template` or cookiecutter file) is read with those placeholders as names and
listed among the skipped files with the reason, instead of turning every pass unknown. Nothing hides behind a
placeholder: the template's own code is still read, and a file with any other syntax error stays unparsed.
"""
from __future__ import annotations

from auditor.engines.base import SKIPPED, EngineRun
from auditor.nonsource import TEMPLATE_REASON, parse_template
from auditor.pipeline import audit_repository
from hostile_repos import write

VIEWS = ("from flask import Flask\n\napp = Flask(__name__)\n\n\n"
         "@app.route('/health')\ndef health():\n    return {'status': 'ok'}\n")
TEMPLATE = ("from {{ project_name }} import celery_app\n\n\n"
            "{% if use_celery %}\n"
            "@celery_app.task\ndef clear_tokens():\n    return '{{ kept }}'\n"
            "{% endif %}\n")
# the same placeholder, but the file is also broken elsewhere: not a template, an unparsed file
BROKEN_TEMPLATE = "from {{ project_name }} import celery_app\n\n\ndef broken(:\n    pass\n"
# a route (with an injection) written in a template file is still read
HIDDEN = ("import sqlite3\nfrom flask import request\nfrom {{ project_name }} import app\n\n\n"
          "@app.route('/users')\ndef users():\n    db = sqlite3.connect('app.db')\n"
          "    return str(db.execute(\"SELECT * FROM users WHERE name = '\" + request.args['name'] + \"'\").fetchall())\n")


def no_engines(repo, options, side_lane=None):
    return [EngineRun("semgrep", status=SKIPPED), EngineRun("bandit", status=SKIPPED)]


def audit(root, files):
    write(root, {"app/__init__.py": "", "app/views.py": VIEWS, "requirements.txt": "flask==3.0.3\n", **files})
    return audit_repository(root, engines=no_engines).report


def test_placeholders_are_read_as_names_and_strings_are_kept():
    tree = parse_template(TEMPLATE, "tasks.py")
    assert tree is not None
    names = [node.module for node in tree.body if hasattr(node, "module")]
    assert names == ["__placeholder__"]
    assert "{{ kept }}" in TEMPLATE and parse_template("x = 1\n", "a.py") is None   # no placeholder: not a template


def test_a_syntax_error_beside_a_placeholder_is_no_template():
    assert parse_template(BROKEN_TEMPLATE, "tasks.py") is None
    assert parse_template("{% if x %}\ndef broken(:\n    pass\n{% endif %}\n", "tasks.py") is None


def test_a_template_file_leaves_no_unknown(tmp_path):
    report = audit(tmp_path, {"app/tasks.py": TEMPLATE})
    assert {"path": "app/tasks.py", "reason": TEMPLATE_REASON} in report["inventory"]["skipped_files"]
    assert not any(row["details"].get("unparsed_files") for row in report["items"])
    assert not [row for row in report["summary"]["incomplete"] if "app/tasks.py" in row.get("files", [])]


def test_a_broken_file_with_a_placeholder_stays_unparsed(tmp_path):
    report = audit(tmp_path, {"app/tasks.py": BROKEN_TEMPLATE})
    assert any(row["details"].get("unparsed_files") == ["app/tasks.py"] for row in report["items"])
    assert not report["summary"]["gate"]["passed"]


def test_code_in_a_template_is_still_read(tmp_path):
    """The route written in a template file is in the endpoint inventory: the program model reads it."""
    report = audit(tmp_path, {"app/users.py": HIDDEN})
    assert "/users" in {endpoint["path"] for endpoint in report["inventory"]["endpoints"]}
