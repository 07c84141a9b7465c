"""REL-TIMEOUTS: a browser's own fetch() in theme or front-end assets is not a server's outbound call."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "reliability"


def timeouts(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("REL-TIMEOUTS",)))
    return next(item for item in report["items"] if item["id"] == "REL-TIMEOUTS")


def test_browser_fetch_in_assets_is_not_counted():
    item = timeouts("timeouts-browser-assets")
    assert item["verdict"] == "pass", item["rationale"]
    assert all("assets/" not in e["file"] for e in item["evidence"])


def test_server_fetch_without_signal_is_flagged():
    item = timeouts("timeouts-server-fetch")
    assert item["verdict"] == "fail", item["rationale"]
