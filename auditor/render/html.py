"""The single-file HTML scorecard: Jinja2 with autoescape over a view model built from the report dict.

One self-contained file: CSS and JS are inlined from reports/ and allowed by a Content-Security-Policy
that names their SHA-256 hashes, so nothing else can run or load (`default-src 'none'`), charts are inline
SVG sized by attributes (a strict CSP blocks style="..."), and no byte refers to another host.
Everything from the scanned repository (file names, code, messages) is data: autoescape keeps it inert.
Every piece of evidence is listed, so a reviewer never has to leave the page: the first `evidence_limit` per
item in full (numbered code, the offending lines marked), the rest as one line each (location, code, message)
in a collapsed list under them. An evidence that carries a data flow (source, calls, sink) shows it under
its code, collapsed: each step with its file:line (a link to the step itself, which opens it) and its line.

The page reads only the report dict it is given (no catalog, no scoring): the endpoint matrix takes each
protection column from the checklist item that judges it (its `details.endpoints`), so its totals are the
item's own counts.
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
    attention_tier,
    category_titles,
    clean_text,
    format_score,
    gate_states,
    gating_summary,
    integrity_sections,
    location,
    needs_attention,
    outside_scripts_and_styles,
    problem_order,
    repository_name,
    severity_rank,
    short_commit,
    suppression_rows,
    verdict_label,
)
from auditor.render.compare import change_counts, different_repository, item_changes, score_change
from auditor.render.flow import flow_line, flow_steps, step_location
from auditor.resources import reports_dir
from auditor.text import no_line_starts_a_workflow_command

EVIDENCE_LIMIT = 20          # evidence blocks per item shown in full; the rest one line each, collapsed
SNIPPET_MAX_LINES = 12
LINE_MAX_CHARS = 400
COMPACT_CODE_CHARS = 160
ATTENTION_LIMIT = 8          # failed critical/high items in the "needs attention" panel (unknown ones: all)
# protection column: (endpoint field, header, the checklist item that judges it)
ENDPOINT_COLUMNS = (("authenticated", "Authn", "SEC-AUTHN"), ("authorized", "Authz", "SEC-AUTHZ"),
                    ("csrf_protected", "CSRF", "SEC-CSRF"), ("rate_limited", "Rate limit", "SEC-RATE-LIMIT"),
                    ("input_validated", "Validated", "SEC-INPUT-VALIDATION"), ("paginated", "Paginated", "API-PAGINATION"))
JUDGED = ("pass", "partial", "fail")
# the migration columns a reviewer reads first; every other field is behind each row's "more"
MIGRATION_LEAD = ("file", "reversible", "rollback_correct", "dangerous_operations")
MIGRATION_ALIASES = {"dangerous_ops": "dangerous_operations"}


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
    page = _environment().get_template("scorecard.html.j2").render(css=css, js=js, csp=csp, **view)
    return outside_scripts_and_styles(page, lambda part: no_line_starts_a_workflow_command(part, "&#58;"))



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
        **_attention(items),
        "compare": score_change(report, compare),
        "compare_warning": different_repository(report, compare),
        "gating": gating_summary(report),
        "change_counts": change_counts(changes),
        **_endpoint_matrix(report),
        "migrations": _migration_table(report.get("inventory", {}).get("migrations") or []),
        "engines": [_engine_view(e) for e in report.get("engines") or [] if isinstance(e, dict)],
        "suppressed": suppression_rows(report),
        "integrity": integrity_sections(report),
        "inventory": _inventory_view(report.get("inventory") or {}),
        "evidence_limit": evidence_limit,
        "services": _service_views(report),
    }


def _attention(items: list[dict]) -> dict:
    """The "needs attention" panel: failed or partial critical/high items (the first ATTENTION_LIMIT) and
    every unknown item, whatever its severity: an item that was not analysed may hide a failure."""
    flagged = [i for i in items if needs_attention(i) and i["verdict"] != "unknown"]
    others = [i for i in items if i["verdict"] in ("fail", "partial") and not needs_attention(i)]
    return {"attention": flagged[:ATTENTION_LIMIT], "attention_more": len(flagged) - len(flagged[:ATTENTION_LIMIT]),
            "attention_unknown": [i for i in items if i["verdict"] == "unknown"],
            "attention_others": len(others)}


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
    shown, rest = evidence[:evidence_limit], evidence[evidence_limit:]
    score = row.get("score")
    states = gate_states(row)
    return {
        "id": row.get("id", ""), "title": row.get("title", ""), "verdict": row.get("verdict", "unknown"),
        "verdict_label": verdict_label(row.get("verdict", "unknown")),
        "category": row.get("category", ""), "category_title": titles.get(row.get("category"), ""),
        "severity": row.get("severity", ""), "automation": row.get("automation", ""),
        "weight": row.get("weight"),
        "score": score, "score_text": f"{score}/10" if isinstance(score, int) else "—",
        "rationale": row.get("rationale", ""), "remediation": row.get("remediation", ""),
        "violation_count": len(violations), "evidence_count": len(evidence),
        "evidence": [_evidence_view(e, f"flow-{row.get('id', '')}-{n}") for n, e in enumerate(shown, 1)],
        "more": len(rest),
        "rest": [_compact_evidence(e) for e in rest],
        "details": _details(row.get("details")),
        "change": change, "tier": attention_tier(row),
        "gate_states": ", ".join(f"{n} {state}" for state, n in sorted(states.items())),
    }


def _compact_evidence(e: dict) -> dict:
    """One line of evidence past the first `evidence_limit`: where, the first code line, the message."""
    code = next((line.strip() for line in str(e.get("snippet") or "").split("\n") if line.strip()), "")
    if len(code) > COMPACT_CODE_CHARS:
        code = code[:COMPACT_CODE_CHARS] + " …"
    return {"location": location(e), "kind": e.get("kind", "violation"), "code": code,
            "message": e.get("message") or "", "rule_id": e.get("rule_id") or "", "flow_line": flow_line(e)}


def _flow_view(e: dict, anchor: str) -> list[dict]:
    """The evidence's flow steps: kind, label, file:line, the step's anchor, and its first line of code."""
    steps = []
    for number, step in enumerate(flow_steps(e), 1):
        text = next((part.strip() for part in step["snippet"].split("\n") if part.strip()), "")
        if len(text) > LINE_MAX_CHARS:
            text = text[:LINE_MAX_CHARS] + " …"
        steps.append({"step": step["step"], "label": step["label"], "location": step_location(step),
                      "anchor": f"{anchor}-{number}", "line": step["line"], "code": text})
    return steps


def _evidence_view(e: dict, anchor: str = "flow") -> dict:
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
            "message": e.get("message") or "", "code": code, "more_lines": extra,
            "flow": _flow_view(e, anchor), "flow_line": flow_line(e)}


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
    """A protection cell from the inventory's own field (used when no item judged the column)."""
    value = endpoint.get(key)
    applies = True
    if key == "csrf_protected" and endpoint.get("csrf_applies") is False:
        applies = False
    if key == "paginated" and value is None and str(endpoint.get("method", "")).upper() not in ("GET", "ANY"):
        applies = False
    state = "na" if not applies else {True: "yes", False: "no"}.get(value, "unk")
    return _cell_view(state, endpoint, key)


