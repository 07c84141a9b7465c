from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, SCHEMA

# The repositories under fixtures/ are scanned by the auditor, never run: their own tests are not ours.
collect_ignore = ["fixtures"]


@pytest.fixture(scope="session")
def report_schema() -> dict:
    return json.loads(SCHEMA.read_text())


@pytest.fixture(scope="session", autouse=True)
def reuse_identical_engine_runs():
    """Many test modules audit the same fixture repository: run the real engines once per identical input.

    The key is everything an engine run depends on (the files with their sizes and modification times,
    the engine executables, time limit and excludes), so an edited tmp repository is scanned again.
    """
    import copy
    import os

    import auditor.pipeline as pipeline

    real = pipeline.run_engines
    memo: dict = {}

    def run_engines(repo, options, **kwargs):
        files = tuple((f.path, f.size, os.stat(repo.root / f.path).st_mtime_ns) for f in repo.files)
        key = (str(repo.root), files, os.environ.get("AUDITOR_SEMGREP"), os.environ.get("AUDITOR_BANDIT"),
               options.engine_timeout, tuple(options.excludes), options.use_cache)
        if key not in memo:
            memo[key] = real(repo, options, **kwargs)
        return copy.deepcopy(memo[key])

    run_engines.__wrapped__ = real  # for tests of the engine step itself (fault injection)
    pipeline.run_engines = run_engines
    yield
    pipeline.run_engines = real


@pytest.fixture(scope="session")
def audited():
    """audited(path) -> the default audit's report of a fixture repository, computed once per test session
    (many modules read the same demo apps). Each caller gets its own copy, so a test may change it."""
    import copy

    from auditor.pipeline import run_audit

    reports: dict = {}

    def audit(path):
        key = str(path)
        if key not in reports:
            reports[key] = run_audit(path)
        return copy.deepcopy(reports[key])
    return audit


@pytest.fixture(scope="session")
def flask_report(audited):
    """The demo Flask app with one planted problem per item (tests/fixtures/apps/flask-noncompliant)."""
    return audited(FIXTURES / "apps" / "flask-noncompliant")


@pytest.fixture(scope="session")
def fastapi_report(audited):
    """The demo FastAPI app that does each thing right (tests/fixtures/apps/fastapi-compliant)."""
    return audited(FIXTURES / "apps" / "fastapi-compliant")
