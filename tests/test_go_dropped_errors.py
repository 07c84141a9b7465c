"""REL-ERROR-HANDLING for Go: an error assigned to `_`, only logged before its value is used, or assigned and
never read is swallowed; each has a twin that handles the error and must not be flagged."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.probes.go_errors import read_go_errors
from auditor.repo import Repository

ROOT = Path(__file__).parent / "fixtures" / "reliability"


def dropped(name: str) -> set[tuple[str, int, str]]:
    reading = read_go_errors(Repository.scan(ROOT / name))
    return {(d.file, d.line, d.shape) for d in reading.dropped}


def test_every_shape_of_a_dropped_error_is_found():
    assert dropped("go-errors-dropped") == {
        ("store/accounts.go", 22, "logged-and-used"),    # sql.Open's error printed, db used anyway
        ("store/accounts.go", 40, "discarded"),          # bcrypt hash, _ :=
        ("store/accounts.go", 46, "discarded"),          # a repository method's error to _
        ("store/accounts.go", 51, "discarded"),          # bare call of a method that returns an error
        ("store/accounts.go", 53, "never-read"),         # err = a.save(...) and never read
        ("config/config.go", 14, "logged-and-used"),
        ("config/config.go", 19, "discarded"),           # _ = json.Unmarshal(...)
    }


def test_handled_twins_are_not_flagged():
    # returned errors, a logged Close error nobody depends on, a logger built with `_`, an error variable set
    # in both branches of an if/else, and multierr.Append(err, ...) which reads err
    assert dropped("go-errors-handled") == set()


def test_go_dropped_errors_fail_the_item_with_evidence():
    report = run_audit(ROOT / "go-errors-dropped", AuditOptions(only=("REL-ERROR-HANDLING",)))
    item = next(i for i in report["items"] if i["id"] == "REL-ERROR-HANDLING")
    assert item["verdict"] in ("fail", "partial"), item["rationale"]
    rules = {e["rule_id"] for e in item["evidence"]}
    assert {"go-error-discarded", "go-error-logged-and-used", "go-error-never-read"} <= rules
    bcrypt = next(e for e in item["evidence"] if e["file"] == "store/accounts.go" and e["line"] == 40)
    assert "GenerateFromPassword" in bcrypt["snippet"]


def test_go_service_that_handles_its_errors_passes():
    report = run_audit(ROOT / "go-errors-handled", AuditOptions(only=("REL-ERROR-HANDLING",)))
    item = next(i for i in report["items"] if i["id"] == "REL-ERROR-HANDLING")
    assert item["verdict"] == "pass", item["rationale"]
