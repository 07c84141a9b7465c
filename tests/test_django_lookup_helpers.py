"""SEC-AUTHZ on plain Django views: a lookup helper the view hands the request to, which fetches the record
scoped to the current user (followed two levels), is an ownership check; an unscoped one is not."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "security"


def authz(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("SEC-AUTHZ",)))
    return next(item for item in report["items"] if item["id"] == "SEC-AUTHZ")


def test_lookup_helper_scoped_to_the_user_is_an_ownership_check():
    item = authz("django-lookup-helpers-scoped")
    assert item["verdict"] == "pass", item["rationale"]


def test_unscoped_lookup_helper_is_not():
    item = authz("django-lookup-helpers-unscoped")
    assert item["verdict"] == "fail", item["rationale"]
