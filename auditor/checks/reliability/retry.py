"""REL-RETRY: retries with exponential backoff around outbound calls."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.checks.shared.outbound import evaluate_practice_around_calls, missing_at, outbound_calls, retry_findings
from auditor.checks.shared.verdicts import cap, dedupe, file_line, production_findings
from auditor.context import AuditContext, Key, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.probes.go_retry_loops import RetryLoop, retry_loops
from auditor.registry import check, collector

STARTUP_FILE = re.compile(r"(?i)(^|/)[\w-]*(pre_?start|prestart|wait[_-]?for[\w-]*|entrypoint|bootstrap|startup)[\w-]*\.py$")
STARTUP_FUNCTION = re.compile(r"(?i)^(wait_?for\w*|wait_?until\w*|\w*pre_?start\w*|\w*startup\w*|\w*_(is_)?ready|"
                              r"check_(db|database)\w*|ping_(db|database)\w*|(db|database)_(is_)?up)$")
PROBES_DEPENDENCY = re.compile(r"(?i)\bselect\(\s*1\s*\)|\bSELECT 1\b|\.connect\(|\.ping\(|ensure_connection\(|"
                               r"\.cursor\(|OperationalError|\.exec(ute)?\(")
GO_RETRY_LOOP_RULE = "go-retry-loop-without-backoff"
GO_BACKOFF_LOOP_RULE = "go-retry-loop-with-backoff"
NO_BACKOFF_RULES = frozenset({"retry-without-backoff", "retry-loop-with-constant-sleep"})
GO_RETRY_LOOPS: Key[list[RetryLoop]] = Key("go_retry_loops")
AWS_SDK_RETRY = "aws-sdk-builtin-retry"
# the network clients of rules/outbound_clients.yml whose retries are configured or on by default
CLIENT_RETRY_RULES = frozenset({AWS_SDK_RETRY, "network-client-call", "network-client-constructor"})
AWS_CLIENT = re.compile(r"\bboto3\.|\bbotocore\.|\.create_client\(")


def enclosing_function(tree: ast.AST, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose decorators or body hold `line`."""
    best = None
    for node in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if start <= line <= (node.end_lineno or node.lineno) and (best is None or start >= best[0]):
            best = (start, node)
    return best[1] if best else None


def startup_wait(path: str, tree: ast.AST | None, line: int, route_files: set[str]) -> str | None:
    """Why a fixed-delay retry is a start-up wait for a dependency rather than a request-path retry, or None.

    A `*_pre_start.py` script or a `wait_for_db` function that polls the database before the app serves
    requests: a fixed delay there hammers nothing, since no user request waits on it. Files that declare
    routes never qualify."""
    if path in route_files or tree is None:
        return None
    fn = enclosing_function(tree, line)
    named = STARTUP_FILE.search(path) or (fn is not None and STARTUP_FUNCTION.match(fn.name))
    if not named or fn is None or not PROBES_DEPENDENCY.search(ast.unparse(fn)):
        return None
    return f"{fn.name}() in {path} polls a dependency at start-up, outside any request handler"


def evaluate_retry(item_id: str, findings: list[Finding], calls: list[Finding],
                   startup: list[tuple[Finding, str]]) -> ItemResult:
    """REL-RETRY over the findings, with start-up waits for a dependency set aside (and said so)."""
    skipped = {(f.file, f.line) for f, _ in startup}
    findings = [f for f in findings if (f.file, f.line) not in skipped]
    sdk = dedupe([f for f in findings if f.evidence.rule_id in CLIENT_RETRY_RULES])
    declared = [f for f in findings if f.evidence.rule_id not in CLIENT_RETRY_RULES]
    if sdk and not declared:
        # the SDK's retries cover the AWS clients only: every other outbound call is judged on its own
        result = _sdk_only_retry(item_id, sdk, calls)
    else:
        result = evaluate_practice_around_calls(
            item_id, findings, calls, "retry with exponential backoff",
            "tenacity wait_exponential, backoff.expo, urllib3 Retry(backoff_factor), Celery retry_backoff, "
            "the AWS SDK's built-in retries")
    if startup:
        result.rationale += (f" {len(startup)} fixed-delay retr{'y' if len(startup) == 1 else 'ies'} not counted: "
                             f"start-up wait for a dependency, not a request-path retry ({startup[0][1]}).")
        result.details["startup_waits"] = [file_line(f) for f, _ in startup]
    if sdk and declared:
        result.rationale += (f" {len(sdk)} client(s) retry by their own policy: boto3/botocore clients retry with "
                             "exponential backoff by default (as kafkajs, ioredis and got do), or their retries are "
                             "configured where they are built.")
    return result


