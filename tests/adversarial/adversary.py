"""The attacker's repository: a small Flask app whose `db.py` holds a SQL injection and an `eval`, which
the gate must fail (exit 1) however the rest of the repository is dressed up. Each test adds its attack."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers import FLASK_SQLI_APP, item, run_cli, write_files

# the CLI tests' Flask app (its SQL injection at line 10), without its debug run, plus an eval route
DB_PY = (FLASK_SQLI_APP.split("\n\n\nif __name__")[0]
         + "\n\n\n@app.route('/calc')\ndef calc():\n    return str(eval(request.args['e']))\n")
SQLI_LINE = 10
EVAL_LINE = 15
GATED = "SEC-SQLI,SEC-INJECTION"


def hostile_repo(root: Path, files: dict[str, str] | None = None, db_py: str = DB_PY) -> Path:
    return write_files(root, {"db.py": db_py, "requirements.txt": "flask==3.0.3\n", **(files or {})})


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t",
                           "-c", "commit.gpgsign=false", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


def committed(root: Path) -> Path:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def audit(root: Path, *args: str, only: str | None = GATED, env: dict | None = None) -> tuple[int, dict]:
    """Exit code and JSON report of the real command line (no cache in the audited tree: --no-cache)."""
    extra = ["--only", only] if only else []
    result = run_cli("audit", str(root), "-f", "json", "-o", "-", *extra, *args, env=env)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def verdict(report: dict, item_id: str) -> str:
    return item(report, item_id)["verdict"]
