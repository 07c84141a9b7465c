"""MIG-IMMUTABLE: no migration edited after a later one was added (from git history)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_inventory
from auditor.collectors.migrations import MIGRATION_HISTORY
from auditor.context import AuditContext, Unavailable
from auditor.model import Evidence, ItemResult
from auditor.registry import check

_ROLLBACK_PARTS = {"downgrade()", "down()", "down section"}
_PART_ROLES = {"upgrade()": "the forward migration", "downgrade()": "the rollback", "up()": "the forward migration",
               "down()": "the rollback", "change()": "the reversible change", "up section": "the forward migration",
               "down section": "the rollback", "class Migration": "its operations"}


def describe_changed_parts(parts: tuple[str, ...]) -> str:
    """'only downgrade() (the rollback) changed', 'upgrade() (the forward migration) and downgrade() ... changed'."""
    if not parts:
        return "what changed could not be placed in upgrade() or downgrade()"
    named = [f"{p} ({_PART_ROLES[p]})" if p in _PART_ROLES else p for p in parts]
    if len(named) == 1:
        return f"only {named[0]} changed"
    return f"{', '.join(named[:-1])} and {named[-1]} changed"


def edited_line_today(ctx: AuditContext, edit) -> tuple[int | None, bool]:
    """(line of the edit in today's file, whether it moved since the commit); None when it is gone."""
    if not edit.line:
        return None, False
    lines = (ctx.repo.read_text(edit.file) or "").splitlines()
    if 0 < edit.line <= len(lines) and lines[edit.line - 1].strip() == edit.line_text:
        return edit.line, False
    if edit.line_text:
        for n, text in enumerate(lines, 1):
            if text.strip() == edit.line_text:
                return n, True
    return None, False


@check("MIG-IMMUTABLE")
def mig_immutable(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = migration_inventory(ctx)
    history = ctx.get(MIGRATION_HISTORY)
    if history.unavailable:
        raise Unavailable(f"no git history: {history.unavailable}")
    if not history.files_with_history:
        raise Unavailable("none of the migration files is committed yet, so there is no history to read")
    if history.edits:
        evidence = []
        for e in history.edits[:MAX_MIGRATION_EVIDENCE]:
            line, moved = edited_line_today(ctx, e)
            where = "" if line or not e.line else f" (line {e.line} in that commit; the line is no longer in the file)"
            evidence.append(Evidence(e.file, line, ctx.repo.snippet(e.file, line) if line else "",
                                     rule_id="edited-migration", engine="git",
                                     message=f"edited in commit {e.commit[:10]} on {e.date} by {e.author} "
                                             f"(+{e.added}/-{e.deleted} lines), {describe_changed_parts(e.changed_parts)}"
                                             f"{where}{' (line moved since)' if moved else ''}: {e.summary}"))
        files = sorted({e.file for e in history.edits})
        rollback_only = sum(1 for e in history.edits if e.changed_parts and set(e.changed_parts) <= _ROLLBACK_PARTS)
        note = f" {rollback_only} of the edits changed only the rollback." if rollback_only else ""
        return ItemResult(item.id, "fail",
                          f"{len(files)} migration(s) edited after a later migration had been added "
                          f"({len(history.edits)} edit(s) that change what they do; {history.cosmetic_edits} "
                          f"cosmetic edit(s) ignored).{note}", evidence,
                          details={"edits": [e.to_json() for e in history.edits]})
    return ItemResult(item.id, "pass",
                      f"git history of {history.files_with_history} of {len(inv.migrations)} migration files: none was "
                      "edited after a later migration had been added "
                      f"({history.cosmetic_edits} cosmetic edit(s) such as reformatting ignored).")
