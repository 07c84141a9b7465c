"""Evidence that carries a data flow (source, calls, sink) shows it in every format, from the report alone:
SARIF codeFlows, an expandable list in HTML, one line in Markdown, the terminal and JUnit."""
from __future__ import annotations

import copy
import io
import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from rich.console import Console

from auditor.render.flow import flow_line, flow_steps, passes_through_evidence
from auditor.render.html import render_html
from auditor.render.junit import render_junit
from auditor.render.markdown import render_markdown
from auditor.render.sarif import render_sarif
from auditor.samples import synthetic_report
from auditor.render.terminal import print_summary
from helpers import SCHEMA, item
from helpers import parse_html as parse
from helpers import validate_sarif as validate

FLOW = [
    {"file": "app/api/items.py", "line": 27, "snippet": "q = request.args['q']", "step": "source",
     "note": "request.args"},
    {"file": "app/api/items.py", "line": 28, "snippet": "rows = query(f\"SELECT * FROM items WHERE name = '{q}'\")",
     "step": "call", "note": "calls query(sql)"},
    {"file": "app/db.py", "line": 24, "snippet": "    cursor.execute(sql)", "step": "sink", "note": "execute"},
]
ONE_LINE = "request.args -> items.py:28 -> app/db.py:24 execute"


def report_with_flow(flow: list[dict] | None = None, at: tuple[str, int] = ("app/db.py", 24)) -> dict:
    """A sample report whose SEC-SQLI fails with one violation that carries `flow`."""
    report = synthetic_report(findings=0)
    row = item(report, "SEC-SQLI")
    row.update(verdict="fail", score=0, rationale="SQL text built from request data reaches execute.")
    row["evidence"] = [{"file": at[0], "line": at[1], "end_line": at[1], "snippet": "cursor.execute(sql)",
                        "rule_id": "python-sql-built-from-strings", "engine": "program", "message": "",
                        "kind": "violation", "flow": copy.deepcopy(FLOW if flow is None else flow)}]
    return report


def test_the_report_with_a_flow_matches_the_json_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report_with_flow())
    jsonschema.Draft202012Validator(schema).validate(synthetic_report(findings=40, hostile=True, flows=True))


def test_one_line_names_the_source_each_call_and_the_sink_once():
    evidence = item(report_with_flow(), "SEC-SQLI")["evidence"][0]
    assert flow_line(evidence) == ONE_LINE
    assert passes_through_evidence(evidence)
    # two files of the flow with one base name: both by their path
    twins = [FLOW[0], {**FLOW[1], "file": "app/api/db.py"}, FLOW[2]]
    assert flow_line({"file": "x.py", "line": 1, "flow": twins}) == \
        "request.args -> app/api/db.py:28 -> app/db.py:24 execute"
    # a step without a file is dropped, an unknown step kind reads as a call, no flow is ""
    assert [s["step"] for s in flow_steps({"flow": [{"line": 3}, {**FLOW[1], "step": "jump"}]})] == ["call"]
    assert flow_line({"file": "a.py", "line": 1}) == ""
    # a step written with `label` (an older report) instead of `note`
    noted = [{k: v for k, v in step.items() if k != "note"} | {"label": step["note"]} for step in FLOW]
    assert flow_line({"file": "app/db.py", "line": 24, "flow": noted}) == ONE_LINE


