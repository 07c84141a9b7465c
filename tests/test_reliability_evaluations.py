"""Pure reliability evaluations on hand-built findings and endpoints (no engine runs)."""
import ast

from auditor.checks.reliability.error_handling import evaluate_error_handling, python_handler_findings
from auditor.checks.reliability.graceful_degradation import js_fallbacks, python_fallbacks
from auditor.checks.reliability.health import HealthRoute, evaluate_health, is_health_path
from auditor.checks.reliability.idempotency import evaluate_idempotency
from auditor.checks.reliability.timeouts import evaluate_timeouts
from auditor.checks.shared.outbound import evaluate_practice_around_calls
from auditor.model import Endpoint, Evidence, Finding


def finding(item, line, kind="violation", rule="r", snippet="", file="app.py", engine="semgrep"):
    return Finding(item, Evidence(file, line, snippet, rule_id=rule, engine=engine, kind=kind))


def test_timeouts_proportion_and_bandit_dedupe():
    found = [finding("REL-TIMEOUTS", 3), finding("REL-TIMEOUTS", 3, engine="bandit"),
             finding("REL-TIMEOUTS", 9, "practice"), finding("REL-TIMEOUTS", 12, "practice")]
    result = evaluate_timeouts("REL-TIMEOUTS", found)
    assert result.verdict == "partial"
    assert result.details["unbounded_calls"] == ["app.py:3"]
    assert result.partial_score == 7


def test_timeouts_not_applicable_without_calls_and_axios_defaults_cover_bare_calls():
    assert evaluate_timeouts("REL-TIMEOUTS", []).verdict == "not_applicable"
    found = [finding("REL-TIMEOUTS", 4, rule="axios-call-without-timeout", file="a.js"),
             finding("REL-TIMEOUTS", 1, "practice", snippet="axios.defaults.timeout = 5000;", file="a.js")]
    result = evaluate_timeouts("REL-TIMEOUTS", found)
    assert result.verdict == "pass"
    assert "axios.defaults.timeout at a.js:1" in result.rationale


def test_practice_around_calls_verdicts():
    calls = [finding("REL-TIMEOUTS", 5)]
    absent = evaluate_practice_around_calls("REL-RETRY", [], calls, "retry with backoff", "tenacity")
    assert absent.verdict == "fail" and absent.evidence[0].line == 5 and "looked for tenacity" in absent.rationale
    assert evaluate_practice_around_calls("REL-RETRY", [], [], "retry", "x").verdict == "not_applicable"
    mixed = evaluate_practice_around_calls("REL-RETRY", [finding("REL-RETRY", 1, "practice"), finding("REL-RETRY", 2)],
                                           calls, "retry", "x")
    assert mixed.verdict == "partial"


def test_health_paths_and_readiness():
    assert is_health_path("/healthz") and is_health_path("/api/v1/ready") and is_health_path("/health/")
    assert not is_health_path("/orders/{id}/status/extra/more") and not is_health_path("/users")
    ev = Evidence("main.py", 10, kind="practice")
    result = evaluate_health("REL-HEALTH", [HealthRoute("/health", ev, "return {}"),
                                            HealthRoute("/ready", Evidence("main.py", 20, kind="practice"),
                                                        "db.execute(text('SELECT 1'))")], 3)
    assert result.verdict == "pass" and result.details == {"routes": ["/health", "/ready"], "readiness": True,
                                                           "checks_dependencies": True}
    missing = evaluate_health("REL-HEALTH", [], 3)
    assert missing.verdict == "fail" and "in 3 route file(s)" in missing.rationale


