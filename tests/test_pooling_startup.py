"""PERF-POOLING: engines and pools created in a start-up hook and kept on the application are pools; a test's
conftest is not the application; an engine created per request is still flagged."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "performance"


def pooling(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("PERF-POOLING",)))
    return next(item for item in report["items"] if item["id"] == "PERF-POOLING")


def test_engine_and_pool_created_at_startup_pass():
    item = pooling("aiohttp-startup-pool")
    assert item["verdict"] == "pass", item["rationale"]
    rules = {(e["rule_id"].rsplit(".", 1)[-1], e["line"]) for e in item["evidence"]}
    assert ("engine-created-at-startup-python", 7) in rules and ("db-pool-configured-python", 14) in rules
    assert all(not e["file"].endswith("conftest.py") for e in item["evidence"])


def test_engine_created_per_request_fails():
    item = pooling("aiohttp-engine-per-request")
    assert item["verdict"] == "fail", item["rationale"]
