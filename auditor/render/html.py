"""The single-file HTML scorecard: Jinja2 with autoescape over a view model built from the report dict.

One self-contained file: CSS and JS are inlined from reports/ and allowed by a Content-Security-Policy
that names their SHA-256 hashes, so nothing else can run or load (`default-src 'none'`), charts are inline
SVG sized by attributes (a strict CSP blocks style="..."), and no byte refers to another host.
Everything from the scanned repository (file names, code, messages) is data: autoescape keeps it inert.
Evidence per item is capped (`evidence_limit`, "and N more"): the JSON and SARIF reports carry all of it.
"""
from __future__ import annotations

import base64
import hashlib
import math
from functools import lru_cache

import jinja2
from markupsafe import Markup

from auditor.model import CRITICAL_FAIL_GRADE_CAP
from auditor.render.common import (
    VERDICT_ORDER,
    category_titles,
    clean_text,
    format_score,
    location,
    problem_order,
    repository_name,
    severity_rank,
    short_commit,
    suppression_rows,
    verdict_label,
)
from auditor.render.compare import change_counts, item_changes, score_change
from auditor.resources import reports_dir

EVIDENCE_LIMIT = 20          # evidence blocks per item in the HTML
SNIPPET_MAX_LINES = 12
LINE_MAX_CHARS = 400
ATTENTION_LIMIT = 8          # items in the "needs attention" panel
ENDPOINT_COLUMNS = (("authenticated", "Authn"), ("authorized", "Authz"), ("csrf_protected", "CSRF"),
                    ("rate_limited", "Rate limit"), ("input_validated", "Validated"), ("paginated", "Paginated"))
