"""SARIF 2.1.0: valid against the official schema, one result per violation, rules with CWE/OWASP tags,
fingerprints that survive code moving."""
from __future__ import annotations

import copy
import json

import pytest

from auditor.render.sarif import FINGERPRINT_KEY, SECURITY_SEVERITY, render_sarif
from auditor.samples import synthetic_report
from helpers import validate_sarif as validate

def fingerprints(sarif: dict) -> list[str]:
    return [r["partialFingerprints"][FINGERPRINT_KEY] for r in sarif["runs"][0]["results"]]


@pytest.fixture(scope="module")
def hostile():
    report = synthetic_report(findings=120, hostile=True)
    return report, json.loads(render_sarif(report))


def test_valid_against_the_official_schema(hostile):
    _, sarif = hostile
    validate(sarif)
    assert sarif["version"] == "2.1.0"


def test_one_result_per_violation_of_failing_and_partial_items(hostile):
    report, sarif = hostile
    violations = [(i["id"], e["file"], e["line"]) for i in report["items"] if i["verdict"] in ("fail", "partial")
                  for e in i["evidence"] if e["kind"] == "violation"]
    results = [r for r in sarif["runs"][0]["results"] if "suppressions" not in r]
    located = sorted((r["ruleId"], r["properties"]["engineRuleId"] and r["locations"][0]["physicalLocation"]["region"]["startLine"])
                     for r in results)
    assert len(results) == len(violations) == 120
    assert located == sorted((item, line) for item, _, line in violations)
    assert not [r for r in results if r["ruleId"] in {i["id"] for i in report["items"] if i["verdict"] == "pass"}]
    assert len(set(fingerprints(sarif))) == len(sarif["runs"][0]["results"])


def test_rules_carry_descriptions_help_tags_and_security_severity(hostile):
    report, sarif = hostile
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {i["id"] for i in report["items"]}
    sqli = rules["SEC-SQLI"]
    assert "Parameterized queries" in sqli["fullDescription"]["text"]
    assert "bound parameters" in sqli["help"]["text"]
    assert {"security", "CWE-89", "external/cwe/cwe-89", "OWASP-A03:2021"} <= set(sqli["properties"]["tags"])
    assert sqli["properties"]["security-severity"] == SECURITY_SEVERITY["critical"]
    assert sqli["defaultConfiguration"]["level"] == "error"
    for result in sarif["runs"][0]["results"]:
        assert sarif["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_hostile_paths_are_percent_encoded_uris(hostile):
    _, sarif = hostile
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] if r.get("locations")]
    hostile_uris = [u for u in uris if "script" in u]
    assert hostile_uris and all("<" not in u and '"' not in u and " " not in u for u in hostile_uris)


def test_fingerprints_survive_lines_moving():
    report = synthetic_report(findings=60)
    moved = copy.deepcopy(report)
    for item in moved["items"]:
        for e in item["evidence"]:
            e["line"] += 7
            e["end_line"] += 7
            e["snippet"] = "    " + e["snippet"].replace("\n", "\n    ")   # re-indented too
    before, after = json.loads(render_sarif(report)), json.loads(render_sarif(moved))
    assert fingerprints(before) == fingerprints(after)
    changed = copy.deepcopy(report)
    target = next(i for i in changed["items"] if i["verdict"] == "fail")
    target["evidence"][0]["snippet"] = "something_else()"
    assert fingerprints(json.loads(render_sarif(changed))) != fingerprints(before)


def test_identical_snippets_in_one_file_get_distinct_fingerprints_by_occurrence():
    report = synthetic_report(findings=0)
    item = next(i for i in report["items"] if i["verdict"] == "fail")
    same = {"file": "app/a.py", "snippet": "eval(x)", "rule_id": "eval", "engine": "semgrep", "message": "",
            "kind": "violation"}
    item["evidence"] = [{**same, "line": 10, "end_line": 10}, {**same, "line": 30, "end_line": 30}]
    first = fingerprints(json.loads(render_sarif(report)))
    item["evidence"] = [{**same, "line": 12, "end_line": 12}, {**same, "line": 50, "end_line": 50}]
    assert fingerprints(json.loads(render_sarif(report))) == first
    assert len(set(first)) == len(first)


def test_failing_item_without_evidence_and_suppressions_and_engine_errors(hostile):
    report = synthetic_report(findings=0)
    item = next(i for i in report["items"] if i["verdict"] == "fail")
    item["evidence"] = []
    sarif = json.loads(render_sarif(report))
    validate(sarif)
    run = sarif["runs"][0]
    (absent,) = [r for r in run["results"] if r["ruleId"] == item["id"]]
    assert "locations" not in absent and absent["properties"]["scope"] == "repository"
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == sum(len(row["suppressed"]) for row in report["suppressed"]) == 1
    assert suppressed[0]["suppressions"][0]["justification"] == "test-only key"
    assert suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 13
    invocation = run["invocations"][0]
    (ignored,) = [n for n in invocation["toolConfigurationNotifications"]    # the suppression without a reason
                  if n["descriptor"]["id"] == "suppression"]
    assert "app/dev.py:4" in ignored["message"]["text"] and "no reason" in ignored["message"]["text"]
    assert invocation["executionSuccessful"] is False
    assert "zap-scanner failed" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_unknown_items_are_named_as_notifications_after_engine_failures(hostile):
    report, sarif = hostile
    validate(sarif)
    invocation = sarif["runs"][0]["invocations"][0]
    notes = invocation["toolExecutionNotifications"]
    unknown = [i["id"] for i in report["items"] if i["verdict"] == "unknown"]
    named = [n["associatedRule"]["id"] for n in notes if n["descriptor"]["id"] == "item-unknown"]
    assert unknown and sorted(named) == sorted(unknown)
    assert notes[0]["descriptor"]["id"].startswith("engine/")        # the cause first, then what it left unknown
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[n["associatedRule"]["index"]]["id"] == n["associatedRule"]["id"]
               for n in notes if "associatedRule" in n)
    assert invocation["executionSuccessful"] is False                # because an engine failed, not the unknowns
