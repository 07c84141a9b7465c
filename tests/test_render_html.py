"""The HTML scorecard: inert hostile input, strict CSP with matching hashes, one file, content, caps, scale."""
from __future__ import annotations

import base64
import copy
import hashlib
import re
import time

import pytest

from auditor.render.html import EVIDENCE_LIMIT, render_html
from auditor.samples import HOSTILE_NAME, synthetic_report
from helpers import parse_html as parse


@pytest.fixture(scope="module")
def hostile():
    report = synthetic_report(findings=80, hostile=True)
    previous = synthetic_report(findings=40, seed=3)
    previous["items"][0].update(verdict="pass", score=10)
    return report, previous, render_html(report, previous)


def test_hostile_file_names_and_code_render_inert(hostile):
    _, _, html = hostile
    page = parse(html)
    tag_names = [t for t, _ in page.tags]
    assert "img" not in tag_names
    assert tag_names.count("script") == 1                    # ours, at the end
    assert not [(t, a) for t, a in page.tags for name in a if name.lower().startswith("on")]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html    # the hostile file name is shown, as text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert HOSTILE_NAME in "".join(page.text)                # and reads back exactly


def test_one_self_contained_file_under_a_strict_csp(hostile):
    _, _, html = hostile
    page = parse(html)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    for kind, directive in (("style", "style-src"), ("script", "script-src")):
        (body,) = page.inline[kind]
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert re.search(rf"{directive} 'sha256-{re.escape(digest)}'", csp), f"{kind} hash not in the CSP"
    assert not [a for t, a in page.tags if "style" in a], "style attributes are blocked by the CSP"
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "xlink:href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), f"<{tag} {name}={value!r}> refers outside the file"
    assert not re.search(r"https?://", page.inline["style"][0] + page.inline["script"][0])


def test_shows_score_grade_gate_and_every_item(hostile):
    report, _, html = hostile
    summary = report["summary"]
    assert f"{summary['score']:g} / 100" in html
    assert f">{summary['grade']}</text>" in html
    assert "Gate failed" in html and "zap-scanner failed" in html
    for item in report["items"]:
        assert f'id="item-{item["id"]}"' in html
    page = parse(html)
    bars = [a for t, a in page.tags if t == "rect" and "bar" in a.get("class", "").split()]
    assert len(bars) == len(report["categories"])
    security = next(c for c in report["categories"] if c["id"] == "security")
    assert any(float(a["width"]) == pytest.approx(security["score"], abs=0.1) for a in bars)   # of a 100-wide bar


def test_evidence_has_numbered_lines_with_the_offending_line_marked():
    report = synthetic_report(findings=0)
    item = next(i for i in report["items"] if i["verdict"] == "fail")
    item["evidence"] = [{"file": "app/db.py", "line": 41, "end_line": 42, "kind": "violation", "engine": "semgrep",
                         "rule_id": "sqli-fstring", "message": "query built with an f-string",
                         "snippet": 'sql = f"SELECT * FROM t WHERE id={x}"\ncursor.execute(sql)\nreturn rows'}]
    html = render_html(report)
    assert '<span class="ln hit"><span class="no">41</span>sql = f&#34;SELECT' in html
    assert '<span class="ln hit"><span class="no">42</span>cursor.execute(sql)' in html
    assert '<span class="ln"><span class="no">43</span>return rows' in html
    assert "app/db.py:41-42" in html and "semgrep · sqli-fstring" in html


def test_every_piece_of_evidence_is_listed_the_first_in_full_the_rest_one_line_each():
    report = synthetic_report(findings=0)
    item = next(i for i in report["items"] if i["verdict"] == "fail")
    item["evidence"] = [{"file": f"app/m{n}.py", "line": n + 1, "end_line": n + 1, "snippet": f"x = {n}",
                         "rule_id": "r", "engine": "ast", "message": f"message {n}", "kind": "violation"}
                        for n in range(50)]
    html = render_html(report)
    block = html.split(f'id="item-{item["id"]}"', 1)[1].split('<details class="item', 1)[0]
    assert block.count('<figure class="ev') == EVIDENCE_LIMIT
    assert f"Show the other {50 - EVIDENCE_LIMIT} of 50" in block
    rest = block.split('<details class="rest">', 1)[1]
    for n in range(EVIDENCE_LIMIT, 50):     # the reviewer never has to leave the page: all 50 are here
        assert f"app/m{n}.py:{n + 1}" in rest and f"x = {n}" in rest and f"message {n}" in rest
    assert "JSON and SARIF reports list all" not in html


