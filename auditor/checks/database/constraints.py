"""DB-CONSTRAINTS: a primary key per table, a declared FOREIGN KEY per reference column, a unique sign-in key
(username/login/email) per account table, declared NOT NULL, unique slugs, and a unique key under the fields
Django's get_or_create/update_or_create look rows up by. Nullable foreign keys are named
in the rationale but not scored: an optional relation is legitimate and nothing in the schema says which are not."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.schema import judged_schema, schema_proportion
from auditor.collectors.orm_models import ORM_MODELS
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import ItemResult
from auditor.orm.lookups import lookup_places
from auditor.orm.schema_probes import constraint_places, nullable_foreign_keys
from auditor.paths import NO_REQUEST_PATH
from auditor.registry import check


@check("DB-CONSTRAINTS")
def integrity_constraints(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    judged = judged_schema(ctx)
    places = constraint_places(judged.schema)
    models = getattr(ctx.get_optional(ORM_MODELS), "schema", None)
    if models is not None:
        code = [p for p in ctx.repo.paths("python") if not TEST_FILE.search(p) and not NO_REQUEST_PATH.search(p)
                and "/migrations/" not in f"/{p}"]   # a command run once by hand races no one
        places += lookup_places(ctx.repo, code, models, judged.schema)
    result = schema_proportion(ctx, item, places, judged,
                         "integrity checks (a primary key per table; a declared FOREIGN KEY per reference column; "
                         "a unique, NOT NULL sign-in key per account table and unique slugs):",
                         "db-constraints")
    hints = nullable_foreign_keys(judged.schema)
    result.details["nullable_foreign_keys"] = [f"{h.file}:{h.line} {h.message}" for h in hints[:30]]
    result.details["unique_constraints"] = sum(len(t.unique_sets) + sum(c.unique for c in t.columns.values())
                                               for t in judged.schema.tables.values())
    if hints:
        named = ", ".join(h.message.split(" ", 1)[0] for h in hints[:8]) + (", ..." if len(hints) > 8 else "")
        result.rationale += (f" {len(hints)} foreign key column(s) are nullable ({named}): review whether each "
                             "relation is optional (not scored: an optional relation is legitimate).")
    return result
