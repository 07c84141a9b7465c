"""Helpers shared by the test modules (import them from here, not from conftest)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCHEMA = ROOT / "auditor" / "schema" / "report.schema.json"

os.environ.setdefault("SEMGREP_ENABLE_VERSION_CHECK", "0")


# a Flask app with an SQL injection (line 10) and debug mode (line 14): shared by the CLI tests
FLASK_SQLI_APP = (
    "import sqlite3\n"
    "from flask import Flask, request\n"
    "\n"
    "app = Flask(__name__)\n"
    "\n"
    "\n"
    "@app.route('/search')\n"
    "def search():\n"
    "    db = sqlite3.connect('shop.db')\n"
    "    return str(db.execute(f\"SELECT id FROM items WHERE name = '{request.args['q']}'\").fetchall())\n"
    "\n"
    "\n"
    "if __name__ == '__main__':\n"
    "    app.run(debug=True)\n"
)


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real command line in a child process, as a user or CI would."""
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


def write_files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def line_of(root: Path, rel: str, text: str) -> int:
    """1-based line of the first line of the fixture file containing `text` (never hard-coded numbers)."""
    for number, line in enumerate((root / rel).read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def places(row: dict, kind: str | None = None) -> set[tuple[str, int]]:
    """(file, line) of an item's evidence, of one kind (violation, practice) or all."""
    return {(e["file"], e["line"]) for e in row["evidence"] if kind is None or e["kind"] == kind}
