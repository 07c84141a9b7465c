"""Data flows in the HTML scorecard, in a real headless Chromium: a link to a flow step opens the item and the
flow around it, hostile flows stay inert, nothing loads from elsewhere; a screenshot in test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.render.html import render_html
from auditor.samples import synthetic_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    """A hostile sample report whose every third violation carries a flow, for the shared `page` fixture."""
    report = synthetic_report(findings=60, hostile=True, flows=True)
    path = tmp_path_factory.mktemp("flows") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return report, path


def test_a_step_link_opens_its_item_and_flow(page, report_file):
    report, path = report_file
    assert page.events["console"] == [] and page.events["page_errors"] == [] and page.events["dialogs"] == []
    assert page.events["requests"] == [path.as_uri()]
    with_flow = next(i for i in report["items"] if any(e.get("flow") for e in i["evidence"]))
    step = page.locator(f"#item-{with_flow['id']} details.flow li.step").nth(1)
    anchor = step.get_attribute("id")
    assert not step.is_visible()                                   # collapsed until asked
    page.evaluate(f"location.hash = {'#' + anchor!r}")
    page.wait_for_function(f"document.getElementById({anchor!r}).offsetParent !== null")
    assert step.is_visible() and page.locator(f"#item-{with_flow['id']}").evaluate("e => e.open")
    assert step.locator("a.loc").get_attribute("href") == f"#{anchor}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(f"#item-{with_flow['id']}").screenshot(path=str(ARTIFACTS / "scorecard-flow.png"))
    assert page.events["console"] == [] and page.events["dialogs"] == []
