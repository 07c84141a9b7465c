"""DB-NORMALIZATION: manual, with places to review (repeated column groups, list-like columns, copies)."""
from __future__ import annotations

from collections import Counter

from auditor.catalog import CatalogItem
from auditor.checks.shared.schema import judged_schema, schema_evidence
from auditor.context import AuditContext, Unavailable
from auditor.model import ItemResult
from auditor.orm.schema_probes import normalization_hints
from auditor.registry import check


@check("DB-NORMALIZATION")
def normalization_review(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    try:
        judged = judged_schema(ctx)
    except Unavailable as exc:
        return ItemResult(item.id, "manual", f"review the data model by hand; no hints: {exc}")
    hints = normalization_hints(judged.schema)
    evidence = [schema_evidence(ctx, h, "db-normalization") for h in hints]
    if hints:
        text = (f"Not decidable statically; {len(hints)} place(s) to review (repeated column groups, list-like text "
                f"columns, columns copied across foreign keys). {judged.describe()}")
    else:
        text = (f"Not decidable statically; no repeated column groups, list-like text columns or columns copied "
                f"across foreign keys found in {len(judged.schema.tables)} table(s). {judged.describe()}")
    return ItemResult(item.id, "manual", text, evidence, details={"hints": len(hints), "schema_sources": judged.sources,
                                                                  "by_rule": dict(Counter(h.rule for h in hints))})
