"""PERF-CACHING: a cache for hot data (Redis, memcached, framework caches, memoisation).

Python's cache clients are read from the parse tree (`cache_clients`, imports resolved: `from redis import
Redis` makes `Redis(...)` a `redis.Redis` call), per file and reused across audits while the file is unchanged
(auditor/facts.py); the semgrep rules cover JavaScript, Go and Django's CACHES backend (cache-client-python
retired, issue 17: a presence question needs no pattern matcher over every file). The reader is not in the
catalog's `feeds.analyses`, so a Python file our parser cannot read (newer syntax) does not turn a pass into
`unknown` (auditor/unparsed.py): it only adds practices, an unread file can only hide more of them, and the
violations come from semgrep, which reads that file."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import other_languages_note, practice_violation_verdict
from auditor.context import AuditContext
from auditor.facts import FileFacts
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, Evidence, Finding, ItemResult
from auditor.pyast import dotted
from auditor.registry import check

REDIS_CONSTRUCTOR = re.compile(r"\b(?:Redis|StrictRedis|from_url)\s*\(")
CACHE_COMMAND = r"\.(?:get|set|setex|setnx|getex|mget|mset|hget|hset|hgetall|incr|decr|expire|delete|exists|ttl)\s*\("


# the calls that make or use a cache, as dotted names with imports resolved
CACHE_CALLS = frozenset({
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url", "redis.asyncio.Redis",
    "redis.asyncio.from_url", "aioredis.from_url", "pymemcache.client.base.Client", "pymemcache.client.hash.HashClient",
    "memcache.Client", "flask_caching.Cache", "fastapi_cache.FastAPICache.init",
    "django.views.decorators.cache.cache_page", "cachetools.cached", "aiocache.cached"})
CACHE_OBJECT_METHOD = "django.core.cache.cache."          # cache.get(...), cache.set(...), cache.get_or_set(...)
CACHING_DECORATORS = ("cached", "memoize")                 # @cache.cached(timeout=60), @cache.memoize(...)
MEMOISERS = frozenset({"functools.lru_cache", "functools.cache"})
# a memoised function is a cache of hot data, unless it loads settings, credentials or a client once
LOADS_ONCE = re.compile(r"(?i)(?:^|_)(?:settings|config|conf|configuration|credentials?|secrets?|env|environ|"
                        r"environment|keys?|client|engine|logger|session|connection|db)(?:_|$)")
# a file that names none of these makes or uses no cache
CACHE_WORDS = re.compile(r"redis|memcache|[Cc]ache|memoize|lru_cache")


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as (`from redis import Redis as R`: R -> redis.Redis)."""
    out: dict[str, str] = {}
    for node in nodes_of(tree, ast.Import):
        for alias in node.names:
            if alias.asname:
                out[alias.asname] = alias.name
    for node in nodes_of(tree, ast.ImportFrom):
        if node.module and not node.level:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _resolved(node: ast.AST, imported: dict[str, str]) -> str:
    name = dotted(node) or ""
    head, _, rest = name.partition(".")
    full = imported.get(head)
    return (f"{full}.{rest}" if rest else full) if full else name


def cache_clients(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) of each cache made or used in one module: a client or cache object constructed, Django's
    cache called, a caching decorator, a memoised function that does not load settings, credentials or a
    client once."""
    imported = _imported_names(tree)
    found: dict[int, str] = {}
    for call in nodes_of(tree, ast.Call):
        name = _resolved(call.func, imported)
        if name in CACHE_CALLS or name.startswith(CACHE_OBJECT_METHOD) and name.count(".") == 4:
            found.setdefault(call.lineno, name)
    for fn in nodes_of(tree, ast.FunctionDef) + nodes_of(tree, ast.AsyncFunctionDef):
        for deco in fn.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = _resolved(target, imported)
            caching = isinstance(deco, ast.Call) and isinstance(target, ast.Attribute) and (
                target.attr in CACHING_DECORATORS or name == "fastapi_cache.decorator.cache")
            if caching or name in MEMOISERS and not LOADS_ONCE.search(fn.name):
                found.setdefault(deco.lineno, f"@{name} {fn.name}")
    return sorted(found.items())


def python_cache_findings(ctx: AuditContext, item_id: str) -> list[Finding]:
    """The cache clients of the application's Python files (test code left out, as semgrep's run leaves it)."""
    facts = FileFacts.open(ctx.options, ctx.repo.root, "cache_clients")
    out = []
    for path in ctx.repo.paths("python"):
        if TEST_FILE.search(path):
            continue
        text = ctx.repo.read_text(path)
        if not text or not CACHE_WORDS.search(text):
            continue

        def compute(path: str = path) -> list[dict]:
            tree = ctx.repo.python_ast(path)
            return [{"line": line, "what": what} for line, what in cache_clients(tree)] if tree is not None else []

        for row in facts.rows(path, text, compute):
            out.append(Finding(item_id, Evidence(path, row["line"], ctx.repo.snippet(path, row["line"]),
                                                 rule_id="cache-client-python", engine="ast",
                                                 message=f"A cache is used here: {row['what']}.", kind=PRACTICE),
                               severity="info"))
    facts.save()
    return out


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
    texts: list[str] | None = None
    for f in findings:
        tree = ctx.repo.python_ast(f.file) if f.file.endswith(".py") and f.line else None
        name = _assigned_name(tree, f.line) if tree is not None else None
        if not name or not re.fullmatch(r"[A-Za-z_][\w.]*", name):
            kept.append(f)
            continue
        if texts is None:
            texts = [ctx.repo.read_text(p) or "" for p in ctx.repo.paths("python") if not TEST_FILE.search(p)]
        last = name.rsplit(".", 1)[-1]
        mention = re.compile(rf"(?<![\w.]){re.escape(last)}\b|\.{re.escape(last)}\b")
        # only the files that hold the name are split into lines (every line of every file, once per cache
        # name, was most of this check's time on a large repository)
        uses = [line for text in texts if last in text for line in text.splitlines()
                if mention.search(line) and not line.lstrip().startswith("#")]
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
    practices, queue_only = broker_only_redis(ctx, ctx.practices(item.id) + python_cache_findings(ctx, item.id))
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
