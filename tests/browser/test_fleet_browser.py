"""The organisation scorecard (fleet.html) in a real headless Chromium: offline, no console error (a CSP
violation shows there), hostile target names and errors inert, the targets table sorts and filters, no
sideways overflow at 1400 px and 390 px; screenshots in test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.fleet.render import write_fleet_outputs
from auditor.fleet.synthetic import HOSTILE_TARGET, synthetic_fleet

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    """The fleet scorecard, for the shared `page` fixture (tests/browser/conftest.py)."""
    out = tmp_path_factory.mktemp("fleet-html")
    synthetic_fleet(out, targets=24, runs=3, hostile=True)
    doc = write_fleet_outputs(out)
    return doc, out / "fleet.html"


def shown_rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#t-table tbody tr", "rows => rows.filter(r => !r.hidden).map(r => ({team: r.dataset.team, "
        "status: r.dataset.status, score: parseFloat(r.cells[2].dataset.value), target: r.cells[0].dataset.value}))")


def test_loads_offline_without_errors_requests_or_running_hostile_text(page, report_file):
    _, path = report_file
    assert page.events["console"] == [], page.events["console"]
    assert page.events["page_errors"] == []
    assert page.events["requests"] == [path.as_uri()]
    assert page.events["dialogs"] == []
    assert page.locator("img").count() == 0 and page.locator("script").count() == 1
    assert page.evaluate("document.documentElement.classList.contains('no-js')") is False
    assert HOSTILE_TARGET in page.locator("#t-table").inner_text()      # shown as text, not markup


def test_the_targets_table_sorts_by_score_and_filters_by_team_and_status(page, report_file):
    doc, _ = report_file
    page.click("#t-table th:nth-child(3) button")
    scores = [r["score"] for r in shown_rows(page)]
    assert scores == sorted(scores) and len(scores) == doc["summary"]["targets"]
    page.click("#t-table th:nth-child(3) button")
    assert [r["score"] for r in shown_rows(page)] == sorted(scores, reverse=True)
    page.select_option("#t-team", "payments")
    rows = shown_rows(page)
    expected = [t for t in doc["targets"] if t["team"] == "payments"]
    assert {r["target"] for r in rows} == {t["target"] for t in expected}
    assert page.inner_text("#t-count") == f"{len(expected)} of {len(doc['targets'])}"
    page.select_option("#t-team", "")
    page.select_option("#t-status", "error")
    assert len(shown_rows(page)) == doc["summary"]["error"]
    assert all(r["status"] == "error" for r in shown_rows(page))


@pytest.mark.parametrize("width", [1400, 390])
def test_no_sideways_overflow_and_screenshots(page, report_file, width):
    page.set_viewport_size({"width": width, "height": 1000})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"fleet-{width}.png"), full_page=True)
    assert page.locator("#heatmap td.hm").count() > 0
    assert page.locator("#heatmap tbody tr").count() == report_file[0]["summary"]["ok"]
