"""The HTML scorecard in a real headless Chromium: no console errors (CSP violations show there), no network
request, hostile input inert (no dialog), the filters leave the right rows; screenshots in test-artifacts/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.render.html import render_html
from auditor.render.synthetic import synthetic_report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    report = synthetic_report(findings=150, hostile=True)
    previous = synthetic_report(findings=40, seed=3)
    previous["items"][0].update(verdict="pass", score=10)
    previous["summary"]["score"] = 48.0
    path = tmp_path_factory.mktemp("scorecard") / "report.html"
    path.write_text(render_html(report, previous), encoding="utf-8")
    return report, path


@pytest.fixture(scope="module")
def browser():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as p:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        instance = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser, report_file):
    _, path = report_file
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, color_scheme="light")
    page = context.new_page()
    events = {"console": [], "requests": [], "page_errors": [], "dialogs": []}
    page.on("console", lambda m: events["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: events["page_errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.events = events
    yield page
    context.close()


def visible_items(page) -> list[dict]:
    return page.eval_on_selector_all(
        "details.item", "els => els.filter(e => !e.hidden && e.offsetParent !== null)"
        ".map(e => ({id: e.id, verdict: e.dataset.verdict, category: e.dataset.category, severity: e.dataset.severity}))")


def test_loads_offline_without_errors_requests_or_script_from_the_report(page, report_file):
    _, path = report_file
    assert page.events["console"] == [], page.events["console"]   # a CSP violation would be reported here
    assert page.events["page_errors"] == []
    assert page.events["requests"] == [path.as_uri()]              # the file itself, nothing else
    assert page.events["dialogs"] == []                            # no hostile alert() ran
    assert page.locator("img").count() == 0
    assert page.evaluate("document.documentElement.classList.contains('no-js')") is False  # our script did run


def test_filters_leave_the_matching_rows(page, report_file):
    report, _ = report_file
    items = report["items"]
    assert len(visible_items(page)) == len(items)

    page.select_option("#f-verdict", "fail")
    rows = visible_items(page)
    assert {r["id"][5:] for r in rows} == {i["id"] for i in items if i["verdict"] == "fail"}
    assert page.text_content("#f-count") == f"{len(rows)} of {len(items)} items"

    page.select_option("#f-category", "security")
    page.select_option("#f-severity", "critical")
    rows = visible_items(page)
    expected = {i["id"] for i in items if (i["verdict"], i["category"], i["severity"]) == ("fail", "security", "critical")}
    assert expected and {r["id"][5:] for r in rows} == expected

    page.click("#f-reset")
    page.fill("#f-search", "SEC-SQLI")
    assert [r["id"] for r in visible_items(page)] == ["item-SEC-SQLI"]

    page.fill("#f-search", "onerror=alert(1)")     # search reaches evidence file names
    with_hostile_file = {i["id"] for i in items if any("onerror=alert(1)" in e["file"] for e in i["evidence"])}
    assert with_hostile_file and {r["id"][5:] for r in visible_items(page)} == with_hostile_file

    page.fill("#f-search", "no such text anywhere")
    assert visible_items(page) == [] and page.is_visible("#f-empty")

    page.click("#f-reset")
    page.check("#f-changed")
    assert "item-" + items[0]["id"] in {r["id"] for r in visible_items(page)}
    page.click("#f-reset")

    page.click(".chip.v-unknown")
    assert {r["verdict"] for r in visible_items(page)} == {"unknown"}


def test_evidence_opens_with_the_offending_line_marked_and_screenshots(page, report_file):
    report, _ = report_file
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scorecard-top.png"))
    first_fail = next(i for i in report["items"] if i["verdict"] == "fail")
    page.click(f"#item-{first_fail['id']} > summary")
    hit = page.locator(f"#item-{first_fail['id']} .ln.hit").first
    assert hit.is_visible()
    assert hit.locator(".no").text_content() == str(first_fail["evidence"][0]["line"])
    page.locator("#checklist").screenshot(path=str(ARTIFACTS / "scorecard-checklist.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(ARTIFACTS / "scorecard-dark.png"))
    page.locator("#endpoints").screenshot(path=str(ARTIFACTS / "scorecard-endpoints.png"))
    page.emulate_media(media="print", color_scheme="light")
    page.pdf(path=str(ARTIFACTS / "scorecard-print.pdf"))   # the print stylesheet, as a reviewer would print it
    assert page.events["console"] == [] and page.events["dialogs"] == []
