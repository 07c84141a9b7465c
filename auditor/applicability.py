"""Whether an item applies to this repository at all (the catalog's `applies_when`)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.inventory import DOCUMENT, Inventory

# items about a relational schema and its migrations: they do not apply to a document store (MongoDB)
RELATIONAL_SCHEMA_ITEMS = frozenset({"DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "DB-NORMALIZATION"})


def _document_store_reason(inv: Inventory) -> str:
    libraries = ", ".join(inv.database_kinds.get(DOCUMENT, []))
    return (f"the only database found is a document store ({libraries}): relational schemas, foreign keys and "
            "schema migrations do not apply")


def not_applicable_reason(item: CatalogItem, inv: Inventory) -> str | None:
    cond = item.applies_when
    if cond == "always":
        return None
    if not inv.has_code:
        return "the repository has no source code in a supported language"
    if cond == "code":
        return None
    relational_item = item.id.startswith("MIG-") or item.id in RELATIONAL_SCHEMA_ITEMS
    if cond in ("database", "migrations") and not inv.uses_database:
        if cond == "migrations":
            return "no database use found, so there are no migrations to check"
        return ("no database use found (no ORM, ODM or driver dependency or import, no migrations, "
                "no SQL files)")
    if relational_item and inv.document_database_only:
        return _document_store_reason(inv)
    if cond == "database":
        return None
    if cond == "migrations":
        if not inv.migration_systems:
            if inv.uses_database:
                return "no migration files found (MIG-PRESENT reports whether they are missing)"
            return "no database use found, so there are no migrations to check"
        return None
    if cond == "endpoints":
        if not inv.has_web_framework:
            return "no web framework or HTTP server found, so there are no endpoints"
        return None
    raise ValueError(f"unknown applicability condition {cond!r}")