def test_endpoint_matrix_migrations_engines_suppressions_and_run(hostile):
    report, _, html = hostile
    matrix = html.split('<table class="matrix">', 1)[1].split("</table>", 1)[0]
    assert matrix.count("<tr>") == len(report["inventory"]["endpoints"]) + 2     # header and totals rows
    assert "/api/&#34;&gt;&lt;img src=x onerror=alert(7)&gt;" in matrix
    assert 'class="cell na"' in matrix                    # CSRF does not apply to GET
    migrations = html.split('id="migrations"', 1)[1].split("</section>", 1)[0]
    assert migrations.count("<tr>") == len(report["inventory"]["migrations"]) + 1
    assert "drop_column users.email" in migrations and "&lt;script&gt;alert(8)" in migrations
    engines = html.split('id="engines"', 1)[1].split("</section>", 1)[0]
    assert "zap-scanner" in engines and "exit 3: &lt;script&gt;" in engines and "1.185.0" in engines
    suppressions = html.split('id="suppressions"', 1)[1].split("</section>", 1)[0]
    assert "test-only key" in suppressions and "no reason given" in suppressions
    run = html.split('id="run"', 1)[1].split("</section>", 1)[0]
    assert report["repository"]["commit"] in run and "2025-01-01T12:00:00Z" in run and "legacy.py" in run
    assert "flask (requirements.txt:3), express (package.json:9)" in run and "{" not in run.split("<dt>Frameworks")[1].split("</dd>")[0]


def test_compare_shows_each_items_change(hostile):
    report, previous, html = hostile
    first = report["items"][0]
    assert first["verdict"] != "pass" and previous["items"][0]["verdict"] == "pass"
    block = html.split(f'id="item-{first["id"]}"', 1)[1].split("</details>", 1)[0]
    assert 'data-changed="1"' in block
    assert "▼ pass → fail" in block
    assert "since the previous report" in html
    plain = render_html(report)
    assert "since the previous report" not in plain and 'id="f-changed"' not in plain


def test_item_new_in_this_report_is_marked_new():
    report = synthetic_report(findings=5)
    previous = copy.deepcopy(report)
    del previous["items"][3]
    html = render_html(report, previous)
    block = html.split(f'id="item-{report["items"][3]["id"]}"', 1)[1].split("</details>", 1)[0]
    assert "new item" in block


def test_minimal_report_renders():
    """Older or partial reports (no inventory, engines, categories) still render."""
    html = render_html({"items": [{"id": "X-1", "title": "t", "verdict": "mystery", "evidence": [{"file": "a"}]}],
                        "summary": {"score": None, "grade": "N/A"}})
    assert "X-1" in html and "n/a / 100" in html


def test_control_characters_are_replaced():
    report = synthetic_report(findings=3)
    next(i for i in report["items"] if i["evidence"])["evidence"][0]["snippet"] = "a\x00b\x1b[31mc"
    html = render_html(report)
    assert "\x00" not in html and "\x1b" not in html


def test_five_thousand_findings_render_fast_and_small():
    report = synthetic_report(findings=5000, hostile=True, endpoints=300, migrations=120)
    started = time.perf_counter()
    html = render_html(report)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert len(html.encode()) < 5 * 1024 * 1024
    assert "Show the other" in html


def _column_total(html: str, item_id: str) -> str:
    footer = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    return footer.split(f'href="#item-{item_id}">', 1)[1].split("</a>", 1)[0]


