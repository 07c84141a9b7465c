"""JUnit XML: one test case per checklist item with the documented verdict mapping; well-formed on hostile input."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from auditor.render.junit import render_junit
from auditor.samples import synthetic_report


@pytest.fixture(scope="module")
def parsed():
    report = synthetic_report(findings=90, hostile=True)
    first = next(i for i in report["items"] if i["evidence"])
    first["evidence"][0]["snippet"] = "bad\x00bytes\x1b[0m here"   # XML 1.0 cannot carry these
    return report, ET.fromstring(render_junit(report).encode("utf-8"))


def cases(root):
    return {case.get("name").split(":", 1)[0]: case for case in root.iter("testcase")}


def test_one_testcase_per_item_grouped_by_category(parsed):
    report, root = parsed
    assert set(cases(root)) == {i["id"] for i in report["items"]}
    assert [s.get("name") for s in root.iter("testsuite") if s.get("name") != "gate integrity"] == [
        c["title"] for c in report["categories"]]
    assert root.get("tests") == str(len(report["items"]))


def test_verdicts_map_to_failure_error_and_skipped(parsed):
    report, root = parsed
    by_id = cases(root)
    for item in report["items"]:
        case = by_id[item["id"]]
        children = {child.tag: child for child in case}
        verdict = item["verdict"]
        if verdict in ("fail", "partial"):
            assert children["failure"].get("type") == verdict
            assert item["rationale"][:30] in children["failure"].get("message")
        elif verdict == "unknown":
            assert children["error"].get("type") == "unknown"
            assert "not analysed" in children["error"].get("message")
        elif verdict in ("not_applicable", "manual"):
            assert "skipped" in children and "failure" not in children
        else:
            assert not {"failure", "error", "skipped"} & set(children)


def test_counts_add_up(parsed):
    report, root = parsed
    verdicts = [i["verdict"] for i in report["items"]]
    assert int(root.get("failures")) == verdicts.count("fail") + verdicts.count("partial")
    assert int(root.get("errors")) == verdicts.count("unknown")
    assert int(root.get("skipped")) == verdicts.count("not_applicable") + verdicts.count("manual")
    assert sum(int(s.get("tests")) for s in root.iter("testsuite")) == len(verdicts)


def test_failure_body_lists_evidence_and_hostile_text_survives_as_text(parsed):
    report, root = parsed
    item = next(i for i in report["items"] if i["verdict"] == "fail" and
                any("<script>" in e["file"] for e in i["evidence"]))
    body = cases(root)[item["id"]].find("failure").text
    assert "<script>alert(2)</script>.py:" in body      # parsed back: it was escaped in the XML
    assert "How to fix:" in body
    assert "\x00" not in ET.tostring(root, encoding="unicode")


def test_within_each_suite_failed_critical_and_high_come_first_then_unknown(parsed):
    report, root = parsed
    by_id = {i["id"]: i for i in report["items"]}
    for suite in root.iter("testsuite"):
        kinds = []
        for case in suite.iter("testcase"):
            row = by_id[case.get("name").split(":", 1)[0]]
            kinds.append(0 if row["verdict"] == "fail" and row["severity"] in ("critical", "high")
                         else 1 if row["verdict"] == "unknown" else 2)
        assert kinds == sorted(kinds), suite.get("name")
