"""Plain-text tables of a score summary and of a before/after comparison."""
from __future__ import annotations

import textwrap

from scoring import DISAGREEMENTS


def ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} {100 * hits / total:3.0f}%" if total else "-"


def _row(name: str, t: dict) -> str:
    return (f"{name:32} {ratio(t['detected'], t['true_failures']):>13}   "
            f"{ratio(t['false_alarms'], t['true_passes']):>13}   "
            f"{t['missed_no_verdict']:>4} {t['passes_no_verdict']:>4}   "
            f"{t['na_agreed']:>3}/{t['na_disagreed']:<3} {t['not_scored']:>6}")


HEADER = (f"{'':32} {'detection':>13}   {'false alarms':>13}   {'no verdict':>9}   {'n/a':>7} {'not':>6}\n"
          f"{'':32} {'flagged/fail':>13}   {'flagged/pass':>13}   {'fail':>4} {'pass':>4}   {'ok/dis':>7} {'scored':>6}")


def _block(title: str, groups: dict) -> list[str]:
    return [title, HEADER, *(_row(name, t) for name, t in groups.items())]


def _wrap(prefix: str, text: str) -> list[str]:
    return textwrap.wrap(" ".join(str(text).split()), width=110, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix)) or [prefix.rstrip()]


def format_summary(summary: dict) -> str:
    meta = summary.get("meta", {})
    auditor = meta.get("auditor") or {}
    lines = [f"Accuracy: tag {meta.get('tag', '?')}, auditor {auditor.get('path', '?')} "
             f"@ {(auditor.get('commit') or '?')[:12]}{' (dirty)' if auditor.get('dirty') else ''}, "
             f"{meta.get('projects', '?')} projects, {len(summary['outcomes'])} labels", ""]
    lines += _block("Per item", summary["by_item"]) + [""]
    lines += _block("Per project", summary["by_project"]) + [""]
    lines += _block("Per kind", summary["by_kind"]) + [""]
    lines += [HEADER, _row("OVERALL", summary["overall"]), ""]
    if summary["missing_reports"]:
        lines.append("No report (not fetched or the audit failed): " + ", ".join(summary["missing_reports"]))
    if summary["not_scored_items"]:
        lines.append("Labelled but not scored by this auditor: " + ", ".join(summary["not_scored_items"]))
    lines += ["", "Disagreements"]
    for kind in DISAGREEMENTS:
        rows = [r for r in summary["outcomes"] if r["outcome"] == kind]
        if not rows:
            continue
        lines.append(f"\n== {kind} ({len(rows)})")
        for r in rows:
            lines.append(f"- {r['project']} {r['item']}: label {r['expect']}, verdict {r['verdict']}")
            lines += _wrap("    label:   ", f"{r['label_reason']} [{', '.join(r['label_where'])}]")
            lines += _wrap("    auditor: ", r.get("rationale") or "")
            for ev in r.get("evidence", [])[:2]:
                lines += _wrap("      at ", ev)
    return "\n".join(lines) + "\n"


def _pair(before: dict | None, after: dict | None, hits: str, total: str) -> str:
    def one(t):
        return ratio(t[hits], t[total]) if t else "-"
    return f"{one(before):>13} -> {one(after):<13}"


def format_changes(diff: dict, before_name: str, after_name: str) -> str:
    lines = [f"Change {before_name} -> {after_name}", "",
             f"{'item':32} {'detection':^30} {'false alarms':^30}"]
    for item, pair in [*diff["by_item"].items(), ("OVERALL", diff["overall"])]:
        lines.append(f"{item:32} {_pair(pair['before'], pair['after'], 'detected', 'true_failures')} "
                     f"{_pair(pair['before'], pair['after'], 'false_alarms', 'true_passes')}")
    lines += ["", f"Labels whose outcome changed ({len(diff['changed'])})"]
    for c in diff["changed"]:
        lines.append(f"- {c['project']} {c['item']} (label {c['expect']}): {c['before']} [{c['verdict_before']}]"
                     f" -> {c['after']} [{c['verdict_after']}]")
    return "\n".join(lines) + "\n"
