"""Code-level security items (SEC-SQLI, XSS, SENSITIVE-LOGGING, HTTPS, CRYPTO, SESSION, INJECTION, DEBUG)
audited end to end on the fixture repositories under tests/fixtures/security, with the real engines.

Expected evidence lines are found by searching the fixture text for the offending code, so editing a
fixture does not silently shift the assertions.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

FIXTURES = Path(__file__).parent / "fixtures" / "security"
ITEMS = ("SEC-SQLI", "SEC-XSS", "SEC-SENSITIVE-LOGGING", "SEC-HTTPS", "SEC-CRYPTO", "SEC-SESSION",
         "SEC-INJECTION", "SEC-DEBUG")


def audit(name: str) -> dict:
    report = run_audit(FIXTURES / name, AuditOptions(only=ITEMS))
    assert {e["name"]: e["status"] for e in report["engines"]} == {"semgrep": "ok", "bandit": "ok"}
    return report


def items(report: dict) -> dict[str, dict]:
    return {item["id"]: item for item in report["items"]}


def line_of(fixture: str, rel: str, needle: str) -> int:
    """1-based line of the only line in the fixture file that contains `needle`."""
    lines = (FIXTURES / fixture / rel).read_text(encoding="utf-8").splitlines()
    hits = [n for n, text in enumerate(lines, 1) if needle in text]
    assert len(hits) == 1, f"{needle!r} occurs {len(hits)} times in {fixture}/{rel}"
    return hits[0]


def violations(item: dict) -> set[tuple[str, int]]:
    return {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == "violation"}


def assert_flags(report: dict, fixture: str, item_id: str, expected: list[tuple[str, str]], exact: bool = True):
    item = items(report)[item_id]
    assert item["verdict"] == "fail", (item_id, item["rationale"])
    want = {(rel, line_of(fixture, rel, needle)) for rel, needle in expected}
    got = violations(item)
    if exact:
        assert got == want, (item_id, got)
    else:
        assert want <= got, (item_id, got)
    for evidence in item["evidence"]:
        assert evidence["snippet"] and evidence["rule_id"] and evidence["message"]


@pytest.fixture(scope="module")
def flask_vulnerable():
    return audit("flask-vulnerable")


@pytest.fixture(scope="module")
def flask_secure():
    return audit("flask-secure")


@pytest.fixture(scope="module")
def django_vulnerable():
    return audit("django-vulnerable")


@pytest.fixture(scope="module")
def django_secure():
    return audit("django-secure")


@pytest.fixture(scope="module")
def express_vulnerable():
    return audit("express-vulnerable")


@pytest.fixture(scope="module")
def express_secure():
    return audit("express-secure")


@pytest.fixture(scope="module")
def go_vulnerable():
    return audit("go-vulnerable")


@pytest.fixture(scope="module")
def go_secure():
    return audit("go-secure")


@pytest.fixture(scope="module")
def fastapi_plain():
    return audit("fastapi-plain")


@pytest.fixture(scope="module")
def flask_tooling():
    return audit("flask-tooling")


@pytest.fixture(scope="module")
def express_tooling():
    return audit("express-tooling")


# ------------------------------------------------------------------ Flask


FLASK_VIOLATIONS = {
    "SEC-SQLI": [("notes/views.py", "SELECT id, password_hash FROM users WHERE username = '{username}'")],
    "SEC-XSS": [("notes/templates/note.html", "note.body|safe"),
                ("notes/views.py", 'body=Markup(note["body"])'),
                ("notes/views.py", 'return f"<h1>Results for {term}</h1>')],
    "SEC-SENSITIVE-LOGGING": [("notes/views.py", "password=%s")],
    "SEC-CRYPTO": [("notes/views.py", "hashlib.md5(password.encode())"),
                   ("notes/views.py", "random.choice(string.ascii_letters)"),
                   ("notes/views.py", "verify=False")],
    "SEC-SESSION": [("notes/views.py", 'resp.set_cookie("session_token", session_token)'),
                    ("notes/views.py", '"verify_signature": False')],
    "SEC-INJECTION": [("notes/views.py", "shell=True"),
                      ("notes/views.py", "pickle.loads("),
                      ("notes/views.py", 'request.args["name"]')],
    "SEC-DEBUG": [("run.py", "debug=True"), ("notes/config.py", "DEBUG = True")],
    # verify=False and the plain-http URL are on the same line: one piece of evidence
    "SEC-HTTPS": [("notes/views.py", "verify=False")],
}


@pytest.mark.parametrize("item_id", sorted(FLASK_VIOLATIONS))
def test_flask_vulnerable_fails_with_evidence(flask_vulnerable, item_id):
    assert_flags(flask_vulnerable, "flask-vulnerable", item_id, FLASK_VIOLATIONS[item_id])


def test_flask_vulnerable_test_code_is_not_counted(flask_vulnerable):
    https = items(flask_vulnerable)["SEC-HTTPS"]
    assert not any(e["file"].startswith("tests/") for e in https["evidence"])
    assert "test, example or development-settings code" in https["rationale"]


def test_flask_secure_passes_everything(flask_secure):
    results = items(flask_secure)
    assert {i: r["verdict"] for i, r in results.items()} == {i: "pass" for i in ITEMS}
    # the pass for HTTPS rests on positive evidence: the Talisman call
    https = results["SEC-HTTPS"]
    assert (("notes/__init__.py", line_of("flask-secure", "notes/__init__.py", "Talisman(app"))
            in {(e["file"], e["line"]) for e in https["evidence"] if e["kind"] == "practice"})
    # shell=True with a constant command in app code and an f-string command in tests are not counted
    assert "1 finding(s)" in results["SEC-INJECTION"]["rationale"] or \
        "finding(s) in test" in results["SEC-INJECTION"]["rationale"]


# ------------------------------------------------------------------ Django


def test_django_vulnerable(django_vulnerable):
    fx = "django-vulnerable"
    assert_flags(django_vulnerable, fx, "SEC-SQLI", [("library/views.py", "Book.objects.raw(")])
    assert_flags(django_vulnerable, fx, "SEC-XSS", [
        ("library/templates/library/search.html", "{% autoescape off %}"),
        ("library/views.py", "mark_safe(book.review)"),
        ("library/views.py", 'return HttpResponse("<p>You searched for %s</p>"')])
    assert_flags(django_vulnerable, fx, "SEC-DEBUG", [("config/settings.py", "DEBUG = True")])
    assert_flags(django_vulnerable, fx, "SEC-HTTPS", [("config/settings.py", "SECURE_SSL_REDIRECT = False")])
    # SESSION_COOKIE_HTTPONLY = False, and SESSION_COOKIE_SECURE left at Django's default (shown where sessions are enabled)
    assert_flags(django_vulnerable, fx, "SEC-SESSION", [("config/settings.py", "SESSION_COOKIE_HTTPONLY = False"),
                                                         ("config/settings.py", "INSTALLED_APPS")])
    assert items(django_vulnerable)["SEC-INJECTION"]["verdict"] == "pass"


def test_django_secure_dev_settings_do_not_count(django_secure):
    results = items(django_secure)
    assert {i: r["verdict"] for i, r in results.items()} == {i: "pass" for i in ITEMS}
    # DEBUG = True and the HTTPS switches in settings/dev.py are development settings
    assert "development-settings" in results["SEC-DEBUG"]["rationale"]
    practices = {(e["file"], e["line"]) for e in results["SEC-HTTPS"]["evidence"]}
    prod = "config/settings/production.py"
    assert (prod, line_of("django-secure", prod, "SECURE_SSL_REDIRECT = True")) in practices
    assert (prod, line_of("django-secure", prod, "SECURE_HSTS_SECONDS")) in practices


# ------------------------------------------------------------------ Express


EXPRESS_VIOLATIONS = {
    "SEC-SQLI": [("routes/orders.js", "await pool.query(sql)")],
    "SEC-XSS": [("routes/orders.js", "res.send(`<h1>No orders match")],
    "SEC-SENSITIVE-LOGGING": [("routes/auth.js", "console.log('login attempt'")],
    "SEC-HTTPS": [("routes/orders.js", "http://shipping.internal")],
    "SEC-CRYPTO": [("routes/auth.js", "createHash('md5')"), ("routes/auth.js", "Math.random()")],
    "SEC-SESSION": [("routes/auth.js", "res.cookie('session', sessionToken)"),
                    ("routes/auth.js", "jwt.verify(")],
    "SEC-INJECTION": [("routes/orders.js", "exec(`wkhtmltopdf")],
    "SEC-DEBUG": [("app.js", "app.use(errorhandler())"), ("routes/orders.js", "stack: err.stack")],
}


@pytest.mark.parametrize("item_id", sorted(EXPRESS_VIOLATIONS))
def test_express_vulnerable_fails_with_evidence(express_vulnerable, item_id):
    assert_flags(express_vulnerable, "express-vulnerable", item_id, EXPRESS_VIOLATIONS[item_id])


def test_express_secure_passes_everything(express_secure):
    results = items(express_secure)
    assert {i: r["verdict"] for i, r in results.items()} == {i: "pass" for i in ITEMS}
    assert [e["file"] for e in results["SEC-HTTPS"]["evidence"]] == ["app.js"]  # helmet()


# ------------------------------------------------------------------ Go


GO_VIOLATIONS = {
    "SEC-SQLI": [("main.go", "db.Query(query)")],
    "SEC-XSS": [("main.go", 'template.HTML(r.FormValue("note"))')],
    "SEC-SENSITIVE-LOGGING": [("main.go", 'log.Printf("login password=%s"')],
    "SEC-HTTPS": [("main.go", "InsecureSkipVerify: true")],
    "SEC-CRYPTO": [("main.go", "md5.Sum([]byte(password))"), ("main.go", "rand.Intn(len(letters))"),
                   ("main.go", "InsecureSkipVerify: true")],
    "SEC-SESSION": [("main.go", '&http.Cookie{Name: "session"')],
    "SEC-INJECTION": [("main.go", 'exec.Command("sh", "-c"')],
}


@pytest.mark.parametrize("item_id", sorted(GO_VIOLATIONS))
def test_go_vulnerable_fails_with_evidence(go_vulnerable, item_id):
    # XSS also reports the command output written back (taint through exec): at least the expected lines
    assert_flags(go_vulnerable, "go-vulnerable", item_id, GO_VIOLATIONS[item_id], exact=item_id != "SEC-XSS")


def test_go_secure_passes_everything(go_secure):
    results = items(go_secure)
    assert {i: r["verdict"] for i, r in results.items()} == {i: "pass" for i in ITEMS}
    lines = {e["line"] for e in results["SEC-HTTPS"]["evidence"]}
    assert line_of("go-secure", "main.go", "http.ListenAndServeTLS(") in lines


# ------------------------------------------------------------------ HTTPS without visible enforcement


def test_web_app_without_https_enforcement_is_partial(fastapi_plain):
    results = items(fastapi_plain)
    https = results["SEC-HTTPS"]
    assert https["verdict"] == "partial"
    assert 1 <= https["score"] <= 9
    assert "never enforces HTTPS" in https["rationale"]
    others = {i: r["verdict"] for i, r in results.items() if i != "SEC-HTTPS"}
    assert others == {i: "pass" for i in ITEMS if i != "SEC-HTTPS"}


# ------------------------------------------------------------------ regressions from real repositories


def test_cli_and_build_tooling_do_not_count_as_injection(flask_tooling):
    """`flask translate init LANG` (click), a management command and an argparse script run what their
    operator typed; a chat slash command runs what any chat user typed, and still counts."""
    injection = items(flask_tooling)["SEC-INJECTION"]
    assert_flags(flask_tooling, "flask-tooling", "SEC-INJECTION",
                 [("shop/chatops.py", 'os.system("git log --oneline " + command["text"]')])
    assert "finding(s) in CLI/build tooling not counted" in injection["rationale"]
    tooling = injection["details"]["cli_or_build_tooling"]
    fx = "flask-tooling"
    for rel, needle in [("shop/cli.py", 'os.system("pybabel init'),
                        ("shop/management/commands/rebuild_search.py", "subprocess.run("),
                        ("tools/export_orders.py", "subprocess.run(")]:
        assert f"{rel}:{line_of(fx, rel, needle)}" in tooling, tooling


def test_gruntfile_and_settimeout_with_a_function_are_not_injection(express_tooling):
    injection = items(express_tooling)["SEC-INJECTION"]
    line = line_of("express-tooling", "Gruntfile.js", "execSync(")
    assert injection["details"]["cli_or_build_tooling"] == [f"Gruntfile.js:{line}"]
    # lib/sleep.js: new Promise((resolve) => setTimeout(resolve, ms)) is not code evaluation
    assert not [e for e in injection["evidence"] if e["file"] == "lib/sleep.js"]
    # a generated-file marker does not hide code from the security items (the trust model: the audited
    # repository chooses its own markers): the eval in the generated API client is the one violation, and the
    # file is listed as generated, read by the security items only
    assert_flags(express_tooling, "express-tooling", "SEC-INJECTION", [("client/plans.gen.ts", "eval(")])
    non_production = {s["path"]: s["reason"] for s in express_tooling["inventory"]["non_production_files"]}
    assert "generated" in non_production["client/plans.gen.ts"]


def test_send_result_of_a_call_that_took_a_password_is_not_a_logged_secret(flask_tooling):
    logging_item = items(flask_tooling)["SEC-SENSITIVE-LOGGING"]
    assert logging_item["verdict"] == "pass", logging_item["rationale"]


def test_template_engines_with_escaping_off(flask_tooling, express_tooling):
    assert_flags(express_tooling, "express-tooling", "SEC-XSS",
                 [("server.js", "swig.setDefaults({ autoescape: false })")])
    # a bare jinja2.Template renders the HTML e-mail with autoescape off
    assert_flags(flask_tooling, "flask-tooling", "SEC-XSS", [("shop/mail.py", "Template(source).render(context)")])


def test_express_session_without_secure_cookie(express_tooling):
    assert_flags(express_tooling, "express-tooling", "SEC-SESSION", [("server.js", "app.use(session({")])


def test_flask_session_cookies_not_marked_secure_is_partial(flask_tooling):
    session = items(flask_tooling)["SEC-SESSION"]
    assert session["verdict"] == "partial", session["rationale"]
    assert "SESSION_COOKIE_SECURE and REMEMBER_COOKIE_SECURE are never set" in session["rationale"]
    assert "cookies set in code carry" not in session["rationale"]


def test_session_rationale_says_when_no_cookie_is_set(fastapi_plain, express_secure):
    plain = items(fastapi_plain)["SEC-SESSION"]
    assert plain["verdict"] == "pass"
    assert "No cookie setting found in code" in plain["rationale"]
    secure = items(express_secure)["SEC-SESSION"]
    assert secure["verdict"] == "pass"
    assert "Cookie settings with Secure/HttpOnly" in secure["rationale"]
    assert any(e["kind"] == "practice" for e in secure["evidence"])


def test_stack_logged_on_the_server_is_not_debug_output(express_tooling):
    debug = items(express_tooling)["SEC-DEBUG"]
    assert debug["verdict"] == "pass", debug["rationale"]


def test_traefik_redirect_and_tls_entrypoint_enforce_https(express_tooling):
    https = items(express_tooling)["SEC-HTTPS"]
    # the Traefik redirect and TLS entrypoint are found; without HSTS, and with express-session's cookie not
    # Secure (server.js), a redirect alone is half the protection
    assert https["verdict"] == "partial", https["rationale"]
    assert any("express-session" in s for s in https["details"]["insecure_cookies"])
    fx, rel = "express-tooling", "docker-compose.yml"
    lines = {(e["file"], e["line"]) for e in https["evidence"] if e["kind"] == "practice"}
    assert (rel, line_of(fx, rel, "redirections.entrypoint.scheme=https")) in lines
    assert (rel, line_of(fx, rel, "websecure.address=:443")) in lines
