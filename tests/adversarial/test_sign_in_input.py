"""Attack: a sign-in endpoint that reads the client's input in a way the "page without input" reading could
overlook (request.get_data(), the request object under another name) must stay a brute-force target of
SEC-RATE-LIMIT: only a page that reads nothing the client chose is left out."""
from __future__ import annotations

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

APP = '''from flask import Flask, request as incoming
from flask import request

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    raw = request.get_data()
    return check(raw)


@app.route("/signup", methods=["POST"])
def signup():
    return create(incoming.form["email"])


@app.route("/login/sent", methods=["GET", "POST"])
def login_sent():
    return "check your inbox"


def check(raw):
    return "ok"


def create(email):
    return "ok"
'''


def test_hidden_reads_keep_the_endpoint_counted(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "requirements.txt").write_text("Flask==3.0.3\n")
    report = run_audit(tmp_path, AuditOptions(only=("SEC-RATE-LIMIT",)))
    item = next(i for i in report["items"] if i["id"] == "SEC-RATE-LIMIT")
    judged = {(e["method"], e["path"]) for e in item["details"]["endpoints"]}
    assert ("POST", "/login") in judged            # request.get_data() is input
    assert ("POST", "/signup") in judged           # request under another name in this module
    assert item["verdict"] == "fail"
    assert "no_input_pages" not in item["details"]  # the alias makes no page of this module input-free


def test_a_counter_that_is_never_stored_is_no_rate_limit():
    import ast
    import textwrap

    from auditor.endpoints.protections.counters import counts_and_bounds

    def fn(source: str) -> ast.AST:
        return ast.parse(textwrap.dedent(source)).body[0]
    # a "limiter" whose count starts afresh on every call can never refuse
    fake = fn("""
        def allow(key):
            attempts = 0
            attempts += 1
            if attempts > 1000000:
                return False
            return True
    """)
    assert counts_and_bounds(fake) is None
    # the same count read from and written back to a store is one
    real = fn("""
        def allow(key):
            attempts = cache.get(key, 0)
            attempts += 1
            cache.set(key, attempts, 3600)
            if attempts > 5:
                return False
            return True
    """)
    assert counts_and_bounds(real)
