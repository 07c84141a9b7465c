"""DB-QUERY-OPTIMIZATION: no SELECT *, no query per loop iteration, no unbounded list query.

An unbounded read is a whole-table `.all()` in a list handler, or a function that reads every row (an ORM
`.all()` with no filter or limit, an executed SQL SELECT with no WHERE and no LIMIT) that a request handler or
a GraphQL resolver reaches through its calls (the program model). A Prisma include that loads a to-many
relation in full only for the code to count or search it is over-fetching (auditor/probes/prisma_overfetch.py)."""
from __future__ import annotations

import ast
import re
from collections import Counter

from auditor.catalog import CatalogItem
from auditor.checks.shared.effects import handlers_reaching
from auditor.checks.shared.schema import MAX_PRACTICE_EVIDENCE, application_modules, document_store_unanalysed
from auditor.checks.shared.verdicts import dedupe
from auditor.collectors.endpoints import ENDPOINTS
from auditor.collectors.orm_models import is_migration_file
from auditor.collectors.program import PROGRAM
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import label
from auditor.endpoints.handlers import handler_source
from auditor.inventory import TEST_FILE
from auditor.model import Evidence, Finding, ItemResult
from auditor.orm.queries import is_graphql_resolver, select_star_in_sql, unbounded_handler_queries, whole_table_reads
from auditor.paths import NO_REQUEST_PATH
from auditor.probes import go_dbwork, go_query_loops
from auditor.probes.callees import endpoint_text
from auditor.probes.prisma_overfetch import relation_overfetch
from auditor.program import ProgramModel
from auditor.program.symbols import FunctionInfo
from auditor.registry import check


