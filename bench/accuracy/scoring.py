"""`score`: compare the auditor's verdicts with the hand labels. Pure functions over loaded data.

Each (project, item) label gets one outcome:

| label | verdict fail/partial | verdict pass | unknown/not_applicable/manual | item not in report |
|---|---|---|---|---|
| fail | detected | missed | missed (no verdict) | not scored |
| pass | false alarm | agreed | no verdict (counted apart) | not scored |
| not_applicable | disagreed | disagreed | agreed if not_applicable, else disagreed | not scored |

detection = detected / true failures (a missing verdict on a true failure is a miss);
false alarms = flagged / true passes.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from project_files import Project

FLAGGED = ("fail", "partial")
NO_VERDICT = ("unknown", "not_applicable", "manual")

DETECTED, MISSED, MISSED_NO_VERDICT = "detected", "missed", "missed (no verdict)"
AGREED_PASS, FALSE_ALARM, PASS_NO_VERDICT = "agreed pass", "false alarm", "pass, no verdict"
NA_AGREED, NA_DISAGREED = "n/a agreed", "n/a disagreed"
NOT_SCORED, NO_REPORT = "not scored", "no report"

DISAGREEMENTS = (MISSED, MISSED_NO_VERDICT, FALSE_ALARM, NA_DISAGREED, PASS_NO_VERDICT)


def outcome(expect: str, verdict: str | None) -> str:
    """The outcome of one label against one verdict (None: the report has no such item)."""
    if verdict is None:
        return NOT_SCORED
    if expect == "fail":
        return DETECTED if verdict in FLAGGED else MISSED if verdict == "pass" else MISSED_NO_VERDICT
    if expect == "pass":
        return FALSE_ALARM if verdict in FLAGGED else AGREED_PASS if verdict == "pass" else PASS_NO_VERDICT
    return NA_AGREED if verdict == "not_applicable" else NA_DISAGREED


def _evidence_lines(item: dict, limit: int = 3) -> list[str]:
    lines = []
    for ev in (item.get("evidence") or [])[:limit]:
        where = f"{ev.get('file')}:{ev.get('line')}" if ev.get("line") else str(ev.get("file") or "")
        lines.append(f"{where} {ev.get('message') or ''}".strip())
    return lines


def compare_project(project: Project, report: dict | None) -> list[dict]:
    """One row per label of `project`: the label, the verdict and the outcome."""
    items = {item["id"]: item for item in (report or {}).get("items", [])}
    rows = []
    for item_id, label in sorted(project.labels.items()):
        item = items.get(item_id)
        verdict = item.get("verdict") if item else None
        row = {"project": project.slug, "kind": project.kind, "item": item_id, "expect": label.expect,
               "verdict": verdict if report is not None else None,
               "outcome": outcome(label.expect, verdict) if report is not None else NO_REPORT,
               "label_reason": label.reason, "label_where": list(label.where)}
        if item:
            row["rationale"] = item.get("rationale", "")
            row["evidence"] = _evidence_lines(item)
        rows.append(row)
    return rows


def tally(rows: list[dict]) -> dict:
    """Counts and rates over some outcome rows."""
    counts = Counter(row["outcome"] for row in rows)
    true_failures = counts[DETECTED] + counts[MISSED] + counts[MISSED_NO_VERDICT]
    true_passes = counts[AGREED_PASS] + counts[FALSE_ALARM] + counts[PASS_NO_VERDICT]
    return {
        "true_failures": true_failures, "detected": counts[DETECTED], "missed": counts[MISSED],
        "missed_no_verdict": counts[MISSED_NO_VERDICT],
        "detection": counts[DETECTED] / true_failures if true_failures else None,
        "true_passes": true_passes, "false_alarms": counts[FALSE_ALARM], "agreed_passes": counts[AGREED_PASS],
        "passes_no_verdict": counts[PASS_NO_VERDICT],
        "false_alarm_rate": counts[FALSE_ALARM] / true_passes if true_passes else None,
        "na_agreed": counts[NA_AGREED], "na_disagreed": counts[NA_DISAGREED],
        "not_scored": counts[NOT_SCORED], "no_report": counts[NO_REPORT],
    }


def summarise(projects: list[Project], reports: dict[str, dict | None]) -> dict:
    """Scores every project against its report (None or absent: no report)."""
    rows = [row for project in projects for row in compare_project(project, reports.get(project.slug))]
    by = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by["item"][row["item"]].append(row)
        by["project"][row["project"]].append(row)
        by["kind"][row["kind"]].append(row)
    return {
        "overall": tally(rows),
        "by_item": {key: tally(group) for key, group in sorted(by["item"].items())},
        "by_project": {key: tally(group) for key, group in sorted(by["project"].items())},
        "by_kind": {key: tally(group) for key, group in sorted(by["kind"].items())},
        "not_scored_items": sorted({row["item"] for row in rows if row["outcome"] == NOT_SCORED}),
        "missing_reports": sorted({row["project"] for row in rows if row["outcome"] == NO_REPORT}),
        "outcomes": rows,
    }


def changes(before: dict, after: dict) -> dict:
    """Per item rates before and after, and every label whose outcome changed."""
    items = sorted(set(before["by_item"]) | set(after["by_item"]))
    per_item = {item: {"before": before["by_item"].get(item), "after": after["by_item"].get(item)}
                for item in items}
    old = {(r["project"], r["item"]): r for r in before["outcomes"]}
    moved = []
    for row in after["outcomes"]:
        prior = old.get((row["project"], row["item"]))
        if prior is None or prior["outcome"] != row["outcome"]:
            moved.append({"project": row["project"], "item": row["item"], "expect": row["expect"],
                          "before": (prior or {}).get("outcome"), "after": row["outcome"],
                          "verdict_before": (prior or {}).get("verdict"), "verdict_after": row["verdict"]})
    return {"overall": {"before": before["overall"], "after": after["overall"]}, "by_item": per_item,
            "changed": moved}
