"""Attack 1: `# nosemgrep` / `# nosec` on the offending lines. Semgrep and bandit run with their own markers
disabled (--disable-nosem, --ignore-nosec), so the findings stay; each marker is listed as an unreasoned
suppression attempt (file:line) in every report format."""
from __future__ import annotations

import json
import re

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


HOSTILE = "<script>alert(1)</script> | **bold** [x](javascript:1) \x1b[31m"


def test_hostile_text_in_the_integrity_sections_stays_inert_in_every_format():
    """Suppression reasons, file names and policy sources come from the repository: each medium escapes them."""
    import xml.etree.ElementTree as ET

    from auditor.render.html import render_html
    from auditor.samples import synthetic_report

    report = synthetic_report(findings=5)
    report["suppressed"] = [{"file": f"{HOSTILE}.py", "line": 3, "items": [], "reason": HOSTILE, "valid": False,
                             "problem": "`nosec` is bandit's marker and suppresses nothing here", "marker": "nosec",
                             "suppressed": []}]
    report["inventory"]["non_production_files"] = [{"path": f"gen/{HOSTILE}_pb2.py", "reason": "generated code"}]
    report["policy"] = {"file": None, "allow_repo_settings": None, "ignored": [
        {"key": "fail_on", "source": f"repository ({HOSTILE})", "reason": "not allowed"}],
        "settings": [{"key": "fail_on", "value": HOSTILE, "source": "repository"}]}
    html = render_html(report)
    assert "<script>alert(1)" not in html and "\x1b" not in html
    md = render_markdown(report)
    outside_code = re.sub(r"(`+).*?\1", "", md)
    assert "<script>" not in outside_code and "[x](javascript" not in outside_code and "\x1b" not in md
    assert "\\<script\\>" in md, "the integrity sections escape Markdown and HTML"
    ET.fromstring(render_junit(report).split("\n", 1)[1])   # well-formed XML 1.0 despite the escape code
    assert "\x1b" not in render_junit(report)
    sarif = render_sarif(report)
    json.loads(sarif)
    assert "\\u001b" not in sarif and "\x1b" not in sarif