@check("DB-QUERY-OPTIMIZATION")
def queries_bounded(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    findings: list[Finding] = list(ctx.violations(item.id))
    for rel, tree in application_modules(ctx):
        for q in unbounded_handler_queries(rel, tree):
            findings.append(_finding(ctx, item, q.file, q.line, q.message, "db-query/unbounded-handler-query", "ast"))
    findings += [f for f in js_whole_table_reads(ctx, item) if (f.file, f.line) not in {(g.file, g.line) for g in findings}]
    seen = {(f.file, f.line) for f in findings}
    findings += [f for f in prisma_overfetch_findings(ctx, item) if (f.file, f.line) not in seen]
    model = ctx.get_optional(PROGRAM)
    if model is not None:
        seen = {(f.file, f.line) for f in findings}
        findings += [f for f in whole_table_reads_in_requests(ctx, item, model) if (f.file, f.line) not in seen]
    folders = {f for fs in ctx.inventory.migration_systems.values() for f in fs}
    sql_files = [p for p in ctx.repo.paths(language="sql") if not TEST_FILE.search(p) and not is_migration_file(p, folders)]
    for rel in sql_files:
        text = ctx.repo.read_text(rel)
        for q in select_star_in_sql(rel, text or ""):
            findings.append(_finding(ctx, item, q.file, q.line, q.message, "db-query/select-star-sql-file", "sqlglot"))
    languages = ctx.inventory.code_languages
    go_db = go_dbwork.read_db(ctx.repo) if "go" in languages else None
    if go_db is not None:
        findings += go_findings(ctx, item, go_db)
    found = dedupe(findings)
    analysed = {"python", "javascript", "typescript"} | ({"go"} if go_db is not None and go_db.calls else set())
    unanalysed = sorted(languages - analysed)
    note = f" Not analysed: {', '.join(unanalysed)} code." if unanalysed else ""
    scope = (f"Heuristic: SELECT * in SQL strings and {len(sql_files)} .sql file(s), queries inside loops, "
             "whole-table .all() in list handlers without limit or pagination, and whole-table reads (ORM .all() or a "
             "SQL SELECT with no WHERE and no LIMIT) in the helpers request handlers and GraphQL resolvers call.")
    if go_db is not None and go_db.calls:
        scope += (" Go (text): SELECT * in SQL strings, queries in loops over rows (directly or through a repository "
                  "function), GORM Find with no Where/Limit and database/sql SELECTs with no WHERE/LIMIT.")
    if not found and not sql_files and not languages & analysed:
        raise Unavailable(f"query analysis reads Python, JavaScript/TypeScript and SQL files; this repository's code "
                          f"is {', '.join(sorted(languages))}")
    if not found:
        document_store_unanalysed(ctx, "the query rules read SQL strings, .sql files and Django/SQLAlchemy "
                                        "queries, not MongoDB queries (find() without limit, $where)")
    if found:
        by_rule = Counter(f.evidence.rule_id for f in found)
        return ItemResult(item.id, "fail", f"{len(found)} query problem(s) in {len({f.file for f in found})} file(s). "
                          f"{scope}{note}", [f.evidence for f in found], {"by_rule": dict(by_rule)})
    return ItemResult(item.id, "pass", f"no SELECT *, query in a loop or unbounded list query found. {scope}{note}",
                      [f.evidence for f in ctx.practices(item.id)][:MAX_PRACTICE_EVIDENCE])


def go_findings(ctx: AuditContext, item: CatalogItem, db: go_dbwork.GoDb) -> list[Finding]:
    """Go, read as text: SELECT *, whole-table reads, and queries inside loops over rows."""
    found = [_finding(ctx, item, p.file, p.line, p.message, p.rule, "text") for p in go_dbwork.query_problems(db)]
    loops = go_query_loops.query_loops(ctx.repo)
    loops += go_dbwork.helper_query_loops(db, loops)
    found += [_finding(ctx, item, q.file, q.line, f"loop (line {q.loop_line}) runs {q.call}...) once per `{q.row}`",
                       "db-query/query-in-loop", "text") for q in loops]
    return found


def whole_table_reads_in_requests(ctx: AuditContext, item: CatalogItem, model: ProgramModel) -> list[Finding]:
    """Functions that read every row of a table (no WHERE, no LIMIT) and that a request handler or a GraphQL
    resolver reaches through its calls. A read bounded by a `limit` parameter counts only when some caller
    leaves the parameter out."""
    resolvers = {fid for fid, fn in model.program.functions.items() if is_graphql_resolver(fn.node)}
    callers: dict[str, set[str]] = {}
    for caller, callees in model.program.calls.items():
        for callee in callees:
            callers.setdefault(callee, set()).add(caller)
    found = []
    for fid, fn in sorted(model.program.functions.items()):
        if NO_REQUEST_PATH.search(fn.rel) or TEST_FILE.search(fn.rel):
            continue
        reads = whole_table_reads(fn.node)
        if not reads:
            continue
        handlers = handlers_reaching(model, fid) or tuple(sorted(_reaching(callers, fid) & resolvers))
        if not handlers:
            continue
        names = ", ".join(h.split("::")[-1] for h in handlers[:3])
        for read in reads:
            if read.bound_by and not _called_without(model, callers.get(fid, set()), fn, read.bound_by):
                continue
            unless = f"; callers leave out `{read.bound_by}`, its only LIMIT" if read.bound_by else ""
            found.append(_finding(ctx, item, fn.rel, read.line,
                                  f"{fn.name}() reads every row ({read.query}){unless}; reached from {names}",
                                  "db-query/whole-table-read", "program"))
    return found


# a JS ORM read of every row: `Model.findAll()`, `Model.findAll({})`, `Model.find({})`, `Model.find()`
JS_WHOLE_TABLE = re.compile(r"\b[A-Z]\w*\.(?:findAll|find)\(\s*(?:\{\s*\})?\s*\)(?!\s*\.\s*(?:limit|skip|take|paginate)\b)")
JS = (".js", ".mjs", ".cjs", ".ts")


def js_whole_table_reads(ctx: AuditContext, item: CatalogItem) -> list[Finding]:
    """GET handlers in JavaScript/TypeScript (with the repository functions they call) that read every row of a
    model with no where clause and no limit."""
    inv = ctx.get_optional(ENDPOINTS)
    if inv is None:
        return []
    found = []
    for ep in inv.endpoints:
        if not ep.file.endswith(JS) or ep.method.upper() not in ("GET", "ANY"):
            continue
        text = endpoint_text(ctx.repo, ep.file, ep.handler, handler_source(ctx.repo, ep))
        for m in JS_WHOLE_TABLE.finditer(text):
            file, line = _js_place(ctx, ep.file, m.group(0)) or (ep.file, ep.line)
            found.append(_finding(ctx, item, file, line, f"{label(ep)} ({ep.handler}) reads every row with "
                                  f"{m.group(0)} (no where clause, no limit)", "db-query/whole-table-read", "inventory"))
    return dedupe(found)


def prisma_overfetch_findings(ctx: AuditContext, item: CatalogItem) -> list[Finding]:
    """Prisma includes that load every row of a to-many relation that the code only counts or searches."""
    schemas = {p: ctx.repo.read_text(p) or "" for p in ctx.repo.paths() if p.endswith(".prisma")}
    if not schemas:
        return []
    sources = {p: ctx.repo.read_text(p) or "" for p in ctx.repo.paths() if p.endswith(JS) and not TEST_FILE.search(p)
               and "node_modules/" not in p}
    return [_finding(ctx, item, o.file, o.line,
                     f"`{o.relation}: true` loads every column of every related row, and the code only reads "
                     f".{o.relation}.{o.use} of them ({o.use_file}:{o.use_line}): ask for the number with _count, or "
                     f"filter the relation to the row looked for and select its id",
                     "db-query/relation-rows-loaded-to-count", "text")
            for o in relation_overfetch(schemas, sources)]


def _js_place(ctx: AuditContext, route_file: str, query: str) -> tuple[str, int] | None:
    """file:line of a query text: in the route file, else the one other JS file that holds it."""
    places = []
    for path in [route_file] + [p for p in ctx.repo.paths() if p.endswith(JS) and p != route_file
                                and not TEST_FILE.search(p) and "node_modules/" not in p]:
        for n, line in enumerate(ctx.repo.lines(path), 1):
            if query in line:
                if path == route_file:
                    return path, n
                places.append((path, n))
    return places[0] if len(places) == 1 else None


def _reaching(callers: dict[str, set[str]], fid: str) -> set[str]:
    seen, todo = {fid}, [fid]
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in seen:
                seen.add(caller)
                todo.append(caller)
    return seen


def _called_without(model: ProgramModel, callers: set[str], fn: FunctionInfo, param: str) -> bool:
    """Whether some call of `fn` leaves out the parameter `param` (positionally and by keyword)."""
    position = fn.params.index(param) - (1 if fn.bound else 0) if param in fn.params else -1
    for caller in callers:
        for call in ast.walk(model.program.functions[caller].node):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name != fn.name:
                continue
            if all(k.arg != param for k in call.keywords) and not (0 <= position < len(call.args)):
                return True
    return False


def _finding(ctx: AuditContext, item: CatalogItem, file: str, line: int, message: str, rule: str, engine: str) -> Finding:
    return Finding(item.id, Evidence(file, line, ctx.repo.snippet(file, line), rule_id=rule, engine=engine,
                                     message=message), item.severity)