def _cell_view(state: str, endpoint: dict, key: str, why: str = "") -> dict:
    text = {"na": "—", "yes": "✓", "no": "✗", "unk": "?"}[state]
    hint = why or {"na": "does not apply", "yes": "yes", "no": "no", "unk": "could not tell"}[state]
    provided = (endpoint.get("protections") or {}).get(key.replace("_protected", "")) or \
        (endpoint.get("protections") or {}).get(key) or []
    if provided and state != "na":
        hint += ": " + ", ".join(str(p) for p in provided)
    notes = [str(n).split(":", 1)[1].strip() for n in endpoint.get("notes") or []
             if isinstance(n, str) and n.split(":", 1)[0] == key and ":" in n]
    if notes:
        hint += " (" + "; ".join(notes) + ")"
    return {"state": state, "text": text, "hint": hint}


def _endpoint_key(e: dict) -> tuple:
    return (str(e.get("method") or ""), str(e.get("path") or ""), str(e.get("file") or ""), e.get("line"))


def _judged_endpoints(item: dict | None) -> dict | None:
    """{endpoint key: compliant (True/False/None)} of the endpoints the item judged, or None when it judged none."""
    if not item or item.get("verdict") not in JUDGED:
        return None
    listed = (item.get("details") or {}).get("endpoints") if isinstance(item.get("details"), dict) else None
    if not isinstance(listed, list):
        return None
    return {_endpoint_key(e): e.get("compliant") for e in listed if isinstance(e, dict)}


