"""Terminal summary: score and grade, category scores, then the items that need attention, worst first.

Worst first means failed critical and high items, then unknown items, then the other failed and partial
items (render/common.problem_order, the order of every format), each with its rationale, a one-line fix,
its top evidence and the `auditor explain ID` to read more. `verbose` lists every evidence line and the
engines; `quiet` prints only the verdict and the gate.

Repository text (file names, routes, snippets, messages, commit and branch names) is hostile: the report is
made `printable` first (no control character, no escape sequence, no line break: auditor/text.py), and it is
only ever printed as rich `Text` (a table cell given a plain string would be read as rich markup, where
`[/]` crashes and `[red]` restyles).
"""
from __future__ import annotations

import os
import re
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.render.common import (
    clean_text,
    format_score,
    gate_states,
    gating_summary,
    integrity_sections,
    problem_order,
    violations,
)
from auditor.render.compare import different_repository, item_changes, score_change
from auditor.render.flow import flow_line, passes_through_evidence
from auditor.text import printable, printable_tree

VERDICT_STYLE = {"pass": "green", "partial": "yellow", "fail": "bold red", "unknown": "magenta",
                 "not_applicable": "dim", "manual": "cyan"}
GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}
TOP_EVIDENCE = 3
FIX_MAX_CHARS = 160
INDENT = " " * 9


def make_console(stderr: bool = False, color: bool = True) -> Console:
    """A console for a person or a log: `color` False (--no-color, or NO_COLOR set) prints no escape code at all,
    not even bold; not a terminal, long lines stay whole (wrapping at 80 columns splits paths mid-token)."""
    stream = sys.stderr if stderr else sys.stdout
    styled = color and not os.environ.get("NO_COLOR")
    extra = {} if _isatty(stream) else {"width": 200, "soft_wrap": True}
    if not styled:
        extra["color_system"] = None
    return Console(file=stream, highlight=False, stderr=stderr, **extra)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def print_summary(report: dict, console: Console, compare: dict | None = None, verbose: bool = False) -> None:
    report = printable_tree(report)
    compare = printable_tree(compare) if compare is not None else None
    summary = report["summary"]
    _print_head(report, console)
    mismatch = different_repository(report, compare)
    for warning in ([mismatch] if mismatch else []) + _warnings(report):
        console.print(Text(f"! {warning}", style="bold magenta"))
    console.print(_score_line(report, compare))
    if summary.get("grade_capped_by"):
        console.print(Text(f"grade capped by failed critical item(s): {', '.join(summary['grade_capped_by'])}", style="red"))
    console.print(_categories(report))
    changes = item_changes(report, compare)
    _print_attention(report, console, changes, verbose)
    if compare is not None:
        _print_changes(report, console, changes)
    if report.get("services"):
        print_services(report, console)
    if verbose:
        _print_engines(report, console)
    _print_integrity(report, console, verbose)
    print_gate(report, console)


INTEGRITY_LINES = 20   # per section without --verbose; the JSON, HTML and Markdown reports list all


def _print_integrity(report: dict, console: Console, verbose: bool) -> None:
    """Policy, ignored settings, suppression attempts, skipped and non-production files, incomplete items."""
    for heading, lines in integrity_sections(report):
        console.print(Text(f"{heading} ({len(lines)}):", style="bold"))
        if heading == "Effective policy" and not verbose:   # the defaults are in every other format
            lines = [line for line in lines if not line.endswith("(default)")]
        shown = lines if verbose else lines[:INTEGRITY_LINES]
        for line in shown:
            console.print(Text(f"  {line}"))
        if len(shown) < len(lines):
            console.print(Text(f"  and {len(lines) - len(shown)} more (-v lists all)", style="dim"))


def print_gate(report: dict, console: Console) -> None:
    """The gate's verdict, its reasons, and what a baseline or --diff-base left out of it."""
    report = printable_tree(report)
    gate = report["summary"]["gate"]
    gating = gating_summary(report)
    if gate["passed"]:
        console.print(Text("Gate: passed", style="bold green"))
    else:
        console.print(Text("Gate: FAILED", style="bold red"))
        for reason in gate["reasons"]:
            console.print(Text(f"  - {reason}", style="red"))
    if gating:
        console.print(Text(f"  {gating}", style="dim"))


