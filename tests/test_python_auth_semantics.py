"""Library semantics of Python authentication: optional authentication declares a public read
(flask-jwt-extended `@jwt_required(optional=True)`, a FastAPI dependency built on `auto_error=False`),
flask-jwt-extended reads the Authorization header unless JWT_TOKEN_LOCATION names cookies, webargs
`@use_kwargs` makes a sign-in take input, and a SameSite=Lax cookie is not sent on a cross-site POST.
Each fixture has a flawed twin that must still be flagged."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

FIXTURES = Path(__file__).parent / "fixtures" / "security"
ITEMS = ("SEC-AUTHN", "SEC-AUTHZ", "SEC-CSRF", "SEC-RATE-LIMIT", "API-PAGINATION")


class Item:
    """One item of the report, read by attribute."""

    def __init__(self, raw: dict):
        self.verdict = raw["verdict"]
        self.rationale = raw["rationale"]
        self.details = raw.get("details") or {}
        self.evidence = [Evidence(e) for e in raw.get("evidence") or []]


class Evidence:
    def __init__(self, raw: dict):
        self.message = raw.get("message")
        self.line = raw.get("line")


def audit(path: Path) -> dict[str, Item]:
    report = run_audit(path, AuditOptions(only=ITEMS))
    return {item["id"]: Item(item) for item in report["items"]}


@pytest.fixture(scope="module")
def jwt_header():
    return audit(FIXTURES / "flask-jwt-header-public-reads")


@pytest.fixture(scope="module")
def jwt_cookies():
    return audit(FIXTURES / "flask-jwt-cookies-private")


@pytest.fixture(scope="module")
def fastapi_optional():
    return audit(FIXTURES / "fastapi-optional-auth")


def messages(result) -> str:
    return result.rationale + " " + " ".join(e.message or "" for e in result.evidence)


def test_optional_jwt_reads_are_public_by_design(jwt_header):
    authn = jwt_header["SEC-AUTHN"]
    assert authn.verdict == "pass", messages(authn)
    # the optional reads and the unauthenticated comment read are named as public reads, not dropped silently
    assert "GET /api/posts/{slug}/comments" in authn.details["public_reads"]
    assert "GET /api/posts/{slug}" in authn.details["public_reads"]
    authz = jwt_header["SEC-AUTHZ"]
    assert authz.verdict == "pass", messages(authz)
    # a like is the caller's own reaction; a comment is created as the caller under a public post
    assert "`post.like(me)`" in messages(authz)
    assert "GET /api/posts/{slug}: authentication optional" in messages(authz)


def test_header_jwt_is_not_cookie_authenticated(jwt_header):
    assert jwt_header["SEC-CSRF"].verdict == "not_applicable", messages(jwt_header["SEC-CSRF"])


def test_use_kwargs_login_takes_input(jwt_header):
    limit = jwt_header["SEC-RATE-LIMIT"]
    assert limit.verdict == "fail", messages(limit)
    assert any("POST /api/login" in (e.message or "") for e in limit.evidence)


def test_cookie_jwt_without_csrf_check_is_flagged(jwt_cookies):
    csrf = jwt_cookies["SEC-CSRF"]
    assert csrf.verdict == "fail", messages(csrf)
    assert any(e.line and "DELETE /api/notes/{note_id}" in (e.message or "") for e in csrf.evidence)


def test_cookie_jwt_with_default_csrf_check_is_protected(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "flask-jwt-cookies-private", app)
    init = app / "notes" / "__init__.py"
    init.write_text(init.read_text().replace("    JWT_COOKIE_CSRF_PROTECT = False\n", ""))
    csrf = audit(app)["SEC-CSRF"]
    assert csrf.verdict == "pass", messages(csrf)
    assert "JWT_COOKIE_CSRF_PROTECT" in messages(csrf)


def test_private_read_without_optional_design_is_flagged(jwt_cookies):
    # no read declares optional authentication: an unauthenticated record read is still a gap
    authn = jwt_cookies["SEC-AUTHN"]
    assert authn.verdict in ("partial", "fail")
    assert any("GET /api/notes/{note_id}" in (e.message or "") for e in authn.evidence)


def test_joining_or_writing_under_a_private_record_is_flagged(jwt_cookies):
    # add_editor is no reaction, and the note's GET is not a public read: both are insecure object references
    authz = jwt_cookies["SEC-AUTHZ"]
    flagged = [e.message or "" for e in authz.evidence if "no permission check" in (e.message or "")]
    assert any("POST /api/notes/{note_id}/editors" in m for m in flagged), messages(authz)
    assert any("POST /api/notes/{note_id}/attachments" in m for m in flagged), messages(authz)


def test_fastapi_optional_dependencies_are_public_reads(fastapi_optional):
    authn = fastapi_optional["SEC-AUTHN"]
    public = authn.details.get("public_reads", [])
    # direct optional dependency, one reached through a path dependency, and a plain read of the same design
    assert {"GET /products", "GET /products/{product_id}", "GET /categories"} <= set(public), messages(authn)
    # an admin area is never a public read: still flagged
    assert authn.verdict == "partial"
    assert any("GET /admin/orders/{order_id}" in (e.message or "") for e in authn.evidence)
    authz = fastapi_optional["SEC-AUTHZ"]
    assert "GET /products/{product_id}" not in messages(authz)
    assert "GET /admin/orders/{order_id}" in messages(authz)


def test_samesite_lax_refresh_cookie_is_not_sent_cross_site():
    lax = audit(FIXTURES / "fastapi-refresh-cookie-lax")["SEC-CSRF"]
    assert lax.verdict == "pass", messages(lax)
    assert "SameSite=Lax" in messages(lax)
    unsafe = audit(FIXTURES / "fastapi-refresh-cookie-unsafe")["SEC-CSRF"]
    assert unsafe.verdict == "fail", messages(unsafe)
    assert any("POST /refresh" in (e.message or "") for e in unsafe.evidence)


def test_ownership_checked_on_the_parent_only_is_flagged():
    authz = audit(FIXTURES / "fastapi-parent-ownership")["SEC-AUTHZ"]
    flagged = [e.message or "" for e in authz.evidence if "addresses the record by post_id alone" in (e.message or "")]
    # the PATCH updates the post by id after checking only the username; the DELETE filters the write by the
    # checked owner and the PUT checks the post's own author: both safe
    assert len(flagged) == 1 and "PATCH /{username}/post/{post_id}" in flagged[0], messages(authz)
    assert "posts.update(object=values, id=post_id)" in flagged[0]
    assert authz.details["non_compliant"] == 1, messages(authz)


def test_marshal_with_many_marks_a_list_response(jwt_header):
    # `@marshal_with(PostSchema(many=True))` over a chained `.limit(20).all()` is a bounded list;
    # `@marshal_with(likers_schema)`, a schema bound with many=True, returns every row
    text = messages(jwt_header["API-PAGINATION"])
    assert "GET /api/posts/{slug}/likes returns every row" in text, text
    assert "GET /api/posts paginated" in text, text


def test_cookie_jwt_with_samesite_strict_is_protected(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "flask-jwt-cookies-private", app)
    init = app / "notes" / "__init__.py"
    init.write_text(init.read_text().replace("    JWT_COOKIE_SECURE = True\n",
                                             "    JWT_COOKIE_SECURE = True\n    JWT_COOKIE_SAMESITE = \"Strict\"\n"))
    csrf = audit(app)["SEC-CSRF"]
    assert csrf.verdict == "pass", messages(csrf)
    assert "JWT_COOKIE_SAMESITE=Strict" in messages(csrf)


FLASK_REFRESH = '''
from flask import Flask, jsonify, request

from tokens import check_password, issue, verify

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    if not check_password(request.form["username"], request.form["password"]):
        return jsonify(error="bad credentials"), 401
    response = jsonify(access_token=issue(request.form["username"], minutes=15))
    response.set_cookie("refresh", issue(request.form["username"], days=7), httponly=True, secure=True{same_site})
    return response


@app.route("/refresh", methods=["POST"])
def refresh():
    claims = verify(request.cookies.get("refresh"))
    if claims is None:
        return jsonify(error="no session"), 401
    return jsonify(access_token=issue(claims["sub"], minutes=15))
'''


@pytest.mark.parametrize("same_site, refresh", [
    (', samesite="Strict"', "POST /refresh: cookie 'refresh' set with SameSite=Strict"),
    ("", "POST /refresh (refresh): no CSRF protection")])
def test_flask_route_reading_only_a_samesite_cookie(tmp_path, same_site, refresh):
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / "app.py").write_text(FLASK_REFRESH.replace("{same_site}", same_site))
    (tmp_path / "tokens.py").write_text("def check_password(u, p):\n    return False\n\n\n"
                                        "def issue(sub, days=0, minutes=0):\n    return ''\n\n\n"
                                        "def verify(token):\n    return None\n")
    csrf = audit(tmp_path)["SEC-CSRF"]
    # the sign-in form itself stays exposed (login CSRF) either way; the refresh route is safe only with SameSite
    assert any((e.message or "").startswith(refresh) for e in csrf.evidence), messages(csrf)
