"""What changed since a previous report: per item (verdict and score) and overall. Shared by HTML and Markdown."""
from __future__ import annotations

from dataclasses import dataclass

from auditor.render.common import repository_name

# how a verdict ranks for "better or worse" when scores alone do not say (not_applicable/manual have none)
_PROBLEM = {"fail": 0, "unknown": 1, "partial": 2, "pass": 3}


@dataclass(frozen=True)
class ItemChange:
    kind: str              # new, improved, regressed, changed, same
    before: str | None     # previous verdict; None for an item the previous report did not have
    after: str
    delta: int | None      # score change 0-10 scale, when both sides are scored

    @property
    def label(self) -> str:
        if self.kind == "new":
            return "new item"
        if self.kind == "same":
            return "unchanged"
        if self.before == self.after and self.delta is not None:
            return f"{self.delta:+d} point{'' if abs(self.delta) == 1 else 's'}"
        return f"{_word(self.before)} → {_word(self.after)}"

    @property
    def arrow(self) -> str:
        return {"improved": "▲", "regressed": "▼", "new": "●", "changed": "◆"}.get(self.kind, "")


def _word(verdict: str | None) -> str:
    return (verdict or "none").replace("_", " ")


def item_changes(report: dict, previous: dict | None) -> dict[str, ItemChange]:
    """Item id -> its change since `previous`; empty when there is no previous report."""
    if not previous:
        return {}
    before = {row.get("id"): row for row in previous.get("items", []) if isinstance(row, dict)}
    changes = {}
    for row in report.get("items", []):
        old = before.get(row["id"])
        if old is None:
            changes[row["id"]] = ItemChange("new", None, row["verdict"], None)
            continue
        changes[row["id"]] = _change(old.get("verdict"), old.get("score"), row["verdict"], row.get("score"))
    return changes


def _change(old_verdict, old_score, verdict, score) -> ItemChange:
    delta = score - old_score if isinstance(score, int) and isinstance(old_score, int) else None
    if old_verdict == verdict and (delta in (None, 0)):
        return ItemChange("same", old_verdict, verdict, delta)
    if delta:
        return ItemChange("improved" if delta > 0 else "regressed", old_verdict, verdict, delta)
    old_rank, new_rank = _PROBLEM.get(old_verdict), _PROBLEM.get(verdict)
    if old_rank is not None and new_rank is not None and old_rank != new_rank:
        return ItemChange("improved" if new_rank > old_rank else "regressed", old_verdict, verdict, delta)
    return ItemChange("changed", old_verdict, verdict, delta)


def score_change(report: dict, previous: dict | None) -> dict | None:
    """{before, after, delta, grade_before, grade_after} or None when there is nothing to compare."""
    if not previous:
        return None
    old = (previous.get("summary") or {})
    new = report.get("summary") or {}
    before, after = old.get("score"), new.get("score")
    delta = round(after - before, 1) if isinstance(before, (int, float)) and isinstance(after, (int, float)) else None
    return {"before": before, "after": after, "delta": delta,
            "grade_before": old.get("grade"), "grade_after": new.get("grade"),
            "generated_before": previous.get("generated_at"),
            "commit_before": (previous.get("repository") or {}).get("commit")}


def change_counts(changes: dict[str, ItemChange]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for change in changes.values():
        counts[change.kind] = counts.get(change.kind, 0) + 1
    return counts


def different_repository(report: dict, previous: dict | None) -> str | None:
    """A warning when `previous` was made for another repository (by folder or URL name), else None.

    The name is compared, not the full path: the same repository is checked out in different folders on a
    laptop and in CI. A shallow clone may lack the previous commit, so commits are not compared."""
    if not previous:
        return None
    here, there = repository_name(report), repository_name(previous)
    if (previous.get("repository") or {}).get("path") and here != there:
        return (f"the --compare report is for another repository ({there}, this one is {here}): "
                "its changes below compare different code")
    return None
