"""Inline suppressions: `auditor: ignore[ITEM-ID] reason` in a comment, on the offending line or the line above.

A suppression must say why, in a few words. One without a reason, naming an unknown item, or breaking the
rules of the policy CI pins (`--policy`: a reason that must match a pattern such as an issue reference,
items that may never be suppressed inline) suppresses nothing and is itself reported. Only real comments
count (the lexer in auditor/comments.py, not a regular expression over the text): a marker inside a string
literal is not a suppression. Other tools' markers (`# nosec`, `# nosemgrep`) never suppress anything here:
they are listed as suppression attempts without a reason. Every suppression, used or not, is listed in
every report.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from auditor.comments import Comment, comments
from auditor.model import VIOLATION, ItemResult, partial_result
from auditor.repo import Repository

MARKER = "auditor:"
FOREIGN_MARKERS = ("nosemgrep", "nosem", "nosec")   # semgrep's and bandit's own: never honoured
_FOREIGN = re.compile(r"(?<![\w-])(nosemgrep|nosem|nosec)(?![\w-])", re.I)
_CLOSERS = ("*/", "-->", "#}")
DEFAULT_MIN_REASON_WORDS = 3
MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class SuppressionRules:
    """What an inline suppression needs to count. The defaults hold without a policy; a policy file may
    tighten them (a reason pattern, items never suppressed inline) or turn inline suppressions off."""
    min_reason_words: int = DEFAULT_MIN_REASON_WORDS
    reason_pattern: str | None = None       # a regular expression the reason must contain, e.g. an issue ref
    never: frozenset[str] = frozenset()     # items no inline suppression may hide (e.g. SEC-SECRETS)
    allowed: bool = True                    # False: no inline suppression counts


@dataclass
class Suppression:
    file: str
    line: int
    items: tuple[str, ...]
    reason: str
    problem: str | None = None          # why it suppresses nothing (no reason, unknown item, policy)
    matched: list[dict] = field(default_factory=list)
    marker: str = "auditor"             # "auditor", or the foreign marker found (nosec, nosemgrep)

    @property
    def active(self) -> bool:
        return self.problem is None

    def covers(self, item_id: str, file: str, line: int | None) -> bool:
        return (self.active and file == self.file and line is not None
                and line in (self.line, self.line + 1) and item_id in self.items)

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "items": list(self.items), "reason": self.reason,
                "valid": self.problem is None, "problem": self.problem, "marker": self.marker,
                "suppressed": self.matched}


def parse_suppressions(text: str, file: str, known_items: set[str], language: str | None = "python",
                       rules: SuppressionRules | None = None) -> list[Suppression]:
    """The suppressions and foreign markers in the comments of one file."""
    lowered = text.lower()
    if MARKER not in lowered and "nose" not in lowered:
        return []
    rules = rules or SuppressionRules()
    found = []
    for comment in comments(text, language):
        found.extend(_in_comment(comment, file, known_items, rules))
    return found


def _in_comment(comment: Comment, file: str, known_items: set[str], rules: SuppressionRules) -> list[Suppression]:
    out = []
    body = comment.text
    at = body.lower().find(MARKER)
    if at >= 0:
        out.append(_auditor_marker(body[at + len(MARKER):], file, comment.line, known_items, rules))
        body = body[:at]
    foreign = _FOREIGN.search(body)
    if foreign is not None:
        name = foreign.group(1).lower()
        engine = "bandit" if name == "nosec" else "semgrep"
        out.append(Suppression(file, comment.line, (), _clip(comment.text.strip()),
                               f"`{name}` is {engine}'s marker and suppresses nothing here: an unreasoned "
                               "suppression attempt (write auditor: ignore[ITEM-ID] reason)", marker=name))
    return out


def _auditor_marker(rest: str, file: str, line: int, known_items: set[str], rules: SuppressionRules) -> Suppression:
    rest = rest.lstrip()
    if not rest.lower().startswith("ignore["):
        return Suppression(file, line, (), _clip(rest), "not a suppression: write auditor: ignore[ITEM-ID] reason")
    close = rest.find("]")
    if close < 0:
        return Suppression(file, line, (), _clip(rest), "no closing ]: write auditor: ignore[ITEM-ID] reason")
    items = tuple(i.strip().upper() for i in rest[len("ignore["):close].split(",") if i.strip())
    reason = rest[close + 1:].strip()
    for closer in _CLOSERS:
        reason = reason.removesuffix(closer).rstrip()
    reason = _clip(reason.lstrip(":-\u2013 ").strip())
    return Suppression(file, line, items, reason, _problem(items, reason, known_items, rules))


def _problem(items: tuple[str, ...], reason: str, known_items: set[str], rules: SuppressionRules) -> str | None:
    unknown = [i for i in items if i not in known_items]
    if not items:
        return "names no item: write auditor: ignore[ITEM-ID] reason"
    if unknown:
        return f"unknown item(s) {', '.join(unknown)}: suppresses nothing (see `auditor checklist`)"
    if not rules.allowed:
        return "the policy allows no inline suppression"
    barred = [i for i in items if i in rules.never]
    if barred:
        return f"the policy never allows {', '.join(barred)} to be suppressed inline"
    if not reason:
        return "has no reason: a suppression must say why (auditor: ignore[ITEM-ID] reason)"
    if len(reason.split()) < rules.min_reason_words:
        return (f"reason too short: a suppression must say why in at least {rules.min_reason_words} words "
                f"(auditor: ignore[ITEM-ID] reason)")
    if rules.reason_pattern and not re.search(rules.reason_pattern, reason):
        return f"the reason does not match the policy's required pattern {rules.reason_pattern!r}"
    return None


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS] + "…"


def find_suppressions(repo: Repository, known_items: set[str], rules: SuppressionRules | None = None) -> list[Suppression]:
    out: list[Suppression] = []
    for f in repo.security_files():   # generated files too: their security findings count, so do their markers
        if f.language is None and not f.path.endswith((".env", ".conf", ".cfg", ".ini")):
            continue
        text = repo.read_text(f.path)
        if text:
            out.extend(parse_suppressions(text, f.path, known_items, f.language, rules))
    return out


def foreign_markers(suppressions: list[Suppression]) -> list[Suppression]:
    return [s for s in suppressions if s.marker != "auditor"]


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
