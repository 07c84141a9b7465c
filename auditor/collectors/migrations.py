"""Collectors: every migration parsed, replayed and classified; and the git history of migration files."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.context import AuditContext, Key
from auditor.migrations.history import Edit, NoHistory, migration_edits
from auditor.migrations.inventory import MigrationInventory, parse_repository
from auditor.registry import collector

MIGRATIONS: Key[MigrationInventory] = Key("migrations")


@collector(MIGRATIONS)
def collect_migrations(ctx: AuditContext) -> MigrationInventory:
    return parse_repository(ctx.repo, ctx.inventory.migration_systems)


@dataclass
class MigrationHistory:
    edits: list[Edit] = field(default_factory=list)
    files_with_history: int = 0
    cosmetic_edits: int = 0             # reformatting/import/comment edits, not counted
    unavailable: str | None = None      # why there is no history (not a git repository, ...)


MIGRATION_HISTORY: Key[MigrationHistory] = Key("migration_history")


@collector(MIGRATION_HISTORY, after=(MIGRATIONS,))
def collect_migration_history(ctx: AuditContext) -> MigrationHistory:
    inventory = ctx.get(MIGRATIONS)
    folders = {}
    for m in inventory.migrations:
        folders[m.file] = m.folder
        if m.rollback_file and m.rollback_file != m.file:
            folders[m.rollback_file] = m.folder
    try:
        edits, with_history, cosmetic = migration_edits(ctx.repo.root, sorted(folders), folders)
    except NoHistory as exc:
        return MigrationHistory(unavailable=str(exc))
    return MigrationHistory(edits, with_history, cosmetic)
