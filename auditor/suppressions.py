"""Inline suppressions: `auditor: ignore[ITEM-ID] reason` in a comment, on the offending line or the line above.

A suppression must say why. One without a reason, or naming an unknown item, suppresses nothing and is
itself reported. Every suppression, used or not, is listed in every report.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from auditor.model import VIOLATION, ItemResult, partial_result
from auditor.repo import Repository

# the comment openers we accept before the marker: Python/shell/YAML/TOML, JS/Go/C, SQL, HTML, Jinja
_MARKER = re.compile(r"(?:#|//|--|/\*|<!--|\{#)[^\n]*?\bauditor:\s*ignore\[([^\]\n]*)\]([^\n]*)")
_CLOSERS = re.compile(r"\s*(\*/|-->|#\})\s*$")


@dataclass
class Suppression:
    file: str
    line: int
    items: tuple[str, ...]
    reason: str
    problem: str | None = None          # why it suppresses nothing (no reason, unknown item)
    matched: list[dict] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.problem is None or self.problem.startswith("unknown item")

    def covers(self, item_id: str, file: str, line: int | None) -> bool:
        return (self.active and file == self.file and line is not None
                and line in (self.line, self.line + 1) and item_id in self.items)

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "items": list(self.items), "reason": self.reason,
                "valid": self.problem is None, "problem": self.problem,
                "suppressed": self.matched}


def parse_suppressions(text: str, file: str, known_items: set[str]) -> list[Suppression]:
    if "auditor:" not in text:
        return []
    found = []
    for match in _MARKER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        items = tuple(i.strip().upper() for i in match.group(1).split(",") if i.strip())
        reason = _CLOSERS.sub("", match.group(2)).strip().lstrip(":-– ").strip()
        problem = None
        unknown = [i for i in items if i not in known_items]
        if not items:
            problem = "names no item: write auditor: ignore[ITEM-ID] reason"
        elif not reason:
            problem = "has no reason: a suppression must say why (auditor: ignore[ITEM-ID] reason)"
        elif unknown:
            problem = f"unknown item(s) {', '.join(unknown)}: see `auditor checklist`"
            items = tuple(i for i in items if i in known_items)
        found.append(Suppression(file, line, items, reason, problem))
    return found


def find_suppressions(repo: Repository, known_items: set[str]) -> list[Suppression]:
    out: list[Suppression] = []
    for f in repo.files:
        if f.language is None and not f.path.endswith((".env", ".conf", ".cfg", ".ini")):
            continue
        text = repo.read_text(f.path)
        if text:
            out.extend(parse_suppressions(text, f.path, known_items))
    return out


def apply_suppressions(result: ItemResult, suppressions: list[Suppression]) -> ItemResult:
    """Drop suppressed violation evidence; when none is left, the violations no longer back the verdict."""
    if not suppressions or result.verdict not in ("fail", "partial", "pass"):
        return result
    kept, dropped = [], []
    for ev in result.evidence:
        match = next((s for s in suppressions if ev.kind == VIOLATION and s.covers(result.item_id, ev.file, ev.line)), None)
        if match is None:
            kept.append(ev)
        else:
            match.matched.append({"item": result.item_id, "file": ev.file, "line": ev.line, "rule_id": ev.rule_id})
            dropped.append(ev)
    if not dropped:
        return result
    remaining = [e for e in kept if e.kind == VIOLATION]
    note = f" {len(dropped)} violation(s) suppressed inline (listed under suppressed)."
    details = dict(result.details, suppressed=len(dropped))
    if "compliant" in details and "non_compliant" in details:
        good, bad = details["compliant"], max(0, details["non_compliant"] - len(dropped))
        details["non_compliant"] = bad
        if good + bad == 0:
            return ItemResult(result.item_id, "not_applicable", result.rationale + note, kept, details=details)
        recomputed = partial_result(result.item_id, good, good + bad, result.rationale + note, kept, details)
        return recomputed
    if not remaining and result.verdict == "fail" and all(e.line is not None for e in dropped):
        practices = [e for e in kept]
        return ItemResult(result.item_id, "pass", f"No unsuppressed violation.{note}", practices, details=details)
    return dataclasses.replace(result, evidence=kept, rationale=result.rationale + note, details=details)
