"""Small helpers every report format shares: verdict words and order, locations, category titles."""
from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

from auditor.model import SEVERITIES, SEVERITY_RANK

VERDICT_LABELS = {"fail": "Fail", "partial": "Partial", "unknown": "Unknown", "pass": "Pass",
                  "manual": "Manual", "not_applicable": "N/A"}
# problems first: the order a reviewer reads the checklist in
VERDICT_ORDER = ("fail", "partial", "unknown", "pass", "manual", "not_applicable")
VERDICT_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: object) -> str:
    """Text with the characters XML 1.0 and HTML forbid (NUL, escape codes, lone surrogates) replaced."""
    return _CONTROL.sub("\ufffd", "" if value is None else str(value))


def verdict_label(verdict: str) -> str:
    return VERDICT_LABELS.get(verdict, str(verdict).replace("_", " ").title())


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, len(SEVERITIES))


HIGH_RANK = SEVERITY_RANK["high"]


def attention_tier(item: dict) -> int:
    """0 a failed critical or high item; 1 an unknown item (it could hide a failure, counts as 0 and is not
    analysed: a reader must see it before trusting the passes); 2 any other failed or partial item; 3 the rest."""
    verdict = item.get("verdict")
    if verdict == "fail" and severity_rank(item.get("severity", "")) <= HIGH_RANK:
        return 0
    if verdict == "unknown":
        return 1
    if verdict in ("fail", "partial"):
        return 2
    return 3


def problem_order(item: dict) -> tuple:
    """Sort key, the same in every format: worst first (see attention_tier), then fail before partial before
    pass ..., then critical before high ..., then id."""
    return (attention_tier(item), VERDICT_RANK.get(item.get("verdict"), len(VERDICT_ORDER)),
            severity_rank(item.get("severity", "")), item.get("id", ""))


def needs_attention(item: dict) -> bool:
    """Shown in every format's "needs attention" list: failed or partial critical/high items and every unknown."""
    return item.get("verdict") == "unknown" or (
        item.get("verdict") in ("fail", "partial") and severity_rank(item.get("severity", "")) <= HIGH_RANK)


def location(evidence: dict) -> str:
    file = evidence.get("file") or "(repository)"
    line = evidence.get("line")
    end = evidence.get("end_line")
    if line and end and end != line:
        return f"{file}:{line}-{end}"
    return f"{file}:{line}" if line else file


def category_titles(report: dict) -> dict[str, str]:
    titles = {c.get("id"): c.get("title") or c.get("id") for c in report.get("categories", [])}
    for item in report.get("items", []):
        titles.setdefault(item.get("category"), str(item.get("category", "")).title())
    return titles


def repository_name(report: dict) -> str:
    path = str((report.get("repository") or {}).get("path") or "repository")
    for flavour in (PurePosixPath, PureWindowsPath):
        name = flavour(path).name
        if name:
            return name
    return path


def short_commit(report: dict) -> str:
    commit = (report.get("repository") or {}).get("commit")
    return str(commit)[:12] if commit else ""


def format_score(score: object) -> str:
    if isinstance(score, (int, float)):
        return f"{score:g}"
    return "n/a"


def violations(item: dict) -> list[dict]:
    return [e for e in item.get("evidence", []) if e.get("kind", "violation") == "violation"]


def suppression_rows(report: dict) -> list[dict]:
    """The report's inline suppressions, normalised: {file, line, items, reason, valid, problem, matched}.

    `matched` lists the findings each one suppressed ({item, file, line, rule_id}). A row in the older shape
    {item, file, line, reason} counts as one suppression that matched one finding.
    """
    rows = []
    for row in report.get("suppressed") or []:
        if not isinstance(row, dict):
            continue
        items = row.get("items")
        if not isinstance(items, list):
            items = [row["item"]] if row.get("item") else []
        matched = row.get("suppressed")
        if not isinstance(matched, list):
            matched = [{"item": i, "file": row.get("file"), "line": row.get("line"), "rule_id": row.get("rule_id", "")}
                       for i in items]
        reason = row.get("reason") or ""
        problem = row.get("problem") or (None if reason else "no reason given")
        rows.append({"file": row.get("file") or "", "line": row.get("line"), "items": [str(i) for i in items],
                     "reason": reason, "valid": row.get("valid", problem is None), "problem": problem,
                     "matched": [m for m in matched if isinstance(m, dict)],
                     "marker": str(row.get("marker") or "auditor")})
    return rows


