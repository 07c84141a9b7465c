"""The HTML scorecard in a real headless Chromium: no console errors (CSP violations show there), no network
request, hostile input inert (no dialog), the filters leave the right rows, no sideways overflow at 1400 px
and on a 390 px phone, every piece of evidence reachable; screenshots in test-artifacts/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.render.html import render_html
from auditor.samples import synthetic_report

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
    busy = next(i for i in report["items"] if i["verdict"] == "fail" and i["evidence"])
    template = busy["evidence"][-1]
    busy["evidence"] += [{**template, "file": f"app/generated/module_{n}.py", "line": n + 1, "end_line": n + 1}
                         for n in range(40)]   # more than the 20 shown in full
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


WIDTHS = {"desktop": 1400, "phone": 390}

# elements wider than the page, outside the containers that scroll sideways on purpose (tables, code)
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5
                 && !e.closest('.scroll') && !e.closest('pre'))
    .slice(0, 10).map(e => e.tagName.toLowerCase() + '.' + e.className + ': ' + Math.round(e.getBoundingClientRect().right));
}"""

# ids of the checklist rows whose id text wraps inside a word (a line break not right after a hyphen)
BROKEN_IDS = """() => Array.from(document.querySelectorAll('details.item > summary .id')).filter(el => {
  const text = el.firstChild;
  if (!text || el.offsetParent === null) return false;
  const range = document.createRange();
  let lastTop = null;
  for (let i = 0; i < text.length; i++) {
    range.setStart(text, i); range.setEnd(text, i + 1);
    const top = range.getBoundingClientRect().top;
    if (lastTop !== null && top > lastTop + 2 && text.data[i - 1] !== '-') return true;
    lastTop = top;
  }
  return false;
}).map(el => el.textContent)"""


# checklist rows whose verdict badge runs into the id beside it
OVERLAPPING_BADGES = """() => Array.from(document.querySelectorAll('details.item > summary')).filter(row => {
  const badge = row.querySelector('.badge'), id = row.querySelector('.id');
  return row.offsetParent !== null && badge.getBoundingClientRect().right > id.getBoundingClientRect().left;
}).map(row => row.querySelector('.id').textContent)"""


@pytest.fixture(scope="module")
def real_report_file(tmp_path_factory):
    """A real audit's report (the bundled Django demo): the shape the pipeline writes, not a synthetic one."""
    from auditor.pipeline import run_audit
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "django-noncompliant"
    report = run_audit(fixture)
    path = tmp_path_factory.mktemp("real") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return report, path


@pytest.mark.parametrize("name", list(WIDTHS))
@pytest.mark.parametrize("source", ["synthetic", "real"])
def test_no_sideways_overflow_and_whole_ids(browser, report_file, real_report_file, name, source):
    report, path = report_file if source == "synthetic" else real_report_file
    width = WIDTHS[name]
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.click("#f-expand")                       # every item open: evidence, details and code on the page
    for more in page.locator("details.rest > summary").all():
        more.click()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (scroll_width, page.evaluate(OVERFLOWING))
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate(BROKEN_IDS) == []        # "SEC-INPUT-VALIDATI ON" no more: ids break at hyphens only
    assert page.evaluate(OVERLAPPING_BADGES) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.click("#f-expand")                       # collapse again for readable screenshots
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"scorecard-{source}-{name}-top.png"))
    for section in ("attention", "endpoints", "migrations", "run"):
        page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"scorecard-{source}-{name}-{section}.png"))
    first = next(i for i in sorted(report["items"], key=lambda i: i["verdict"] != "fail") if i["evidence"])
    page.click(f"#item-{first['id']} > summary")
    page.locator(f"#item-{first['id']}").screenshot(path=str(ARTIFACTS / f"scorecard-{source}-{name}-item.png"))
    assert errors == []
    context.close()


def test_every_piece_of_evidence_is_reachable_in_the_page(page, report_file):
    report, _ = report_file
    busiest = max(report["items"], key=lambda i: len(i["evidence"]))
    assert len(busiest["evidence"]) > 20
    page.click(f"#item-{busiest['id']} > summary")
    item = page.locator(f"#item-{busiest['id']}")
    assert item.locator("figure.ev").count() == 20
    item.locator("details.rest > summary").click()
    rest = item.locator(".rest-list li")
    assert rest.count() == len(busiest["evidence"]) - 20
    last = busiest["evidence"][-1]
    assert rest.last.is_visible() and f"{last['file']}:{last['line']}" in rest.last.text_content()
