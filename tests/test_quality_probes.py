"""Pure tests of the quality probes: dependency manifests, test kinds, coverage thresholds and reports."""
import ast

import pytest

from auditor.probes import coverage as cov
from auditor.probes import testkinds
from auditor.probes.dependencies import (lock_files_for, npm_style_constrained, parse_go_mod, parse_package_json,
                                         parse_pipfile, parse_pyproject, parse_requirements, python_spec_constrained)


@pytest.mark.parametrize("spec, constrained", [
    ("==1.2.3", True), ("~=1.2", True), (">=1,<2", True), ("==2.*", True), ("===1.0", True),
    (">=1.2", False), ("", False), ("!=1.3", False), (">1", False),
])
def test_python_specifiers(spec, constrained):
    assert python_spec_constrained(spec)[0] is constrained


@pytest.mark.parametrize("spec, constrained", [
    ("^1.2.0", True), ("~1.2", True), ("1.2.3", True), ("1.x", True), (">=1 <2", True), ("1.0.0 - 2.0.0", True),
    ("*", False), ("latest", False), ("x", False), (">=1.0", False), ("", False), ("github:user/repo", False),
    ("github:user/repo#v1.2.0", True), ("file:../lib", True),
])
def test_npm_ranges(spec, constrained):
    assert npm_style_constrained(spec)[0] is constrained


def test_requirements_with_includes_comments_extras_markers_and_urls():
    text = ("# comment\n"
            "-r base.txt\n"
            "--index-url https://pypi.example/simple\n"
            "flask==3.0.0  # pinned\n"
            "requests[socks]>=2.31\n"
            "gunicorn==21.2 ; sys_platform != 'win32'\n"
            "celery \\\n"
            "    ==5.3.6\n"
            "git+https://github.com/org/lib.git@3f2a9c1#egg=lib\n"
            "git+https://github.com/org/other.git\n"
            "-e .\n")
    includes = {"base.txt": "sqlalchemy~=2.0\npsycopg2-binary\n"}
    deps = parse_requirements(text, "requirements.txt", includes.get)
    by_name = {d.name: d for d in deps}
    assert set(by_name) == {"flask", "requests", "gunicorn", "celery", "lib", "other", "sqlalchemy", "psycopg2-binary"}
    assert {n for n, d in by_name.items() if not d.constrained} == {"requests", "other", "psycopg2-binary"}
    assert (by_name["flask"].line, by_name["requests"].line, by_name["celery"].line) == (4, 5, 7)
    assert by_name["psycopg2-binary"].file == "base.txt" and by_name["psycopg2-binary"].line == 2
    assert by_name["gunicorn"].spec == "==21.2"


def test_requirements_include_cycle_terminates():
    files = {"a.txt": "-r b.txt\nx==1\n", "b.txt": "-r a.txt\ny\n"}
    deps = parse_requirements(files["a.txt"], "a.txt", files.get)
    assert sorted(d.name for d in deps) == ["x", "y"]


def test_pyproject_project_and_poetry_tables():
    text = ('[project]\nname = "x"\ndependencies = [\n  "fastapi>=0.110,<0.111",\n  "httpx>=0.27",\n]\n'
            '[project.optional-dependencies]\ntest = ["pytest==8.1.1"]\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^3.0"\nredis = "*"\n'
            'lib = { git = "https://github.com/o/lib.git", rev = "abc1234" }\n')
    deps = {d.name: d for d in parse_pyproject(text, "pyproject.toml")}
    assert set(deps) == {"fastapi", "httpx", "pytest", "flask", "redis", "lib"}  # python itself is not a dependency
    assert {n for n, d in deps.items() if not d.constrained} == {"httpx", "redis"}
    assert (deps["fastapi"].line, deps["httpx"].line, deps["pytest"].line, deps["redis"].line) == (4, 5, 8, 12)


def test_pipfile_star_is_unconstrained():
    text = '[packages]\nflask = "*"\nrequests = "==2.31.0"\n\n[dev-packages]\npytest = {version = ">=8"}\n'
    deps = {d.name: d for d in parse_pipfile(text, "Pipfile")}
    assert {n: d.constrained for n, d in deps.items()} == {"flask": False, "requests": True, "pytest": False}
    assert deps["flask"].line == 2


