"""PERF-* verdicts and evidence on compliant and non-compliant fixtures, run through the real pipeline."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import line_of, places

FIXTURES = Path(__file__).parent / "fixtures"
PERF_IDS = ("PERF-N-PLUS-1", "PERF-CACHING", "PERF-ASYNC", "PERF-POOLING", "PERF-COMPRESSION")


def audit(path: Path) -> dict:
    report = run_audit(path, AuditOptions(only=PERF_IDS))
    return {item["id"]: item for item in report["items"]}


@pytest.fixture(scope="module")
def compliant():
    return audit(FIXTURES / "performance" / "compliant")


@pytest.fixture(scope="module")
def noncompliant():
    return audit(FIXTURES / "performance" / "noncompliant")


ROOT_OK = FIXTURES / "performance" / "compliant"
ROOT_BAD = FIXTURES / "performance" / "noncompliant"


def test_n_plus_one_pass_with_eager_loading_evidence(compliant):
    item = compliant["PERF-N-PLUS-1"]
    assert item["verdict"] == "pass" and "eagerly" in item["rationale"] and "Heuristic" in item["rationale"]
    assert ("shop/views.py", line_of(ROOT_OK, "shop/views.py", "select_related")) in places(item, "practice")
    assert ("reports/sales.py", line_of(ROOT_OK, "reports/sales.py", "selectinload(Customer")) in places(item, "practice")


def test_n_plus_one_fail_names_each_lazy_access(noncompliant):
    item = noncompliant["PERF-N-PLUS-1"]
    assert item["verdict"] == "fail"
    bad = places(item, "violation")
    assert ("shop/views.py", line_of(ROOT_BAD, "shop/views.py", "book.author.name")) in bad
    assert ("shop/views.py", line_of(ROOT_BAD, "shop/views.py", "book.tags.all()")) in bad
    assert ("shop/views.py", line_of(ROOT_BAD, "shop/views.py", "Book.objects.filter(author=author)")) in bad
    assert ("reports/sales.py", line_of(ROOT_BAD, "reports/sales.py", "c.orders")) in bad
    assert item["details"]["n_plus_one_loops"] == 3


def test_caching(compliant, noncompliant):
    assert compliant["PERF-CACHING"]["verdict"] == "pass"
    assert places(compliant["PERF-CACHING"]) >= {
        ("shop/settings.py", line_of(ROOT_OK, "shop/settings.py", "RedisCache")),
        ("shop/views.py", line_of(ROOT_OK, "shop/views.py", "@cache_page"))}
    bad = noncompliant["PERF-CACHING"]
    assert bad["verdict"] == "fail" and "Looked for" in bad["rationale"]  # LocMemCache is not a shared cache
    assert bad["evidence"] == []


def test_background_work(compliant, noncompliant):
    ok = compliant["PERF-ASYNC"]
    assert ok["verdict"] == "pass"
    assert ("shop/views.py", line_of(ROOT_OK, "shop/views.py", ".delay(")) in places(ok, "practice")
    bad = noncompliant["PERF-ASYNC"]
    assert bad["verdict"] == "fail"
    assert places(bad, "violation") == {("shop/views.py", line_of(ROOT_BAD, "shop/views.py", "send_mail("))}


def test_pooling(compliant, noncompliant):
    ok = compliant["PERF-POOLING"]
    assert ok["verdict"] == "pass"
    assert places(ok, "practice") >= {("shop/settings.py", line_of(ROOT_OK, "shop/settings.py", "CONN_MAX_AGE")),
                                      ("reports/sales.py", line_of(ROOT_OK, "reports/sales.py", "pool_size"))}
    bad = noncompliant["PERF-POOLING"]
    assert bad["verdict"] == "fail"
    assert places(bad, "violation") == {
        ("shop/settings.py", line_of(ROOT_BAD, "shop/settings.py", "DATABASES = {")),
        ("shop/views.py", line_of(ROOT_BAD, "shop/views.py", "requests.Session()"))}


def test_compression(compliant, noncompliant):
    ok = compliant["PERF-COMPRESSION"]
    assert ok["verdict"] == "pass"
    assert places(ok, "practice") == {("shop/settings.py", line_of(ROOT_OK, "shop/settings.py", "GZipMiddleware")),
                                      ("deploy/nginx.conf", line_of(ROOT_OK, "deploy/nginx.conf", "gzip on"))}
    bad = noncompliant["PERF-COMPRESSION"]
    assert bad["verdict"] == "fail" and "GZipMiddleware" in bad["rationale"] and bad["evidence"] == []


# ---- the shared framework apps -----------------------------------------------------------------

APPS = FIXTURES / "apps"


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
    assert flask_bad["PERF-POOLING"]["verdict"] == "fail"
    assert ("shopapp/db.py", line_of(root, "shopapp/db.py", "sqlite3.connect")) in places(flask_bad["PERF-POOLING"], "violation")
    assert flask_bad["PERF-ASYNC"]["verdict"] == "fail"
    assert ("shopapp/views.py", line_of(root, "shopapp/views.py", "subprocess.run")) in places(flask_bad["PERF-ASYNC"], "violation")
    assert flask_bad["PERF-COMPRESSION"]["verdict"] == "fail"


def test_fastapi_compliant_app(fastapi_ok):
    root = APPS / "fastapi-compliant"
    pooling = fastapi_ok["PERF-POOLING"]
    assert pooling["verdict"] == "pass"
    assert places(pooling, "practice") >= {("inventory/db.py", line_of(root, "inventory/db.py", "pool_size")),
                                           ("inventory/api.py", line_of(root, "inventory/api.py", "httpx.Client("))}
    assert fastapi_ok["PERF-N-PLUS-1"]["verdict"] in ("pass", "not_applicable")
    assert not places(fastapi_ok["PERF-N-PLUS-1"], "violation")
