"""JUnit XML: one test case per checklist item, one test suite per category, so CI lists the checklist.

Verdict mapping (chosen so a CI system never shows an unanalysed item as green):
- pass            -> passed test case
- fail            -> <failure type="fail">, the rationale and the evidence (file:line, message, code)
- partial         -> <failure type="partial">: the practice is missing somewhere, which is a defect to fix
- unknown         -> <error type="unknown">: the item could not be analysed (engine failed, language
                     unsupported). JUnit's "error" means "the test could not run", which is exactly that,
                     and CI systems count it as not passed.
- not_applicable  -> <skipped> with the reason
- manual          -> <skipped> with the reviewer's hint
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from auditor.render.common import (
    category_titles,
    clean_text,
    format_score,
    integrity_sections,
    location,
    problem_order,
    repository_name,
    violations,
)
from auditor.render.flow import flow_line, flow_steps, step_location
from auditor.text import no_line_starts_a_workflow_command

EVIDENCE_LIMIT = 50   # per failure body; the JSON and SARIF reports carry all of it


def render_junit(report: dict) -> str:
    titles = category_titles(report)
    items = [row for row in report.get("items", []) if isinstance(row, dict)]
    order = [c.get("id") for c in report.get("categories", [])]
    order += [row.get("category") for row in items if row.get("category") not in order]
    summary = report.get("summary") or {}
    root = ET.Element("testsuites", name=_t(f"backend-auditor {repository_name(report)}"),
                      tests=str(len(items)), time=_seconds(report.get("duration_s")))
    totals = {"failures": 0, "errors": 0, "skipped": 0}
    run_facts = (("score", format_score(summary.get("score"))), ("grade", summary.get("grade")),
                 ("gate", "passed" if (summary.get("gate") or {}).get("passed") else "failed"),
                 ("commit", (report.get("repository") or {}).get("commit")))
    for category in order:
        members = sorted((row for row in items if row.get("category") == category), key=problem_order)
        if not members:
            continue
        suite = ET.SubElement(root, "testsuite", name=_t(titles.get(category) or category),
                              tests=str(len(members)), timestamp=_t(report.get("generated_at") or ""))
        properties = ET.SubElement(suite, "properties")   # the run's facts, where JUnit readers look for them
        for name, value in run_facts:
            ET.SubElement(properties, "property", name=name, value=_t(value))
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        for row in members:
            kind = _testcase(suite, row, titles.get(category) or category)
            if kind:
                counts[kind] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    for service in report.get("services") or []:
        _service_suite(root, service, titles, report, totals)
    _integrity_suite(root, report)
    root.set("tests", str(len(items) + sum(len(s.get("items") or []) for s in report.get("services") or [])))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    # a multi-line message or snippet could put repository text at the start of a line of a CI log
    return no_line_starts_a_workflow_command(document, "&#58;")


def _testcase(suite: ET.Element, row: dict, category_title: str) -> str | None:
    case = ET.SubElement(suite, "testcase", name=_t(f"{row.get('id', '?')}: {row.get('title', '')}"),
                         classname=_t(f"backend-auditor.{row.get('category', 'other')}"), time="0")
    verdict = row.get("verdict")
    rationale = row.get("rationale") or ""
    if verdict in ("fail", "partial"):
        element = ET.SubElement(case, "failure", type=verdict, message=_t(_message(row)))
        element.text = _t(_failure_body(row))
        return "failures"
    if verdict == "unknown":
        element = ET.SubElement(case, "error", type="unknown", message=_t(f"not analysed: {rationale}"))
        element.text = _t(f"{rationale}\n\nThis item counts as 0 in the score until it can be analysed.")
        return "errors"
    if verdict in ("not_applicable", "manual"):
        prefix = "not applicable" if verdict == "not_applicable" else "manual review"
        ET.SubElement(case, "skipped", message=_t(f"{prefix}: {rationale}"))
        return "skipped"
    if verdict != "pass":   # a verdict this renderer does not know is not shown as passed
        ET.SubElement(case, "error", type=str(verdict), message=_t(f"unexpected verdict {verdict!r}: {rationale}"))
        return "errors"
    system_out = ET.SubElement(case, "system-out")
    system_out.text = _t(rationale)
    return None


def _message(row: dict) -> str:
    score = row.get("score")
    where = ""
    found = violations(row)
    if found:
        where = f" ({len(found)} finding{'s' if len(found) != 1 else ''}, first at {location(found[0])})"
    score_text = f", score {score}/10" if isinstance(score, int) else ""
    return f"{row.get('verdict')} [{row.get('severity', '?')}{score_text}]: {row.get('rationale', '')}{where}"


def _failure_body(row: dict) -> str:
    lines = [row.get("rationale") or "", ""]
    found = violations(row)
    for e in found[:EVIDENCE_LIMIT]:
        head = location(e)
        if e.get("message"):
            head += f": {e['message']}"
        if e.get("rule_id"):
            head += f" [{e.get('engine', '')} {e['rule_id']}]"
        lines.append(head)
        for code in str(e.get("snippet") or "").splitlines()[:5]:
            lines.append(f"    {code}")
        steps = flow_steps(e)
        if steps:   # the data flow: one line, then each step where it happens with its line of code
            lines.append(f"    flow: {flow_line(e)}")
            for step in steps:
                text = f"      {step['step']:<6} {step_location(step)}"
                snippet = next((part.strip() for part in step["snippet"].splitlines() if part.strip()), "")
                lines.append(text + (f": {snippet}" if snippet else "") + (f"  ({step['label']})" if step["label"] else ""))
    if len(found) > EVIDENCE_LIMIT:
        lines.append(f"and {len(found) - EVIDENCE_LIMIT} more (see the JSON or SARIF report)")
    if row.get("remediation"):
        lines += ["", f"How to fix: {row['remediation']}"]
    return "\n".join(lines)


def _integrity_suite(root: ET.Element, report: dict) -> None:
    """What could have loosened the gate (policy, ignored settings, suppression attempts, skipped and
    non-production files, incomplete items), as the system-out of a suite with no test case."""
    sections = integrity_sections(report)
    if not sections:
        return
    suite = ET.SubElement(root, "testsuite", name="gate integrity", tests="0", failures="0", errors="0",
                          skipped="0", time="0", timestamp=_t(report.get("generated_at") or ""))
    out = ET.SubElement(suite, "system-out")
    out.text = _t("\n".join(f"{heading}:\n" + "\n".join(f"  {line}" for line in lines) for heading, lines in sections))


def _t(value) -> str:
    """Text XML 1.0 can carry (ElementTree escapes markup, but not forbidden control characters)."""
    return clean_text(value)


def _seconds(value) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "0"


def _service_suite(root: ET.Element, service: dict, titles: dict, report: dict, totals: dict) -> None:
    """--per-service: one test suite per service, one test case per item, named after the service."""
    path = str(service.get("path") or "?")
    members = [row for row in service.get("items") or [] if isinstance(row, dict)]
    summary = service.get("summary") or {}
    suite = ET.SubElement(root, "testsuite", name=_t(f"service {path}"), tests=str(len(members)),
                          timestamp=_t(report.get("generated_at") or ""))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("service", path), ("score", format_score(summary.get("score"))),
                        ("grade", summary.get("grade")),
                        ("gate", "passed" if (summary.get("gate") or {}).get("passed") else "failed")):
        ET.SubElement(properties, "property", name=name, value=_t(value))
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for row in members:
        category = row.get("category") or "other"
        kind = _testcase(suite, row, titles.get(category) or category)
        suite[-1].set("classname", _t(f"backend-auditor.{path}.{category}"))
        if kind:
            counts[kind] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value
    suite.set("time", "0")
