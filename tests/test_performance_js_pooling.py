"""PERF-POOLING on Express + MongoDB: a shared MongoClient exists, but two handlers open their own connection
per request (one directly, one through a helper of the repository): those are violations; the handler that
uses the shared client and the module-level client itself are not."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "performance" / "js-connect-per-request"


def _line(rel: str, text: str) -> int:
    return next(n for n, line in enumerate((ROOT / rel).read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def item():
    report = run_audit(ROOT, AuditOptions(only=("PERF-POOLING",)))
    return next(i for i in report["items"] if i["id"] == "PERF-POOLING")


def test_connections_opened_in_request_handlers_are_violations(item):
    assert item["verdict"] in ("fail", "partial"), item["rationale"]
    bad = {(e["file"], e["line"]) for e in item["evidence"] if e["rule_id"] == "connection-per-request-js"}
    assert bad == {("routes/reports.js", _line("routes/reports.js", "MongoClient.connect(")),
                   ("lib/db.js", _line("lib/db.js", "const client = new MongoClient"))}
    helper = next(e for e in item["evidence"] if e["file"] == "lib/db.js" and e["kind"] == "violation")
    assert "db.withFreshClient()" in helper["message"]


def test_the_shared_client_is_still_a_practice(item):
    good = {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == "practice"}
    assert ("lib/db.js", _line("lib/db.js", "const shared = new MongoClient")) in good