GATE_STATES = ("new", "baselined", "existing")


def gate_states(item: dict) -> dict[str, int]:
    """How many of an item's violations are new, baselined (--baseline) or existing (found at the --diff-base
    merge base too);
    a failure with no line (a practice that is absent) counts once, by its details' gate_state."""
    counts: dict[str, int] = {}
    for ev in violations(item):
        if ev.get("state") in GATE_STATES:
            counts[ev["state"]] = counts.get(ev["state"], 0) + 1
    state = (item.get("details") or {}).get("gate_state") if isinstance(item.get("details"), dict) else None
    if state in GATE_STATES and not counts:
        counts[state] = 1
    return counts


def gating_summary(report: dict) -> str | None:
    """One sentence on what a baseline or --diff-base left out of the gate, or None when neither was used."""
    totals: dict[str, int] = {}
    for row in report.get("items", []):
        if row.get("verdict") in ("fail", "partial"):
            for state, n in gate_states(row).items():
                totals[state] = totals.get(state, 0) + n
    if not totals:
        return None
    new = totals.get("new", 0)
    if totals.get("baselined"):
        old, how = totals["baselined"], "baselined (accepted in the baseline file)"
    else:
        old, how = totals.get("existing", 0), "already in the audit of the --diff-base merge base"
    return (f"{old} violation{'s' if old != 1 else ''} {'are' if old != 1 else 'is'} {how} and {new} "
            f"{'are' if new != 1 else 'is'} new: --fail-on counts only the new ones (--fail-under uses the whole score)")


_SCRIPT_OR_STYLE = re.compile(r"(<(script|style)\b.*?</\2>)", re.S | re.I)


def outside_scripts_and_styles(page: str, change) -> str:
    """`page` with `change` applied to everything but its inline script and style (their hashes are in the
    CSP, and a character reference means nothing there)."""
    parts = _SCRIPT_OR_STYLE.split(page)
    # split keeps the two groups: [text, block, tag name, text, block, tag name, ...]
    return "".join(part if n % 3 else change(part) for n, part in enumerate(parts) if n % 3 != 2)


def _policy_value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {v}" for k, v in value.items()) + "}"
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def integrity_sections(report: dict) -> list[tuple[str, list[str]]]:
    """What could have loosened the gate, as (heading, plain lines), the same in every format (each escapes
    the lines for its medium): the effective policy and where each value came from, repository settings the
    policy ignored, suppression attempts that suppress nothing, files skipped or audited as non-production,
    and items an analysis error left incomplete. Sections with nothing to say are left out."""
    sections: list[tuple[str, list[str]]] = []
    policy = report.get("policy") if isinstance(report.get("policy"), dict) else None
    if policy:
        lines = [f"policy file: {policy.get('file') or 'none (repository config and defaults)'}"]
        lines += [f"{row.get('key')} = {_policy_value(row.get('value'))} ({row.get('source')})"
                  for row in policy.get("settings") or [] if isinstance(row, dict)]
        lines += [f"ignored {row.get('key')} from {row.get('source')}: {row.get('reason')}"
                  for row in policy.get("ignored") or [] if isinstance(row, dict)]
        sections.append(("Effective policy", lines))
    attempts = [row for row in suppression_rows(report) if row["problem"]]
    if attempts:
        sections.append(("Suppressions that suppress nothing", [
            f"{location(row)}: {row['marker']}: {row['problem']}"
            for row in attempts]))
    inventory = report.get("inventory") if isinstance(report.get("inventory"), dict) else {}
    for key, heading in (("skipped_files", "Files not audited"),
                         ("non_production_files", "Files audited as non-production (security items still read them)")):
        rows = [r for r in inventory.get(key) or [] if isinstance(r, dict)]
        if rows:
            sections.append((heading, [f"{r.get('path')}: {r.get('reason')}" for r in rows]))
    incomplete = [r for r in (report.get("summary") or {}).get("incomplete") or [] if isinstance(r, dict)]
    if incomplete:
        sections.append(("Items not fully analysed", [
            f"{r.get('item')}: {r.get('reason')}" + (f" ({', '.join(map(str, r.get('files') or []))})" if r.get("files") else "")
            for r in incomplete]))
    return sections
