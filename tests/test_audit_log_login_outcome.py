"""QA-AUDIT-LOG: a login's audit record must say how the attempt ended. A handler that records the attempt
before its credential check and nothing after it (neither success nor failure) is unaudited; its twin records
the attempt and each outcome."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item

FIXTURE = Path(__file__).parent / "fixtures" / "express_login_audit"


def test_login_recorded_only_before_its_outcome():
    result = item(run_audit(FIXTURE, AuditOptions(only=("QA-AUDIT-LOG",))), "QA-AUDIT-LOG")
    assert result["verdict"] == "partial", result["rationale"]
    unaudited = result["details"]["unaudited"]
    assert len(unaudited) == 1 and "/v1/login" in unaudited[0], unaudited
    bad = [e for e in result["evidence"] if e.get("kind") == "violation"]
    assert bad and "only before the outcome" in bad[0]["message"]
    assert bad[0]["file"] == "routes/attempts.js"
