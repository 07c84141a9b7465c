"""DB-DATA-TYPES: JSON, money and timestamps in the column types made for them."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.schema import application_modules, judged_schema, schema_details, schema_proportion
from auditor.collectors.orm_models import ORM_MODELS
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.orm.coltypes import family
from auditor.orm.schema_probes import Place, data_type_places, json_dumps_into_text
from auditor.registry import check


@check("DB-DATA-TYPES")
def appropriate_types(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    judged = judged_schema(ctx)
    places = data_type_places(judged.schema)
    models = ctx.get_optional(ORM_MODELS)
    django = getattr(models, "django", None)
    use_tz_false = django is not None and not django.use_tz and django.use_tz_at
    if use_tz_false:
        file, line = django.use_tz_at
        places.append(Place(False, file, line, "Django USE_TZ = False: every DateTimeField stores naive local time",
                            "(settings)", "settings", "django-use-tz-false"))
    text_columns = {c.name for t in judged.schema.tables.values() for c in t.columns.values()
                    if family(c.type) == "text"}
    if text_columns:
        for rel, tree in application_modules(ctx):
            if "dumps" not in (ctx.repo.read_text(rel) or ""):  # every call json_dumps_into_text looks for
                continue
            for line, column in json_dumps_into_text(rel, tree, text_columns):
                places.append(Place(False, rel, line, f"json.dumps(...) stored in text column {column} "
                                    "(use a JSON column)", column, "code", "json-dumps-into-text"))
    if not places:
        columns = sum(len(t.columns) for t in judged.schema.tables.values())
        return ItemResult(item.id, "not_applicable",
                          f"none of the {columns} column(s) holds JSON, money or timestamps by name or type. "
                          f"{judged.describe()}", details=schema_details(judged, ctx, places))
    return schema_proportion(ctx, item, places, judged, "JSON, money and timestamp column(s)", "db-data-types",
                       heuristic=True)