def _sdk_only_retry(item_id: str, sdk: list[Finding], calls: list[Finding]) -> ItemResult:
    """AWS SDK clients (retrying by default) are the good places; other outbound calls with no retry policy
    declared anywhere are the bad ones."""
    sdk_lines = {(f.file, f.line) for f in sdk}
    others = [c for c in calls if (c.file, c.line) not in sdk_lines and not AWS_CLIENT.search(c.evidence.snippet or "")]
    rationale = (f"{len(sdk)} client(s) retry with exponential backoff by default or through their own retry "
                 f"configuration (boto3/botocore, kafkajs, ioredis, got, ...); "
                 f"{len(others)} other outbound call site(s) have no retry policy (looked for tenacity "
                 "wait_exponential, backoff.expo, urllib3 Retry(backoff_factor), Celery retry_backoff).")
    return partial_result(item_id, len(sdk), len(sdk) + len(others), rationale,
                          cap(missing_at(others, "no-retry-with-backoff", "outbound call without retry with backoff")
                               + [f.evidence for f in sdk]),
                          {"aws_sdk_clients": [file_line(f) for f in sdk], "outbound_calls_without_retry": [file_line(c) for c in others]})


@collector(GO_RETRY_LOOPS, serves=("REL-RETRY",))
def collect_go_retry_loops(ctx: AuditContext) -> list[RetryLoop]:
    """Go loops that re-run an operation on an error with no wait and no attempt limit, outside tests."""
    out: list[RetryLoop] = []
    for path in ctx.repo.paths(language="go"):
        if not TEST_FILE.search(path) and not path.endswith("_test.go"):
            out += retry_loops(path, ctx.repo.read_text(path) or "")
    return out


def go_retry_findings(ctx: AuditContext, item_id: str) -> list[Finding]:
    out = []
    for loop in ctx.get_optional(GO_RETRY_LOOPS) or []:
        snippet = ctx.repo.snippet(loop.file, loop.line)
        if loop.backoff:
            out.append(Finding(item_id, Evidence(loop.file, loop.line, snippet, rule_id=GO_BACKOFF_LOOP_RULE,
                                                 engine="go", kind=PRACTICE,
                                                 message=f"{loop.function}() retries a bounded number of times with a "
                                                         "wait that grows between attempts")))
        else:
            out.append(Finding(item_id, Evidence(loop.file, loop.line, snippet, rule_id=GO_RETRY_LOOP_RULE,
                                                 engine="go", kind=VIOLATION,
                                                 message=f"{loop.function}() retries in a loop that {loop.how}, with "
                                                         "no wait between attempts and no attempt limit")))
    return out


@check("REL-RETRY")
def check_retry(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    findings = production_findings(ctx.findings_for(item.id)) + retry_findings(ctx) + go_retry_findings(ctx, item.id)
    try:
        route_files = {e.file for e in endpoint_inventory(ctx).endpoints}
    except Unavailable:
        route_files = set()
    startup = []
    for f in findings:
        if f.evidence.rule_id in NO_BACKOFF_RULES and f.file.endswith(".py"):
            why = startup_wait(f.file, ctx.repo.python_ast(f.file), f.line or 0, route_files)
            if why:
                startup.append((f, why))
    return evaluate_retry(item.id, findings, outbound_calls(ctx), startup)
