"""MIG-DOCUMENTED: each migration states its purpose."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence, migration_inventory
from auditor.context import AuditContext
from auditor.migrations import model as M
from auditor.model import ItemResult, partial_result
from auditor.registry import check


def _django_why(m: M.Migration) -> str:
    if re.search(r"_auto_\d{8}", m.name):
        return ", and its name is a timestamp Django chose because it could not describe the change"
    if any(o.kind in ("run_python", "raw_sql", "unknown") or o.text.lstrip().startswith(("migrations.RunSQL", "RunSQL"))
           for o in m.forward):
        return ", and it holds hand-written operations (RunPython, RunSQL or custom) its name cannot explain"
    return ""


@check("MIG-DOCUMENTED")
def mig_documented(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = migration_inventory(ctx)
    undocumented = [m for m in inv.migrations if not m.documented]
    evidence = [migration_evidence(ctx, m.file, m.line, f"{m.version}: no message, docstring or comment states its purpose"
                    + (_django_why(m) if m.system == "django" else ""), "undocumented") for m in undocumented[:MAX_MIGRATION_EVIDENCE]]
    good = len(inv.migrations) - len(undocumented)
    by_name = [m for m in inv.migrations if m.documented_by == "name"]
    rule = ""
    if any(m.system == "django" for m in inv.migrations):
        rule = (f" A Django migration that only holds operations makemigrations generated counts as documented by "
                f"its descriptive name (`0003_user_email`, `0001_initial`): {len(by_name)} do. `auto_<timestamp>` "
                "names, and migrations with RunPython, RunSQL or custom operations, need a docstring or comment.")
    return partial_result(item.id, good, len(inv.migrations),
                          f"{good} of {len(inv.migrations)} migrations state their purpose (a message, docstring or "
                          f"comment written by a person; generated headers and 'empty message' do not count).{rule}",
                          evidence, {"undocumented": [m.file for m in undocumented],
                                     "documented_by_name": [m.file for m in by_name]})