def _endpoint_matrix(report: dict) -> dict:
    """Rows, columns and totals of the endpoint matrix. A column whose item judged endpoints shows that
    item's judgement per endpoint (an endpoint it did not judge reads "—") and its total is the item's own
    count; a column whose item is not applicable shows "—"; otherwise (item unknown, not selected, or an
    older report) the inventory's raw field, and the total names the item's verdict instead of a count."""
    items = {row.get("id"): row for row in report.get("items") or [] if isinstance(row, dict)}
    endpoints = [e for e in (report.get("inventory") or {}).get("endpoints") or [] if isinstance(e, dict)]
    columns, totals, judged_by = [], [], []
    for key, label, item_id in ENDPOINT_COLUMNS:
        item = items.get(item_id)
        judged = _judged_endpoints(item)
        judged_by.append(judged)
        verdict = (item or {}).get("verdict")
        columns.append({"key": key, "label": label, "item": item_id if item else "",
                        "title": f"judged by {item_id}" + (f" ({verdict_label(verdict).lower()})" if item else ", not in this report")})
        if judged is not None:
            good = sum(1 for v in judged.values() if v is True)
            state = "yes" if good == len(judged) and judged else "no" if judged else "na"
            totals.append({"text": f"{good}/{len(judged)}" if judged else "—", "state": state, "item": item_id,
                           "hint": f"{item_id}: {good} of {len(judged)} endpoints it judges"})
        elif verdict == "not_applicable":
            totals.append({"text": "n/a", "state": "na", "item": item_id, "hint": f"{item_id}: {item.get('rationale', '')}"})
        else:
            word = verdict_label(verdict).lower() if item else "not judged"
            totals.append({"text": word, "state": "unk" if verdict == "unknown" else "na", "item": item_id if item else "",
                           "hint": f"{item_id}: {(item or {}).get('rationale') or 'not in this report'}"})
    rows = []
    for e in endpoints:
        cells = []
        for (key, _, item_id), judged, total in zip(ENDPOINT_COLUMNS, judged_by, totals):
            if judged is not None:
                k = _endpoint_key(e)
                if k not in judged:
                    cells.append(_cell_view("na", e, key, f"not among the endpoints {item_id} judges"))
                else:
                    cells.append(_cell_view({True: "yes", False: "no"}.get(judged[k], "unk"), e, key))
            elif total["text"] == "n/a":
                cells.append(_cell_view("na", e, key, total["hint"]))
            else:
                cells.append(_cell(e, key))
        rows.append({"method": str(e.get("method") or ""), "path": str(e.get("path") or ""),
                     "handler": str(e.get("handler") or ""), "framework": str(e.get("framework") or ""),
                     "location": location(e), "cells": cells})
    return {"endpoints": rows, "endpoint_columns": columns, "endpoint_totals": totals}


def _migration_table(rows: list) -> dict:
    """The lead columns (file, reversible, rollback correct, dangerous operations) and, per row, the rest."""
    rows = [{MIGRATION_ALIASES.get(k, k): v for k, v in r.items()} for r in rows if isinstance(r, dict)]
    lead = [c for c in MIGRATION_LEAD if any(c in r for r in rows)]
    out = []
    for row in rows:
        where = location(row) if row.get("file") else ""
        named = " ".join(str(row[k]) for k in ("version", "name", "description") if row.get(k) not in (None, ""))
        cells = [{"text": where or "—", "state": "", "sub": named} if c == "file" else {**_plain(row.get(c)), "sub": ""}
                 for c in lead]
        if "rollback_correct" in lead and row.get("rollback_note"):
            cells[lead.index("rollback_correct")]["sub"] = str(row["rollback_note"])
        rest = [(k.replace("_", " "), _plain(v)["text"]) for k, v in row.items()
                if k not in lead and k not in ("line", "rollback_note") and v not in (None, "", [], {})]
        out.append({"cells": cells, "rest": rest})
    return {"columns": [(c, c.replace("_", " ")) for c in lead], "rows": out}


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
        languages = [f"{k} ({v} files)" if isinstance(v, int) else
                     f"{k} ({v['files']} files)" if isinstance(v, dict) and isinstance(v.get("files"), int) else str(k)
                     for k, v in languages.items()]
    frameworks = inventory.get("frameworks") or []
    if isinstance(frameworks, dict):
        frameworks = list(frameworks)
    errors = inventory.get("collector_errors") or {}
    return {"languages": [str(x) for x in languages], "frameworks": [_framework(x) for x in frameworks],
            "skipped": [s for s in inventory.get("skipped_files") or [] if isinstance(s, dict)],
            "collector_errors": sorted(errors.items()) if isinstance(errors, dict) else []}


def _framework(entry) -> str:
    """A framework as its name and where it was found ("django (requirements.txt:1)"), never a raw dict."""
    if not isinstance(entry, dict):
        return str(entry)
    name = str(entry.get("name") or "?")
    return f"{name} ({location(entry)})" if entry.get("file") else name


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
