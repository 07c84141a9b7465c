"""Item scores, category scores, the overall score and grade, and the CI gate (DESIGN.md: Verdicts)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from auditor.catalog import Catalog, CatalogItem
from auditor.model import CRITICAL_FAIL_GRADE_CAP, SEVERITY_RANK, ItemResult

SCORED_VERDICTS = ("pass", "partial", "fail", "unknown")
GRADE_FLOORS = (("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0))
FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "none")


def item_score(result: ItemResult) -> int | None:
    if result.verdict == "pass":
        return 10
    if result.verdict == "partial":
        return max(1, min(9, result.partial_score if result.partial_score is not None else 5))
    if result.verdict in ("fail", "unknown"):
        return 0
    return None  # not_applicable, manual: excluded


def weighted_score(pairs: list[tuple[int, int]]) -> float | None:
    """Weighted mean of (score 0-10, weight) pairs as 0-100; None when nothing is scored."""
    total_weight = sum(w for _, w in pairs)
    if total_weight == 0:
        return None
    return round(10 * sum(s * w for s, w in pairs) / total_weight, 1)


def grade_for(score: float | None) -> str:
    if score is None:
        return "N/A"
    return next(letter for letter, floor in GRADE_FLOORS if score >= floor)


@dataclass
class Scorecard:
    score: float | None
    grade: str
    grade_capped_by: list[str]
    categories: list[dict]


def score_results(catalog: Catalog, results: dict[str, ItemResult]) -> Scorecard:
    for result in results.values():
        result.score = item_score(result)
    categories = []
    all_pairs: list[tuple[int, int]] = []
    for cat in catalog.categories:
        pairs = [(results[i.id].score, i.weight) for i in cat.items if i.id in results and results[i.id].score is not None]
        all_pairs += pairs
        categories.append({"id": cat.id, "title": cat.title, "score": weighted_score(pairs),
                           "items": [i.id for i in cat.items if i.id in results]})
    overall = weighted_score(all_pairs)
    grade = grade_for(overall)
    critical_fails = [i.id for i in catalog.items
                      if i.id in results and i.severity == "critical" and results[i.id].verdict == "fail"]
    capped_by: list[str] = []
    if critical_fails and grade < CRITICAL_FAIL_GRADE_CAP:  # letters: later is worse
        grade, capped_by = CRITICAL_FAIL_GRADE_CAP, critical_fails
    return Scorecard(overall, grade, capped_by, categories)


@dataclass
class GatePolicy:
    fail_under: float | None = None
    fail_on: str = "critical"
    allow_unknown: bool = False
    category_minimums: dict[str, float] = field(default_factory=dict)


def evaluate_gate(policy: GatePolicy, card: Scorecard, items: list[CatalogItem],
                  results: dict[str, ItemResult], engine_failures: list[str],
                  counts: Callable[[ItemResult], bool] = lambda result: True,
                  analysis_errors: list[tuple[str, str]] | None = None) -> tuple[bool, list[str]]:
    """`counts` says whether a failed item holds the gate (with a baseline or a diff base: new violations only).
    `analysis_errors`: (item id, why) of the items left `unknown` by an analysis that crashed, timed out or did
    not read a file they need; each fails the gate unless unknown items are allowed."""
    reasons: list[str] = []
    if policy.fail_under is not None:
        if card.score is None:
            reasons.append(f"no item could be scored, so the score cannot reach --fail-under {policy.fail_under:g}")
        elif card.score < policy.fail_under:
            reasons.append(f"score {card.score:g} is below --fail-under {policy.fail_under:g}")
    if policy.fail_on != "none":
        limit = SEVERITY_RANK[policy.fail_on]
        failed = [i for i in items if i.id in results and results[i.id].verdict == "fail"
                  and SEVERITY_RANK[i.severity] <= limit and counts(results[i.id])]
        for item in failed:
            reasons.append(f"{item.id} ({item.severity}) failed")
    for cat in card.categories:
        minimum = policy.category_minimums.get(cat["id"])
        if minimum is not None and cat["score"] is not None and cat["score"] < minimum:
            reasons.append(f"category {cat['id']} scored {cat['score']:g}, below its minimum {minimum:g}")
    if engine_failures and not policy.allow_unknown:
        for failure in engine_failures:
            reasons.append(f"{failure}; its items are unknown (pass --allow-unknown to gate anyway)")
    if analysis_errors and not policy.allow_unknown:
        for item_id, why in analysis_errors:
            short = why if len(why) <= 300 else why[:300] + "…"
            reasons.append(f"{item_id} could not be analysed ({short}); unknown fails the gate (--allow-unknown to gate anyway)")
    return not reasons, reasons
