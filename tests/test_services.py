"""Monorepos: `--per-service` finds the services and gives each one a scorecard in every report format.

One CLI run with every format over tests/fixtures/monorepo (three services: Python/FastAPI with an SQL
injection, Node/Express, Go), plus one standalone audit of a service folder to show that the derived
scorecard (from the whole repository's single engine run) is the one a separate audit gives, for a
fraction of the time.
"""
from __future__ import annotations

import io
import json
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from auditor.pipeline import run_audit
from auditor.render.terminal import print_summary
from auditor.repo import Repository
from auditor.services import detect_services, service_findings, service_repository, Service
from helpers import FIXTURES, item, run_cli, write_files

MONOREPO = FIXTURES / "monorepo"
SERVICES = ["services/gateway", "services/inventory-go", "services/orders"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("per-service")
    repo = out / "repo"
    shutil.copytree(MONOREPO, repo)        # a copy: nothing (an engine cache) is ever written into the fixture
    started = time.monotonic()
    proc = run_cli("audit", str(repo), "--per-service", "--format", "json,html,markdown,junit,sarif",
                   "--output", str(out))
    (out / "elapsed").write_text(f"{time.monotonic() - started}")
    assert proc.returncode in (0, 1), proc.stderr
    return out


@pytest.fixture(scope="module")
def report(outputs) -> dict:
    return json.loads((outputs / "report.json").read_text())


def _service(report: dict, path: str) -> dict:
    return next(s for s in report["services"] if s["path"] == path)


def test_services_are_folders_with_a_manifest_outermost_first_without_excluded_folders():
    services = detect_services(Repository.scan(MONOREPO))
    assert [s.path for s in services] == SERVICES
    assert {s.path: s.manifests for s in services}["services/inventory-go"] == ("go.mod",)
    # services/orders/scripts/requirements.txt is nested in orders; node_modules/left-pad is excluded


def test_root_manifest_nesting_and_configured_excludes(tmp_path):
    write_files(tmp_path, {
        "pyproject.toml": "[tool.ruff]\n",                        # the root is never a service
        "api/manage.py": "", "api/app/requirements.txt": "django\n",   # nested: part of api
        "web/package.json": "{}", "legacy/go.mod": "module x\n", "docs/readme.md": "",
    })
    assert [s.path for s in detect_services(Repository.scan(tmp_path))] == ["api", "legacy", "web"]
    assert [s.path for s in detect_services(Repository.scan(tmp_path, ("legacy",)))] == ["api", "web"]


def test_a_service_view_has_service_relative_paths(tmp_path):
    from auditor.model import Evidence, Finding
    write_files(tmp_path, {"svc/go.mod": "module x\n", "svc/main.go": "package main\n", "other/a.py": ""})
    repo = Repository.scan(tmp_path)
    view = service_repository(repo, Service("svc", ("go.mod",)))
    assert view.root == tmp_path.resolve() / "svc" and sorted(view.paths()) == ["go.mod", "main.go"]
    assert view.read_text("go.mod") == "module x\n"
    inside = Finding("SEC-SQLI", Evidence("svc/main.go", 1, "package main"), "critical")
    outside = Finding("SEC-SQLI", Evidence("other/a.py", 1, ""), "critical")
    (mapped,) = service_findings([inside, outside], Service("svc", ()))
    assert mapped.file == "main.go" and mapped.evidence.line == 1


def test_the_report_has_one_scorecard_per_service_and_is_valid(report, report_schema):
    jsonschema.validate(report, report_schema)
    assert [s["path"] for s in report["services"]] == SERVICES
    for svc in report["services"]:
        assert {i["id"] for i in svc["items"]} == {i["id"] for i in report["items"]}
        assert isinstance(svc["summary"]["score"], (int, float)) and svc["summary"]["grade"] in "ABCDF"
        for row in svc["items"]:
            for ev in row["evidence"]:
                assert ev["file"].startswith(svc["path"] + "/"), (svc["path"], row["id"], ev["file"])
    assert "python" in _service(report, "services/orders")["languages"]
    assert "go" in _service(report, "services/inventory-go")["languages"]


def test_findings_land_in_their_service_only(report):
    whole = item(report, "SEC-SQLI")
    assert whole["verdict"] == "fail"
    orders = item(_service(report, "services/orders"), "SEC-SQLI")
    assert orders["verdict"] == "fail"
    assert {(e["file"], e["line"]) for e in orders["evidence"] if e["kind"] == "violation"} == \
        {(e["file"], e["line"]) for e in whole["evidence"] if e["kind"] == "violation"} == \
        {("services/orders/orders/main.py", 13)}
    for path in ("services/gateway", "services/inventory-go"):
        assert item(_service(report, path), "SEC-SQLI")["verdict"] != "fail"
    assert "left-pad" not in json.dumps(report)     # the vendored package (and its eval) is never read


def test_applicability_follows_the_service(report):
    go = _service(report, "services/inventory-go")
    orders = _service(report, "services/orders")
    gateway = _service(report, "services/gateway")
    assert item(go, "DB-TRANSACTIONS")["verdict"] == "not_applicable"     # no database in the Go service
    assert "express" in gateway["frameworks"] and "express" not in orders["frameworks"]
    assert item(orders, "QA-TESTS")["verdict"] in ("pass", "partial")      # orders has its own tests/
    assert item(go, "QA-TESTS")["verdict"] == "fail"


def test_derived_scorecard_equals_a_standalone_audit_of_the_service_and_costs_far_less(report, outputs):
    started = time.monotonic()
    alone = run_audit(outputs / "repo" / "services" / "orders")
    standalone_s = time.monotonic() - started
    derived = _service(report, "services/orders")
    prefix = "services/orders/"
    mine = {i["id"]: (i["verdict"], i["score"], sorted((e["file"].removeprefix(prefix), e["line"]) for e in i["evidence"]))
            for i in derived["items"]}
    theirs = {i["id"]: (i["verdict"], i["score"], sorted((e["file"], e["line"]) for e in i["evidence"]))
              for i in alone["items"]}
    assert mine == theirs
    assert derived["summary"]["score"] == alone["summary"]["score"]
    derived_s = sum(s["duration_s"] for s in report["services"])
    print(f"per-service derivation {derived_s:.2f}s for 3 services; one standalone service audit {standalone_s:.1f}s; "
          f"whole --per-service CLI run {float((outputs / 'elapsed').read_text()):.1f}s")
    assert derived_s < standalone_s / 3


def test_every_format_shows_the_services(outputs, report):
    markdown = (outputs / "report.md").read_text()
    assert "### Services (3)" in markdown
    assert all(f"`{p}`" in markdown for p in SERVICES)
    html = (outputs / "report.html").read_text()
    assert 'id="services"' in html and all(p in html for p in SERVICES)
    junit = ET.fromstring((outputs / "report.junit.xml").read_text())
    suites = {s.get("name"): s for s in junit.findall("testsuite")}
    for path in SERVICES:
        suite = suites[f"service {path}"]
        assert int(suite.get("tests")) == len(report["items"])
    orders_sqli = [c for c in suites["service services/orders"].findall("testcase") if c.get("name").startswith("SEC-SQLI:")]
    assert orders_sqli[0].find("failure") is not None
    assert int(junit.get("tests")) == sum(len(s.findall("testcase")) for s in junit.findall("testsuite"))
    sarif = json.loads((outputs / "report.sarif").read_text())
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
            for loc in r.get("locations", [])}
    assert "services/orders/orders/main.py" in uris
    console = Console(file=io.StringIO(), width=200)
    print_summary(report, console)
    text = console.file.getvalue()
    assert "Services" in text and all(p in text for p in SERVICES)