def _print_head(report: dict, console: Console) -> None:
    repo = report["repository"]
    console.print(Text.assemble(("backend-auditor ", "bold"), f"{report['tool']['version']}  ", (repo["path"], "dim")))
    if repo.get("commit"):
        console.print(Text(f"commit {repo['commit'][:12]} on {repo.get('branch') or '(detached)'}"
                           + (" (uncommitted changes)" if repo.get("dirty") else ""), style="dim"))


def _score_line(report: dict, compare: dict | None) -> Text:
    summary = report["summary"]
    score = "n/a" if summary["score"] is None else f"{summary['score']:g}/100"
    line = Text.assemble("Score ", (score, "bold"), "   Grade ",
                         (summary["grade"], GRADE_STYLE.get(summary["grade"], "bold")))
    change = score_change(report, compare)
    if change is not None:
        if change["delta"] is None:
            line.append("   (no previous score to compare)", style="dim")
        else:
            arrow = "▲" if change["delta"] > 0 else "▼" if change["delta"] < 0 else "="
            style = "green" if change["delta"] > 0 else "red" if change["delta"] < 0 else "dim"
            grade = (f", grade {change['grade_before']} → {change['grade_after']}"
                     if change["grade_before"] and change["grade_before"] != change["grade_after"] else "")
            line.append(f"   {arrow} {change['delta']:+g} since the previous report "
                        f"({format_score(change['before'])}{grade})", style=style)
    return line


def _categories(report: dict) -> Table:
    cats = Table(title="Categories", title_justify="left", show_edge=False, pad_edge=False)
    cats.add_column("category")
    cats.add_column("score", justify="right")
    cats.add_column("verdicts")
    items_by_id = {i["id"]: i for i in report["items"]}
    for cat in report["categories"]:
        if not cat["items"]:
            continue
        counts: dict[str, int] = {}
        for item_id in cat["items"]:
            v = items_by_id[item_id]["verdict"]
            counts[v] = counts.get(v, 0) + 1
        verdicts = Text(" ").join(Text(f"{n} {v}", style=VERDICT_STYLE[v]) for v, n in sorted(counts.items()))
        cats.add_row(Text(cat["title"]), "—" if cat["score"] is None else f"{cat['score']:g}", verdicts)
    return cats


def _print_attention(report: dict, console: Console, changes: dict, verbose: bool) -> None:
    listed = sorted((i for i in report["items"] if i["verdict"] in ("fail", "partial", "unknown")), key=problem_order)
    if not listed:
        return
    console.print(Text("Needs attention, worst first", style="bold"))
    for item in listed:
        _print_item(item, console, changes.get(item["id"]), verbose)


def _print_item(item: dict, console: Console, change, verbose: bool) -> None:
    head = Text.assemble((f"{item['verdict'].upper():8}", VERDICT_STYLE[item["verdict"]]),
                         f" {item['id']} ", (f"[{item['severity']}] ", "dim"), item["title"])
    states = gate_states(item)
    if states:
        head.append("  (" + ", ".join(f"{n} {state}" for state, n in sorted(states.items())) + ")", style="dim")
    if change is not None and change.kind != "same":
        head.append(f"  {change.arrow} {change.label}", style="green" if change.kind == "improved" else "red"
                    if change.kind == "regressed" else "cyan")
    console.print(head)
    console.print(Text(f"{INDENT}{item['rationale']}", style="dim"))
    found = violations(item)
    shown = found if verbose else found[:TOP_EVIDENCE]
    for ev in shown:
        where = f"{ev['file']}:{ev['line']}" if ev.get("line") else ev["file"]
        code = (ev.get("snippet") or "").strip().splitlines()
        flow = flow_line(ev)
        if flow and passes_through_evidence(ev):   # the flow line names the evidence's place: not twice
            console.print(Text.assemble(INDENT, (clean_text(flow), "bold")))
            continue
        console.print(Text.assemble(INDENT, (where, "bold"), "  ", code[0][:100] if code else ""))
        if flow:
            console.print(Text.assemble(INDENT, ("via ", "dim"), clean_text(flow)))
    if len(found) > len(shown):
        console.print(Text(f"{INDENT}… and {len(found) - len(shown)} more (-v lists them; so does the HTML report)",
                           style="dim"))
    console.print(Text.assemble(INDENT, ("fix: ", "bold"), _one_line(item.get("remediation") or "", FIX_MAX_CHARS),
                                (f"  (auditor explain {item['id']})", "dim")))


