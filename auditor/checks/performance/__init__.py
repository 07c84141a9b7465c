"""Performance checklist: N+1 queries, caching, background work, connection pooling, compression.

All heuristic: they read code patterns (semgrep rules under rules/semgrep/performance, Python ast for
N+1 and Django settings, text for proxy configs) and say so in the rationale.
"""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.evaluate import dedupe
from auditor.context import AuditContext, Unavailable
from auditor.inventory import DOCUMENT, TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.probes import nplusone, slowwork
from auditor.registry import check, collector


def _python_sources(ctx: AuditContext) -> list[tuple[str, ast.Module]]:
    out = []
    for path in ctx.repo.paths("python"):
        if TEST_FILE.search(path) or "/migrations/" in f"/{path}":
            continue
        tree = ctx.repo.python_ast(path)
        if tree is not None:
            out.append((path, tree))
    return out


def _other_languages_note(ctx: AuditContext, covered: set[str]) -> str:
    rest = sorted(ctx.inventory.code_languages - covered)
    return f" Not analysed: {', '.join(rest)} code." if rest else ""


def _practice_violation_verdict(ctx: AuditContext, item: CatalogItem, practices: list[Finding],
                                violations: list[Finding], what_good: str, what_bad: str,
                                none: ItemResult) -> ItemResult:
    """Practice only: pass; violations only: fail; both: partial by count; neither: `none`."""
    good = dedupe(practices)
    bad = dedupe(violations)
    bad_lines = {(f.file, f.line) for f in bad}
    good = [f for f in good if (f.file, f.line) not in bad_lines]
    evidence = [f.evidence for f in bad] + [f.evidence for f in good][:15]
    details = {"practices": len(good), "violations": len(bad)}
    if not good and not bad:
        return none
    if not bad:
        return ItemResult(item.id, "pass", f"Heuristic: {what_good} ({len(good)} place(s)).", evidence,
                          details=details)
    if not good:
        return ItemResult(item.id, "fail", f"Heuristic: {what_bad} ({len(bad)} place(s)).", evidence,
                          details=details)
    return partial_result(item.id, len(good), len(good) + len(bad),
                          f"Heuristic: {what_good} in {len(good)} place(s), but {what_bad} in {len(bad)}.",
                          evidence, details)


# ---- PERF-N-PLUS-1 ---------------------------------------------------------------------------

@collector("query_loops", serves=("PERF-N-PLUS-1",))
def collect_query_loops(ctx: AuditContext) -> tuple[nplusone.Relations, list[nplusone.QueryLoop], list[Evidence]]:
    """(ORM relations, loops over query results, eager-loading calls): the ast scan behind PERF-N-PLUS-1."""
    sources = _python_sources(ctx)
    relations = nplusone.Relations()
    for path, tree in sources:
        nplusone.collect_relations(path, tree, relations)
    loops: list[nplusone.QueryLoop] = []
    eager: list[Evidence] = []
    for path, tree in sources:
        loops += nplusone.query_loops(path, tree, relations)
        for line, call in nplusone.eager_loading_uses(tree):
            eager.append(Evidence(path, line, ctx.repo.snippet(path, line), rule_id="eager-loading", engine="ast",
                                  message=f"{call}: related rows loaded up front", kind=PRACTICE))
    return relations, loops, eager