def test_idempotency_judges_every_endpoint_that_creates_state():
    eps = [Endpoint("POST", "/api/orders", "create_order", "o.py", 5, "flask"),
           Endpoint("POST", "/api/payments", "pay", "p.py", 9, "flask"),
           Endpoint("POST", "/api/notes", "add_note", "n.py", 3, "flask"),
           Endpoint("POST", "/api/tags", "add_tag", "t.py", 4, "django"),
           Endpoint("PUT", "/api/docs/{id}", "put_doc", "d.py", 7, "fastapi"),
           Endpoint("POST", "/api/orders/{id}/cancel", "cancel", "o.py", 30, "flask"),
           Endpoint("POST", "/api/search", "search", "s.py", 2, "flask"),
           Endpoint("GET", "/api/orders", "list_orders", "o.py", 40, "flask")]
    sources = {"create_order": "key = request.headers['Idempotency-Key']\nsession.add(Order(key=key))",
               "pay": "db.session.add(Payment(amount=a))\ncharge()",
               "add_note": "note = Note(text=t)\nsession.add(note)\nsession.commit()",
               "add_tag": "tag, _ = Tag.objects.get_or_create(name=name)",
               "put_doc": "doc = Doc(id=id, **body)\nsession.merge(doc)\nsession.add(doc)",
               "cancel": "order.status = 'cancelled'\norder.save()",
               "search": "return jsonify(q.all())"}
    result = evaluate_idempotency("REL-IDEMPOTENCY", eps, lambda e: sources.get(e.handler, ""), [], lambda e: "")
    assert result.verdict == "partial"
    bad = {(e.file, e.line) for e in result.evidence if e.kind == "violation"}
    good = {(e.file, e.line) for e in result.evidence if e.kind == "practice"}
    assert bad == {("p.py", 9), ("n.py", 3)} and good == {("o.py", 5), ("t.py", 4), ("d.py", 7)}
    assert result.details["severity"] == "high"          # an unprotected payment weighs more
    assert result.details["payment_endpoints"] == ["POST /api/orders", "POST /api/payments"]
    notes_only = evaluate_idempotency("REL-IDEMPOTENCY", eps[2:3], lambda e: sources.get(e.handler, ""), [], lambda e: "")
    assert notes_only.verdict == "fail" and notes_only.details["severity"] == "medium"
    none = evaluate_idempotency("REL-IDEMPOTENCY", eps[5:], lambda e: sources.get(e.handler, ""), [], lambda e: "")
    assert none.verdict == "not_applicable" and "no endpoint creates state" in none.rationale


def test_python_fallback_and_swallow_detection():
    tree = ast.parse("try:\n    x = call()\nexcept Exception:\n    x = None\n"
                     "try:\n    y = call()\nexcept Exception:\n    raise\n"
                     "try:\n    pass\nexcept:\n    pass\n")
    assert python_fallbacks(tree) == [(2, 2, 3), (6, 6, None), (10, 10, None)]
    count, found = python_handler_findings("a.py", tree, lambda line: "")
    assert count == 3
    assert [(f.line, f.evidence.rule_id) for f in found] == [(11, "swallowed-exception")]


def test_js_fallback_detection():
    text = "async function f() {\n  try {\n    return await fetch(u);\n  } catch (err) {\n    return cached;\n  }\n}\n"
    assert js_fallbacks(text) == [(2, 4, 4)]
    assert js_fallbacks("try {\n  a();\n} catch (e) {\n  throw e;\n}\n") == [(1, 3, None)]


def test_error_handling_verdicts():
    log = [finding("REL-ERROR-HANDLING", 1, "practice")]
    assert evaluate_error_handling("REL-ERROR-HANDLING", 4, [], log, True).verdict == "pass"
    unlogged = evaluate_error_handling("REL-ERROR-HANDLING", 4, [], [], True)
    assert unlogged.verdict == "partial" and "logging is not configured" in unlogged.rationale
    bad = evaluate_error_handling("REL-ERROR-HANDLING", 4, [finding("REL-ERROR-HANDLING", 7, engine="ast"),
                                                            finding("REL-ERROR-HANDLING", 7, engine="bandit")], log, True)
    assert bad.verdict == "partial" and bad.details["swallowing"] == 1