def test_package_json_lines_and_ranges():
    text = '{\n  "dependencies": {\n    "express": "^4.19.2",\n    "lodash": "*"\n  },\n  "devDependencies": {\n    "jest": "latest"\n  }\n}\n'
    deps = {d.name: d for d in parse_package_json(text, "package.json")}
    assert {n: (d.line, d.constrained) for n, d in deps.items()} == {
        "express": (3, True), "lodash": (4, False), "jest": (7, False)}


def test_go_mod_is_always_versioned():
    text = "module x\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n\tgolang.org/x/net v0.20.0 // indirect\n)\nrequire github.com/lib/pq v1.10.9\n"
    deps = parse_go_mod(text, "go.mod")
    assert [(d.name, d.line, d.constrained) for d in deps] == [
        ("github.com/gin-gonic/gin", 6, True), ("golang.org/x/net", 7, True), ("github.com/lib/pq", 9, True)]


def test_lock_files_match_ecosystem_and_folder():
    locks = ["poetry.lock", "web/package-lock.json", "go.sum"]
    assert lock_files_for("pyproject.toml", locks) == ["poetry.lock"]
    assert lock_files_for("web/package.json", locks) == ["web/package-lock.json"]
    assert lock_files_for("package.json", locks) == []          # the web/ lock does not lock the root
    assert lock_files_for("services/api/requirements.txt", locks) == ["poetry.lock"]  # root lock covers subfolders


def test_python_test_kinds():
    code = ('from fastapi.testclient import TestClient\n'
            'from django.test import TestCase\n'
            'import unittest, pytest\n'
            'client = TestClient(app)\n'
            'def test_unit():\n    assert 1\n'
            'def test_via_module_client():\n    client.get("/")\n'
            'def test_fixture(db_session):\n    pass\n'
            '@pytest.mark.django_db\ndef test_marked():\n    pass\n'
            'class DjangoTests(TestCase):\n    def test_a(self):\n        pass\n'
            'class PlainTests(unittest.TestCase):\n    def test_b(self):\n        pass\n'
            'def helper():\n    pass\n')
    kinds = {t.name: t.kind for t in testkinds.python_tests("tests/test_x.py", ast.parse(code))}
    assert kinds == {"test_unit": "unit", "test_via_module_client": "integration", "test_fixture": "integration",
                     "test_marked": "integration", "test_a": "integration", "test_b": "unit"}


def test_conftest_fixture_that_builds_a_client_marks_its_users_integration():
    conftest = ast.parse("import pytest\n@pytest.fixture\ndef web(app):\n    return app.test_client()\n")
    fixtures = testkinds.integration_fixtures(conftest)
    assert fixtures == {"web"}
    tests = testkinds.python_tests("tests/test_api.py", ast.parse("def test_a(web):\n    web.get('/')\n"),
                                   frozenset(fixtures))
    assert tests[0].kind == "integration" and tests[0].why == "uses the web fixture"


def test_unittest_testcase_named_like_django_is_unit_unless_imported_from_django():
    code = "from unittest import TestCase\nclass T(TestCase):\n    def test_x(self):\n        pass\n"
    assert testkinds.python_tests("tests/test_t.py", ast.parse(code))[0].kind == "unit"


def test_javascript_and_go_test_kinds():
    js = "const request = require('supertest');\ndescribe('x', () => {\n  it('a', () => {});\n  test('b', () => {});\n});\n"
    assert [(t.line, t.kind) for t in testkinds.javascript_tests("app.test.js", js)] == [(3, "integration"), (4, "integration")]
    assert [t.kind for t in testkinds.javascript_tests("sum.test.js", "test('adds', () => {});\n")] == ["unit"]
    go = ("package x\n\nfunc TestSum(t *testing.T) {\n\tif Sum(1, 1) != 2 { t.Fail() }\n}\n\n"
          "func TestHandler(t *testing.T) {\n\trec := httptest.NewRecorder()\n\t_ = rec\n}\n")
    assert [(t.name, t.line, t.kind) for t in testkinds.go_tests("x_test.go", go)] == [
        ("TestSum", 3, "unit"), ("TestHandler", 7, "integration")]


