"""QA-* verdicts and evidence on compliant and non-compliant fixtures, run through the real pipeline."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import line_of, places

FIXTURES = Path(__file__).parent / "fixtures"
QA_IDS = ("QA-TESTS", "QA-COVERAGE", "QA-CONFIG", "QA-DEPENDENCIES", "QA-AUDIT-LOG")
ROOT_OK = FIXTURES / "quality" / "compliant"
ROOT_BAD = FIXTURES / "quality" / "noncompliant"
APPS = FIXTURES / "apps"


def audit(path: Path) -> dict:
    report = run_audit(path, AuditOptions(only=QA_IDS))
    return {item["id"]: item for item in report["items"]}


@pytest.fixture(scope="module")
def compliant():
    return audit(ROOT_OK)


@pytest.fixture(scope="module")
def noncompliant():
    return audit(ROOT_BAD)


def test_tests_by_kind_pass(compliant):
    item = compliant["QA-TESTS"]
    assert item["verdict"] == "pass"
    assert item["details"]["unit"] == 3 and item["details"]["integration"] == 3  # 2 pytest + 1 jest/supertest
    assert places(item) == {
        ("tests/unit/test_text.py", line_of(ROOT_OK, "tests/unit/test_text.py", "def test_slugify_lowercases")),
        ("tests/integration/test_notes_api.py", line_of(ROOT_OK, "tests/integration/test_notes_api.py",
                                                        "def test_login_answers_ok"))}
    assert "3 unit and 3 integration" in item["rationale"]


def test_tests_by_kind_partial_when_only_unit(noncompliant):
    item = noncompliant["QA-TESTS"]
    assert item["verdict"] == "partial" and "missing integration tests" in item["rationale"]
    assert places(item) == {("tests/test_text.py", line_of(ROOT_BAD, "tests/test_text.py", "def test_lowercases"))}


def test_coverage(compliant, noncompliant):
    ok = compliant["QA-COVERAGE"]
    assert ok["verdict"] == "pass" and "90%" in ok["rationale"] and "Heuristic" in ok["rationale"]
    assert ("pyproject.toml", line_of(ROOT_OK, "pyproject.toml", "fail_under = 85")) in places(ok)
    assert ("web/package.json", line_of(ROOT_OK, "web/package.json", '"lines": 90')) in places(ok)
    bad = noncompliant["QA-COVERAGE"]
    assert bad["verdict"] == "partial" and "60%" in bad["rationale"]
    assert places(bad, "violation") == {("setup.cfg", line_of(ROOT_BAD, "setup.cfg", "fail_under"))}


def test_config(compliant, noncompliant):
    ok = compliant["QA-CONFIG"]
    assert ok["verdict"] == "pass"
    assert ("notes/config.py", line_of(ROOT_OK, "notes/config.py", "NOTES_DATABASE_URL")) in places(ok, "practice")
    assert not places(ok, "violation")  # the localhost default inside os.getenv is a settings default
    bad = noncompliant["QA-CONFIG"]
    assert bad["verdict"] == "fail"
    assert places(bad, "violation") == {
        ("notes/app.py", line_of(ROOT_BAD, "notes/app.py", 'DATABASE_URL = "postgresql')),
        ("notes/app.py", line_of(ROOT_BAD, "notes/app.py", "search.internal"))}


def test_dependencies(compliant, noncompliant):
    ok = compliant["QA-DEPENDENCIES"]
    assert ok["verdict"] == "pass"
    assert {"poetry.lock", "web/package-lock.json"} <= {e["file"] for e in ok["evidence"] if e["rule_id"] == "lock-file"}
    bad = noncompliant["QA-DEPENDENCIES"]
    assert bad["verdict"] == "partial" and bad["details"]["dependencies"] == 6
    assert places(bad, "violation") == {
        ("requirements.txt", line_of(ROOT_BAD, "requirements.txt", "flask>=2.0")),
        ("requirements.txt", line_of(ROOT_BAD, "requirements.txt", "requests[socks]")),
        ("requirements.txt", line_of(ROOT_BAD, "requirements.txt", "git+https")),
        ("requirements/base.txt", line_of(ROOT_BAD, "requirements/base.txt", "psycopg2-binary"))}


def test_audit_log(compliant, noncompliant):
    ok = compliant["QA-AUDIT-LOG"]
    assert ok["verdict"] == "pass"
    # judged per security-relevant action: the login and the deletion handlers record who acted
    delete = line_of(ROOT_OK, "notes/app.py", '@app.route("/notes/<int:note_id>", methods=["DELETE"])')
    login = line_of(ROOT_OK, "notes/app.py", '@app.route("/login", methods=["POST"])')
    assert places(ok, "practice") >= {("notes/app.py", delete), ("notes/app.py", login)}
    assert "2 of 2 security-relevant action(s)" in ok["rationale"]
    bad = noncompliant["QA-AUDIT-LOG"]
    assert bad["verdict"] == "fail" and bad["evidence"]


# ---- the shared framework apps -----------------------------------------------------------------

@pytest.fixture(scope="module")
def flask_bad():
    if not (APPS / "flask-noncompliant").is_dir():
        pytest.skip("shared flask fixture absent")
    return audit(APPS / "flask-noncompliant")


@pytest.fixture(scope="module")
def fastapi_ok():
    if not (APPS / "fastapi-compliant").is_dir():
        pytest.skip("shared fastapi fixture absent")
    return audit(APPS / "fastapi-compliant")


def test_flask_noncompliant_app(flask_bad):
    root = APPS / "flask-noncompliant"
    assert flask_bad["QA-TESTS"]["verdict"] == "fail" and "no test files" in flask_bad["QA-TESTS"]["rationale"]
    deps = flask_bad["QA-DEPENDENCIES"]
    assert deps["verdict"] == "fail"
    assert places(deps, "violation") == {("requirements.txt", line_of(root, "requirements.txt", "flask")),
                                         ("requirements.txt", line_of(root, "requirements.txt", "requests"))}
    config = flask_bad["QA-CONFIG"]
    assert config["verdict"] == "fail"
    assert ("shopapp/views.py", line_of(root, "shopapp/views.py", "SHIPPING_SERVICE =")) in places(config, "violation")


def test_fastapi_compliant_app(fastapi_ok):
    root = APPS / "fastapi-compliant"
    tests = fastapi_ok["QA-TESTS"]
    assert tests["verdict"] == "pass" and tests["details"]["unit"] >= 1 and tests["details"]["integration"] >= 1
    assert ("tests/test_api_integration.py", line_of(root, "tests/test_api_integration.py", "def test_health")) in places(tests)
    assert fastapi_ok["QA-DEPENDENCIES"]["verdict"] == "pass"
    assert fastapi_ok["QA-CONFIG"]["verdict"] == "pass"
    assert ("inventory/settings.py", line_of(root, "inventory/settings.py", "class Settings")) in places(fastapi_ok["QA-CONFIG"])


def test_fixed_listen_port_is_hard_coded_configuration_only_when_nothing_comes_from_the_environment():
    fixed_root = FIXTURES / "quality" / "listen-port" / "fixed"
    fixed = audit(fixed_root)["QA-CONFIG"]
    assert fixed["verdict"] == "fail"
    assert places(fixed, "violation") == {("src/server.js", line_of(fixed_root, "src/server.js", "app.listen(3000)"))}
    elsewhere = audit(FIXTURES / "quality" / "listen-port" / "env-elsewhere")["QA-CONFIG"]
    assert elsewhere["verdict"] == "pass" and not places(elsewhere, "violation")
