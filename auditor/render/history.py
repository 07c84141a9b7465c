"""history.html: the score trend of `auditor history` as an inline SVG line chart and a table.

One self-contained file: the stylesheet is inline and allowed by a Content-Security-Policy naming its
SHA-256 hash (`default-src 'none'`), there is no script, and no byte refers to another host.
Everything from the repository (commit subjects, authors) is escaped.
"""
from __future__ import annotations

import base64
import hashlib
from html import escape as _html_escape

from auditor.render.common import clean_text, outside_scripts_and_styles
from auditor.text import no_line_starts_a_workflow_command


def escape(value, quote: bool = True) -> str:
    """HTML-escaped text without the control characters HTML forbids (an escape sequence in a subject)."""
    return _html_escape(clean_text(value), quote=quote)


WIDTH, HEIGHT = 860, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 180, 16, 40
OVERALL_COLOUR = "#111827"
CATEGORY_COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d")

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:15px;margin:18px 0 6px}
.warn{background:#fff7e6;border:1px solid #f0c36d;border-radius:6px;padding:8px 12px;margin:8px 0}
.warn ul{margin:4px 0 0;padding-left:20px}
.scroll{overflow-x:auto}
.meta{color:#6b7280;margin:0 0 16px}
svg{max-width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px}
.grid{stroke:#e5e7eb;stroke-width:1}
.axis{fill:#6b7280;font-size:11px}
.overall{fill:none;stroke-width:3}
.cat{fill:none;stroke-width:1.5;stroke-dasharray:5 3}
.legend{font-size:12px;fill:#374151}
table{border-collapse:collapse;margin-top:16px;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.err{color:#b91c1c}
"""


def render_history_html(history: dict) -> str:
    style_hash = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'sha256-{style_hash}'; img-src data:; base-uri 'none'; form-action 'none'"
    commits = history.get("commits") or []
    categories = history.get("categories") or []
    repo = escape(str(history.get("repository") or ""))
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp, quote=False)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Score history: {repo}</title>", f"<style>{STYLE}</style></head><body>",
        f"<h1>Score history</h1><p class=\"meta\">{repo} · last {len(commits)} commit(s)"
        f" · generated {escape(str(history.get('generated_at') or ''))}</p>",
        _warnings_html(history),
        "<h2>Trend, oldest commit on the left</h2>",
        trend_svg(commits, categories),
        "<h2>Commits, newest first</h2>",
        _table(commits, categories),
        "</body></html>",
    ]
    return outside_scripts_and_styles("\n".join(parts) + "\n", lambda part: no_line_starts_a_workflow_command(part, "&#58;"))


def trend_svg(commits: list[dict], categories: list[dict]) -> str:
    """Overall score (thick line) and each category's score (dashed) per commit, 0-100 on the y axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(commits)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(score: float) -> float:
        return TOP + plot_h * (1 - max(0.0, min(100.0, float(score))) / 100)

    out = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" role="img" aria-label="Score per commit">']
    for level in (0, 25, 50, 75, 100):
        out.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
                   f'<text class="axis" x="{LEFT - 8}" y="{y(level) + 4:.1f}" text-anchor="end">{level}</text>')
    for i, c in enumerate(commits):
        out.append(f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                   f'{escape(str(c.get("short") or "")[:7])}</text>')
    series = [(f"{cat.get('title') or cat.get('id')}", CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)], "cat",
               [(c.get("categories") or {}).get(cat.get("id")) for c in commits])
              for k, cat in enumerate(categories)]
    series.append(("Overall", OVERALL_COLOUR, "overall", [c.get("score") for c in commits]))
    legend_y = TOP + 4
    for title, colour, cls, values in series:
        if all(v is None for v in values):
            continue   # a category that never applied (e.g. migrations without a database)
        out.append(_polyline(values, x, y, colour, cls, title))
        out.append(f'<line x1="{WIDTH - RIGHT + 16}" x2="{WIDTH - RIGHT + 36}" y1="{legend_y}" y2="{legend_y}" '
                   f'stroke="{colour}" class="{cls}"/><text class="legend" x="{WIDTH - RIGHT + 42}" '
                   f'y="{legend_y + 4}">{escape(title)}</text>')
        legend_y += 18
    out.append("</svg>")
    return "".join(out)


def _polyline(values: list, x, y, colour: str, cls: str, title: str) -> str:
    """One line per run of known values (a commit where the category did not apply breaks the line)."""
    runs: list[list[str]] = [[]]
    dots = []
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
            continue
        runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        dots.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{3 if cls == "overall" else 2}" fill="{colour}">'
                    f"<title>{escape(title)}: {v:g}</title></circle>")
    lines = "".join(f'<polyline class="{cls}" stroke="{colour}" points="{" ".join(run)}"/>'
                    for run in runs if len(run) > 1)
    return f'<g><title>{escape(title)}</title>{lines}{"".join(dots)}</g>'


def _table(commits: list[dict], categories: list[dict]) -> str:
    head = ("<tr><th>Commit</th><th>Date</th><th>Subject</th><th class=\"num\">Score</th><th>Grade</th>"
            + "".join(f'<th class="num">{escape(str(c.get("title") or c.get("id")))}</th>' for c in categories)
            + "<th>Failing items</th></tr>")
    head = head.replace("<th>Failing items</th>", "<th>Failing items</th><th>Warnings</th>")
    rows = []
    for c in reversed(commits):   # newest first, as a log reads
        cats = c.get("categories") or {}
        cells = "".join(f'<td class="num">{_score(cats.get(cat.get("id")))}</td>' for cat in categories)
        failing = escape(", ".join(c.get("failing") or []))
        if c.get("error"):
            failing = f'<span class="err">not audited: {escape(str(c["error"]))}</span>'
        rows.append(f"<tr><td><code>{escape(str(c.get('short') or ''))}</code></td>"
                    f"<td>{escape(str(c.get('date') or '')[:10])}</td><td>{escape(str(c.get('subject') or ''))}</td>"
                    f'<td class="num">{_score(c.get("score"))}</td><td>{escape(str(c.get("grade") or ""))}</td>'
                    f"{cells}<td>{failing}</td><td>{_commit_warnings(c)}</td></tr>")
    return f"<div class=\"scroll\"><table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"


def _commit_warnings(commit: dict) -> str:
    notes = [str(w) for w in commit.get("warnings") or []]
    if commit.get("unknown"):
        notes.append(f"{len(commit['unknown'])} item(s) unknown: {', '.join(commit['unknown'])}")
    return "".join(f'<div class="err">{escape(n)}</div>' for n in notes)


def history_warnings(history: dict) -> list[str]:
    """What `auditor audit` would have printed at the top of each commit's report (engine and file errors,
    analyses that failed, files skipped), and the commits that could not be audited, one line per distinct
    text with the commits it applies to."""
    by_text: dict[str, list[str]] = {}
    for c in history.get("commits") or []:
        short = str(c.get("short") or "")[:10]
        if c.get("error"):
            by_text.setdefault(f"not audited: {c['error']}", []).append(short)
        for warning in c.get("warnings") or []:
            by_text.setdefault(str(warning), []).append(short)
    return [f"{text} (commit{'s' if len(shorts) > 1 else ''} {', '.join(shorts)})" for text, shorts in by_text.items()]


def _warnings_html(history: dict) -> str:
    warnings = history_warnings(history)
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    return f'<div class="warn" role="alert"><strong>Read this first</strong><ul>{items}</ul></div>'


def _score(value) -> str:
    return "—" if value is None else f"{value:g}"