MIGRATION_PREFERRED = ("system", "version", "revision", "down_revision", "file", "name", "description",
                       "reversible", "documented", "dangerous_ops")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(reports_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = clean_text
    return env


def _inline_asset(name: str) -> tuple[Markup, str]:
    """The asset's text (trusted: it ships with the tool) and its CSP source expression."""
    text = (reports_dir() / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"


def render_html(report: dict, compare: dict | None = None, evidence_limit: int = EVIDENCE_LIMIT) -> str:
    css, css_hash = _inline_asset("scorecard.css")
    js, js_hash = _inline_asset("scorecard.js")
    csp = (f"default-src 'none'; style-src {css_hash}; script-src {js_hash}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    view = build_view(report, compare, evidence_limit)
    return _environment().get_template("scorecard.html.j2").render(css=css, js=js, csp=csp, **view)


def build_view(report: dict, compare: dict | None, evidence_limit: int) -> dict:
    summary = report.get("summary") or {}
    titles = category_titles(report)
    changes = item_changes(report, compare)
    items = [_item_view(row, titles, changes.get(row.get("id")), evidence_limit)
             for row in sorted(report.get("items", []), key=problem_order)]
    for order, item in enumerate(items):
        item["order"] = order
    catalog_order = {row.get("id"): n for n, row in enumerate(report.get("items", []))}
    for item in items:
        item["catalog_order"] = catalog_order.get(item["id"], 0)
    verdict_counts = {v: 0 for v in VERDICT_ORDER}
    for item in items:
        verdict_counts[item["verdict"]] = verdict_counts.get(item["verdict"], 0) + 1
    repo = report.get("repository") or {}
    return {
        "title": repository_name(report),
        "repo": {"path": repo.get("path") or "", "commit": repo.get("commit") or "",
                 "short_commit": short_commit(report), "branch": repo.get("branch") or "",
                 "dirty": repo.get("dirty")},
        "tool": report.get("tool") or {},
        "generated_at": report.get("generated_at") or "",
        "duration_s": report.get("duration_s"),
        "schema_version": report.get("schema_version") or "",
        "score": summary.get("score"),
        "score_text": format_score(summary.get("score")),
        "grade": summary.get("grade") or "N/A",
        "grade_capped_by": summary.get("grade_capped_by") or [],
        "grade_cap": CRITICAL_FAIL_GRADE_CAP,
        "ring": _ring(summary.get("score")),
        "gate": summary.get("gate") or {"passed": None, "reasons": []},
        "warnings": [str(w) for w in summary.get("warnings") or []],
        "unknown_count": verdict_counts.get("unknown", 0),
        "verdict_counts": [(v, verdict_label(v), n) for v, n in verdict_counts.items() if n],
        "categories": _category_views(report, items, titles),
        "severities": sorted({i["severity"] for i in items}, key=severity_rank),
        "items": items,
        "attention": [i for i in items if i["verdict"] in ("fail", "partial", "unknown")
                      and i["severity"] in ("critical", "high")][:ATTENTION_LIMIT],
        "compare": score_change(report, compare),
        "change_counts": change_counts(changes),
        "endpoints": _endpoint_views(report),
        "endpoint_columns": ENDPOINT_COLUMNS,
        "endpoint_totals": _endpoint_totals(report),
        "migrations": _table(report.get("inventory", {}).get("migrations") or [], MIGRATION_PREFERRED),
        "engines": [_engine_view(e) for e in report.get("engines") or [] if isinstance(e, dict)],
        "suppressed": suppression_rows(report),
        "inventory": _inventory_view(report.get("inventory") or {}),
        "evidence_limit": evidence_limit,
        "services": _service_views(report),
    }


def _ring(score) -> dict:
    """Donut chart geometry: the arc's length is the score's share of the circumference."""
    radius = 52
    circumference = 2 * math.pi * radius
    share = max(0.0, min(100.0, float(score))) / 100 if isinstance(score, (int, float)) else 0.0
    return {"r": radius, "dash": f"{circumference * share:.2f} {circumference:.2f}", "band": _band(score)}


def _band(score) -> str:
    if not isinstance(score, (int, float)):
        return "none"
    return "good" if score >= 80 else "fair" if score >= 60 else "poor"


def _item_view(row: dict, titles: dict, change, evidence_limit: int) -> dict:
    evidence = [e for e in row.get("evidence") or [] if isinstance(e, dict)]
    violations = [e for e in evidence if e.get("kind", "violation") == "violation"]
    shown = evidence[:evidence_limit]
    score = row.get("score")
    return {
        "id": row.get("id", ""), "title": row.get("title", ""), "verdict": row.get("verdict", "unknown"),
        "verdict_label": verdict_label(row.get("verdict", "unknown")),
        "category": row.get("category", ""), "category_title": titles.get(row.get("category"), ""),
        "severity": row.get("severity", ""), "automation": row.get("automation", ""),
        "weight": row.get("weight"),
        "score": score, "score_text": f"{score}/10" if isinstance(score, int) else "—",
        "rationale": row.get("rationale", ""), "remediation": row.get("remediation", ""),
        "violation_count": len(violations), "evidence_count": len(evidence),
        "evidence": [_evidence_view(e) for e in shown], "more": len(evidence) - len(shown),
        "details": _details(row.get("details")),
        "change": change,
    }


def _evidence_view(e: dict) -> dict:
    line = e.get("line") if isinstance(e.get("line"), int) else None
    end = e.get("end_line") if isinstance(e.get("end_line"), int) else line
    snippet_lines = str(e.get("snippet") or "").split("\n")
    if snippet_lines == [""]:
        snippet_lines = []
    extra = max(0, len(snippet_lines) - SNIPPET_MAX_LINES)
    code = []
    for offset, text in enumerate(snippet_lines[:SNIPPET_MAX_LINES]):
        number = line + offset if line else None
        marked = number is not None and line <= number <= (end or line)
        if len(text) > LINE_MAX_CHARS:
            text = text[:LINE_MAX_CHARS] + " …"
        code.append({"number": number, "text": text, "marked": marked})
    return {"location": location(e), "file": e.get("file") or "", "line": line,
            "kind": e.get("kind", "violation"), "engine": e.get("engine") or "", "rule_id": e.get("rule_id") or "",
            "message": e.get("message") or "", "code": code, "more_lines": extra}


def _details(details) -> list[tuple[str, str]]:
    """Item-specific facts as (name, value) pairs; nested data shown compactly."""
    if not isinstance(details, dict):
        return []
    pairs = []
    for key, value in list(details.items())[:20]:
        if isinstance(value, (list, tuple)):
            text = ", ".join(_compact(v) for v in value[:20]) + (f" … (+{len(value) - 20})" if len(value) > 20 else "")
        elif isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in list(value.items())[:20])
        else:
            text = str(value)
        pairs.append((str(key).replace("_", " "), text[:500]))
    return pairs


def _compact(value) -> str:
    """One list entry of an item's details in a few words: an endpoint as METHOD path, a place as file:line."""
    if not isinstance(value, dict):
        return str(value)
    if value.get("method") and value.get("path"):
        return f"{value['method']} {value['path']}"
    if value.get("file"):
        return location(value)
    return "; ".join(f"{k}={v}" for k, v in list(value.items())[:6])


def _category_views(report: dict, items: list[dict], titles: dict) -> list[dict]:
    rows = []
    for cat in report.get("categories") or []:
        ids = set(cat.get("items") or [])
        members = [i for i in items if i["id"] in ids or (not ids and i["category"] == cat.get("id"))]
        counts = {v: sum(1 for i in members if i["verdict"] == v) for v in VERDICT_ORDER}
        score = cat.get("score")
        rows.append({"id": cat.get("id"), "title": titles.get(cat.get("id")) or cat.get("id"),
                     "score": score, "score_text": format_score(score),
                     "width": max(0.0, min(100.0, float(score))) if isinstance(score, (int, float)) else 0.0,
                     "band": _band(score), "counts": counts, "total": len(members)})
    return rows


def _cell(endpoint: dict, key: str) -> dict:
    value = endpoint.get(key)
    applies = True
    if key == "csrf_protected" and endpoint.get("csrf_applies") is False:
        applies = False
    if key == "paginated" and value is None and str(endpoint.get("method", "")).upper() not in ("GET", "ANY"):
        applies = False
    provided = (endpoint.get("protections") or {}).get(key.replace("_protected", "")) or \
        (endpoint.get("protections") or {}).get(key) or []
    if not applies:
        state, text = "na", "—"
    elif value is True:
        state, text = "yes", "✓"
    elif value is False:
        state, text = "no", "✗"
    else:
        state, text = "unk", "?"
    hint = {"na": "does not apply", "yes": "yes", "no": "no", "unk": "could not tell"}[state]
    if provided:
        hint += ": " + ", ".join(str(p) for p in provided)
    notes = [str(n).split(":", 1)[1].strip() for n in endpoint.get("notes") or []
             if isinstance(n, str) and n.split(":", 1)[0] == key and ":" in n]
    if notes:
        hint += " (" + "; ".join(notes) + ")"
    return {"state": state, "text": text, "hint": hint}


def _endpoint_views(report: dict) -> list[dict]:
    rows = []
    for e in (report.get("inventory") or {}).get("endpoints") or []:
        if not isinstance(e, dict):
            continue
        rows.append({"method": str(e.get("method") or ""), "path": str(e.get("path") or ""),
                     "handler": str(e.get("handler") or ""), "framework": str(e.get("framework") or ""),
                     "location": location(e), "cells": [_cell(e, key) for key, _ in ENDPOINT_COLUMNS]})
    return rows


def _endpoint_totals(report: dict) -> list[dict]:
    """Per protection column: how many endpoints have it, of those where it applies."""
    rows = _endpoint_views(report)
    totals = []
    for n, _ in enumerate(ENDPOINT_COLUMNS):
        cells = [row["cells"][n] for row in rows]
        applies = [c for c in cells if c["state"] != "na"]
        good = sum(1 for c in applies if c["state"] == "yes")
        state = "na" if not applies else "yes" if good == len(applies) else "no"
        totals.append({"text": f"{good}/{len(applies)}" if applies else "—", "state": state})
    return totals


def _table(rows: list, preferred: tuple[str, ...]) -> dict:
    """Generic table of dict rows: preferred columns first, then any others in first-seen order."""
    rows = [r for r in rows if isinstance(r, dict)]
    seen: list[str] = []
    for row in rows:
        for key in row:
            if key not in seen:
                seen.append(key)
    columns = [c for c in preferred if c in seen] + [c for c in seen if c not in preferred]
    return {"columns": [(c, c.replace("_", " ")) for c in columns],
            "rows": [[_plain(row.get(c)) for c in columns] for row in rows]}


def _plain(value) -> dict:
    if value is True:
        return {"text": "yes", "state": "yes"}
    if value is False:
        return {"text": "no", "state": "no"}
    if value is None:
        return {"text": "—", "state": "na"}
    if isinstance(value, (list, tuple)):
        return {"text": ", ".join(str(v) for v in value) or "—", "state": "list" if value else "na"}
    if isinstance(value, dict):
        return {"text": ", ".join(f"{k}: {v}" for k, v in value.items()) or "—", "state": ""}
    return {"text": str(value), "state": ""}


def _engine_view(engine: dict) -> dict:
    duration = engine.get("duration_s")
    return {"name": engine.get("name") or "?", "version": engine.get("version") or "—",
            "status": engine.get("status") or "?", "ok": engine.get("status") == "ok",
            "duration": f"{duration:.2f} s" if isinstance(duration, (int, float)) else "—",
            "findings": engine.get("findings") if engine.get("findings") is not None else "—",
            "scanned": engine.get("scanned_files") if engine.get("scanned_files") is not None else "—",
            "error": engine.get("error") or "", "messages": [str(m) for m in (engine.get("messages") or [])][:20]}


def _inventory_view(inventory: dict) -> dict:
    languages = inventory.get("languages") or {}
    if isinstance(languages, dict):
        languages = [f"{k} ({v})" if isinstance(v, int) else str(k) for k, v in languages.items()]
    frameworks = inventory.get("frameworks") or []
    if isinstance(frameworks, dict):
        frameworks = list(frameworks)
    errors = inventory.get("collector_errors") or {}
    return {"languages": [str(x) for x in languages], "frameworks": [str(x) for x in frameworks],
            "skipped": [s for s in inventory.get("skipped_files") or [] if isinstance(s, dict)],
            "collector_errors": sorted(errors.items()) if isinstance(errors, dict) else []}


def _service_views(report: dict) -> list[dict]:
    """--per-service: each service's score, grade, gate, verdict counts and category scores."""
    rows = []
    titles = category_titles(report)
    for svc in report.get("services") or []:
        if not isinstance(svc, dict):
            continue
        summary = svc.get("summary") or {}
        by_id = {c.get("id"): c.get("score") for c in svc.get("categories") or []}
        rows.append({"path": svc.get("path") or "", "languages": ", ".join(svc.get("languages") or []),
                     "score_text": format_score(summary.get("score")), "band": _band(summary.get("score")),
                     "grade": summary.get("grade") or "N/A", "gate": (summary.get("gate") or {}).get("passed"),
                     "failing": [r.get("id") for r in svc.get("items") or [] if r.get("verdict") == "fail"],
                     "categories": [(titles.get(cid) or cid, format_score(by_id.get(cid)), _band(by_id.get(cid)))
                                    for cid in [c.get("id") for c in report.get("categories") or []]]})
    return rows
