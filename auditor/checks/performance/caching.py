"""PERF-CACHING: a cache for hot data (Redis, memcached, framework caches, memoisation)."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import other_languages_note, practice_violation_verdict
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import Finding, ItemResult
from auditor.registry import check

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


# a reference to a cache object that reads or writes nothing: importing it, binding it to the app
SET_UP_ONLY = re.compile(r"^\s*(?:from\s+\S+\s+)?import\b|\.init_app\s*\(|\.init\s*\(")


def never_used_caches(ctx: AuditContext, findings: list[Finding]) -> tuple[list[Finding], list[str]]:
    """Drop Python cache objects that are constructed and set up but never read or written: `cache = Cache()`
    with `cache.init_app(app)` and no `@cache.cached`, `@cache.memoize`, `cache.get/set` or any other use of the
    name in the application code. Presence is not caching. A name used in any other way (a method call,
    passed to another object, a decorator) keeps the finding: the check only drops what is certainly idle."""
    kept, dropped = [], []
    lines: list[str] | None = None
    for f in findings:
        tree = ctx.repo.python_ast(f.file) if f.file.endswith(".py") and f.line else None
        name = _assigned_name(tree, f.line) if tree is not None else None
        if not name or not re.fullmatch(r"[A-Za-z_][\w.]*", name):
            kept.append(f)
            continue
        if lines is None:
            lines = [line for p in ctx.repo.paths("python") if not TEST_FILE.search(p)
                     for line in (ctx.repo.read_text(p) or "").splitlines()]
        last = name.rsplit(".", 1)[-1]
        mention = re.compile(rf"(?<![\w.]){re.escape(last)}\b|\.{re.escape(last)}\b")
        uses = [line for line in lines if mention.search(line) and not line.lstrip().startswith("#")]
        constructed = [line for line in uses if re.match(rf"\s*{re.escape(name)}\s*(?::[^=]+)?=(?!=)", line)]
        other = [line for line in uses if line not in constructed and not SET_UP_ONLY.search(line)]
        if constructed and not other:
            dropped.append(f"{f.file}:{f.line} {name} (constructed and set up, never read or written)")
        else:
            kept.append(f)
    return kept, dropped


@check("PERF-CACHING")
def caching(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    practices, queue_only = broker_only_redis(ctx, ctx.practices(item.id))
    practices, idle = never_used_caches(ctx, practices)
    queue_only += idle
    queue_note = (f" Not counted as caches: {'; '.join(queue_only)}." if queue_only else "")
    none = ItemResult(item.id, "fail",
                      "Heuristic: no cache found. Looked for Redis/memcached clients, Django CACHES with a shared "
                      "backend, cache_page/cache.get_or_set, flask-caching, fastapi-cache, cachetools, "
                      "functools.lru_cache/cache (not on settings or credential loaders), node "
                      "redis/ioredis/lru-cache, go-redis/bigcache." + queue_note
                      + other_languages_note(ctx, {"python", "javascript", "typescript", "go"}))
    result = practice_violation_verdict(ctx, item, practices, ctx.violations(item.id),
                                         "hot data is cached", "caching is misconfigured", none)
    if queue_only and result is not none:
        result.rationale += queue_note
        result.details["queue_connections"] = queue_only
    return result
