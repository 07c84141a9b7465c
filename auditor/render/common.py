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


def problem_order(item: dict) -> tuple:
    """Sort key: fail before partial before unknown ..., then critical before high ..., then id."""
    return (VERDICT_RANK.get(item.get("verdict"), len(VERDICT_ORDER)), severity_rank(item.get("severity", "")),
            item.get("id", ""))


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
                     "matched": [m for m in matched if isinstance(m, dict)]})
    return rows