def test_endpoint_matrix_totals_are_the_items_own_counts():
    """"Authz 0/19" above an item that says "0 of 1" was two sources for one number: the column is the item's."""
    report = synthetic_report(findings=10, endpoints=18)
    html = render_html(report)
    sizes = []
    for item in report["items"]:
        judged = (item.get("details") or {}).get("endpoints")
        if item["verdict"] in ("pass", "partial", "fail") and judged:
            good = sum(1 for e in judged if e["compliant"] is True)
            assert _column_total(html, item["id"]) == f"{good}/{len(judged)}", item["id"]
            sizes.append(len(judged))
    assert sizes and min(sizes) < len(report["inventory"]["endpoints"])   # an item's own set, not every endpoint


def test_endpoint_matrix_column_of_an_unknown_item_says_so_instead_of_counting():
    report = synthetic_report(findings=10)
    authz = next(i for i in report["items"] if i["id"] == "SEC-AUTHZ")
    authz.update(verdict="unknown", score=0, rationale="django: 3 route declaration(s) found but none resolved")
    authz["details"] = {}
    html = render_html(report)
    assert _column_total(html, "SEC-AUTHZ") == "unknown"
    csrf = next(i for i in report["items"] if i["id"] == "SEC-CSRF")
    csrf.update(verdict="not_applicable", score=None, rationale="no state-changing endpoint")
    csrf["details"] = {}
    assert _column_total(render_html(report), "SEC-CSRF") == "n/a"


def test_needs_attention_lists_every_unknown_item_whatever_its_severity():
    report = synthetic_report(findings=10)
    unknown = [i for i in report["items"] if i["verdict"] == "unknown"]
    assert any(i["severity"] not in ("critical", "high") for i in unknown)
    html = render_html(report)
    panel = html.split('id="attention"', 1)[1].split("</section>", 1)[0]
    assert f"Not analysed ({len(unknown)})" in panel
    for item in unknown:
        assert f'href="#item-{item["id"]}"' in panel


def test_checklist_order_is_failed_critical_and_high_then_unknown():
    report = synthetic_report(findings=10)
    html = render_html(report)
    order = re.findall(r'<details class="item v-(\w+)" id="item-([A-Z0-9-]+)"', html)
    by_id = {i["id"]: i for i in report["items"]}
    tiers = ["top" if v == "fail" and by_id[i]["severity"] in ("critical", "high") else "unknown" if v == "unknown"
             else "rest" for v, i in order]
    first_unknown = tiers.index("unknown")
    assert set(tiers[:first_unknown]) == {"top"}
    assert "top" not in tiers[first_unknown:] and tiers[first_unknown:].index("rest") == tiers.count("unknown")


def test_no_commit_means_no_stray_separator_before_the_date():
    report = synthetic_report(findings=3)
    report["repository"].update(commit=None, branch=None)
    meta = render_html(report).split('<p class="meta">', 1)[1].split("</p>", 1)[0]
    assert meta.strip() == "2025-01-01T12:00:00Z"


def test_migrations_lead_with_file_reversibility_rollback_and_dangerous_operations():
    report = synthetic_report(findings=3, migrations=5)
    html = render_html(report)
    section = html.split('id="migrations"', 1)[1].split("</section>", 1)[0]
    heads = re.findall(r"<th>([^<]+)</th>", section.split("</thead>")[0])
    assert heads == ["file", "reversible", "rollback correct", "dangerous operations", "More"]
    assert section.count('<details class="fields">') == 5     # the other fields, on demand
    assert "<dt>dependencies</dt>" in section


def test_baselined_violations_are_said_at_the_top_and_per_item():
    report = synthetic_report(findings=10)
    failing = next(i for i in report["items"] if i["verdict"] == "fail" and i["evidence"])
    for ev in failing["evidence"]:
        if ev["kind"] == "violation":
            ev["state"] = "baselined"
    html = render_html(report)
    assert "baselined (accepted in the baseline file)" in html and "--fail-on counts only the new ones" in html
    row = html.split(f'id="item-{failing["id"]}"', 1)[1].split("</summary>", 1)[0]
    assert "baselined" in row


def test_compare_with_another_repositorys_report_warns():
    report = synthetic_report(findings=3)
    other = copy.deepcopy(report)
    other["repository"]["path"] = "/src/inventory-service"
    assert "for another repository (inventory-service, this one is shop)" in render_html(report, other)
    assert "another repository" not in render_html(report, copy.deepcopy(report))
