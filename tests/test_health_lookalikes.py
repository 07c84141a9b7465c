"""REL-HEALTH: a ping tool or a resource's status route is not a health check; a top-level /status is."""
from pathlib import Path

from auditor.checks.reliability.health import is_health_path, takes_user_input
from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "reliability"


def health(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("REL-HEALTH",)))
    return next(item for item in report["items"] if item["id"] == "REL-HEALTH")


def test_status_and_ping_only_as_a_probe_path():
    assert is_health_path("/status") and is_health_path("/api/v1/status/") and is_health_path("/ping")
    assert not is_health_path("/rest/2fa/status") and not is_health_path("/checks/{code}/status/")
    assert not is_health_path("/ping/{code}")
    assert is_health_path("/internal/orders/health")     # the unambiguous words keep the old rule
    # a base path computed at run time (netbox's BASE_PATH) is a prefix, not a path parameter
    assert is_health_path("/{?}/api/status/") and not is_health_path("/{?}/checks/{code}/status/")


def test_a_handler_reading_input_or_rendering_a_page_is_no_probe():
    assert takes_user_input("(req, res) => {\n  exec('ping ' + req.body.host);\n}")
    assert takes_user_input("function (req, res) {\n  res.render('tools/ping', {});\n}")
    assert not takes_user_input("(req, res) => {\n  res.json({ status: 'ok' });\n}")


def test_ping_tool_and_2fa_status_are_not_health_routes():
    item = health("health-lookalikes")
    assert item["verdict"] == "fail", item["rationale"]


def test_top_level_status_route_is_a_health_route():
    item = health("health-probe")
    assert item["verdict"] == "pass" and item["details"]["routes"] == ["/status"], item["rationale"]
