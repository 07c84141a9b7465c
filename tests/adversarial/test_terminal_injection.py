"""Repository text cannot restyle a terminal, forge a CI workflow command or break rich markup (issue 16,
point 10): file names, a route and a commit subject carrying escape sequences, newlines, `::error::` and
`[/]` / `[red]`, through every text format and `auditor history`.
"""
from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from helpers import item, run_cli
from hostile_repos import ESC_NAME, HOSTILE_SUBJECT, MARKUP_NAME, injection_repo

FILES = {"markdown": "report.md", "junit": "report.junit.xml", "sarif": "report.sarif",
         "html": "report.html", "json": "report.json"}
SGR = re.compile(r"\x1b\[[0-9;]*m")   # the only escape sequences a styled console of ours writes


def workflow_command_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("::")]


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    base = tmp_path_factory.mktemp("injection")
    root = injection_repo(base / "repo")
    out = base / "out"
    result = run_cli("audit", str(root), "--no-cache", "-v", "-f", ",".join(["terminal", *FILES]), "-o", str(out),
                     timeout=240)
    assert result.returncode == 1, result.stderr
    texts = {fmt: (out / name).read_text(encoding="utf-8") for fmt, name in FILES.items()}
    texts["terminal"] = result.stdout   # with -o DIR the terminal summary still goes to the terminal
    return root, result, texts


def test_the_hostile_names_reach_the_report(audited):
    _, _, texts = audited
    report = json.loads(texts["json"])
    files = {e["file"] for e in item(report, "SEC-SQLI")["evidence"]} | {e["file"] for e in item(report, "SEC-INJECTION")["evidence"]}
    assert ESC_NAME in files and MARKUP_NAME in files   # the JSON keeps the real names (escaped by JSON)


@pytest.mark.parametrize("fmt", ["terminal", *(f for f in FILES if f != "json")])
def test_no_raw_escape_and_no_workflow_command_in_any_text_format(audited, fmt):
    _, result, texts = audited
    assert "\x1b" not in texts[fmt]
    assert workflow_command_lines(texts[fmt]) == []
    assert "\x1b" not in result.stderr + result.stdout and workflow_command_lines(result.stderr + result.stdout) == []


def test_the_terminal_shows_the_names_escaped(audited):
    _, _, texts = audited
    assert "app/evil␛[2J␛]0;owned␇␤::error file=app.py::forged by a file name.py" in texts["terminal"]
    assert MARKUP_NAME in texts["terminal"]      # printed as text, not read as markup


def test_a_styled_terminal_writes_only_its_own_styles(audited):
    from auditor.render.terminal import print_summary

    _, _, texts = audited
    report = json.loads(texts["json"])
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=120, highlight=False)
    print_summary(report, console, compare=report, verbose=True)
    styled = buffer.getvalue()
    assert SGR.sub("", styled).count("\x1b") == 0
    assert workflow_command_lines(SGR.sub("", styled)) == []


def test_history_prints_a_hostile_subject_as_text(audited):
    import git

    from auditor.history import _commit_facts
    from auditor.render.history import render_history_html
    from auditor.render.terminal import print_history

    root, _, _ = audited
    facts = _commit_facts(git.Repo(root).head.commit)
    assert facts["subject"] == HOSTILE_SUBJECT
    trend = {"repository": str(root), "commits": [{**facts, "score": 50.0, "grade": "F", "categories": {},
                                                   "warnings": [f"{ESC_NAME}: does not parse [/]"]}],
             "categories": []}
    buffer = io.StringIO()
    print_history(trend, Console(file=buffer, force_terminal=True, color_system="standard", width=200))
    shown = buffer.getvalue()
    assert SGR.sub("", shown).count("\x1b") == 0 and "[/] [red]markup[/red]" in shown
    assert workflow_command_lines(SGR.sub("", shown)) == []
    page = render_history_html(trend)
    assert "\x1b" not in page and workflow_command_lines(page) == []
