"""Attack 1: `# nosemgrep` / `# nosec` on the offending lines. Semgrep and bandit run with their own markers
disabled (--disable-nosem, --ignore-nosec), so the findings stay; each marker is listed as an unreasoned
suppression attempt (file:line) in every report format."""
from __future__ import annotations

import json

from adversary import DB_PY, EVAL_LINE, SQLI_LINE, audit, hostile_repo, verdict
from auditor.render.junit import render_junit
from auditor.render.markdown import render_markdown
from auditor.render.sarif import render_sarif
from auditor.suppressions import parse_suppressions

KNOWN = {"SEC-SQLI", "SEC-INJECTION"}


def with_markers(text: str) -> str:
    lines = text.splitlines()
    lines[SQLI_LINE - 1] += "  # nosemgrep"
    lines[EVAL_LINE - 1] += "  # nosec B307"
    return "\n".join(lines) + "\n"


def test_foreign_markers_are_found_only_in_comments():
    text = ("x = 1  # nosec\n"
            "y = 2  // nosemgrep: python.lang.foo\n"
            "s = '# nosec in a string'\n"
            "z = 3  # NOSEMGREP\n"
            "w = 4  # nosecurity is a word, not a marker\n")
    found = parse_suppressions(text, "a.py", KNOWN)
    assert [(s.line, s.marker) for s in found] == [(1, "nosec"), (4, "nosemgrep")]
    assert all(not s.active and "suppresses nothing" in s.problem for s in found)


def test_nosec_and_nosemgrep_do_not_hide_findings_and_are_listed(tmp_path):
    root = hostile_repo(tmp_path / "r", db_py=with_markers(DB_PY))
    code, report = audit(root, "--no-cache")
    assert code == 1
    assert verdict(report, "SEC-SQLI") == "fail" and verdict(report, "SEC-INJECTION") == "fail"
    attempts = {(s["file"], s["line"], s["marker"]) for s in report["suppressed"]}
    assert attempts == {("db.py", SQLI_LINE, "nosemgrep"), ("db.py", EVAL_LINE, "nosec")}
    assert all(not s["valid"] and not s["suppressed"] for s in report["suppressed"])
    md = render_markdown(report)
    assert f"db.py:{SQLI_LINE}" in md and f"db.py:{EVAL_LINE}" in md and "nosec" in md
    sarif = json.loads(render_sarif(report))
    notes = [n["message"]["text"] for n in sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]]
    assert any(f"db.py:{EVAL_LINE}" in n and "nosec" in n for n in notes)
    junit = render_junit(report)
    assert f"db.py:{SQLI_LINE}" in junit and "nosemgrep" in junit
