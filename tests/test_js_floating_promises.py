"""REL-ERROR-HANDLING for JavaScript: a promise a try block neither awaits, returns nor gives a .catch cannot be
seen by its catch (auditor/program/js/floating.py). Each flawed shape has a twin that must not be flagged."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.program.js import build_js_program
from auditor.program.js.floating import floating_calls
from auditor.repo import Repository

ROOT = Path(__file__).parent / "fixtures" / "reliability"


def floating(name: str) -> set[tuple[str, int, str]]:
    program = build_js_program(Repository.scan(ROOT / name))
    return {(f.file, f.line, f.why) for f in floating_calls(program)}


def test_every_floating_shape_is_found():
    assert floating("js-floating-promise") == {
        ("src/orders.js", 12, "database write"),                # OrderModel.updateOne(...) not awaited
        ("src/orders.js", 13, "async function queueReceipt"),   # our own async function, result dropped
        ("src/orders.js", 24, "database write"),                # .then() without a rejection handler
    }


def test_awaited_handled_and_callback_twins_are_not_flagged():
    # awaited, .catch(...), void, a callback argument (a function or one named done), a returned promise
    assert floating("js-awaited-promise") == set()


def test_floating_promises_make_the_item_partial_with_evidence():
    report = run_audit(ROOT / "js-floating-promise", AuditOptions(only=("REL-ERROR-HANDLING",)))
    item = next(i for i in report["items"] if i["id"] == "REL-ERROR-HANDLING")
    assert item["verdict"] in ("fail", "partial"), item["rationale"]
    lines = {e["line"] for e in item["evidence"] if e["rule_id"] == "js-floating-promise-in-try"}
    assert lines == {12, 13, 24}


def test_the_awaited_twin_passes():
    report = run_audit(ROOT / "js-awaited-promise", AuditOptions(only=("REL-ERROR-HANDLING",)))
    item = next(i for i in report["items"] if i["id"] == "REL-ERROR-HANDLING")
    assert item["verdict"] == "pass", item["rationale"]
