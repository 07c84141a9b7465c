"""Reliability evaluations on the shapes real backends write: one fallback among many calls, health handlers
named health_check, deep health paths, start-up waits for the database, the AWS SDK's own retries."""
import ast

from auditor.checks.reliability.graceful_degradation import (GuardedCall, evaluate_graceful_degradation,
                                                             is_client_constructor)
from auditor.checks.reliability.health import HealthRoute, evaluate_health, handler_body, is_health_path
from auditor.checks.reliability.retry import evaluate_retry, startup_wait
from auditor.model import Evidence, Finding


def finding(item, line, kind="violation", rule="r", file="app.py"):
    return Finding(item, Evidence(file, line, "", rule_id=rule, engine="semgrep", kind=kind))


def test_one_fallback_among_seven_calls_is_partial_not_pass():
    calls = [GuardedCall(Evidence("shop/rates.py", n * 10, ""), 12 if n == 1 else None) for n in range(1, 8)]
    result = evaluate_graceful_degradation("REL-GRACEFUL-DEGRADATION", calls, [])
    assert result.verdict == "partial" and result.partial_score == 1
    assert result.details["without_fallback"][0] == "shop/rates.py:20"
    assert {e.rule_id for e in result.evidence} == {"no-fallback", "fallback-on-failure"}
    every = [GuardedCall(Evidence("shop/rates.py", 10, ""), 12)]
    assert evaluate_graceful_degradation("REL-GRACEFUL-DEGRADATION", every, []).verdict == "pass"


def test_health_handler_named_health_check_does_not_check_dependencies_by_its_name():
    liveness = '@router.get("/health-check/")\nasync def health_check() -> bool:\n    """Liveness."""\n    return True\n'
    readiness = ('@router.get("/ready")\ndef health_check(session: SessionDep) -> dict:\n'
                 '    session.exec(select(1))\n    return {"db": "ok"}\n')
    assert handler_body(liveness).strip() == "return True"
    ev = Evidence("app/api/routes/utils.py", 29, "")
    live = evaluate_health("REL-HEALTH", [HealthRoute("/api/v1/utils/health-check/", ev, liveness)], 3)
    assert live.verdict == "pass" and not live.details["checks_dependencies"]
    assert "no health handler touches the database" in live.rationale
    ready = evaluate_health("REL-HEALTH", [HealthRoute("/ready", ev, readiness)], 3)
    assert ready.details["checks_dependencies"]
    js = "app.get('/healthz', async function healthCheck(req, res) {\n  res.json({ ok: true });\n});"
    assert not HealthRoute("/healthz", ev, js).checks_dependencies
    assert HealthRoute("/healthz", ev, js.replace("res.json", "await pool.query('SELECT 1'); res.json")).checks_dependencies


def test_deep_health_paths_under_prefix_segments():
    assert is_health_path("/api/v1/utils/health-check/")
    assert is_health_path("/internal/api/v2/healthz")
    assert is_health_path("/health")
    assert not is_health_path("/api/v1/shops/orders/status")      # an order's status, not a probe
    assert not is_health_path("/api/v1/orders/{id}/status")


PRE_START = '''import logging
from tenacity import retry, stop_after_attempt, wait_fixed
from sqlalchemy import text
from shop.db import engine


@retry(stop=stop_after_attempt(60), wait=wait_fixed(1))
def init() -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def main() -> None:
    init()
'''
VIEWS = '''import time
import requests


def fetch_rates():
    for attempt in range(3):
        try:
            return requests.get("https://rates.example.com", timeout=5).json()
        except requests.RequestException:
            time.sleep(2)
'''


def test_start_up_wait_for_the_database_is_not_a_request_path_retry():
    tree = ast.parse(PRE_START)
    why = startup_wait("shop/backend_pre_start.py", tree, 7, set())
    assert why and "init()" in why
    assert startup_wait("shop/backend_pre_start.py", tree, 7, {"shop/backend_pre_start.py"}) is None  # declares routes
    assert startup_wait("shop/rates.py", ast.parse(VIEWS), 10, set()) is None   # request-path loop, fixed sleep
    wait_for_db = "def wait_for_db():\n    while True:\n        try:\n            connection.ensure_connection()\n            return\n        except OperationalError:\n            time.sleep(1)\n"
    assert startup_wait("core/management/commands/wait_for_db.py", ast.parse(wait_for_db), 7, set())
    fixed = finding("REL-RETRY", 7, rule="retry-without-backoff", file="shop/backend_pre_start.py")
    result = evaluate_retry("REL-RETRY", [fixed], [], [(fixed, why)])
    assert result.verdict == "not_applicable" and "start-up wait" in result.rationale
    loop = finding("REL-RETRY", 10, rule="retry-loop-with-constant-sleep", file="shop/rates.py")
    assert evaluate_retry("REL-RETRY", [fixed, loop], [], [(fixed, why)]).verdict == "fail"


def test_aws_sdk_clients_count_as_retry_with_backoff():
    sdk = finding("REL-RETRY", 50, kind="practice", rule="aws-sdk-builtin-retry", file="integrations/aws/client.py")
    call = finding("REL-TIMEOUTS", 80, rule="requests-without-timeout", file="integrations/google/oauth.py")
    client = Finding("REL-TIMEOUTS", Evidence("integrations/aws/client.py", 50, 's3 = boto3.client("s3")',
                                              rule_id="boto3-client-without-timeout-config"))
    alone = evaluate_retry("REL-RETRY", [sdk], [client], [])
    assert alone.verdict == "pass" and "retry with exponential backoff by default" in alone.rationale
    # the SDK's retries cover the AWS calls only: a Google OAuth call without a retry policy still counts
    mixed = evaluate_retry("REL-RETRY", [sdk], [client, call], [])
    assert mixed.verdict == "partial" and mixed.details["outbound_calls_without_retry"] == ["integrations/google/oauth.py:80"]
    tenacity = finding("REL-RETRY", 12, kind="practice", rule="retry-with-backoff", file="integrations/google/oauth.py")
    both = evaluate_retry("REL-RETRY", [sdk, tenacity], [client, call], [])
    assert both.verdict == "pass" and "boto3/botocore clients retry" in both.rationale


def test_client_constructors_are_not_calls_that_need_a_fallback():
    built = Finding("REL-TIMEOUTS", Evidence("clients.py", 10, 'gateway = httpx.Client(base_url="https://gw.example.com", timeout=5)'))
    called = Finding("REL-TIMEOUTS", Evidence("clients.py", 27, 'return httpx.get(f"https://rates.example.com/{c}", timeout=2.0)'))
    s3 = Finding("REL-TIMEOUTS", Evidence("storage.py", 6, 's3 = boto3.client("s3")'))
    assert is_client_constructor(built) and is_client_constructor(s3) and not is_client_constructor(called)
