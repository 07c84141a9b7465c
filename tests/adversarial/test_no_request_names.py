"""A file name cannot talk the program model into calling a sink safe. The model clears an engine finding
when every caller chain starts in code that serves no request (migrations, scripts, tests); a sink whose
callers it does not see stays a violation. Celery's `tasks.py` is started from handlers with `.delay()`,
which the model does not follow, so a shell command built from a task's argument still fails the gate."""
from __future__ import annotations

from adversary import audit, hostile_repo, verdict

TASKS_PY = (
    "import subprocess\n"
    "\n"
    "\n"
    "def convert(path):\n"
    "    return subprocess.run('convert ' + path, shell=True)\n"
)
CLEAN_DB_PY = "def ping():\n    return 'ok'\n"


def test_a_shell_sink_in_tasks_py_still_fails_the_gate(tmp_path):
    root = hostile_repo(tmp_path / "r", {"tasks.py": TASKS_PY}, db_py=CLEAN_DB_PY)
    code, report = audit(root, only="SEC-INJECTION")
    assert verdict(report, "SEC-INJECTION") == "fail", report["items"][0]["rationale"]
    assert code == 1
