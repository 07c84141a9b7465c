"""Markdown PR summary: score, grade, change, gate, failing items with top evidence; short and injection-proof."""
from __future__ import annotations

import re

import pytest

from auditor.render.markdown import FAILING_LIMIT, render_markdown
from auditor.samples import synthetic_report


@pytest.fixture(scope="module")
def hostile():
    report = synthetic_report(findings=90, hostile=True)
    previous = synthetic_report(findings=10, seed=3)
    previous["summary"]["score"] = 40.0
    previous["summary"]["grade"] = "F"
    previous["items"][0].update(verdict="pass", score=10)
    return report, previous, render_markdown(report, previous)


def test_headline_score_grade_change_and_gate(hostile):
    report, _, md = hostile
    summary = report["summary"]
    first = md.splitlines()[0]
    assert first.startswith("## ") and f"{summary['score']:g}/100" in first and f"grade **{summary['grade']}**" in first
    assert f"▲ {round(summary['score'] - 40.0, 1):+g} since the previous report" in first
    assert "**Gate: ❌ failed**" in md and "- SEC-AUTHN (critical) failed" in md
    assert "below --fail-under 70" in md


def test_lists_every_failing_item_with_its_top_evidence(hostile):
    report, _, md = hostile
    for item in (i for i in report["items"] if i["verdict"] == "fail"):
        row = next(line for line in md.splitlines() if line.startswith("| ❌ |") and f"`{item['id']}`" in line)
        first = next(e for e in item["evidence"] if e["kind"] == "violation")
        assert f"{first['line']}" in row
    assert "pass → fail" in md


def table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("|")]


def strip_code(line: str) -> str:
    return re.sub(r"(`+)(.+?)\1", "CODE", line)


def test_hostile_text_cannot_break_the_table_or_inject_html(hostile):
    _, _, md = hostile
    rows = table_rows(md)
    widths = {len(re.findall(r"(?<!\\)\|", strip_code(r.replace("\\|", "")))) for r in rows}
    assert len(widths) == 1, "a cell's content added or removed a column"
    outside_code = strip_code(md.replace("<br>", "").replace("<sub>", "").replace("</sub>", ""))
    assert not re.search(r"(?<!\\)<[a-z/]", outside_code), "raw HTML outside code spans"


def test_pipes_and_backticks_in_names_stay_inside_code_spans():
    report = synthetic_report(findings=0)
    item = next(i for i in report["items"] if i["verdict"] == "fail")
    item["evidence"] = [{"file": "a|b`c.py", "line": 3, "end_line": 3, "snippet": "x = `a` | b", "rule_id": "r",
                         "engine": "ast", "message": "", "kind": "violation"}]
    md = render_markdown(report)
    row = next(line for line in table_rows(md) if item["id"] in line)
    assert "``a\\|b`c.py:3``" in row


def test_stays_short_with_thousands_of_findings():
    report = synthetic_report(findings=5000, hostile=True)
    md = render_markdown(report)
    assert len(md) < 65_536
    failing = [i for i in report["items"] if i["verdict"] in ("fail", "unknown")]
    assert len(table_rows(md)) - 2 == min(len(failing), FAILING_LIMIT)
    assert "and " in md and " more" in md


def test_passing_report_without_compare():
    report = synthetic_report(findings=0)
    for item in report["items"]:
        if item["verdict"] in ("fail", "partial", "unknown"):
            item.update(verdict="pass", score=10, evidence=[])
    report["summary"]["gate"] = {"passed": True, "reasons": []}
    md = render_markdown(report)
    assert "**Gate: ✅ passed**" in md and "Failing items" not in md and "since the previous" not in md


def test_suppressions_are_counted_and_ignored_ones_named():
    md = render_markdown(synthetic_report(findings=5))
    assert "**Suppressions:** 2 inline, 1 finding suppressed; 1 ignored: `app/dev.py:4` (no reason given" in md


def test_unknown_items_are_listed_right_after_the_failed_critical_and_high_ones():
    report = synthetic_report(findings=20)
    md = render_markdown(report)
    rows = [line for line in table_rows(md)[2:]]
    by_id = {i["id"]: i for i in report["items"]}
    ids = [re.search(r"`([A-Z0-9-]+)`", row)[1] for row in rows]
    kinds = ["top" if by_id[i]["verdict"] == "fail" and by_id[i]["severity"] in ("critical", "high")
             else by_id[i]["verdict"] for i in ids]
    unknown = [i for i in report["items"] if i["verdict"] == "unknown"]
    assert unknown and kinds.count("unknown") == len(unknown)
    first = kinds.index("unknown")
    assert set(kinds[:first]) == {"top"} and kinds[first:first + len(unknown)] == ["unknown"] * len(unknown)
    row = rows[first]
    assert row.startswith("| ❔ |") and "could not be analysed" in row        # its reason, in place of evidence
