"""API items end to end on fixture repositories (real semgrep, real endpoint inventory)."""
import pytest

from auditor.pipeline import run_audit
from helpers import FIXTURES, item, line_of, places

DOCUMENTED = FIXTURES / "api" / "documented-api"
SLOPPY = FIXTURES / "api" / "sloppy-api"
APPS = FIXTURES / "apps"


@pytest.fixture(scope="module")
def documented():
    return run_audit(DOCUMENTED)


@pytest.fixture(scope="module")
def sloppy():
    return run_audit(SLOPPY)


def test_documented_api_passes_with_evidence(documented):
    rel = "catalog/app.py"
    expected = {
        "API-VERSIONING": (rel, '@app.route("/api/v1/products", methods=["GET"])'),
        "API-DOCS": ("openapi.yaml", "openapi: 3.0.3"),
        "API-PAGINATION": (rel, '@app.route("/api/v1/products", methods=["GET"])'),
        "API-FILTERING": (rel, '@app.route("/api/v1/products", methods=["GET"])'),
        "API-ERROR-FORMAT": (rel, "@app.errorhandler(HTTPException)"),
        "API-RATE-LIMIT": (rel, "default_limits="),
    }
    for item_id, (path, text) in expected.items():
        row = item(documented, item_id)
        assert row["verdict"] == "pass", (item_id, row["rationale"])
        assert (path, line_of(DOCUMENTED, path, text)) in places(row, "practice"), (item_id, row["evidence"])
    assert item(documented, "API-REST-SEMANTICS")["verdict"] == "pass"
    assert "category, sort" in item(documented, "API-FILTERING")["evidence"][0]["message"]


def test_sloppy_api_fails_with_the_offending_lines(sloppy):
    rel = "store/views.py"
    rest = item(sloppy, "API-REST-SEMANTICS")
    assert rest["verdict"] == "partial"
    bad = places(rest, "violation")
    for text in ('@app.route("/getCustomers"',
                 '@app.route("/customers", methods=["POST"])', 'return jsonify({"error": "email is required"})',
                 "conn.commit()"):   # the GET that writes: at the commit, with the flow from the route
        assert (rel, line_of(SLOPPY, rel, text)) in bad, text
    messages = " ".join(e["message"] for e in rest["evidence"])
    assert "verb in the path" in messages and "GET must be safe" in messages and "answers 200" in messages

    docs = item(sloppy, "API-DOCS")
    assert docs["verdict"] == "fail" and docs["evidence"][0]["file"] == "swagger.yaml"
    assert "do not parse" in docs["rationale"]

    pagination = item(sloppy, "API-PAGINATION")
    assert pagination["verdict"] == "fail"
    assert (rel, line_of(SLOPPY, rel, "def customers():") - 1) in places(pagination, "violation")

    assert item(sloppy, "API-VERSIONING")["verdict"] == "fail"
    assert item(sloppy, "API-FILTERING")["verdict"] == "fail"
    error_format = item(sloppy, "API-ERROR-FORMAT")
    assert error_format["verdict"] == "fail" and "looked for errorhandler" in error_format["rationale"]
    assert item(sloppy, "API-RATE-LIMIT")["verdict"] == "fail"


def test_shared_apps_api_verdicts(audited):
    fastapi = audited(APPS / "fastapi-compliant")
    assert item(fastapi, "API-VERSIONING")["verdict"] == "pass"
    assert item(fastapi, "API-DOCS")["verdict"] == "pass"
    assert ("inventory/main.py", line_of(APPS / "fastapi-compliant", "inventory/main.py", "app = FastAPI(")) in \
        places(item(fastapi, "API-DOCS"), "practice")
    assert item(fastapi, "API-PAGINATION")["verdict"] == "pass"
    assert item(fastapi, "API-ERROR-FORMAT")["verdict"] == "pass"
    assert item(fastapi, "API-RATE-LIMIT")["verdict"] == "partial"   # only the token endpoint is limited

    django = audited(APPS / "django-compliant")
    assert item(django, "API-RATE-LIMIT")["verdict"] == "pass"
    assert ("config/settings.py", line_of(APPS / "django-compliant", "config/settings.py", '"DEFAULT_THROTTLE_CLASSES"')) in \
        places(item(django, "API-RATE-LIMIT"), "practice")
    assert item(django, "API-PAGINATION")["verdict"] == "pass"

    express = audited(APPS / "express-noncompliant")
    rest = item(express, "API-REST-SEMANTICS")
    assert rest["verdict"] == "partial"
    assert ("routes/users.js", line_of(APPS / "express-noncompliant", "routes/users.js", "router.post('/users/:id'")) in \
        places(rest, "violation")
    assert item(express, "API-PAGINATION")["verdict"] == "fail"


def test_an_html_error_page_beside_json_errors_is_a_second_shape(audited):
    """The app-wide 404 handler answers an HTML page while the API routes answer {"error": ...}: an API client
    gets two shapes. The twin's handler chooses by the client's Accept header: its page is the browser's."""
    html = item(audited(FIXTURES / "api" / "flask-html-errors"), "API-ERROR-FORMAT")
    assert html["verdict"] == "partial" and html["details"]["error_shapes"] == ["HTML page", "error"]
    rel = "app.py"
    assert (rel, line_of(FIXTURES / "api" / "flask-html-errors", rel, 'return render_template("404.html"), 404')) in \
        places(html, "violation")
    negotiated = item(audited(FIXTURES / "api" / "flask-negotiated-errors"), "API-ERROR-FORMAT")
    assert negotiated["verdict"] == "pass" and negotiated["details"]["error_shapes"] == ["error"]
