"""Database Best Practices: DB-FK-INDEX, DB-CONSTRAINTS, DB-DATA-TYPES, DB-TRANSACTIONS,
DB-QUERY-OPTIMIZATION, DB-NORMALIZATION.

Schema items judge the migrations' final schema where it has a table, else the ORM models / schema
files ("orm_models" collector); each rationale says which source it used.
"""
from __future__ import annotations

from collections import Counter

from auditor.catalog import CatalogItem
from auditor.checks.evaluate import dedupe
from auditor.collectors.orm_models import is_migration_file
from auditor.context import AuditContext, Unavailable
from auditor.inventory import DOCUMENT, TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.orm.coltypes import family
from auditor.orm.merge import JudgedSchema, merge_schemas
from auditor.orm.queries import select_star_in_sql, unbounded_handler_queries
from auditor.orm.schema_probes import (Place, constraint_places, data_type_places, foreign_key_index_places,
                                       json_dumps_into_text, normalization_hints, nullable_foreign_keys)
from auditor.orm.transactions import scan_functions
from auditor.registry import check, collector

MAX_PRACTICE_EVIDENCE = 30


# ---- shared ------------------------------------------------------------------------------------------
def judged_schema(ctx: AuditContext) -> JudgedSchema:
    """Migrations' final schema first, ORM models / schema files for the tables it lacks."""
    notes = []
    models = None
    if "orm_models" in ctx.collector_errors:
        notes.append(f"ORM model reader failed: {ctx.collector_errors['orm_models']}")
    else:
        data = ctx.collected.get("orm_models")
        models = getattr(data, "schema", None)
    final = None
    if "migrations" in ctx.collector_errors:
        notes.append(f"migrations analysis failed ({ctx.collector_errors['migrations']}); models used alone")
    else:
        final = getattr(ctx.collected.get("migrations"), "final_schema", None)
    judged = merge_schemas(models, final)
    judged.notes = notes
    if not judged.schema.tables:
        raise Unavailable("the repository uses a database but no schema was found: no SQLAlchemy or Django models, "
                          "no CREATE TABLE in .sql schema files, no replayable migrations"
                          + (f" ({'; '.join(notes)})" if notes else ""))
    return judged


def _evidence(ctx: AuditContext, place: Place, item_rule: str) -> Evidence:
    return Evidence(place.file, place.line, ctx.repo.snippet(place.file, place.line) if place.file and place.line else "",
                    rule_id=f"{item_rule}/{place.rule}", engine=_engine(place.source), message=place.message,
                    kind=PRACTICE if place.ok else VIOLATION)


def _engine(source: str) -> str:
    if source.startswith("sql:"):
        return "sqlglot"
    if source.startswith("migrations"):
        return "migrations"
    return "ast"


def _place_evidence(ctx: AuditContext, places: list[Place], rule: str) -> list[Evidence]:
    bad = [_evidence(ctx, p, rule) for p in places if not p.ok]
    good = [_evidence(ctx, p, rule) for p in places if p.ok][:MAX_PRACTICE_EVIDENCE]
    return bad + good


def _schema_details(judged: JudgedSchema, ctx: AuditContext, places: list[Place]) -> dict:
    models = ctx.collected.get("orm_models")
    details = {
        "schema_sources": judged.sources,
        "checked": len(places),
        "compliant": sum(p.ok for p in places),
        "by_rule": dict(Counter(p.rule for p in places)),
        "source_of_each_verdict": {p.table: p.source or "?" for p in places},
    }
    if judged.notes:
        details["notes"] = judged.notes
    if models is not None:
        details["unread"] = [p.to_json() for p in models.problems[:20]]
        details["sql_statements"] = vars(models.sql)
    return details


def _unread_note(ctx: AuditContext) -> str:
    models = ctx.collected.get("orm_models")
    if models is None or not models.problems:
        return ""
    opaque = models.sql.opaque + models.sql.unparsed
    extra = f" ({opaque} SQL statement(s) not understood)" if opaque else ""
    return f" {len(models.problems)} declaration(s)/file(s) could not be read{extra}; see details."


def _proportion(ctx: AuditContext, item: CatalogItem, places: list[Place], judged: JudgedSchema,
                what: str, rule: str, heuristic: bool = False) -> ItemResult:
    good = sum(p.ok for p in places)
    total = len(places)
    bad = total - good
    text = (f"{good} of {total} {what} comply; {bad} do not. {judged.describe()}"
            + (" Heuristic: judged from column names and types." if heuristic else "") + _unread_note(ctx))
    return partial_result(item.id, good, total, text, _place_evidence(ctx, places, rule),
                          _schema_details(judged, ctx, places))


def _python_sources(ctx: AuditContext, skip_migrations: bool = True):
    folders = {f for fs in ctx.inventory.migration_systems.values() for f in fs}
    for rel in ctx.repo.paths(language="python"):
        if TEST_FILE.search(rel) or (skip_migrations and is_migration_file(rel, folders)):
            continue
        tree = ctx.repo.python_ast(rel)
        if tree is not None:
            yield rel, tree


