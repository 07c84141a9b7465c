"""Whether an item applies to this repository at all (the catalog's `applies_when`)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.inventory import Inventory


def not_applicable_reason(item: CatalogItem, inv: Inventory) -> str | None:
    cond = item.applies_when
    if cond == "always":
        return None
    if not inv.has_code:
        return "the repository has no source code in a supported language"
    if cond == "code":
        return None
    if cond == "database":
        if not inv.uses_database:
            return "no database use found (no ORM or driver dependency, no migrations, no SQL files)"
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