def _one_line(text: str, limit: int) -> str:
    """The first sentence of `text` on one line, at most `limit` characters (a full stop inside quotes or
    brackets, as in `cursor.execute("... WHERE id = %s", (id,))`, does not end the sentence)."""
    flat = " ".join(str(text).split())
    first = flat
    for end in re.finditer(r"\.(?= [A-Z])", flat):
        head = flat[:end.end()]
        if head.count('"') % 2 == 0 and head.count("(") == head.count(")") and head.count("`") % 2 == 0:
            first = head
            break
    return first if len(first) <= limit else first[:limit - 1].rstrip() + "…"


def _print_changes(report: dict, console: Console, changes: dict) -> None:
    moved = [(row, changes[row["id"]]) for row in report["items"]
             if row["id"] in changes and changes[row["id"]].kind != "same"]
    if not moved:
        console.print(Text("No item changed since the previous report", style="dim"))
        return
    console.print(Text(f"Changed since the previous report ({len(moved)})", style="bold"))
    order = {"regressed": 0, "new": 1, "changed": 2, "improved": 3}
    for row, change in sorted(moved, key=lambda pair: (order.get(pair[1].kind, 4), problem_order(pair[0]))):
        style = {"improved": "green", "regressed": "red"}.get(change.kind, "cyan")
        console.print(Text.assemble((f"  {change.arrow} ", style), (f"{row['id']:<24}", "bold"), f" {change.label}"))


def _print_engines(report: dict, console: Console) -> None:
    table = Table(title="Engines", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("engine", "version", "status", "seconds", "files", "findings"):
        table.add_column(name, justify="right" if name in ("seconds", "files", "findings") else "left")
    for e in report.get("engines", []):
        seconds = e.get("duration_s")
        table.add_row(Text(e.get("name", "?")), Text(e.get("version") or "—"), Text(e.get("status", "?")),
                      f"{seconds:.1f}" if isinstance(seconds, (int, float)) else "—",
                      str(e.get("scanned_files", "—")), str(e.get("findings", "—")))
    console.print(table)


def _warnings(report: dict) -> list[str]:
    """summary.warnings (engines that failed first); older reports without it: their failed engines."""
    warnings = report["summary"].get("warnings")
    if warnings is not None:
        return list(warnings)
    return [f"{e['name']} {e['status']}: {e.get('error') or ''} — its items are unknown"
            for e in report.get("engines", []) if e.get("status") != "ok"]


def print_services(report: dict, console: Console) -> None:
    """--per-service: one row per service, its overall score and grade, gate and per-category scores."""
    report = printable_tree(report)
    categories = [c for c in report["categories"] if c["items"]]
    table = Table(title="Services", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("service", "score", "grade", "gate", "fail"):
        table.add_column(name, justify="right" if name in ("score", "fail") else "left")
    for cat in categories:
        table.add_column(Text(cat.get("title", cat["id"])[:12]), justify="right")
    for svc in report["services"]:
        s = svc["summary"]
        by_id = {c["id"]: c["score"] for c in svc["categories"]}
        table.add_row(Text(svc["path"]), "n/a" if s["score"] is None else f"{s['score']:g}",
                      Text(s["grade"], GRADE_STYLE.get(s["grade"], "bold")),
                      Text("passed", "green") if s["gate"]["passed"] else Text("FAILED", "red"),
                      str(s.get("verdicts", {}).get("fail", 0)),
                      *("—" if by_id.get(c["id"]) is None else f"{by_id[c['id']]:g}" for c in categories))
    console.print(table)


def print_history(trend: dict, console: Console) -> None:
    """`auditor history` on the terminal: one row per commit, newest first, then each commit's warnings.
    Commit subjects are the committer's text: printable, and cells are Text (never markup)."""
    from auditor.render.history import history_warnings

    table = Table(title="Newest first", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("commit", "date", "score", "grade", "subject"):
        table.add_column(col, justify="right" if col == "score" else "left")
    for entry in reversed(trend["commits"]):
        score = "—" if entry["score"] is None else f"{entry['score']:g}"
        table.add_row(*(Text(printable(cell)) for cell in (entry["short"], entry["date"][:10], score, entry["grade"],
                                                             entry["subject"][:60])))
    console.print(table)
    for warning in history_warnings(trend):   # what `audit` would have said about each commit
        console.print(Text(f"! {printable(warning)}", style="bold magenta"))