def _document_store_unanalysed(ctx: AuditContext, what: str) -> None:
    """Raise Unavailable when every database library found is a document store, which `what` does not read."""
    if ctx.inventory.document_database_only:
        libraries = ", ".join(ctx.inventory.database_kinds.get(DOCUMENT, []))
        raise Unavailable(f"the database is a document store ({libraries}); {what}")


# ---- checks ------------------------------------------------------------------------------------------
@check("DB-FK-INDEX")
def foreign_keys_indexed(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    judged = judged_schema(ctx)
    places = foreign_key_index_places(judged.schema)
    if not places:
        return ItemResult(item.id, "not_applicable",
                          f"no foreign keys declared in {len(judged.schema.tables)} table(s). {judged.describe()} "
                          "(undeclared references are reported by DB-CONSTRAINTS)",
                          details=_schema_details(judged, ctx, places))
    return _proportion(ctx, item, places, judged, "foreign key(s) indexed:", "db-fk-index")


@check("DB-CONSTRAINTS")
def integrity_constraints(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    judged = judged_schema(ctx)
    places = constraint_places(judged.schema)
    result = _proportion(ctx, item, places, judged,
                         "integrity checks (a primary key per table; a declared FOREIGN KEY per reference column):",
                         "db-constraints")
    hints = nullable_foreign_keys(judged.schema)
    result.details["nullable_foreign_keys"] = [f"{h.file}:{h.line} {h.message}" for h in hints[:30]]
    result.details["unique_constraints"] = sum(len(t.unique_sets) + sum(c.unique for c in t.columns.values())
                                               for t in judged.schema.tables.values())
    if hints:
        result.rationale += (f" {len(hints)} foreign key column(s) are nullable: listed in details for review "
                             "(an optional relation is legitimate, so they are not scored).")
    return result


@check("DB-DATA-TYPES")
def appropriate_types(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    judged = judged_schema(ctx)
    places = data_type_places(judged.schema)
    models = ctx.collected.get("orm_models")
    django = getattr(models, "django", None)
    use_tz_false = django is not None and not django.use_tz and django.use_tz_at
    if use_tz_false:
        file, line = django.use_tz_at
        places.append(Place(False, file, line, "Django USE_TZ = False: every DateTimeField stores naive local time",
                            "(settings)", "settings", "django-use-tz-false"))
    text_columns = {c.name for t in judged.schema.tables.values() for c in t.columns.values()
                    if family(c.type) == "text"}
    if text_columns:
        for rel, tree in _python_sources(ctx):
            if "dumps" not in (ctx.repo.read_text(rel) or ""):  # every call json_dumps_into_text looks for
                continue
            for line, column in json_dumps_into_text(rel, tree, text_columns):
                places.append(Place(False, rel, line, f"json.dumps(...) stored in text column {column} "
                                    "(use a JSON column)", column, "code", "json-dumps-into-text"))
    if not places:
        columns = sum(len(t.columns) for t in judged.schema.tables.values())
        return ItemResult(item.id, "not_applicable",
                          f"none of the {columns} column(s) holds JSON, money or timestamps by name or type. "
                          f"{judged.describe()}", details=_schema_details(judged, ctx, places))
    return _proportion(ctx, item, places, judged, "JSON, money and timestamp column(s)", "db-data-types",
                       heuristic=True)


@collector("writing_functions", after=("orm_models",), serves=("DB-TRANSACTIONS",))
def collect_writing_functions(ctx: AuditContext) -> tuple[list, int]:
    """(functions that write two or more times, Python files read): the ast scan behind DB-TRANSACTIONS."""
    models = ctx.collected.get("orm_models")
    atomic_at = None
    if models is not None and models.django.atomic_requests_at:
        f, line = models.django.atomic_requests_at[0]
        atomic_at = f"{f}:{line}"
    functions = []
    scanned = 0
    for rel, tree in _python_sources(ctx):
        scanned += 1
        functions += scan_functions(rel, tree, atomic_at)
    return functions, scanned


@check("DB-TRANSACTIONS")
def multi_writes_atomic(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    if "python" not in ctx.inventory.code_languages:
        raise Unavailable("multi-write detection reads Python code only; this repository has "
                          + ", ".join(sorted(ctx.inventory.code_languages)))
    _document_store_unanalysed(ctx, "multi-write detection reads Django, SQLAlchemy/SQLModel and SQL writes only, "
                                    "not MongoDB operations")
    functions, scanned = ctx.get("writing_functions")
    others = sorted(ctx.inventory.code_languages - {"python"})
    note = f" Not analysed: {', '.join(others)} code." if others else ""
    if not functions:
        return ItemResult(item.id, "not_applicable",
                          f"no function performs two or more database writes (heuristic ast scan of {scanned} "
                          f"Python file(s)).{note}")
    evidence = []
    for fn in functions:
        if fn.atomic:
            line = fn.protection_line or fn.line
            evidence.append(Evidence(fn.file, line, ctx.repo.snippet(fn.file, line), rule_id="db-transactions/atomic",
                                     engine="ast", kind=PRACTICE,
                                     message=f"{fn.name}(): {fn.write_count}+ writes, atomic by {fn.protection}"))
        else:
            lines = ", ".join(str(w.line) for w in fn.writes[:6])
            evidence.append(Evidence(fn.file, fn.line, ctx.repo.snippet(fn.file, fn.line),
                                     rule_id="db-transactions/not-atomic", engine="ast", kind=VIOLATION,
                                     message=f"{fn.name}(): writes at lines {lines} are not atomic: {fn.reason}"))
    good = sum(fn.atomic for fn in functions)
    bad_first = sorted(evidence, key=lambda e: e.kind != VIOLATION)
    kept = [e for e in bad_first if e.kind == VIOLATION] + [e for e in bad_first if e.kind == PRACTICE][:MAX_PRACTICE_EVIDENCE]
    return partial_result(item.id, good, len(functions),
                          f"{good} of {len(functions)} function(s) that write two or more times do so atomically. "
                          f"Heuristic (ast): writes are .save()/.create()/.update()/.delete(), session.add/delete, "
                          f"execute(INSERT|UPDATE|DELETE); protection is atomic/begin blocks or decorators, "
                          f"ATOMIC_REQUESTS, or a single commit of one unit of work.{note}",
                          kept, {"functions": len(functions), "atomic": good,
                                 "not_atomic": [f"{fn.file}:{fn.line} {fn.name}" for fn in functions if not fn.atomic]})


@check("DB-QUERY-OPTIMIZATION")
def queries_bounded(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    findings: list[Finding] = list(ctx.violations(item.id))
    for rel, tree in _python_sources(ctx):
        for q in unbounded_handler_queries(rel, tree):
            findings.append(_finding(ctx, item, q.file, q.line, q.message, "db-query/unbounded-handler-query", "ast"))
    folders = {f for fs in ctx.inventory.migration_systems.values() for f in fs}
    sql_files = [p for p in ctx.repo.paths(language="sql") if not TEST_FILE.search(p) and not is_migration_file(p, folders)]
    for rel in sql_files:
        text = ctx.repo.read_text(rel)
        for q in select_star_in_sql(rel, text or ""):
            findings.append(_finding(ctx, item, q.file, q.line, q.message, "db-query/select-star-sql-file", "sqlglot"))
    found = dedupe(findings)
    languages = ctx.inventory.code_languages
    unanalysed = sorted(languages - {"python", "javascript", "typescript"})
    note = f" Not analysed: {', '.join(unanalysed)} code." if unanalysed else ""
    scope = (f"Heuristic: SELECT * in SQL strings and {len(sql_files)} .sql file(s), queries inside loops, "
             "whole-table .all() in list handlers without limit or pagination.")
    if not found and not sql_files and not languages & {"python", "javascript", "typescript"}:
        raise Unavailable(f"query analysis reads Python, JavaScript/TypeScript and SQL files; this repository's code "
                          f"is {', '.join(sorted(languages))}")
    if not found:
        _document_store_unanalysed(ctx, "the query rules read SQL strings, .sql files and Django/SQLAlchemy "
                                        "queries, not MongoDB queries (find() without limit, $where)")
    if found:
        by_rule = Counter(f.evidence.rule_id for f in found)
        return ItemResult(item.id, "fail", f"{len(found)} query problem(s) in {len({f.file for f in found})} file(s). "
                          f"{scope}{note}", [f.evidence for f in found], {"by_rule": dict(by_rule)})
    return ItemResult(item.id, "pass", f"no SELECT *, query in a loop or unbounded list query found. {scope}{note}",
                      [f.evidence for f in ctx.practices(item.id)][:MAX_PRACTICE_EVIDENCE])


def _finding(ctx: AuditContext, item: CatalogItem, file: str, line: int, message: str, rule: str, engine: str) -> Finding:
    return Finding(item.id, Evidence(file, line, ctx.repo.snippet(file, line), rule_id=rule, engine=engine,
                                     message=message), item.severity)


@check("DB-NORMALIZATION")
def normalization_review(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    try:
        judged = judged_schema(ctx)
    except Unavailable as exc:
        return ItemResult(item.id, "manual", f"review the data model by hand; no hints: {exc}")
    hints = normalization_hints(judged.schema)
    evidence = [_evidence(ctx, h, "db-normalization") for h in hints]
    if hints:
        text = (f"Not decidable statically; {len(hints)} place(s) to review (repeated column groups, list-like text "
                f"columns, columns copied across foreign keys). {judged.describe()}")
    else:
        text = (f"Not decidable statically; no repeated column groups, list-like text columns or columns copied "
                f"across foreign keys found in {len(judged.schema.tables)} table(s). {judged.describe()}")
    return ItemResult(item.id, "manual", text, evidence, details={"hints": len(hints), "schema_sources": judged.sources,
                                                                  "by_rule": dict(Counter(h.rule for h in hints))})
