"""API and reliability items end to end on two small apps shaped like real ones: a Flask blog (HTML pages
next to a small JSON API, logging through app.logger.addHandler, Alembic's env.py, a start-up wait for the
database, boto3) and an Express site of server-rendered pages whose error middleware lives in another module."""
import pytest

from auditor.pipeline import run_audit
from helpers import FIXTURES, item, line_of

BLOG = FIXTURES / "api" / "flask-blog"
PAGES = FIXTURES / "api" / "express-pages"


@pytest.fixture(scope="module")
def blog():
    return run_audit(BLOG)


@pytest.fixture(scope="module")
def pages():
    return run_audit(PAGES)


def test_server_set_page_size_is_bounded_and_html_list_pages_are_judged_too(blog):
    row = item(blog, "API-PAGINATION")
    assert row["verdict"] == "pass", row["rationale"]
    assert "2 of the lists are server-rendered pages, judged the same way" in row["rationale"]
    tags = next(e for e in row["evidence"] if e["file"] == "app/api/tags.py")
    assert tags["kind"] == "practice" and "page size fixed by the server" in tags["message"]
    versioning = item(blog, "API-VERSIONING")
    assert versioning["verdict"] == "pass" and "3 server-rendered HTML route(s) (" in versioning["rationale"]
    assert len(versioning["details"]["html_routes"]) == 3


def test_app_logger_handler_is_the_logging_configuration_not_alembic_env(blog):
    row = item(blog, "REL-ERROR-HANDLING")
    assert row["verdict"] == "pass"
    files = {(e["file"], e["line"]) for e in row["evidence"]}
    assert ("app/__init__.py", line_of(BLOG, "app/__init__.py", "app.logger.addHandler(")) in files
    assert not any(f == "migrations/env.py" for f, _ in files)


def test_start_up_wait_for_the_database_and_boto3_retries(blog):
    row = item(blog, "REL-RETRY")
    assert row["verdict"] == "pass", row["rationale"]
    assert "start-up wait for a dependency" in row["rationale"] and "init() in app/backend_pre_start.py" in row["rationale"]
    assert "client(s) retry with exponential backoff by default or through their own retry configuration" in row["rationale"]
    assert not any(e["file"] == "app/backend_pre_start.py" for e in row["evidence"])
    assert any(e["rule_id"] == "aws-sdk-builtin-retry" and e["file"] == "app/storage.py" for e in row["evidence"])


def test_deep_health_path_found_and_not_said_to_check_dependencies(blog):
    row = item(blog, "REL-HEALTH")
    assert row["verdict"] == "pass" and "/api/v1/utils/health-check/" in row["rationale"]
    assert row["evidence"][0]["engine"] == "inventory"   # recognised as a health route by its path
    assert "no health handler touches the database" in row["rationale"]


def test_error_middleware_in_another_module_is_central_error_handling(pages):
    # an HTML-only site: the API error format does not apply (issue 21), but the central handler found in
    # another module is still shown
    row = item(pages, "API-ERROR-FORMAT")
    assert row["verdict"] == "not_applicable", row["rationale"]
    assert row["evidence"][0]["file"] == "routes/error.js"
    assert row["evidence"][0]["line"] == line_of(PAGES, "routes/error.js", "const errorHandler = (err, req, res, next)")


def test_html_only_site_is_not_judged_as_a_json_api(pages):
    for item_id in ("API-VERSIONING", "API-DOCS"):
        row = item(pages, item_id)
        assert row["verdict"] == "not_applicable", (item_id, row["rationale"])
        assert "server-rendered HTML pages" in row["rationale"]
