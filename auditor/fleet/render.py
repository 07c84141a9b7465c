"""The organisation scorecard: fleet.html (one self-contained file, same style and CSP as report.html) and
fleet.md, both from the fleet document (aggregate.py) and the run's verdicts.

Target names, teams and errors come from the targets file and the audited repositories: autoescape keeps
them inert in HTML, and Markdown escapes them as report.md does.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2
from markupsafe import Markup

from auditor.catalog import load_catalog
from auditor.files import write_atomic
from auditor.fleet.aggregate import GRADES, fleet_document, heatmap
from auditor.fleet.store import FleetStore
from auditor.render.common import VERDICT_ORDER, clean_text
from auditor.render.history import trend_svg
from auditor.render.html import _inline_asset
from auditor.render.markdown import text as md_text
from auditor.resources import reports_dir

HEATMAP_ROWS = 150          # targets in the heat map (the lowest-scoring ones)
FAILING_ITEMS = 15
OUTPUT_NAMES = ("fleet.json", "fleet.html", "fleet.md")


def write_fleet_outputs(out_dir: Path, run_id: int | None = None) -> dict:
    """fleet.json, fleet.html and fleet.md for the run (default: the latest) from the database in out_dir."""
    from auditor.errors import AuditError
    store = FleetStore.read(out_dir)
    try:
        run = store.run(run_id) if run_id is not None else store.latest_run()
        if run is None:
            raise AuditError(f"no run {run_id} in {out_dir}" if run_id is not None else f"no run yet in {out_dir}")
        doc = fleet_document(store, run["run_id"], out_dir)
        cells = heatmap(store, run["run_id"])
    finally:
        store.close()
    write_atomic(out_dir / "fleet.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out_dir / "fleet.html", render_fleet_html(doc, cells, out_dir))
    write_atomic(out_dir / "fleet.md", render_fleet_markdown(doc))
    return doc


def render_fleet_html(doc: dict, cells: dict[str, dict[str, str]], out_dir: Path) -> str:
    css, css_hash = _inline_asset("scorecard.css")
    fleet_css, fleet_css_hash = _inline_asset("fleet.css")
    js, js_hash = _inline_asset("fleet.js")
    csp = (f"default-src 'none'; style-src {css_hash} {fleet_css_hash}; script-src {js_hash}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(reports_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = clean_text
    targets = sorted((_target_view(t, out_dir) for t in doc["targets"]),
                     key=lambda t: (t["score"] is None, t["score"] if t["score"] is not None else 0, t["target"]))
    return env.get_template("fleet.html.j2").render(
        css=css, fleet_css=fleet_css, js=js, csp=csp, doc=doc, s=doc["summary"], grades=GRADES,
        targets=targets, team_names=sorted({t["team"] for t in doc["targets"] if t["team"]}),
        grade_chart=_grade_chart(doc["summary"]),
        trend_svg=Markup(trend_svg(
            [{"short": f"run {r['run_id']}", "score": r["mean_score"], "categories": {}} for r in doc["trend"]], [])),
        failing=_failing(doc["items"]), heat=_heat(targets, cells), verdicts=VERDICT_ORDER)


def _target_view(entry: dict, out_dir: Path) -> dict:
    view = dict(entry)
    view["delta"] = (round(entry["score"] - entry["previous_score"], 1)
                     if entry["score"] is not None and entry["previous_score"] is not None else None)
    view["report_href"] = view["json_href"] = None
    if entry["report"]:
        view["json_href"] = _relative_href(Path(entry["report"]), out_dir)
    if entry["report_html"]:
        view["report_href"] = _relative_href(Path(entry["report_html"]), out_dir)
    return view


def _relative_href(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(path, out_dir.resolve())).as_posix()


def _grade_chart(summary: dict) -> dict:
    counts = [(g, g, summary["grades"][g]) for g in GRADES] + [("error", "not audited", summary["error"])]
    width, height, top, bottom, bar_w, gap = 330, 170, 18, 18, 40, 14
    peak = max([c for _, _, c in counts] + [1])
    bars = []
    for i, (key, label, count) in enumerate(counts):
        h = round((height - top - bottom) * count / peak, 1)
        bars.append({"key": key, "label": label if key != "error" else "err", "count": count,
                     "x": 8 + i * (bar_w + gap), "w": bar_w, "h": h, "y": round(height - bottom - h, 1)})
    return {"width": width, "height": height, "bars": bars}


def _failing(items: list[dict]) -> list[dict]:
    out = []
    for item in items:
        if not item["fail"] and not item["partial"]:
            continue
        share = item["failing_share"] or 0
        out.append({**item, "share_pct": round(share * 100), "share_w": round(120 * share, 1)})
    return out[:FAILING_ITEMS]


def _heat(targets: list[dict], cells: dict[str, dict[str, str]]) -> dict:
    """Rows: audited targets, lowest score first; columns: the items judged anywhere, in catalog order."""
    audited = [t for t in targets if t["target"] in cells]
    judged = {item_id for row in cells.values() for item_id in row}
    items = [i for i in load_catalog().items if i.id in judged]
    shown = audited[:HEATMAP_ROWS]
    rows = [{"target": t["target"], "label": short_name(t["target"]),
             "cells": [cells[t["target"]].get(i.id) for i in items]} for t in shown]
    return {"columns": items, "rows": rows, "total": len(audited), "truncated": len(audited) > len(shown)}


def short_name(target: str) -> str:
    """The last two parts of a target's path (org/repo), where a row label has no room for the whole URL."""
    path = target.split("://", 1)[-1].rstrip("/")
    parts = [p for p in path.replace(":", "/").split("/") if p]
    return "/".join(parts[-2:]) if len(parts) > 1 else path


