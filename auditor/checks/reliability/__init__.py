"""Reliability checklist: timeouts, retries, circuit breakers, idempotency, bulkheads, health checks,
graceful degradation and error handling.

Semgrep rules under rules/semgrep/reliability give practice and violation findings; Python `ast` counts
exception handlers and finds fallbacks around outbound calls; the endpoint inventory gives the routes.
Each `evaluate_*` function is pure (findings, endpoints and texts in, ItemResult out) so it is tested on
hand-built data; the `@check` functions only gather that data from the context.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable

from auditor.astwalk import nodes_of, walk
from auditor.catalog import CatalogItem
from auditor.checks.api import endpoint_inventory, handler_source, production_findings, route_file_count
from auditor.checks.evaluate import dedupe
from auditor.context import AuditContext, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, Finding, ItemResult, partial_result
from auditor.registry import check

# REL-TIMEOUTS rules that are about a database connect or a client configuration, not an HTTP call site
NON_HTTP_TIMEOUT_RULES = frozenset({"psycopg2-connect-without-timeout", "psycopg2-connect-with-timeout",
                                    "botocore-config-with-timeouts"})
AXIOS_DEFAULTS = re.compile(r"axios\.defaults\.timeout\s*=")
AXIOS_CALL_RULE = "axios-call-without-timeout"
MAX_EVIDENCE = 25


def _cap(evidence: list[Evidence]) -> list[Evidence]:
    return evidence[:MAX_EVIDENCE]


def _where(f: Finding | Evidence) -> str:
    return f"{f.file}:{f.line}"


def _missing_at(calls: list[Finding] | list[Evidence], rule_id: str, message: str) -> list[Evidence]:
    """Outbound call sites restated as evidence of what is missing there."""
    out = []
    for c in calls[:MAX_EVIDENCE]:
        ev = c.evidence if isinstance(c, Finding) else c
        out.append(Evidence(ev.file, ev.line, ev.snippet, end_line=ev.end_line, rule_id=rule_id, engine=ev.engine,
                            message=message, kind=VIOLATION))
    return out


# ---- REL-TIMEOUTS --------------------------------------------------------------------------------
def evaluate_timeouts(item_id: str, findings: list[Finding]) -> ItemResult:
    """Every outbound call site (or client constructor) is one place: bounded (practice) or not (violation).

    A global `axios.defaults.timeout = ...` covers bare axios calls, so they are not counted against it.
    """
    bad = [f for f in findings if f.kind == VIOLATION]
    good = [f for f in findings if f.kind == PRACTICE]
    axios_default = [f for f in good if AXIOS_DEFAULTS.search(f.evidence.snippet)]
    if axios_default:
        bad = [f for f in bad if f.evidence.rule_id != AXIOS_CALL_RULE]
    bad = dedupe(bad)
    bad_lines = {(f.file, f.line) for f in bad}
    good = [f for f in dedupe(good) if (f.file, f.line) not in bad_lines]
    total = len(bad) + len(good)
    if total == 0:
        return ItemResult(item_id, "not_applicable",
                          "no outbound call found (requests, httpx, aiohttp, urllib, boto3, psycopg2, axios, "
                          "fetch, Go net/http)")
    note = (f" axios.defaults.timeout at {_where(axios_default[0])} covers bare axios calls."
            if axios_default else "")
    rationale = (f"{len(good)} of {total} outbound call sites or clients are bounded by a timeout; "
                 f"{len(bad)} are not.{note}")
    return partial_result(item_id, len(good), total, rationale,
                          _cap([f.evidence for f in bad] + [f.evidence for f in good]),
                          {"bounded": len(good), "unbounded": len(bad),
                           "unbounded_calls": [_where(f) for f in bad]})


@check("REL-TIMEOUTS")
def check_timeouts(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    return evaluate_timeouts(item.id, production_findings(ctx.findings_for(item.id)))


def outbound_calls(ctx: AuditContext) -> list[Finding]:
    """HTTP call sites and clients found by the REL-TIMEOUTS rules (bounded or not), outside tests."""
    return dedupe([f for f in production_findings(ctx.findings_for("REL-TIMEOUTS"))
                   if f.evidence.rule_id not in NON_HTTP_TIMEOUT_RULES
                   and not AXIOS_DEFAULTS.search(f.evidence.snippet)])


# ---- presence of a practice around outbound calls (retry, breaker) -------------------------------
def evaluate_practice_around_calls(item_id: str, findings: list[Finding], calls: list[Finding],
                                   practice: str, looked_for: str) -> ItemResult:
    """Pass when the practice is declared (positive evidence) and nothing violates it; partial when
    some declarations violate it; fail when calls exist and the practice is absent; not applicable
    when there is neither an outbound call nor a declaration. Heuristic: it does not prove that every
    call goes through the declared policy."""
    bad = dedupe([f for f in findings if f.kind == VIOLATION])
    good = dedupe([f for f in findings if f.kind == PRACTICE])
    if not good and not bad:
        if not calls:
            return ItemResult(item_id, "not_applicable",
                              f"no outbound HTTP call found, so there is nothing to protect with {practice}")
        return ItemResult(item_id, "fail",
                          f"{len(calls)} outbound call site(s) and no {practice} anywhere (heuristic); "
                          f"looked for {looked_for}.",
                          _missing_at(calls, "no-" + practice.replace(" ", "-"), f"outbound call without {practice}"),
                          details={"outbound_calls": [_where(f) for f in calls]})
    total = len(good) + len(bad)
    return partial_result(item_id, len(good), total,
                          f"{len(good)} of {total} {practice} declaration(s) are sound; {len(bad)} are not "
                          f"(heuristic: calls not wrapped by a declared policy are not traced). "
                          f"{len(calls)} outbound call site(s).",
                          _cap([f.evidence for f in bad] + [f.evidence for f in good]),
                          {"sound": len(good), "unsound": len(bad), "outbound_calls": len(calls)})


STARTUP_FILE = re.compile(r"(?i)(^|/)[\w-]*(pre_?start|prestart|wait[_-]?for[\w-]*|entrypoint|bootstrap|startup)[\w-]*\.py$")
STARTUP_FUNCTION = re.compile(r"(?i)^(wait_?for\w*|wait_?until\w*|\w*pre_?start\w*|\w*startup\w*|\w*_(is_)?ready|"
                              r"check_(db|database)\w*|ping_(db|database)\w*|(db|database)_(is_)?up)$")
PROBES_DEPENDENCY = re.compile(r"(?i)\bselect\(\s*1\s*\)|\bSELECT 1\b|\.connect\(|\.ping\(|ensure_connection\(|"
                               r"\.cursor\(|OperationalError|\.exec(ute)?\(")
NO_BACKOFF_RULES = frozenset({"retry-without-backoff", "retry-loop-with-constant-sleep"})


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
    sdk = dedupe([f for f in findings if f.evidence.rule_id == AWS_SDK_RETRY])
    declared = [f for f in findings if f.evidence.rule_id != AWS_SDK_RETRY]
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
        result.details["startup_waits"] = [_where(f) for f, _ in startup]
    if sdk and declared:
        result.rationale += " boto3/botocore clients retry with exponential backoff by default."
    return result


AWS_SDK_RETRY = "aws-sdk-builtin-retry"
AWS_CLIENT = re.compile(r"\bboto3\.|\bbotocore\.|\.create_client\(")


def _sdk_only_retry(item_id: str, sdk: list[Finding], calls: list[Finding]) -> ItemResult:
    """AWS SDK clients (retrying by default) are the good places; other outbound calls with no retry policy
    declared anywhere are the bad ones."""
    sdk_lines = {(f.file, f.line) for f in sdk}
    others = [c for c in calls if (c.file, c.line) not in sdk_lines and not AWS_CLIENT.search(c.evidence.snippet or "")]
    rationale = (f"{len(sdk)} boto3/botocore client(s) retry with exponential backoff by default; "
                 f"{len(others)} other outbound call site(s) have no retry policy (looked for tenacity "
                 "wait_exponential, backoff.expo, urllib3 Retry(backoff_factor), Celery retry_backoff).")
    return partial_result(item_id, len(sdk), len(sdk) + len(others), rationale,
                          _cap(_missing_at(others, "no-retry-with-backoff", "outbound call without retry with backoff")
                               + [f.evidence for f in sdk]),
                          {"aws_sdk_clients": [_where(f) for f in sdk], "outbound_calls_without_retry": [_where(c) for c in others]})


@check("REL-RETRY")
def check_retry(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    findings = production_findings(ctx.findings_for(item.id))
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


@check("REL-CIRCUIT-BREAKER")
def check_circuit_breaker(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    return evaluate_practice_around_calls(
        item.id, production_findings(ctx.findings_for(item.id)), outbound_calls(ctx), "circuit breaker",
        "pybreaker, aiobreaker, circuitbreaker, purgatory, opossum, cockatiel, gobreaker, hystrix")


# ---- REL-BULKHEAD --------------------------------------------------------------------------------
def evaluate_bulkhead(item_id: str, findings: list[Finding], calls: list[Finding],
                      database: bool) -> ItemResult:
    bad = dedupe([f for f in findings if f.kind == VIOLATION])
    good = dedupe([f for f in findings if f.kind == PRACTICE])
    if not good and not bad:
        if not calls and not database:
            return ItemResult(item_id, "not_applicable",
                              "no outbound call and no database use: no dependency pool to isolate")
        what = []
        if calls:
            what.append(f"{len(calls)} outbound call site(s)")
        if database:
            what.append("database use")
        return ItemResult(item_id, "fail",
                          f"{' and '.join(what)} but no bounded pool, semaphore or worker limit found "
                          "(heuristic); looked for ThreadPoolExecutor(max_workers), asyncio.Semaphore, "
                          "engine pool_size, httpx.Limits, TCPConnector(limit), pg Pool({max}), p-limit, "
                          "SetMaxOpenConns, semaphore.NewWeighted.",
                          _missing_at(calls, "no-bulkhead", "outbound call with no bounded pool or semaphore found"))
    total = len(good) + len(bad)
    return partial_result(item_id, len(good), total,
                          f"{len(good)} bounded pool(s) or semaphore(s); {len(bad)} explicitly unbounded "
                          "(heuristic: pools not declared in code, e.g. by the server, are not seen).",
                          _cap([f.evidence for f in bad] + [f.evidence for f in good]))


@check("REL-BULKHEAD")
def check_bulkhead(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    return evaluate_bulkhead(item.id, production_findings(ctx.findings_for(item.id)), outbound_calls(ctx),
                             ctx.inventory.uses_database)


# ---- REL-HEALTH ----------------------------------------------------------------------------------
HEALTH_SEGMENT = re.compile(r"(?i)^_?(health|healthz|healthcheck|health-check|health_check|livez|live|liveness|"
                            r"ready|readyz|readiness|ping|status)$")
READINESS_SEGMENT = re.compile(r"(?i)^(ready|readyz|readiness)$")
DEPENDENCY_TOUCH = re.compile(
    r"\.execute\(|\.exec\(|cursor\(|\bSELECT 1\b|\.ping\(|\.Ping(Context)?\(|\.query\(|\.scalars?\(|"
    r"\bredis\.|\bcache\.(get|set)\(|\.connection\b|\bengine\.connect\(|\.check_health\(|"
    r"\bconnection\.ensure_connection\(|\.admin\.command\(\s*['\"]ping|\.raw\(|\bobjects\.(exists|count|first)\(", re.I)


def handler_body(text: str) -> str:
    """The handler's body without its decorators, signature and docstring, so the handler's own name
    (`def health_check():`) or route text is never read as a call to a dependency. Comments are dropped."""
    try:
        tree = ast.parse(text.strip()) if text.lstrip().startswith(("@", "def", "async")) else None
    except SyntaxError:
        tree = None
    if tree is not None and tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        body = tree.body[0].body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        return "\n".join(ast.unparse(stmt) for stmt in body)
    lines = [line for line in text.splitlines() if not line.strip().startswith(("//", "#", "*", "/*"))]
    start = next((i for i, line in enumerate(lines) if re.search(r"=>|\bfunction\b|\bfunc\b|\bdef\b", line)), None)
    if start is None:
        return "\n".join(lines)
    first = lines[start]
    rest = re.split(r"=>|\)\s*\{", first, maxsplit=1)
    return "\n".join(([rest[1]] if len(rest) > 1 else []) + lines[start + 1:])


@dataclass(frozen=True)
class HealthRoute:
    path: str            # route path when known (inventory), else the declaration text
    evidence: Evidence
    handler_text: str    # handler source, for the dependency check

    @property
    def readiness(self) -> bool:
        segments = [s for s in re.split(r"[/'\"\s]+", self.path) if s]
        return any(READINESS_SEGMENT.match(s.strip("^$")) for s in segments)

    @property
    def checks_dependencies(self) -> bool:
        return bool(DEPENDENCY_TOUCH.search(handler_body(self.handler_text)))


PREFIX_SEGMENT = re.compile(r"(?i)^(api|v\d+(\.\d+)*|utils?|internal|system|sys|ops|admin|management|monitoring|"
                            r"_?meta|private|public|service|app|\d+)$")


def is_health_path(path: str) -> bool:
    """A route whose last segment names a health probe, under at most 3 other segments, or under any number
    of prefix segments (`/api/v1/utils/health-check/`)."""
    segments = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
    if not segments or not HEALTH_SEGMENT.match(segments[-1]):
        return False
    return len(segments) <= 3 or all(PREFIX_SEGMENT.match(s) for s in segments[:-1])


def evaluate_health(item_id: str, routes: list[HealthRoute], route_files: int) -> ItemResult:
    if not routes:
        return ItemResult(item_id, "fail",
                          f"no liveness or readiness route: looked for health routes (/health, /healthz, "
                          f"/livez, /ready, /readyz, /ping, /status) in {route_files} route file(s).",
                          details={"route_files": route_files})
    readiness = [r for r in routes if r.readiness]
    deps = [r for r in routes if r.checks_dependencies]
    notes = []
    if readiness:
        notes.append("readiness route " + ", ".join(sorted({r.path for r in readiness})))
    else:
        notes.append("no separate readiness route")
    if deps:
        notes.append("checks its dependencies at " + ", ".join(sorted({_where(r.evidence) for r in deps})))
    else:
        notes.append("no health handler touches the database or cache (it cannot report a dead dependency)")
    paths = sorted({r.path for r in routes})
    return ItemResult(item_id, "pass", f"health route(s) {', '.join(paths)}; " + "; ".join(notes) + ".",
                      _cap([r.evidence for r in routes]),
                      details={"routes": paths, "readiness": bool(readiness), "checks_dependencies": bool(deps)})


def _evidence_text(ctx: AuditContext, ev: Evidence) -> str:
    lines = ctx.repo.lines(ev.file)
    return "\n".join(lines[(ev.line or 1) - 1:(ev.end_line or ev.line or 1)])


@check("REL-HEALTH")
def check_health(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = None
    try:
        endpoints = endpoint_inventory(ctx)
    except Unavailable:
        pass
    semgrep_problem = ctx.engine_problem("semgrep")
    if semgrep_problem and endpoints is None:
        raise Unavailable(semgrep_problem)
    routes: list[HealthRoute] = []
    seen: set[tuple[str, int | None]] = set()
    inventory_health = [e for e in (endpoints.endpoints if endpoints else []) if is_health_path(e.path)]
    for ep in inventory_health:
        ev = Evidence(ep.file, ep.line, ctx.repo.snippet(ep.file, ep.line), rule_id="endpoint-inventory",
                      engine="inventory", message=f"{ep.method} {ep.path} ({ep.framework})", kind=PRACTICE)
        routes.append(HealthRoute(ep.path, ev, handler_source(ctx.repo, ep)))
        seen.add((ep.file, ep.line))
    for f in production_findings(ctx.practices(item.id)):
        ev = f.evidence
        if (ev.file, ev.line) in seen:
            continue
        text = _evidence_text(ctx, ev)
        match = re.search(r"[\"'`]((?:GET |HEAD )?[^\"'`]*)[\"'`]", text)
        path = match.group(1) if match else text.strip()[:60]
        # a Django path("health/", view) declaration: the handler is the inventory's endpoint, if any
        handler_text = text
        for ep in inventory_health:
            if ep.path.strip("/") == path.strip("/^$"):
                handler_text = handler_source(ctx.repo, ep) or text
        routes.append(HealthRoute(path if path.startswith("/") else "/" + path, ev, handler_text))
        seen.add((ev.file, ev.line))
    files = len({e.file for e in endpoints.endpoints}) if endpoints and endpoints.endpoints else route_file_count(ctx.repo)
    return evaluate_health(item.id, routes, files)


# ---- REL-IDEMPOTENCY -----------------------------------------------------------------------------
PAYMENT_OR_ORDER = re.compile(r"(?i)(order|payment|pay\b|charge|checkout|purchase|invoice|transfer|"
                              r"subscription|subscribe|booking|refund|donation|transaction)")
IDEMPOTENCY = re.compile(r"(?i)idempot")
GLOBAL_IDEMPOTENCY = re.compile(r"(?i)(IdempotencyMiddleware|express-idempotency|idempotency-key|"
                                r"django_idempotency|idempotency_key_middleware|idempotent_request)")


def needs_idempotency(ep: Endpoint) -> bool:
    """A POST that creates an order or takes a payment (by path or handler name)."""
    if ep.method.upper() not in ("POST", "ANY"):
        return False
    last = [s for s in ep.path.strip("/").split("/") if s and not s.startswith("{")]
    words = " ".join(last[-2:]) + " " + ep.handler
    return bool(PAYMENT_OR_ORDER.search(words)) and not re.search(r"(?i)(cancel|search|list)", last[-1] if last else "")


def evaluate_idempotency(item_id: str, endpoints: list[Endpoint], source_of: Callable[[Endpoint], str],
                         global_evidence: list[Evidence], snippet_of: Callable[[Endpoint], str]) -> ItemResult:
    targets = [e for e in endpoints if needs_idempotency(e)]
    if not targets:
        return ItemResult(item_id, "not_applicable",
                          f"no endpoint creates orders or takes payments among {len(endpoints)} endpoint(s) "
                          "(looked at POST routes named order, payment, charge, checkout, purchase, ...)")
    if global_evidence:
        return ItemResult(item_id, "pass",
                          f"idempotency handled globally ({_where(global_evidence[0])}) for {len(targets)} "
                          "order/payment endpoint(s) (heuristic).", _cap(global_evidence))
    good, bad = [], []
    for ep in targets:
        src = source_of(ep)
        kind = PRACTICE if IDEMPOTENCY.search(src) else VIOLATION
        msg = (f"{ep.method} {ep.path}: reads an idempotency key" if kind == PRACTICE else
               f"{ep.method} {ep.path} creates orders or takes payment without an idempotency key: a client "
               "retry after a timeout repeats it")
        ev = Evidence(ep.file, ep.line, snippet_of(ep), rule_id="idempotency-key", engine="inventory",
                      message=msg, kind=kind)
        (good if kind == PRACTICE else bad).append(ev)
    return partial_result(item_id, len(good), len(targets),
                          f"{len(good)} of {len(targets)} order/payment endpoint(s) accept an idempotency key "
                          "(heuristic: handler text mentions idempotency).", _cap(bad + good),
                          {"endpoints": [f"{e.method} {e.path}" for e in targets]})


@check("REL-IDEMPOTENCY")
def check_idempotency(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    global_evidence = []
    for path in ctx.repo.paths():
        if TEST_FILE.search(path) or not path.endswith((".py", ".js", ".ts", ".go")):
            continue
        if "idempot" not in (ctx.repo.read_text(path) or "").lower():  # every GLOBAL_IDEMPOTENCY match spells it
            continue
        for number, line in enumerate(ctx.repo.lines(path), 1):
            if GLOBAL_IDEMPOTENCY.search(line) and re.search(r"(?i)(middleware|app\.use|MIDDLEWARE|use\()", line):
                global_evidence.append(Evidence(path, number, line.strip(), rule_id="idempotency-middleware",
                                                engine="text", message="idempotency middleware", kind=PRACTICE))
    return evaluate_idempotency(item.id, inv.endpoints, lambda e: handler_source(ctx.repo, e),
                                global_evidence, lambda e: ctx.repo.snippet(e.file, e.line))


# ---- REL-GRACEFUL-DEGRADATION --------------------------------------------------------------------
@dataclass(frozen=True)
class GuardedCall:
    call: Evidence
    fallback_line: int | None     # the except line that falls back, or None


def _handler_falls_back(handler: ast.ExceptHandler) -> bool:
    """The except block answers something instead of failing: returns or assigns a value, no raise."""
    has_raise = any(isinstance(n, ast.Raise) for n in walk(handler))
    if has_raise:
        return False
    returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in walk(handler))
    assigns = any(isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) for n in handler.body)
    return returns_value or assigns


def python_fallbacks(tree: ast.AST) -> list[tuple[int, int, int | None]]:
    """(first line, last line, fallback except line or None) of every try block."""
    out = []
    for node in nodes_of(tree, ast.Try):
        if node.body:
            first, last = node.body[0].lineno, max(getattr(n, "end_lineno", n.lineno) for n in node.body)
            fallback = next((h.lineno for h in node.handlers if _handler_falls_back(h)), None)
            out.append((first, last, fallback))
    return out


JS_TRY = re.compile(r"\btry\s*\{")
JS_CATCH = re.compile(r"\s*catch\s*(\([^)]*\))?\s*\{")


def js_fallbacks(text: str) -> list[tuple[int, int, int | None]]:
    """Same as python_fallbacks for JavaScript, by brace matching (strings with braces may confuse it)."""
    out = []
    for m in JS_TRY.finditer(text):
        body_end = _match_brace(text, m.end() - 1)
        if body_end is None:
            continue
        catch = JS_CATCH.match(text, body_end + 1)
        if not catch:
            continue
        catch_end = _match_brace(text, catch.end() - 1)
        if catch_end is None:
            continue
        block = text[catch.end():catch_end]
        first = text.count("\n", 0, m.start()) + 1
        last = text.count("\n", 0, body_end) + 1
        falls_back = (("return" in block or re.search(r"\b\w+\s*=[^=]", block) is not None)
                      and not re.search(r"\bthrow\b|next\(\s*\w+\s*\)", block))
        out.append((first, last, text.count("\n", 0, body_end) + 1 if falls_back else None))
    return out


def _match_brace(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, min(len(text), open_at + 20000)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def evaluate_graceful_degradation(item_id: str, guarded: list[GuardedCall],
                                  unanalysed: list[Finding]) -> ItemResult:
    if not guarded and not unanalysed:
        return ItemResult(item_id, "not_applicable", "no outbound call found, so there is no dependency to degrade around")
    if not guarded:
        raise Unavailable(f"outbound calls only in languages the fallback scan does not read "
                          f"({', '.join(sorted({f.file for f in unanalysed})[:5])})")
    with_fallback = [g for g in guarded if g.fallback_line]
    note = f" {len(unanalysed)} call(s) in other languages not analysed." if unanalysed else ""
    if with_fallback:
        # like REL-TIMEOUTS: each call is one place, so 1 of 7 calls with a fallback is partial, not pass
        good = [Evidence(g.call.file, g.fallback_line, "", rule_id="fallback-on-failure", engine="ast",
                         message=f"falls back when the call at line {g.call.line} fails", kind=PRACTICE)
                for g in with_fallback]
        bad = _missing_at([g.call for g in guarded if not g.fallback_line], "no-fallback",
                          "no fallback when this call fails")
        return partial_result(item_id, len(with_fallback), len(guarded),
                              f"{len(with_fallback)} of {len(guarded)} outbound call(s) have a fallback when they fail "
                              f"(heuristic: an except/catch that returns or assigns a value instead of re-raising).{note}",
                              _cap(bad + good), {"with_fallback": len(with_fallback), "calls": len(guarded),
                                                 "without_fallback": [_where(g.call) for g in guarded if not g.fallback_line]})
    return ItemResult(item_id, "fail",
                      f"none of {len(guarded)} outbound call(s) has a fallback: looked for a try/except (catch) "
                      f"around the call that returns or assigns a default instead of re-raising (heuristic).{note}",
                      _missing_at([g.call for g in guarded], "no-fallback", "no fallback when this call fails"),
                      details={"with_fallback": 0, "calls": len(guarded)})


CLIENT_CONSTRUCTOR = re.compile(r"\b(httpx\.(Async)?Client|requests\.Session|aiohttp\.ClientSession|axios\.create|"
                                r"boto3\.(client|resource)|http\.Client\s*\{)\s*[({]?")


def is_client_constructor(f: Finding) -> bool:
    """A client being built (`httpx.Client(timeout=...)`): no request is made there, so nothing can fail to
    fall back from. REL-TIMEOUTS counts it (its timeout bounds every call); graceful degradation does not."""
    return bool(CLIENT_CONSTRUCTOR.search(f.evidence.snippet or ""))


@check("REL-GRACEFUL-DEGRADATION")
def check_graceful_degradation(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    found = outbound_calls(ctx)
    calls = [f for f in found if not is_client_constructor(f)]
    clients = [f for f in found if is_client_constructor(f)]
    if clients and not calls:
        raise Unavailable(f"only client constructors found ({', '.join(_where(f) for f in clients[:3])}); the calls "
                          "made through them are not traced, so whether they fall back cannot be judged")
    guarded: list[GuardedCall] = []
    unanalysed: list[Finding] = []
    blocks_by_file: dict[str, list[tuple[int, int, int | None]]] = {}
    for f in calls:
        if f.file not in blocks_by_file:
            if f.file.endswith((".py", ".pyi")):
                tree = ctx.repo.python_ast(f.file)
                blocks_by_file[f.file] = python_fallbacks(tree) if tree is not None else []
            elif f.file.endswith((".js", ".mjs", ".cjs", ".ts")):
                blocks_by_file[f.file] = js_fallbacks(ctx.repo.read_text(f.file) or "")
            else:
                unanalysed.append(f)
                continue
        fallback = next((fb for first, last, fb in blocks_by_file[f.file]
                         if fb and first <= (f.line or 0) <= last), None)
        guarded.append(GuardedCall(f.evidence, fallback))
    return evaluate_graceful_degradation(item.id, guarded, unanalysed)


# ---- REL-ERROR-HANDLING --------------------------------------------------------------------------
def _is_swallow_body(body: list[ast.stmt]) -> bool:
    for stmt in body:
        if isinstance(stmt, (ast.Pass, ast.Continue)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # docstring or ...
            continue
        return False
    return True


def python_handler_findings(path: str, tree: ast.AST, snippet: Callable[[int], str]) -> tuple[int, list[Finding]]:
    """(number of except handlers, findings for the ones that swallow or are bare without re-raise)."""
    count, found = 0, []
    for node in nodes_of(tree, ast.ExceptHandler):
        count += 1
        reraises = any(isinstance(n, ast.Raise) for n in walk(node))
        if _is_swallow_body(node.body):
            rule, msg = "swallowed-exception", "the exception is swallowed (except: pass/continue): nobody learns it failed"
        elif node.type is None and not reraises:
            rule, msg = "bare-except", "bare except: also catches SystemExit and KeyboardInterrupt; catch specific exceptions"
        else:
            continue
        found.append(Finding("REL-ERROR-HANDLING", Evidence(path, node.lineno, snippet(node.lineno), rule_id=rule,
                                                            engine="ast", message=msg)))
    return count, found


JS_CATCH_COUNT = re.compile(r"\bcatch\s*[({]|\.catch\(")


def evaluate_error_handling(item_id: str, handlers: int, violations: list[Finding], logging: list[Finding],
                            needs_logging: bool) -> ItemResult:
    bad = dedupe(violations)
    log_evidence = [f.evidence for f in dedupe(logging)]
    total = max(handlers, len(bad))
    if bad:
        result = partial_result(item_id, total - len(bad), total,
                                f"{len(bad)} of {total} exception handler(s) swallow the error or use a bare except.",
                                _cap([f.evidence for f in bad] + log_evidence),
                                {"handlers": total, "swallowing": len(bad), "logging_configured": bool(log_evidence)})
        if not log_evidence and needs_logging:
            result.rationale += " Logging is not configured either."
        return result
    if log_evidence or not needs_logging:
        how = f"logging configured at {_where(log_evidence[0])}" if log_evidence else "no logging set-up needed for this language"
        return ItemResult(item_id, "pass", f"no swallowed exception or bare except in {handlers} handler(s); {how}.",
                          _cap(log_evidence), details={"handlers": handlers, "logging_configured": bool(log_evidence)})
    return ItemResult(item_id, "partial",
                      f"no swallowed exception in {handlers} handler(s), but logging is not configured: looked for "
                      "logging.basicConfig/dictConfig/fileConfig, structlog.configure, Django LOGGING, winston, pino, bunyan.",
                      [], partial_score=5, details={"handlers": handlers, "logging_configured": False})


@check("REL-ERROR-HANDLING")
def check_error_handling(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    handlers, violations = 0, []
    for path in ctx.repo.paths("python"):
        if TEST_FILE.search(path):
            continue
        tree = ctx.repo.python_ast(path)
        if tree is None:
            continue
        count, found = python_handler_findings(path, tree, lambda line, p=path: ctx.repo.snippet(p, line))
        handlers += count
        violations += found
    for lang in ("javascript", "typescript"):
        for path in ctx.repo.paths(lang):
            if not TEST_FILE.search(path):
                handlers += len(JS_CATCH_COUNT.findall(ctx.repo.read_text(path) or ""))
    engine_findings = production_findings(ctx.violations(item.id))
    languages = ctx.inventory.code_languages
    needs_logging = bool(languages & {"python", "javascript", "typescript"})
    return evaluate_error_handling(item.id, handlers, violations + engine_findings,
                                   production_findings(ctx.practices(item.id)), needs_logging)