def test_coverage_thresholds_in_config_files():
    assert [(f.line, f.percent) for f in cov.thresholds_in_text(".coveragerc", "[report]\nfail_under = 85\n")] == [(2, 85.0)]
    assert cov.thresholds_in_text("setup.cfg", "[flake8]\nfail_under = 10\n") == []  # not a coverage section
    assert [f.percent for f in cov.thresholds_in_text("setup.cfg", "[coverage:report]\nfail_under=72.5\n")] == [72.5]
    assert [(f.line, f.percent) for f in cov.thresholds_in_text(
        ".github/workflows/ci.yml", "steps:\n  - run: pytest --cov=app --cov-fail-under=90\n")] == [(2, 90.0)]
    jest = "module.exports = {\n  coverageThreshold: {\n    global: { branches: 70, lines: 85 },\n  },\n};\n"
    facts = cov.thresholds_in_text("jest.config.js", jest)
    assert [(f.line, f.percent, f.how) for f in facts] == [(3, 85.0, "jest coverageThreshold lines")]
    nyc = '{\n  "check-coverage": true,\n  "lines": 95\n}\n'
    assert [(f.line, f.percent) for f in cov.thresholds_in_text(".nycrc.json", nyc)] == [(3, 95.0)]


def test_coverage_reports_are_read():
    xml = '<?xml version="1.0" ?><coverage line-rate="0.8731" branch-rate="0"></coverage>'
    assert cov.report_percent("coverage.xml", xml).percent == 87.3
    lcov = "SF:a.js\nLF:10\nLH:6\nend_of_record\nSF:b.js\nLF:10\nLH:10\nend_of_record\n"
    assert cov.report_percent("coverage/lcov.info", lcov).percent == 80.0
    final = '{"a.js": {"s": {"0": 1, "1": 0, "2": 3, "3": 0}}}'
    assert cov.report_percent("coverage-final.json", final).percent == 50.0
    assert cov.report_percent("coverage.xml", "<not-xml") is None


def test_coverage_report_fail_under_in_ci_and_makefiles():
    workflow = ("jobs:\n  test:\n    steps:\n      - run: uv run coverage run -m pytest\n"
                "      - run: uv run coverage report --fail-under=90\n")
    facts = cov.thresholds_in_text(".github/workflows/backend.yml", workflow)
    assert [(f.line, f.percent, f.how) for f in facts] == [(5, 90.0, "coverage report --fail-under")]
    makefile = "test:\n\tcoverage run -m pytest\n\tcoverage report --show-missing --fail-under 85\n"
    assert [(f.line, f.percent) for f in cov.thresholds_in_text("Makefile", makefile)] == [(3, 85.0)]
    # pytest-cov's flag is read once, not also as coverage.py's
    assert [f.how for f in cov.thresholds_in_text("tox.ini", "commands = pytest --cov --cov-fail-under=80\n")] == [
        "pytest-cov --cov-fail-under"]
    # --fail-under of another tool is not a coverage threshold
    assert cov.thresholds_in_text("Makefile", "lint:\n\tinterrogate --fail-under 60 src\n") == []


def test_smokeshow_coverage_threshold():
    workflow = "      - run: smokeshow upload htmlcov\n        env:\n          SMOKESHOW_GITHUB_COVERAGE_THRESHOLD: 90\n"
    facts = cov.thresholds_in_text(".github/workflows/smokeshow.yml", workflow)
    assert [(f.line, f.percent, f.how) for f in facts] == [(3, 90.0, "smokeshow coverage threshold")]


def test_coverage_rationale_counts_every_file_read():
    from auditor.checks.quality.coverage import files_read_note
    paths = [f"pkg{i}/setup.cfg" for i in range(18)] + [".github/workflows/test-backend.yml", "Makefile"]
    note = files_read_note(paths)
    assert note.startswith("Read 20 files, including .github/workflows/test-backend.yml, Makefile, ")
    assert files_read_note(["tox.ini"]) == "Read 1 file(s): tox.ini"