def render_fleet_markdown(doc: dict) -> str:
    s, run = doc["summary"], doc["run"]
    mean = "n/a" if s["mean_score"] is None else f"{s['mean_score']:g}"
    lines = [
        "# Fleet scorecard", "",
        f"Run {run['id']} ({md_text(run['started_at'])}): **{s['targets']} targets**, {s['ok']} audited "
        f"({s['reused']} unchanged since their last audit), **{s['error']} not audited**; mean score **{mean}**, "
        f"gate passed on {s['gate_passed']} of {s['ok']}."
        + ("" if run["complete"] else " **Incomplete run**: it stopped before every target had a result."), "",
        "| " + " | ".join(GRADES) + " | not audited |", "|" + "---|" * (len(GRADES) + 1),
        "| " + " | ".join(str(s["grades"][g]) for g in GRADES) + f" | {s['error']} |", "",
    ]
    if len(doc["teams"]) > 1 or doc["teams"][0]["team"]:
        lines += ["## Teams", "", "| team | targets | mean | not audited |", "|---|---:|---:|---:|"]
        lines += [f"| {md_text(t['team'] or '(no team)')} | {t['targets']} | {_num(t['mean_score'])} | {t['error']} |"
                  for t in doc["teams"]]
        lines.append("")
    lines += ["## Targets, lowest score first", "", "| target | team | score | grade | change | gate |",
              "|---|---|---:|:---:|---:|---|"]
    ordered = sorted(doc["targets"], key=lambda t: (t["score"] is None, t["score"] or 0, t["target"]))
    for t in ordered:
        if t["status"] != "ok":
            continue
        delta = "" if t["previous_score"] is None or t["score"] is None else f"{t['score'] - t['previous_score']:+g}"
        gate = "passed" if t["gate_passed"] else "failed"
        lines.append(f"| {md_text(t['target'])} | {md_text(t['team'] or '')} | {_num(t['score'])} | "
                     f"{t['grade']} | {delta} | {gate} |")
    errors = [t for t in doc["targets"] if t["status"] != "ok"]
    if errors:
        lines += ["", f"## Not audited ({len(errors)})", ""]
        lines += [f"- {md_text(t['target'])}: {md_text(t['error'] or 'error')}" for t in errors]
    failing = _failing(doc["items"])
    if failing:
        lines += ["", "## Items failing most", "", "| item | severity | fail | partial | share failing |",
                  "|---|---|---:|---:|---:|"]
        lines += [f"| `{i['id']}` {md_text(i['title'])} | {i['severity']} | {i['fail']} | {i['partial']} | "
                  f"{i['share_pct']}% |" for i in failing]
    if len(doc["trend"]) > 1:
        lines += ["", "## Trend", "", "| run | started | targets | not audited | mean score |", "|---|---|---:|---:|---:|"]
        lines += [f"| {r['run_id']} | {md_text(r['started_at'])} | {r['targets']} | {r['error']} | {_num(r['mean_score'])} |"
                  for r in reversed(doc["trend"])]
    lines += ["", f"_backend-auditor {doc['tool']['version']}: every verdict of every run is in `fleet.sqlite`._", ""]
    return "\n".join(lines)


def _num(value) -> str:
    return "—" if value is None else f"{value:g}"
