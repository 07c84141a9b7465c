"""The checklist catalog is data and covers every item id of the design contract."""
import json
import re

import pytest

from auditor.catalog import AUTOMATION_LEVELS, load_catalog
from auditor.model import SEVERITIES
from helpers import ROOT, run_cli

DESIGN = ROOT.parent / "shared" / "DESIGN.md"
CONTRACT_IDS = {
    "SEC-INPUT-VALIDATION", "SEC-SQLI", "SEC-XSS", "SEC-CSRF", "SEC-AUTHN", "SEC-AUTHZ", "SEC-RATE-LIMIT",
    "SEC-SENSITIVE-LOGGING", "SEC-SECRETS", "SEC-HTTPS", "SEC-CRYPTO", "SEC-SESSION", "SEC-INJECTION", "SEC-DEBUG",
    "MIG-PRESENT", "MIG-REVERSIBLE", "MIG-ROLLBACK-CORRECT", "MIG-NAMING", "MIG-DOCUMENTED", "MIG-IMMUTABLE",
    "MIG-DANGEROUS-OPS", "MIG-TESTED", "DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "DB-TRANSACTIONS",
    "DB-QUERY-OPTIMIZATION", "DB-NORMALIZATION", "API-REST-SEMANTICS", "API-VERSIONING", "API-DOCS",
    "API-PAGINATION", "API-FILTERING", "API-ERROR-FORMAT", "API-RATE-LIMIT", "REL-TIMEOUTS", "REL-RETRY",
    "REL-CIRCUIT-BREAKER", "REL-IDEMPOTENCY", "REL-BULKHEAD", "REL-HEALTH", "REL-GRACEFUL-DEGRADATION",
    "REL-ERROR-HANDLING", "PERF-N-PLUS-1", "PERF-CACHING", "PERF-ASYNC", "PERF-POOLING", "PERF-COMPRESSION",
    "QA-TESTS", "QA-COVERAGE", "QA-CONFIG", "QA-DEPENDENCIES", "QA-AUDIT-LOG",
    # the standard's remaining lines (issue 18)
    "PERF-CDN", "QA-LAYERING", "QA-DOCS", "QA-LOAD-TESTS", "SEC-SSRF", "SEC-HEADERS", "SEC-DATA-AT-REST",
    "SEC-WEBHOOKS", "DB-CONCURRENCY", "MIG-SCHEMA-SYNC", "REL-OBSERVABILITY",
}


def test_every_contract_id_is_in_the_catalog():
    ids = {i.id for i in load_catalog().items}
    assert CONTRACT_IDS <= ids


def test_contract_ids_match_design_document_when_present():
    if not DESIGN.exists():
        pytest.skip(f"no design document at {DESIGN} (it sits beside a fresh clone, as in CI)")
    text = DESIGN.read_text()
    section = text.split("## Checklist item ids (contract)")[1].split("## Endpoint inventory")[0]
    mentioned = set(re.findall(r"`([A-Z]+-[A-Z0-9-]+)`", section))
    assert mentioned == CONTRACT_IDS


def test_items_carry_every_field():
    for item in load_catalog().items:
        assert item.title and item.seed and item.rationale and item.remediation
        assert item.severity in SEVERITIES
        assert item.automation in AUTOMATION_LEVELS
        assert item.weight >= 1
        assert item.id.split("-")[0] in {"SEC", "MIG", "DB", "API", "REL", "PERF", "QA"}


def test_seed_words_come_from_the_standard():
    seed = (ROOT.parent / "shared" / "seed" / "backend-engineer.md")
    if not seed.exists():
        pytest.skip(f"no standard at {seed} (it sits beside a fresh clone, as in CI)")
    text = " ".join(seed.read_text().replace("**", "").split())
    for item in load_catalog().items:
        assert item.seed in text, f"{item.id}: seed text not found in the standard: {item.seed!r}"


def test_checklist_command_lists_items_as_json():
    result = run_cli("checklist", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} >= CONTRACT_IDS
    assert all({"title", "severity", "automation", "remediation"} <= r.keys() for r in rows)


def test_checklist_table_and_explain():
    table = run_cli("checklist")
    assert table.returncode == 0 and "SEC-SQLI" in table.stdout
    explained = run_cli("explain", "sec-sqli")
    assert explained.returncode == 0
    assert "SEC-SQLI" in explained.stdout and "parameterized" in explained.stdout.lower()
    assert "How to fix" in explained.stdout


def test_explain_unknown_item_is_a_usage_error():
    result = run_cli("explain", "SEC-NOPE")
    assert result.returncode == 2
    assert "unknown checklist item" in result.stderr
    assert "Traceback" not in result.stderr


def _rules_by_item() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(item -> semgrep rule ids, item -> bandit test ids) as the rule files carry them."""
    import yaml

    from auditor.resources import rules_dir
    semgrep: dict[str, set[str]] = {}
    for path in sorted((rules_dir() / "semgrep").rglob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            semgrep.setdefault(rule["metadata"]["item"], set()).add(rule["id"])
    bandit: dict[str, set[str]] = {}
    for test_id, entry in yaml.safe_load((rules_dir() / "bandit.yml").read_text(encoding="utf-8"))["tests"].items():
        bandit.setdefault(entry["item"], set()).add(test_id)
    return semgrep, bandit


def test_feeds_name_exactly_the_semgrep_rules_and_bandit_tests_that_feed_each_item():
    """`feeds` is checked data: an item names every rule and bandit test mapped to it, and nothing else."""
    semgrep, bandit = _rules_by_item()
    catalog = load_catalog().by_id
    assert not set(semgrep) - set(catalog), f"rules for items not in the catalog: {set(semgrep) - set(catalog)}"
    assert not set(bandit) - set(catalog), f"bandit tests for items not in the catalog: {set(bandit) - set(catalog)}"
    for item in catalog.values():
        named, carried = set(item.semgrep_rules), semgrep.get(item.id, set())
        assert named == carried, (f"{item.id} feeds.semgrep: named but not in the rules {sorted(named - carried)}; "
                                  f"in the rules but not named {sorted(carried - named)}")
        named, carried = set(item.bandit_tests), bandit.get(item.id, set())
        assert named == carried, (f"{item.id} feeds.bandit: named but not run for it {sorted(named - carried)}; "
                                  f"run for it but not named {sorted(carried - named)}")
        assert item.semgrep_rules or item.bandit_tests or item.analyses, f"{item.id} names nothing that feeds it"
