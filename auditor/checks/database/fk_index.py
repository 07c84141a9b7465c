"""DB-FK-INDEX: every foreign key column is indexed, and so is every column named like a reference to another
table (user_id, userId) that has no FOREIGN KEY, and every slug column (rows are fetched by it)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.schema import judged_schema, schema_details, schema_proportion
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.orm.schema_probes import foreign_key_index_places, lookup_column_places
from auditor.registry import check


@check("DB-FK-INDEX")
def foreign_keys_indexed(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    judged = judged_schema(ctx)
    places = foreign_key_index_places(judged.schema) + lookup_column_places(judged.schema)
    if not places:
        return ItemResult(item.id, "not_applicable",
                          f"no foreign keys and no columns named like a reference in {len(judged.schema.tables)} "
                          f"table(s). {judged.describe()}",
                          details=schema_details(judged, ctx, places))
    return schema_proportion(ctx, item, places, judged, "foreign key(s), reference and slug column(s) indexed:", "db-fk-index")
