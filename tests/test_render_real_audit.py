"""Every renderer on a real audit of a fixture app (real engines): the contract as pipeline.py builds it."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from auditor.render.html import render_html
from auditor.render.junit import render_junit
from auditor.render.markdown import render_markdown
from auditor.render.sarif import render_sarif

FIXTURE = Path(__file__).parent / "fixtures" / "apps" / "flask-noncompliant"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report():
    if not FIXTURE.is_dir():
        pytest.skip("flask-noncompliant fixture not present")
    from auditor.pipeline import run_audit
    return run_audit(FIXTURE)


def test_all_formats_render_from_a_real_report(report):
    html = render_html(report, compare=report)
    for item in report["items"]:
        assert f'id="item-{item["id"]}"' in html
    for engine in report["engines"]:
        assert engine["name"] in html
    sarif = json.loads(render_sarif(report))
    jsonschema.Draft7Validator(SCHEMA).validate(sarif)
    violations = sum(1 for i in report["items"] if i["verdict"] in ("fail", "partial")
                     for e in i["evidence"] if e["kind"] == "violation")
    unsupported = sum(1 for i in report["items"] if i["verdict"] == "fail"
                      and not any(e["kind"] == "violation" for e in i["evidence"]))
    assert len(sarif["runs"][0]["results"]) == violations + unsupported + sum(
        len(row.get("suppressed") or []) for row in report["suppressed"])
    junit = ET.fromstring(render_junit(report).encode())
    assert len(list(junit.iter("testcase"))) == len(report["items"])
    md = render_markdown(report, compare=report)
    assert md.startswith("## backend-auditor:")


def test_endpoint_matrix_totals_match_each_items_rationale(report):
    """One source: the HTML matrix's "protected" total per column is the "N of M" its item says."""
    import re
    html = render_html(report)
    footer = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    checked = 0
    for item_id in ("SEC-AUTHN", "SEC-AUTHZ", "SEC-CSRF", "SEC-RATE-LIMIT", "SEC-INPUT-VALIDATION", "API-PAGINATION"):
        row = next(i for i in report["items"] if i["id"] == item_id)
        said = re.match(r"(\d+) of (\d+)", row["rationale"])
        if row["verdict"] in ("pass", "partial", "fail") and said:
            assert f'href="#item-{item_id}">{said[1]}/{said[2]}</a>' in footer, (item_id, row["rationale"])
            checked += 1
    assert checked >= 5


def test_items_carry_the_catalog_words_and_tags_that_sarif_reads(report):
    """The renderers read the report alone: each item carries the catalog's rationale and CWE/OWASP tags."""
    from auditor.catalog import load_catalog
    catalog = load_catalog()
    rules = {r["id"]: r for r in json.loads(render_sarif(report))["runs"][0]["tool"]["driver"]["rules"]}
    for row in report["items"]:
        entry = catalog.get(row["id"])
        assert (row["description"], row["cwe"], row["owasp"]) == (entry.rationale, list(entry.cwe), list(entry.owasp))
        assert rules[row["id"]]["fullDescription"]["text"] == entry.rationale
        assert set(entry.cwe) | {f"OWASP-{o}" for o in entry.owasp} <= set(rules[row["id"]]["properties"]["tags"])
    assert "CWE-89" in rules["SEC-SQLI"]["properties"]["tags"]