@check("PERF-N-PLUS-1")
def no_n_plus_one(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    relations, loops, eager = ctx.get("query_loops")
    note = _other_languages_note(ctx, {"python"})
    bad = [loop for loop in loops if loop.n_plus_one]
    safe = [loop for loop in loops if loop.accesses and not loop.n_plus_one]
    details = {"query_loops": len(loops), "n_plus_one_loops": len(bad), "eager_loaded_loops": len(safe),
               "relations_known": sorted(relations.lazy)}
    if not loops and not eager:
        if "python" not in ctx.inventory.code_languages:
            raise Unavailable("N+1 detection reads Python ORM code (Django, SQLAlchemy) only; this repository's code "
                              f"is {', '.join(sorted(ctx.inventory.code_languages))}")
        if ctx.inventory.document_database_only:
            raise Unavailable("the database is a document store ("
                              + ", ".join(ctx.inventory.database_kinds.get(DOCUMENT, []))
                              + "); N+1 detection reads Django and SQLAlchemy queries, not MongoDB calls")
        return ItemResult(item.id, "not_applicable",
                          "Heuristic: no loop over ORM or SQL query results and no eager loading in Python code, "
                          "so there is no N+1 surface to judge." + note, details=details)
    evidence: list[Evidence] = []
    for loop in bad:
        for access in loop.n_plus_one:
            kind = "a query per row" if access.what.startswith("query in loop") else f"{access.what} loads lazily per row"
            evidence.append(Evidence(loop.file, access.line, ctx.repo.snippet(loop.file, access.line),
                                     rule_id="n-plus-one", engine="ast", kind=VIOLATION,
                                     message=f"loop over {loop.source} query results (line {loop.line}): {kind}"
                                             " without select_related/prefetch_related/joinedload/selectinload"))
    evidence += eager[:10]
    if not bad:
        what = (f"{len(safe)} loop(s) that use related rows load them eagerly" if safe
                else f"{len(loops)} loop(s) over query results touch no relationship and run no per-row query")
        if not loops:
            what = "eager loading is used and no loop over query results was found"
        if not eager:
            evidence += [Evidence(loop.file, loop.line, ctx.repo.snippet(loop.file, loop.line), rule_id="query-loop",
                                  engine="ast", kind=PRACTICE,
                                  message="loop over query results without per-row queries") for loop in loops[:5]]
        return ItemResult(item.id, "pass", f"Heuristic: {what}.{note}", evidence, details=details)
    return partial_result(item.id, len(safe), len(safe) + len(bad),
                          f"Heuristic: {len(bad)} loop(s) over query results issue a query per row "
                          f"(lazy relationship access or a query inside the loop); {len(safe)} loop(s) load "
                          f"related rows eagerly.{note}", evidence, details)


# ---- PERF-CACHING ----------------------------------------------------------------------------

REDIS_CONSTRUCTOR = re.compile(r"\b(?:Redis|StrictRedis|from_url)\s*\(")
CACHE_COMMAND = r"\.(?:get|set|setex|setnx|getex|mget|mset|hget|hset|hgetall|incr|decr|expire|delete|exists|ttl)\s*\("


def _assigned_name(tree: ast.Module, line: int) -> str | None:
    """The dotted target (`r`, `app.redis`) assigned on `line`, if that line is an assignment."""
    for node in nodes_of(tree, (ast.Assign, ast.AnnAssign)):
        if node.lineno == line:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            try:
                return ast.unparse(target)
            except (ValueError, AttributeError):
                return None
    return None


def broker_only_redis(ctx: AuditContext, findings: list[Finding]) -> tuple[list[Finding], list[str]]:
    """Drop Redis connections whose only use is a job queue's broker (rq.Queue(connection=r), Worker):
    a queue connection caches nothing. A connection also used with get/set-style commands stays."""
    kept, dropped = [], []
    code = None
    for f in findings:
        text = (ctx.repo.read_text(f.file) or "") if f.file.endswith(".py") else ""
        line_text = text.splitlines()[f.line - 1] if f.line and 0 < f.line <= text.count("\n") + 1 else ""
        tree = ctx.repo.python_ast(f.file) if REDIS_CONSTRUCTOR.search(line_text) else None
        name = _assigned_name(tree, f.line) if tree is not None else None
        if not name or not re.search(rf"\bconnection\s*=\s*{re.escape(name)}\b", text):
            kept.append(f)
            continue
        if code is None:
            code = "\n".join(ctx.repo.read_text(p) or "" for p in ctx.repo.paths("python") if not TEST_FILE.search(p))
        last = name.rsplit(".", 1)[-1]
        if re.search(rf"\b{re.escape(last)}{CACHE_COMMAND}", code):
            kept.append(f)
        else:
            dropped.append(f"{f.file}:{f.line} {name} (job queue connection only)")
    return kept, dropped


@check("PERF-CACHING")
def caching(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    practices, queue_only = broker_only_redis(ctx, ctx.practices(item.id))
    queue_note = (f" Not counted as caches: {'; '.join(queue_only)}." if queue_only else "")
    none = ItemResult(item.id, "fail",
                      "Heuristic: no cache found. Looked for Redis/memcached clients, Django CACHES with a shared "
                      "backend, cache_page/cache.get_or_set, flask-caching, fastapi-cache, cachetools, "
                      "functools.lru_cache/cache (not on settings or credential loaders), node "
                      "redis/ioredis/lru-cache, go-redis/bigcache." + queue_note
                      + _other_languages_note(ctx, {"python", "javascript", "typescript", "go"}))
    result = _practice_violation_verdict(ctx, item, practices, ctx.violations(item.id),
                                         "hot data is cached", "caching is misconfigured", none)
    if queue_only and result is not none:
        result.rationale += queue_note
        result.details["queue_connections"] = queue_only
    return result


# ---- PERF-ASYNC ------------------------------------------------------------------------------

PYTHON_FRAMEWORKS = ("flask", "fastapi", "django", "drf", "aiohttp", "starlette")
SLOW_WORK_ANALYSED = {"python", "javascript", "typescript"}


@collector("handler_slow_work", after=("endpoints",), serves=("PERF-ASYNC",))
def helper_slow_work(ctx: AuditContext) -> tuple[list[Finding], dict]:
    """Slow work in Python handlers and one level down in same-repository helpers (ast)."""
    endpoints = ctx.get("endpoints").endpoints
    python_endpoints = [e for e in endpoints if e.framework in PYTHON_FRAMEWORKS and e.file.endswith(".py")]
    modules = {path: slowwork.read_module(path, tree) for path, tree in _python_sources(ctx)}
    project = slowwork.Project(list(modules.values()))
    findings: list[Finding] = []
    handlers = helpers = 0
    seen: set[tuple[str, int]] = set()
    for ep in python_endpoints:
        mod = modules.get(ep.file)
        fn = slowwork.find_handler(mod, ep.handler, ep.line) if mod else None
        if fn is None or (ep.file, fn.lineno) in seen:
            continue
        seen.add((ep.file, fn.lineno))
        handlers += 1
        found, read = slowwork.slow_work_in_handler(project, mod, fn, ep.handler)
        helpers += read
        for work in found:
            via = f" through {work.via}" if work.via else ""
            findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
                work.file, work.line, ctx.repo.snippet(work.file, work.line), rule_id="slow-work-in-handler",
                engine="ast", kind=VIOLATION,
                message=f"{ep.method} {ep.path} ({work.handler}) {work.what}{via} while the client waits; "
                        "hand it to a background job")))
    return findings, {"python_handlers_read": handlers, "helper_calls_followed": helpers,
                      "endpoints": len(endpoints)}


