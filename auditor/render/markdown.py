"""A short Markdown summary for a pull-request comment or a CI step summary ($GITHUB_STEP_SUMMARY).

Score, grade, change since a previous report, the gate, then the failing and unknown items worst first
(failed critical and high items, then the items that could not be analysed, then the rest: the order of
every format) with their top evidence or reason.
Stays well under GitHub's limits (65,536 characters for a comment, 1 MiB for a step summary): the number of
items and evidence lines listed is capped, with "and N more". Text from the scanned repository is escaped
so a file name or message cannot inject Markdown, HTML or break the tables.
"""
from __future__ import annotations

import re

from auditor.render.common import (
    VERDICT_ORDER,
    clean_text,
    format_score,
    integrity_sections,
    location,
    problem_order,
    repository_name,
    short_commit,
    suppression_rows,
    verdict_label,
    violations,
)
from auditor.render.compare import item_changes, score_change
from auditor.render.flow import flow_line, passes_through_evidence
from auditor.text import no_line_starts_a_workflow_command

FAILING_LIMIT = 25
EVIDENCE_PER_ITEM = 2
OTHER_LIMIT = 30
MAX_CHARS = 60_000
ICON = {"pass": "✅", "partial": "🟡", "fail": "❌", "unknown": "❔", "manual": "👀", "not_applicable": "➖"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>~])")  # the rest (# + ! ( )) only matter where text never starts


def text(value) -> str:
    """Plain text for a Markdown table cell: one line, Markdown/HTML specials backslash-escaped."""
    one_line = " ".join(clean_text(value).split())
    return _MD_SPECIAL.sub(r"\\\1", one_line).replace("&", "&amp;")


def code(value, limit: int = 120, in_table: bool = True) -> str:
    """An inline code span that survives any backticks in the value (and pipes, inside a GFM table)."""
    one_line = " ".join(clean_text(value).split())
    if len(one_line) > limit:
        one_line = one_line[:limit] + "…"
    if not one_line:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", one_line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    if in_table:
        one_line = one_line.replace("|", "\\|")
    return f"{fence}{pad}{one_line}{pad}{fence}"


def render_markdown(report: dict, compare: dict | None = None) -> str:
    summary = report.get("summary") or {}
    items = sorted((row for row in report.get("items", []) if isinstance(row, dict)), key=problem_order)
    changes = item_changes(report, compare)
    out = [_headline(report, summary, compare), ""]
    warnings = [w for w in summary.get("warnings") or [] if w]
    if warnings:
        out += [f"> ⚠️ {text(w)}" + ("  " if i < min(len(warnings), 8) - 1 else "") for i, w in enumerate(warnings[:8])]
        out += ([f"> and {len(warnings) - 8} more"] if len(warnings) > 8 else []) + [""]
    gate = summary.get("gate") or {}
    if gate.get("passed") is True:
        out.append("**Gate: ✅ passed**")
    elif gate.get("passed") is False:
        reasons = gate.get("reasons") or []
        out.append("**Gate: ❌ failed**" + (f": {text(reasons[0])}" if len(reasons) == 1 else ""))
        if len(reasons) > 1:
            out += [f"- {text(r)}" for r in reasons[:10]]
            if len(reasons) > 10:
                out.append(f"- and {len(reasons) - 10} more")
    out += ["", _verdict_line(items), ""]
    failing = [row for row in items if row.get("verdict") in ("fail", "unknown")]
    if failing:
        unknown = sum(1 for row in failing if row.get("verdict") == "unknown")
        heading = "Failing items" + (f" and items not analysed ({len(failing) - unknown} failing, {unknown} unknown)"
                                     if unknown else f" ({len(failing)})")
        out += [f"### {heading}", "",
                "| | Item | Severity | Evidence |" + (" Change |" if compare else ""),
                "|---|---|---|---|" + ("---|" if compare else "")]
        for row in failing[:FAILING_LIMIT]:
            out.append(_failing_row(row, changes.get(row.get("id")), compare is not None))
        if len(failing) > FAILING_LIMIT:
            out.append(f"\nand {len(failing) - FAILING_LIMIT} more failing or unknown items (see the HTML or JSON report)")
        out.append("")
    for verdict, heading in (("partial", "Partial"),):
        rows = [row for row in items if row.get("verdict") == verdict]
        if rows:
            listed = ", ".join(f"{code(row.get('id'), in_table=False)}{_score_suffix(row)}" for row in rows[:OTHER_LIMIT])
            more = f", and {len(rows) - OTHER_LIMIT} more" if len(rows) > OTHER_LIMIT else ""
            out += [f"**{heading} ({len(rows)}):** {listed}{more}", ""]
    if compare is not None:
        moved = [(row, changes[row["id"]]) for row in items
                 if row.get("id") in changes and changes[row["id"]].kind in ("improved", "regressed")]
        fixed = [row for row, change in moved if change.kind == "improved" and row.get("verdict") == "pass"]
        if fixed:
            out += [f"**Fixed since the previous report ({len(fixed)}):** "
                    + ", ".join(code(row.get("id"), in_table=False) for row in fixed[:OTHER_LIMIT]), ""]
    out += _services_section(report)
    suppressions = suppression_rows(report)
    if suppressions:
        invalid = [row for row in suppressions if row["problem"]]
        hidden = sum(len(row["matched"]) for row in suppressions)
        line = f"**Suppressions:** {len(suppressions)} inline, {hidden} finding{'s' if hidden != 1 else ''} suppressed"
        if invalid:
            line += (f"; {len(invalid)} ignored: "
                     + ", ".join(f"{code(location(row), 90, in_table=False)} ({text(row['problem'])})"
                                 for row in invalid[:10]))
        out += [line, ""]
    out += _integrity_section(report)
    out.append(_footer(report))
    body = "\n".join(out).rstrip() + "\n"
    if len(body) > MAX_CHARS:
        body = body[:MAX_CHARS].rsplit("\n", 1)[0] + "\n\n(summary truncated: see the HTML or JSON report)\n"
    return no_line_starts_a_workflow_command(body, "\\:")   # a step summary can be printed to a CI log


