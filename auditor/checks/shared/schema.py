"""The schema the database items judge (migrations' final schema, then ORM models and schema files), and how
they turn its places into evidence and a proportion."""
from __future__ import annotations

from collections import Counter

from auditor.catalog import CatalogItem
from auditor.collectors.migrations import MIGRATIONS
from auditor.collectors.orm_models import ORM_MODELS, is_migration_file
from auditor.context import AuditContext, Unavailable
from auditor.inventory import DOCUMENT, TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.orm.merge import JudgedSchema, merge_schemas
from auditor.orm.schema_probes import Place

MAX_PRACTICE_EVIDENCE = 30


def judged_schema(ctx: AuditContext) -> JudgedSchema:
    """Migrations' final schema first, ORM models / schema files for the tables it lacks."""
    notes = []
    models = None
    if ctx.error_of(ORM_MODELS):
        notes.append(f"ORM model reader failed: {ctx.error_of(ORM_MODELS)}")
    else:
        data = ctx.get_optional(ORM_MODELS)
        models = getattr(data, "schema", None)
    final = None
    if ctx.error_of(MIGRATIONS):
        notes.append(f"migrations analysis failed ({ctx.error_of(MIGRATIONS)}); models used alone")
    else:
        final = getattr(ctx.get_optional(MIGRATIONS), "final_schema", None)
    judged = merge_schemas(models, final)
    judged.notes = notes
    if not judged.schema.tables:
        raise Unavailable("the repository uses a database but no schema was found: no SQLAlchemy or Django models, "
                          "no CREATE TABLE in .sql schema files, no replayable migrations"
                          + (f" ({'; '.join(notes)})" if notes else ""))
    return judged


def schema_evidence(ctx: AuditContext, place: Place, item_rule: str) -> Evidence:
    return Evidence(place.file, place.line, ctx.repo.snippet(place.file, place.line) if place.file and place.line else "",
                    rule_id=f"{item_rule}/{place.rule}", engine=_engine(place.source), message=place.message,
                    kind=PRACTICE if place.ok else VIOLATION)


def _engine(source: str) -> str:
    if source.startswith("sql:"):
        return "sqlglot"
    if source.startswith("migrations"):
        return "migrations"
    return "ast"


def place_evidence(ctx: AuditContext, places: list[Place], rule: str) -> list[Evidence]:
    bad = [schema_evidence(ctx, p, rule) for p in places if not p.ok]
    good = [schema_evidence(ctx, p, rule) for p in places if p.ok][:MAX_PRACTICE_EVIDENCE]
    return bad + good


def schema_details(judged: JudgedSchema, ctx: AuditContext, places: list[Place]) -> dict:
    models = ctx.get_optional(ORM_MODELS)
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


def unread_note(ctx: AuditContext) -> str:
    models = ctx.get_optional(ORM_MODELS)
    if models is None or not models.problems:
        return ""
    opaque = models.sql.opaque + models.sql.unparsed
    extra = f" ({opaque} SQL statement(s) not understood)" if opaque else ""
    return f" {len(models.problems)} declaration(s)/file(s) could not be read{extra}; see details."


def schema_proportion(ctx: AuditContext, item: CatalogItem, places: list[Place], judged: JudgedSchema,
                what: str, rule: str, heuristic: bool = False) -> ItemResult:
    good = sum(p.ok for p in places)
    total = len(places)
    bad = total - good
    text = (f"{good} of {total} {what} comply; {bad} do not. {judged.describe()}"
            + (" Heuristic: judged from column names and types." if heuristic else "") + unread_note(ctx))
    return partial_result(item.id, good, total, text, place_evidence(ctx, places, rule),
                          schema_details(judged, ctx, places))


def application_modules(ctx: AuditContext, skip_migrations: bool = True):
    folders = {f for fs in ctx.inventory.migration_systems.values() for f in fs}
    for rel in ctx.repo.paths(language="python"):
        if TEST_FILE.search(rel) or (skip_migrations and is_migration_file(rel, folders)):
            continue
        tree = ctx.repo.python_ast(rel)
        if tree is not None:
            yield rel, tree


def document_store_unanalysed(ctx: AuditContext, what: str) -> None:
    """Raise Unavailable when every database library found is a document store, which `what` does not read."""
    if ctx.inventory.document_database_only:
        libraries = ", ".join(ctx.inventory.database_kinds.get(DOCUMENT, []))
        raise Unavailable(f"the database is a document store ({libraries}); {what}")
