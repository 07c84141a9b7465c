"""Scores, grades, the critical cap and the gate, on hand-built results (no engines)."""
from auditor.catalog import load_catalog
from auditor.model import ItemResult, partial_result
from auditor.scoring import GatePolicy, evaluate_gate, grade_for, item_score, score_results, weighted_score


def results_with(verdicts: dict[str, str], default: str = "pass") -> dict[str, ItemResult]:
    catalog = load_catalog()
    return {i.id: ItemResult(i.id, verdicts.get(i.id, default), "test") for i in catalog.items}


def test_item_scores_follow_the_verdict_table():
    assert item_score(ItemResult("X", "pass", "r")) == 10
    assert item_score(ItemResult("X", "fail", "r")) == 0
    assert item_score(ItemResult("X", "unknown", "r")) == 0
    assert item_score(ItemResult("X", "not_applicable", "r")) is None
    assert item_score(ItemResult("X", "manual", "r")) is None
    assert item_score(ItemResult("X", "partial", "r", partial_score=7)) == 7


def test_partial_is_proportional_and_bounded():
    assert partial_result("X", 7, 9, "r", []).partial_score == 8
    assert partial_result("X", 1, 100, "r", []).partial_score == 1
    assert partial_result("X", 99, 100, "r", []).partial_score == 9
    assert partial_result("X", 9, 9, "r", []).verdict == "pass"
    assert partial_result("X", 0, 9, "r", []).verdict == "fail"


def test_weighted_mean_and_grades():
    assert weighted_score([(10, 1), (0, 1)]) == 50.0
    assert weighted_score([(10, 3), (0, 1)]) == 75.0
    assert weighted_score([]) is None
    assert [grade_for(s) for s in (95, 85, 75, 65, 10)] == ["A", "B", "C", "D", "F"]


def test_all_pass_is_an_a_and_excluded_verdicts_do_not_count():
    card = score_results(load_catalog(), results_with({"DB-NORMALIZATION": "manual", "MIG-TESTED": "not_applicable"}))
    assert card.score == 100.0 and card.grade == "A" and not card.grade_capped_by


def test_failed_critical_item_caps_the_grade():
    card = score_results(load_catalog(), results_with({"SEC-SQLI": "fail"}))
    assert card.score > 90
    assert card.grade == "D"
    assert card.grade_capped_by == ["SEC-SQLI"]


def test_unknown_counts_as_zero():
    everything_unknown = score_results(load_catalog(), results_with({}, default="unknown"))
    assert everything_unknown.score == 0.0


def test_gate_fail_on_and_fail_under():
    catalog = load_catalog()
    results = results_with({"API-VERSIONING": "fail"})  # medium
    card = score_results(catalog, results)
    passed, _ = evaluate_gate(GatePolicy(fail_on="critical"), card, catalog.items, results, [])
    assert passed
    passed, reasons = evaluate_gate(GatePolicy(fail_on="medium"), card, catalog.items, results, [])
    assert not passed and "API-VERSIONING (medium) failed" in reasons
    passed, reasons = evaluate_gate(GatePolicy(fail_under=99.5, fail_on="none"), card, catalog.items, results, [])
    assert not passed and "below --fail-under" in reasons[0]


def test_gate_fails_on_engine_failure_unless_allowed():
    catalog = load_catalog()
    results = results_with({})
    card = score_results(catalog, results)
    assert not evaluate_gate(GatePolicy(), card, catalog.items, results, ["semgrep timeout"])[0]
    assert evaluate_gate(GatePolicy(allow_unknown=True), card, catalog.items, results, ["semgrep timeout"])[0]


def test_category_minimums():
    catalog = load_catalog()
    results = results_with({"REL-TIMEOUTS": "fail"})
    card = score_results(catalog, results)
    passed, reasons = evaluate_gate(GatePolicy(fail_on="none", category_minimums={"reliability": 95}),
                                    card, catalog.items, results, [])
    assert not passed and "reliability" in reasons[0]