def test_sarif_result_carries_a_code_flow_valid_against_sarif_2_1_0():
    sarif = json.loads(render_sarif(report_with_flow()))
    validate(sarif)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SEC-SQLI"]
    (code_flow,) = result["codeFlows"]
    (thread,) = code_flow["threadFlows"]
    steps = thread["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == ["request.args", "calls query(sql)", "execute"]
    assert [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in steps] == \
        ["app/api/items.py", "app/api/items.py", "app/db.py"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [27, 28, 24]
    assert steps[2]["location"]["physicalLocation"]["region"]["snippet"]["text"] == "    cursor.execute(sql)"
    assert steps[0]["kinds"] == ["taint", "source"] and steps[2]["kinds"] == ["taint", "sink"]
    assert [s["executionOrder"] for s in steps] == [1, 2, 3]
    assert code_flow["message"]["text"] == ONE_LINE
    # evidence without a flow has no codeFlows
    plain = json.loads(render_sarif(report_with_flow(flow=[])))
    assert all("codeFlows" not in r for r in plain["runs"][0]["results"])


def test_sarif_of_many_hostile_flows_stays_valid():
    report = synthetic_report(findings=60, hostile=True, flows=True)
    sarif = json.loads(render_sarif(report))
    validate(sarif)
    with_flow = sum(1 for i in report["items"] for e in i["evidence"] if e.get("flow"))
    assert with_flow == 20
    assert sum(1 for r in sarif["runs"][0]["results"] if "codeFlows" in r) == with_flow


def test_html_shows_each_step_collapsed_under_the_evidence_linked_and_escaped():
    html = render_html(report_with_flow())
    page = parse(html)
    steps = [a for tag, a in page.tags if tag == "li" and "step" in (a.get("class") or "").split()]
    assert [a["class"] for a in steps] == ["step step-source", "step step-call", "step step-sink"]
    links = [a["href"] for tag, a in page.tags if tag == "a" and a.get("class") == "loc"]
    assert links == [f"#{a['id']}" for a in steps]            # each step links to itself (the script opens it)
    assert ("details", {"class": "flow"}) in page.tags          # collapsed until asked
    text = "".join(page.text)
    for piece in ("app/api/items.py:27", "app/api/items.py:28", "app/db.py:24", "calls query(sql)",
                  "cursor.execute(sql)", ONE_LINE):
        assert piece in text


def test_html_keeps_hostile_flows_inert_and_the_csp_strict():
    html = render_html(synthetic_report(findings=120, hostile=True, flows=True), evidence_limit=1)
    page = parse(html)
    assert not [t for t, _ in page.tags if t == "img"]
    assert "<b>execute</b>" not in html and "&lt;b&gt;execute&lt;/b&gt;" in html
    assert len(page.inline["script"]) == 1 and not [a for t, a in page.tags if t == "script" and a.get("src")]
    assert "flow: " in "".join(page.text)                        # the evidence past the limit: its flow line
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    assert not [a for t, a in page.tags if t == "a" and not a.get("href", "#").startswith("#")]


def test_markdown_writes_the_flow_as_one_line_instead_of_the_location():
    md = render_markdown(report_with_flow())
    (row,) = [line for line in md.splitlines() if "SEC-SQLI" in line and line.startswith("|")]
    assert f"`{ONE_LINE}`" in row
    assert row.count("app/db.py:24") == 1                        # the flow names the evidence's place: once
    # a flow that does not pass through the evidence's place follows its location
    md = render_markdown(report_with_flow(at=("app/other.py", 3)))
    assert "`app/other.py:3` via `request.args -> items.py:28 -> db.py:24 execute`" in md


def test_markdown_escapes_hostile_flows():
    hostile = report_with_flow(flow=[{**FLOW[0], "note": "request.args`|<img src=x onerror=alert(1)>"}, FLOW[2]])
    md = render_markdown(hostile)
    (row,) = [line for line in md.splitlines() if "SEC-SQLI" in line and line.startswith("|")]
    assert "``request.args`\\|<img src=x onerror=alert(1)> -> app/db.py:24 execute``" in row
    assert row.count(" | ") == 3                                # the pipe did not split the table row


def terminal(report: dict) -> str:
    out = io.StringIO()
    print_summary(report, Console(file=out, width=200, color_system=None, highlight=False))
    return out.getvalue()


def test_terminal_prints_one_line_per_flow():
    out = terminal(report_with_flow())
    assert ONE_LINE in out
    assert out.count("app/db.py:24") == 1
    out = terminal(report_with_flow(at=("app/other.py", 3)))
    assert "app/other.py:3  cursor.execute(sql)" in out and "via request.args -> items.py:28 -> db.py:24 execute" in out
    # control characters in a label are replaced, never sent to the terminal
    out = terminal(report_with_flow(flow=[{**FLOW[0], "note": "request.args\x1b[31m"}, FLOW[2]]))
    assert "\x1b" not in out


def test_junit_failure_text_lists_the_flow():
    root = ET.fromstring(render_junit(report_with_flow()).encode("utf-8"))
    case = next(c for c in root.iter("testcase") if c.get("name").startswith("SEC-SQLI:"))
    body = case.find("failure").text
    assert f"    flow: {ONE_LINE}" in body
    assert "      source app/api/items.py:27: q = request.args['q']  (request.args)" in body
    assert "      sink   app/db.py:24: cursor.execute(sql)  (execute)" in body


@pytest.mark.parametrize("hostile", [False, True])
def test_junit_with_many_flows_is_well_formed(hostile):
    root = ET.fromstring(render_junit(synthetic_report(findings=60, hostile=hostile, flows=True)).encode("utf-8"))
    bodies = [f.text for f in root.iter("failure")]
    assert sum(body.count("    flow: ") for body in bodies) == 20