def _integrity_section(report: dict) -> list[str]:
    """Policy, ignored settings, suppression attempts, skipped and non-production files, incomplete items."""
    out = []
    for heading, lines in integrity_sections(report):
        out += [f"**{text(heading)} ({len(lines)}):**", ""]
        out += [f"- {text(line)}" for line in lines] + [""]
    return out


def _headline(report: dict, summary: dict, compare: dict | None) -> str:
    line = (f"## backend-auditor: {format_score(summary.get('score'))}/100, grade **{text(summary.get('grade') or 'N/A')}**"
            f" for {code(repository_name(report), 60, in_table=False)}")
    change = score_change(report, compare)
    if change and change["delta"] is not None:
        arrow = "▲" if change["delta"] > 0 else "▼" if change["delta"] < 0 else "="
        grade_move = ""
        if change["grade_before"] and change["grade_before"] != change["grade_after"]:
            grade_move = f", grade {text(change['grade_before'])} → {text(change['grade_after'])}"
        line += f" ({arrow} {change['delta']:+g} since the previous report{grade_move})"
    elif compare is not None:
        line += " (no previous score to compare)"
    return line


def _verdict_line(items: list[dict]) -> str:
    counts = {v: 0 for v in VERDICT_ORDER}
    for row in items:
        counts[row.get("verdict")] = counts.get(row.get("verdict"), 0) + 1
    return " · ".join(f"{ICON.get(v, '')} {n} {verdict_label(v).lower()}" for v, n in counts.items() if n)


def _failing_row(row: dict, change, with_change: bool) -> str:
    found = violations(row)
    evidence = []
    for e in found[:EVIDENCE_PER_ITEM]:
        piece = code(location(e), 90)
        flow = flow_line(e)
        if flow:   # the data flow on one line; it names the evidence's place when it passes through it
            piece = code(flow, 200) if passes_through_evidence(e) else f"{piece} via {code(flow, 200)}"
        message = " ".join(str(e.get("message") or "").split())
        if message:   # what is wrong there says more than the first line of code
            piece += " " + text(message if len(message) <= 110 else message[:110] + "…")
        elif str(e.get("snippet") or "").strip():
            piece += " " + code(str(e["snippet"]).strip().splitlines()[0], 80)
        evidence.append(piece)
    if len(found) > EVIDENCE_PER_ITEM:
        evidence.append(f"and {len(found) - EVIDENCE_PER_ITEM} more")
    if not evidence:
        evidence.append(text(row.get("rationale") or ""))
    cells = [ICON.get(row.get("verdict"), ICON["fail"]), f"{code(row.get('id'))} {text(row.get('title') or '')}",
             text(row.get("severity") or ""),
             "<br>".join(evidence)]
    if with_change:
        cells.append(text(f"{change.arrow} {change.label}".strip()) if change and change.kind != "same" else "")
    return "| " + " | ".join(cells) + " |"


def _score_suffix(row: dict) -> str:
    score = row.get("score")
    return f" ({score}/10)" if row.get("verdict") == "partial" and isinstance(score, int) else ""


def _footer(report: dict) -> str:
    commit = short_commit(report)
    branch = (report.get("repository") or {}).get("branch")
    tool = report.get("tool") or {}
    where = f" at {code(commit, in_table=False)}" if commit else ""
    where += f" on {code(branch, in_table=False)}" if branch else ""
    return (f"<sub>{text(tool.get('name') or 'backend-auditor')} {text(tool.get('version') or '')}{where}, "
            f"{text(report.get('generated_at') or '')}. Full evidence in the HTML, SARIF and JSON reports.</sub>")


def _services_section(report: dict) -> list[str]:
    """--per-service: one table row per service (score, grade, gate, failing items)."""
    services = [s for s in report.get("services") or [] if isinstance(s, dict)]
    if not services:
        return []
    out = [f"### Services ({len(services)})", "", "| Service | Score | Grade | Gate | Failing items |", "|---|---|---|---|---|"]
    for svc in services:
        summary = svc.get("summary") or {}
        gate = (summary.get("gate") or {}).get("passed")
        failing = [row.get("id") for row in svc.get("items") or [] if row.get("verdict") == "fail"]
        listed = ", ".join(code(i) for i in failing[:8]) + (f", and {len(failing) - 8} more" if len(failing) > 8 else "")
        out.append(f"| {code(svc.get('path'))} | {format_score(summary.get('score'))} | {text(summary.get('grade') or 'N/A')} "
                   f"| {'✅' if gate is True else '❌' if gate is False else ''} | {listed or 'none'} |")
    return out + [""]
