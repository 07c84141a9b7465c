"""The standard's remaining lines (issue 18): each new item on a compliant and a non-compliant app of two
stacks (Flask + Alembic, Express + Mongoose), each app audited once per session, and every pure
evaluate_* on hand-built facts."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.database.concurrency import ConcurrencyPlace, evaluate_concurrency, javascript_places, python_places
from auditor.checks.migrations.schema_sync import compare_table, evaluate_schema_sync
from auditor.checks.performance.cdn import StaticDelivery, evaluate_cdn, express_static
from auditor.checks.quality.docs import ComplexFunction, evaluate_docs, lizard_complex_functions
from auditor.checks.quality.layering import evaluate_layering, handler_access
from auditor.checks.quality.load_tests import Scenario, evaluate_load_tests, scenarios_in
from auditor.checks.reliability.observability import ASPECT_ORDER, evaluate_observability
from auditor.checks.security.data_at_rest import StoredField, evaluate_data_at_rest, is_sensitive, protection
from auditor.checks.security.headers import CorsSetting, HeaderFacts, cors_settings, evaluate_headers
from auditor.checks.security.webhooks import WebhookHandler, evaluate_webhooks, webhook_problems
from auditor.context import Unavailable
from auditor.dbschema import Column, Table
from auditor.model import Endpoint, Evidence
from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import FIXTURES, item, line_of

NEW_ITEMS = ("SEC-SSRF", "SEC-HEADERS", "SEC-DATA-AT-REST", "SEC-WEBHOOKS", "DB-CONCURRENCY", "MIG-SCHEMA-SYNC",
             "REL-OBSERVABILITY", "PERF-CDN", "QA-LAYERING", "QA-DOCS", "QA-LOAD-TESTS")
STANDARD = FIXTURES / "standard"
APPS = ("flask-compliant", "flask-noncompliant", "express-compliant", "express-noncompliant")


@pytest.fixture(scope="session")
def reports() -> dict[str, dict]:
    return {app: run_audit(STANDARD / app, AuditOptions(only=NEW_ITEMS, use_cache=False)) for app in APPS}


# the verdict each new item must reach on each app (MIG-SCHEMA-SYNC: Mongo apps have no relational schema)
EXPECTED = {
    "flask-compliant": dict.fromkeys(NEW_ITEMS, "pass"),
    "flask-noncompliant": {**dict.fromkeys(NEW_ITEMS, "fail"), "QA-LAYERING": "partial"},
    "express-compliant": {**dict.fromkeys(NEW_ITEMS, "pass"), "MIG-SCHEMA-SYNC": "not_applicable"},
    "express-noncompliant": {**dict.fromkeys(NEW_ITEMS, "fail"), "QA-LAYERING": "partial",
                             "MIG-SCHEMA-SYNC": "not_applicable"},
}


@pytest.mark.parametrize("app", APPS)
def test_each_new_item_reaches_its_verdict(reports, app):
    got = {i["id"]: i["verdict"] for i in reports[app]["items"]}
    assert got == EXPECTED[app], {k: (got[k], EXPECTED[app][k]) for k in got if got[k] != EXPECTED[app][k]}


def _violations(row):
    return {(e["file"], e["line"]) for e in row["evidence"] if e["kind"] == "violation"}


def test_flask_violations_point_at_the_offending_lines(reports):
    root, report = STANDARD / "flask-noncompliant", reports["flask-noncompliant"]
    views = "shop/views.py"
    assert (views, line_of(root, views, "return requests.get(url")) in _violations(item(report, "SEC-SSRF"))
    assert (views, line_of(root, views, "product.stock -= ")) in _violations(item(report, "DB-CONCURRENCY"))
    assert ("shop/__init__.py", line_of(root, "shop/__init__.py", "CORS(app")) in _violations(item(report, "SEC-HEADERS"))
    assert ("shop/models.py", line_of(root, "shop/models.py", "totp_secret")) in _violations(item(report, "SEC-DATA-AT-REST"))
    sync = item(report, "MIG-SCHEMA-SYNC")
    assert ("shop/models.py", line_of(root, "shop/models.py", "discontinued")) in _violations(sync)
    assert all("migrations/versions/0001_create_shop.py" in e["message"] for e in sync["evidence"])
    webhook = item(report, "SEC-WEBHOOKS")["evidence"][0]
    assert "constant-time" in webhook["message"] and "replay" in webhook["message"]
    docs = item(report, "QA-DOCS")["evidence"][0]
    assert docs["line"] == line_of(root, views, "def shipping_quote") and docs["engine"] == "radon"


def test_express_violations_point_at_the_offending_lines(reports):
    root, report = STANDARD / "express-noncompliant", reports["express-noncompliant"]
    shop = "src/routes/shop.js"
    assert (shop, line_of(root, shop, "axios.get(req.query.url")) in _violations(item(report, "SEC-SSRF"))
    assert (shop, line_of(root, shop, "product.stock -=")) in _violations(item(report, "DB-CONCURRENCY"))
    assert ("src/app.js", line_of(root, "src/app.js", "express.static")) in _violations(item(report, "PERF-CDN"))
    assert ("src/models/user.js", line_of(root, "src/models/user.js", "cardNumber")) in _violations(item(report, "SEC-DATA-AT-REST"))
    assert "@sentry/node" in item(report, "REL-OBSERVABILITY")["rationale"]   # declared, never imported
    assert item(report, "QA-DOCS")["evidence"][0]["engine"] == "lizard"


def test_compliant_apps_show_positive_evidence(reports):
    for app in ("flask-compliant", "express-compliant"):
        for row in reports[app]["items"]:
            if row["verdict"] == "pass" and row["id"] not in ("SEC-SSRF", "MIG-SCHEMA-SYNC"):
                assert any(e["kind"] == "practice" for e in row["evidence"]), (app, row["id"])


# ---- pure evaluations on hand-built facts ------------------------------------------------------------
def ev(file="a.py", line=1, kind="practice"):
    return Evidence(file, line, "", kind=kind)


def test_observability_is_proportional_to_the_aspects_present():
    assert evaluate_observability("X", {a: [ev()] for a in ASPECT_ORDER}, {}).verdict == "pass"
    assert evaluate_observability("X", {}, {}).verdict == "fail"
    half = evaluate_observability("X", {"logging": [ev()], "metrics": [ev()]}, {"tracing": ["ddtrace"]})
    assert half.verdict == "partial" and half.partial_score == 5 and "ddtrace" in half.rationale


def test_load_tests_pass_partial_fail():
    assert evaluate_load_tests("X", [Scenario("k6", "load/a.js", 1)], []).verdict == "pass"
    assert evaluate_load_tests("X", [], [ev("requirements.txt")]).verdict == "partial"
    assert evaluate_load_tests("X", [], []).verdict == "fail"
    assert scenarios_in("locustfile.py", "from locust import HttpUser\nclass U(HttpUser):\n    pass\n")[0].line == 2
    assert scenarios_in("plan.jmx", "<jmeterTestPlan version='1.2'>")[0].tool == "JMeter"
    assert not scenarios_in("app.py", "import locust_config\n")


def test_docs_threshold_and_lizard():
    documented = [ComplexFunction("a.py", i, f"f{i}", 12, "docstring") for i in range(10)]
    assert evaluate_docs("X", documented + [ComplexFunction("a.py", 99, "g", 30, "")]).verdict == "pass"
    mixed = evaluate_docs("X", documented[:2] + [ComplexFunction("a.py", 99, "g", 30, "")] * 2)
    assert mixed.verdict == "partial" and "g (30)" in mixed.rationale
    assert evaluate_docs("X", []).verdict == "not_applicable"
    branches = "".join(f"  if (a === {i}) return {i};\n" for i in range(12))
    found = lizard_complex_functions("a.js", f"// explains the rule\nfunction pick(a) {{\n{branches}  return 0;\n}}\n")
    assert found[0].complexity > 10 and found[0].documented == "comment above"


def test_cdn_verdicts():
    assert evaluate_cdn("X", StaticDelivery()).verdict == "not_applicable"
    facts = express_static("app.js", "app.use(express.static('public'));\napp.use(express.static('a', { maxAge: '1y' }));\n")
    assert len(facts.cached) == 1 and len(facts.uncached) == 1
    assert evaluate_cdn("X", facts).verdict == "partial"


def test_headers_cors_and_html():
    bad = CorsSetting("a.py", 3, "CORS(app)", True, True, "flask-cors CORS()")
    assert evaluate_headers("X", HeaderFacts(cors=[bad]), 0).verdict == "fail"
    star = CorsSetting("a.py", 3, "CORS(app)", True, False, "flask-cors CORS()")
    assert evaluate_headers("X", HeaderFacts(cors=[star]), 0).verdict == "pass"
    assert evaluate_headers("X", HeaderFacts(cors=[star]), 2).verdict == "fail"       # * on an authenticated API
    html = HeaderFacts(html=[ev()], headers={"Content-Security-Policy": [ev()], "Referrer-Policy": [ev()]})
    assert evaluate_headers("X", html, 0).partial_score == 5
    assert cors_settings("app.js", "app.use(cors({ origin: true, credentials: true }));")[0].credentials
    assert not cors_settings("app.py", "CORS(app, origins=['https://a.example'])")[0].any_origin


def test_data_at_rest_names_and_protection():
    assert is_sensitive("reset_token") and is_sensitive("cardNumber") and is_sensitive("totp_secret")
    assert not is_sensitive("api_key_hash") and not is_sensitive("token_expires_at") and not is_sensitive("password")
    # card numbers under their usual abbreviations; the last four digits are not the number
    assert all(is_sensitive(n) for n in ("ccn", "cc_num", "creditCard", "credit_card_number", "cardNum", "card_no"))
    assert not is_sensitive("card_last4") and not is_sensitive("ccn_last_4") and not is_sensitive("card_type")
    # a comment that wishes for encryption does not encrypt
    wish = StoredField("t", "credit_card", "m.py", 6, "credit_card = models.CharField(max_length=16)  # should encrypt this")
    assert protection(wish, "") is None
    assert protection(StoredField("t", "ssn", "m.py", 7, "ssn = EncryptedCharField(max_length=11)"), "")
    fields = [StoredField("users", "reset_token", "m.py", 3, ""), StoredField("users", "ssn", "m.py", 4, "")]
    result = evaluate_data_at_rest("X", fields, {("users", "reset_token"): "hashed"})
    assert result.verdict == "partial" and result.details["in_clear"] == ["users.ssn"]
    assert evaluate_data_at_rest("X", [StoredField("t", "name", "m.py", 1, "")], {}).verdict == "not_applicable"


def test_webhook_problems():
    assert webhook_problems("stripe.Webhook.construct_event(body, sig, secret)") == (
        ["signature and timestamp verified by the provider's SDK"], [])
    holds, missing = webhook_problems("d = hmac.new(k, body, sha256).hexdigest()\nhmac.compare_digest(d, sig)\n"
                                      "if time.time() - int(timestamp) > 300: abort(400)")
    assert not missing and len(holds) == 2
    assert "signature verification" in webhook_problems("return ok")[1]
    ep = Endpoint("POST", "/webhooks/x", "hook", "a.py", 1, "flask")
    assert evaluate_webhooks("X", [WebhookHandler(ep, "return ok")], 1).verdict == "fail"
    assert evaluate_webhooks("X", [], 3).verdict == "not_applicable"


def test_layering_share():
    ep = Endpoint("GET", "/a", "a", "a.py", 1, "flask")
    direct = handler_access(ep, "rows = User.objects.filter(active=True)\nrequests.post(url)")
    assert direct.database and direct.sdk
    layered = handler_access(ep, "return jsonify(services.list_users())")
    result = evaluate_layering("X", [direct, layered], 0)
    assert result.verdict == "partial" and result.details["worst"] == ["GET /a"]
    assert evaluate_layering("X", [], 2).verdict == "unknown"


def test_concurrency_read_modify_write():
    import ast
    src = ("def buy(pk):\n    p = Product.objects.get(pk=pk)\n    p.stock -= 1\n    p.save()\n\n"
           "def buy_locked(pk):\n    p = Product.objects.select_for_update().get(pk=pk)\n    p.stock = p.stock - 1\n    p.save()\n")
    places = python_places("v.py", ast.parse(src), src)
    assert any(not p.ok and p.line == 3 for p in places) and any(p.ok and p.line == 8 for p in places)
    assert evaluate_concurrency("X", places).verdict == "partial"
    assert evaluate_concurrency("X", [ConcurrencyPlace("a.js", 1, True, "$inc")]).verdict == "pass"
    assert evaluate_concurrency("X", []).verdict == "not_applicable"


def test_concurrency_read_modify_write_saved_by_a_typeorm_repository():
    src = Path(__file__).parent / "fixtures" / "database" / "typeorm-counter" / "src" / "likes.service.ts"
    places = javascript_places("likes.service.ts", src.read_text())
    bad = sorted(p.line for p in places if not p.ok)
    assert bad == [15], places           # post.likeCount++ then this.posts.save(post)
    assert any(p.ok for p in places)     # the safe twin: an atomic increment()


def test_schema_sync_compares_tables():
    model = Table("users", {"id": Column("id", "integer", False, True), "email": Column("email", "varchar", False),
                            "age": Column("age", "integer", True, file="m.py", line=7)}, file="m.py", line=3)
    migrated = Table("users", {"id": Column("id", "bigint", False, True), "email": Column("email", "text", True),
                               "name": Column("name", "varchar")}, file="v/0001.py", line=9)
    found = {d.what.split(" is ")[0] + " " + d.what.split(" ")[-1] for d in compare_table(model, migrated, "v")}
    whats = " | ".join(d.what for d in compare_table(model, migrated, "v"))
    assert "users.email is NOT NULL in the model but nullable" in whats
    assert "users.age is in the model but no migration adds it" in whats
    assert "users.name is in the migrations but not in the model" in whats
    assert "users.id" not in whats and found
    assert compare_table(model, None, "v")[0].migrations_at == ("v", None)
    assert evaluate_schema_sync("X", [], 2, ["alembic"], [], []).verdict == "pass"
    with pytest.raises(Unavailable):
        evaluate_schema_sync("X", [], 0, [], [], ["knex migrations (no model reader pairs with them)"])
    with pytest.raises(Unavailable):
        evaluate_schema_sync("X", [], 2, ["alembic"], ["v/0002.py"], [])


def test_the_password_a_django_user_inherits_is_a_secret_stored_hashed():
    """SEC-DATA-AT-REST: the password column a model inherits from AbstractBaseUser holds set_password's hash;
    a password column the repository declares itself is left to SEC-CRYPTO, as before."""
    from auditor.checks.security.data_at_rest import StoredField, evaluate_data_at_rest, framework_hashed
    inherited = StoredField("accounts_member", "password", "accounts/models.py", 10,
                            "class Member(AbstractBaseUser, PermissionsMixin, Stamped):")
    own = StoredField("shop_customer", "password", "shop/models.py", 4, "password = models.CharField(max_length=64)")
    assert framework_hashed(inherited) and not framework_hashed(own)
    result = evaluate_data_at_rest("SEC-DATA-AT-REST", [inherited, own], {("accounts_member", "password"): "hashed"})
    assert result.verdict == "pass" and result.details["protected"] == ["accounts_member.password"]
    assert evaluate_data_at_rest("SEC-DATA-AT-REST", [own], {}).verdict == "not_applicable"


def test_concurrency_value_computed_from_a_read_and_written_by_a_field_update():
    src = Path(__file__).parent / "fixtures" / "database" / "js-derived-stock" / "src" / "orders.ts"
    places = javascript_places("orders.ts", src.read_text())
    bad = sorted({p.line for p in places if not p.ok})
    # const remaining = stock.quantity - count -> Stock.update; prisma data: { balance: wallet.balance + amount };
    # const left = item.uses - 1; item.uses = left; item.save()
    assert bad == [6, 13, 32], places
    # the safe twins: a computed value that is not the written field (rename), an atomic increment (restock)
    assert any(p.ok and p.line == 25 for p in places)
