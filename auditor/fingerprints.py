"""Content-based fingerprints of violations: item, rule, path, the normalised matched code, and its
occurrence index among identical matches in that file. No line number, so unrelated edits that shift
lines do not change them (unlike Bandit's text-only baseline, bandit#1467, this keeps occurrences apart).
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable

from auditor.model import VIOLATION, Evidence

_SPACE = re.compile(r"\s+")


def normalised_code(snippet: str) -> str:
    return _SPACE.sub(" ", snippet).strip()


def fingerprint(item_id: str, rule_id: str, file: str, code: str, occurrence: int) -> str:
    key = "\x1f".join((item_id, rule_id, file, code, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def violation_fingerprints(item_id: str, evidence: Iterable[Evidence]) -> list[tuple[Evidence, str]]:
    """(evidence, fingerprint) for each violation, in line order; occurrences counted per identical match."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for ev in sorted((e for e in evidence if e.kind == VIOLATION), key=lambda e: (e.file, e.line or 0, e.rule_id)):
        code = normalised_code(ev.snippet) if ev.line is not None else normalised_code(ev.message)
        key = (ev.rule_id, ev.file, code)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append((ev, fingerprint(item_id, ev.rule_id, ev.file, code, occurrence)))
    return out


def item_failure_fingerprint(item_id: str) -> str:
    """For a failed item with no violation line (a practice that is absent)."""
    return fingerprint(item_id, "", "", "verdict:fail", 0)
