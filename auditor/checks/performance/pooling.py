"""PERF-POOLING: database and HTTP connections are pooled and reused, within a bound.

A pool passes when it has a bound: pool size and overflow, max_size, maxsize, or a library default documented
as bounded, named in the rationale (SQLAlchemy's QueuePool: 5 + 10). Django's CONN_MAX_AGE keeps one
persistent connection per worker thread: reuse, but a lifetime, not a bound, so alone it is partial."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import other_languages_note, practice_violation_verdict, production_findings
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext
from auditor.endpoints.go import go_index
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.probes.go_db_pools import db_pool_opens
from auditor.registry import check
from auditor.text import line_of

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
        line = line_of(text, m.start())
        out.append(Finding(item_id="PERF-POOLING", evidence=Evidence(
            path, line, ctx.repo.snippet(path, line), rule_id="django-conn-max-age-unset", engine="ast",
            kind=VIOLATION, message="DATABASES without CONN_MAX_AGE: Django opens a new database connection for "
                                    "every request (CONN_MAX_AGE defaults to 0)")))
    return out


# a database connection (not a pool) opened by the code that runs it; mongoose.connect is left out: it is
# commonly a guarded lazy connect (`if (mongoose.connection.readyState === 0)`) that reuses the default connection
JS_CONNECT = re.compile(r"\bnew\s+(?:[\w$]+\.)?MongoClient\s*\(|\bMongoClient\.connect\s*\(|"
                        r"\bmongoose\.createConnection\s*\(|\b(?:mysql2?|mysql)\.createConnection\s*\(|"
                        r"\bnew\s+(?:pg\.)?Client\s*\(\s*(?:\{|process\.env|[\w$]*(?:conn|url|uri|config)\w*)|"
                        r"\bnew\s+Sequelize\s*\(", re.I)


def javascript_connections_per_request(ctx: AuditContext) -> list[Finding]:
    """JavaScript/TypeScript request handlers (`(req, res)` functions) that open a database connection, in their
    own text or in a same-repository helper they call: each request pays a connect and gets no pooled reuse,
    whatever shared client the rest of the repository keeps."""
    from auditor.orm.js_transactions import JsWriteScanner, server_sources
    sources = server_sources(ctx.repo.paths(), ctx.repo.read_text)
    scanner = JsWriteScanner(sources)
    out, seen = [], set()
    for path in sorted(sources):
        if not JS_CONNECT.search(sources[path]) and "require(" not in sources[path] and "import " not in sources[path]:
            continue
        for name, start, end in scanner.request_handlers(path):
            for file, line, text, via in scanner.reached(path, start, end, JS_CONNECT):
                if (file, line) in seen:
                    continue
                seen.add((file, line))
                through = f" through {via}" if via else ""
                out.append(Finding(item_id="PERF-POOLING", evidence=Evidence(
                    file, line, ctx.repo.snippet(file, line), rule_id="connection-per-request-js", engine="text",
                    kind=VIOLATION, message=f"a database connection is opened for each request: request handler "
                                            f"{name}() at {path}{through} opens it ({text[:60]}), so it is not "
                                            "taken from a shared pool")))
    return out


def go_database_pools(ctx: AuditContext) -> tuple[list[Finding], list[Finding]]:
    """Go database handles (database/sql, sqlx, pgxpool, gorm: pools by design) opened outside request handling
    are the process's pool; one opened on a path a request handler reaches builds a pool per request."""
    inv = ctx.get_optional(ENDPOINTS)
    names = {e.handler.split(".")[-1] for e in (inv.endpoints if inv is not None else []) if e.file.endswith(".go")}
    practices: list[Finding] = []
    violations: list[Finding] = []
    for opened in db_pool_opens(go_index(ctx.repo), names):
        evidence = Evidence(opened.file, opened.line, ctx.repo.snippet(opened.file, opened.line), engine="text",
                            rule_id="go-db-pool-per-request" if opened.per_request else "go-db-pool-held",
                            kind=VIOLATION if opened.per_request else PRACTICE,
                            message=(f"{opened.call} in {opened.function}(), which the request handler "
                                     f"{opened.per_request} reaches: a new pool and a connect for each request")
                            if opened.per_request else
                            (f"{opened.call} in {opened.function}(), which no request handler reaches: the handle is "
                             "a connection pool (database/sql pools by design) opened once and kept"))
        (violations if opened.per_request else practices).append(Finding(item_id="PERF-POOLING", evidence=evidence))
    return practices, violations


@check("PERF-POOLING")
def connection_pooling(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    none = ItemResult(item.id, "fail",
                      "Heuristic: no connection pooling found. Looked for SQLAlchemy engines (pool settings or "
                      "a module-level engine or one created at start-up and kept on the app), CONN_MAX_AGE, psycopg/asyncpg/aiomysql/aiopg pools, shared "
                      "requests.Session/httpx.Client, pg.Pool/mysql.createPool/Prisma, a shared MongoClient/Mongoose connection, "
                      "Go SetMaxOpenConns/pgxpool."
                      + other_languages_note(ctx, {"python", "javascript", "typescript", "go"}))
    # a test's own engine or client (conftest, fixtures) is not how the application connects
    practices = production_findings(ctx.practices(item.id))
    violations = production_findings(ctx.violations(item.id)) + django_settings_without_conn_max_age(ctx)
    if ctx.inventory.code_languages & {"javascript", "typescript"}:
        violations += javascript_connections_per_request(ctx)
    if "go" in ctx.inventory.code_languages:
        go_practices, go_violations = go_database_pools(ctx)
        practices += go_practices
        violations += go_violations
    persistent = [f for f in practices if PERSISTENT_ONLY.search(f.evidence.snippet or "")]
    pooled = [f for f in practices if f not in persistent]
    if persistent and not pooled and not violations:
        first = persistent[0]
        return partial_result(item.id, 1, 2, f"Heuristic: persistent database connections (CONN_MAX_AGE at "
                              f"{first.file}:{first.line}) are reused across requests, one per worker thread, but "
                              "CONN_MAX_AGE is a lifetime, not a bound: no pool size or connection limit is declared.",
                              [f.evidence for f in persistent][:15], {"persistent_only": len(persistent)})
    result = practice_violation_verdict(ctx, item, practices, violations,
                                        "connections are pooled and reused",
                                        "connections are opened per call or never pooled", none)
    if any(f.evidence.rule_id in DEFAULT_ENGINE_RULES for f in pooled) and result.verdict in ("pass", "partial"):
        result.rationale += (" Engines created without pool arguments are bounded by SQLAlchemy's default QueuePool "
                             "(pool_size 5, max_overflow 10, documented).")
    return result


PERSISTENT_ONLY = re.compile(r"(?i)conn_max_age")
# an engine created once (at import or in a start-up hook) without pool arguments: SQLAlchemy's default pool
DEFAULT_ENGINE_RULES = ("engine-created-once-python", "engine-created-at-startup-python")