@check("PERF-ASYNC")
def background_work(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    helper_findings, scan = ctx.get("handler_slow_work")
    looked_for = ("mail (smtplib, emails, yagmail, Flask-Mail, Django mail), subprocesses and PDF rendering in "
                  f"{scan['python_handlers_read']} Python handler(s) and the {scan['helper_calls_followed']} "
                  "same-repository function call(s) they make (one level), and background job systems (Celery, "
                  "RQ, Dramatiq, arq, Huey, FastAPI BackgroundTasks, BullMQ)")
    violations = ctx.violations(item.id) + helper_findings
    if not ctx.practices(item.id) and not violations:
        unanalysed = sorted(ctx.inventory.code_languages - SLOW_WORK_ANALYSED)
        if unanalysed:
            raise Unavailable(f"no slow work found, but {', '.join(unanalysed)} handlers are not analysed. "
                              f"Looked for {looked_for}.")
    none = ItemResult(item.id, "not_applicable",
                      f"Heuristic: no slow work and no job system found. Looked for {looked_for}.",
                      details=scan)
    result = _practice_violation_verdict(ctx, item, ctx.practices(item.id), violations,
                                         "heavy work is handed to background jobs",
                                         "slow work runs inside request handlers without a background job", none)
    result.details.update(scan)
    return result


# ---- PERF-POOLING ----------------------------------------------------------------------------

DJANGO_DATABASES = re.compile(r"^DATABASES\s*=", re.M)


def django_settings_without_conn_max_age(ctx: AuditContext) -> list[Finding]:
    """Django settings declaring DATABASES with no CONN_MAX_AGE: Django then opens and closes a database
    connection for every request (the default CONN_MAX_AGE is 0)."""
    out = []
    for path in ctx.repo.paths("python"):
        if TEST_FILE.search(path):
            continue
        text = ctx.repo.read_text(path) or ""
        m = DJANGO_DATABASES.search(text)
        if not m or "django.db.backends" not in text and "dj_database_url" not in text and "env.db" not in text:
            continue
        if re.search(r"CONN_MAX_AGE|conn_max_age|[\"']pool[\"']\s*:", text):
            continue
        line = text.count("\n", 0, m.start()) + 1
        out.append(Finding(item_id="PERF-POOLING", evidence=Evidence(
            path, line, ctx.repo.snippet(path, line), rule_id="django-conn-max-age-unset", engine="ast",
            kind=VIOLATION, message="DATABASES without CONN_MAX_AGE: Django opens a new database connection for "
                                    "every request (CONN_MAX_AGE defaults to 0)")))
    return out


@check("PERF-POOLING")
def connection_pooling(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    none = ItemResult(item.id, "fail",
                      "Heuristic: no connection pooling found. Looked for SQLAlchemy engines (pool settings or "
                      "a module-level engine), CONN_MAX_AGE, psycopg/asyncpg/aiomysql pools, shared "
                      "requests.Session/httpx.Client, pg.Pool/mysql.createPool/Prisma, a shared MongoClient/Mongoose connection, "
                      "Go SetMaxOpenConns/pgxpool."
                      + _other_languages_note(ctx, {"python", "javascript", "typescript", "go"}))
    return _practice_violation_verdict(ctx, item, ctx.practices(item.id),
                                       ctx.violations(item.id) + django_settings_without_conn_max_age(ctx),
                                       "connections are pooled and reused",
                                       "connections are opened per call or never pooled", none)


# ---- PERF-COMPRESSION ------------------------------------------------------------------------

PROXY_COMPRESSION = (
    (re.compile(r"^\s*gzip\s+on\s*;", re.M), "nginx gzip on", lambda p: p.endswith(".conf") or "nginx" in p),
    (re.compile(r"^\s*brotli\s+on\s*;", re.M), "nginx brotli on", lambda p: p.endswith(".conf") or "nginx" in p),
    (re.compile(r"^\s*encode\s+(zstd\s+)?gzip", re.M), "Caddy encode gzip", lambda p: "caddyfile" in p.lower()),
    (re.compile(r"^\s*SetOutputFilter\s+DEFLATE|AddOutputFilterByType\s+DEFLATE", re.M), "Apache mod_deflate",
     lambda p: p.endswith((".conf", ".htaccess"))),
    (re.compile(r"compress:\s*\{\}|compress:\s*true|middlewares\.[\w-]+\.compress", re.M), "Traefik compress",
     lambda p: p.endswith((".yml", ".yaml", ".toml")) and "traefik" in p.lower()),
)


def proxy_compression(ctx: AuditContext) -> list[Finding]:
    out = []
    for f in ctx.repo.files:
        for pattern, what, applies in PROXY_COMPRESSION:
            if not applies(f.path):
                continue
            text = ctx.repo.read_text(f.path) or ""
            m = pattern.search(text)
            if m:
                line = text.count("\n", 0, m.start()) + 1
                out.append(Finding(item_id="PERF-COMPRESSION", evidence=Evidence(
                    f.path, line, ctx.repo.snippet(f.path, line), rule_id="proxy-compression", engine="text",
                    kind=PRACTICE, message=f"{what}: the reverse proxy compresses responses")))
    return out


@check("PERF-COMPRESSION")
def compression(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    none = ItemResult(item.id, "fail",
                      "Heuristic: no response compression found. Looked for GZipMiddleware (Starlette/FastAPI, "
                      "Django), flask-compress, express/koa compression, fastify compress, Go gzip middleware, and "
                      "gzip/brotli in nginx, Caddy, Apache or Traefik configs in the repository (compression at a "
                      "CDN or proxy outside the repository cannot be seen).")
    return _practice_violation_verdict(ctx, item, ctx.practices(item.id) + proxy_compression(ctx),
                                       ctx.violations(item.id), "responses are compressed",
                                       "compression is misconfigured", none)
