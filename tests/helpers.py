"""Helpers shared by the test modules (import them from here, not from conftest)."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCHEMA = ROOT / "auditor" / "schema" / "report.schema.json"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

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


def edited_copy(source: Path, dest: Path, rel: str, old: str, new: str) -> Path:
    """A copy of the fixture `source` at `dest` with `old` replaced by `new` in its file `rel` (a twin that
    differs in one place); `old` must be there."""
    import shutil
    shutil.copytree(source, dest)
    path = dest / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new))
    return dest


def line_of(root: Path, rel: str, text: str) -> int:
    """1-based line of the first line of the fixture file containing `text` (never hard-coded numbers)."""
    for number, line in enumerate((root / rel).read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def places(row: dict, kind: str | None = None) -> set[tuple[str, int]]:
    """(file, line) of an item's evidence, of one kind (violation, practice) or all."""
    return {(e["file"], e["line"]) for e in row["evidence"] if kind is None or e["kind"] == kind}


def rule_places(row: dict, kind: str = "violation") -> set[tuple[str, int, str]]:
    """(file, line, rule id) of an item's evidence of one kind."""
    return {(e["file"], e["line"], e["rule_id"]) for e in row["evidence"] if e["kind"] == kind}


def validate_sarif(sarif: dict) -> None:
    """Raise unless `sarif` is valid against the official SARIF 2.1.0 schema (tests/data)."""
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(sarif)


class Collect(HTMLParser):
    """Every start tag with its attributes, and the raw text of <style> and <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.inline: dict[str, list[str]] = {"style": [], "script": []}
        self._open: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.inline:
            self._open = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.inline[self._open][-1] += data
        else:
            self.text.append(data)


def parse_html(html: str) -> Collect:
    parser = Collect()
    parser.feed(html)
    return parser


@functools.lru_cache(maxsize=None)
def flow_fixture_program(shape: str):
    """The program model of one fixture app under tests/fixtures/flows/, built once per test run."""
    from auditor.endpoints import extract_endpoints
    from auditor.inventory import build_inventory
    from auditor.program import build_program
    from auditor.repo import Repository

    repo = Repository.scan(FIXTURES / "flows" / shape)
    return build_program(repo, extract_endpoints(repo, build_inventory(repo)).endpoints)


def endpoint_context(root: Path):
    """An AuditContext of the repository at `root` with its endpoint inventory collected: the endpoint items read
    only that and the handlers' code, so `judge` runs them without the engines."""
    from auditor.collectors.endpoints import collect_endpoints
    from auditor.context import AuditContext
    from auditor.inventory import build_inventory
    from auditor.repo import Repository

    repo = Repository.scan(root)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo))
    ctx.collected["endpoints"] = collect_endpoints(ctx)
    return ctx


def judge(ctx, item_id: str):
    """The registered check of `item_id` run on `ctx` (its ItemResult)."""
    from auditor.catalog import load_catalog
    from auditor.registry import check_for

    return check_for(item_id)(ctx, load_catalog().by_id[item_id])


def endpoint_rows(ctx) -> dict:
    """The collected endpoints by (method, path)."""
    return {(e.method, e.path): e for e in ctx.collected["endpoints"].endpoints}
