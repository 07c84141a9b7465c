"""Items whose analysis did not cover every file they needed: such an item is never `pass`.

Where the gaps come from:
- a Python file our AST analyses could not read (nested deeper than the visitors follow, see
  astwalk.MAX_DEPTH): the items fed by our own analyses (`feeds.analyses` in the catalog);
- a file semgrep reported it could not analyse (a timeout, out of memory, a fatal error): the items fed
  by semgrep rules (whatever the rule's language: over-approximated, never under);
- a file bandit reported an error on: the items fed by bandit tests (except a syntax error on a file
  semgrep read: bandit parses with the running Python, so a file in newer syntax is one, and semgrep, which
  parses it, covered the file).
Only production code counts: tests, examples, docs and browser assets (static/ JavaScript, minified bundles)
are not what the code items judge.

A `pass` (or an `unknown`) over such a gap becomes `unknown` naming the files, flagged as an analysis error,
so the gate fails unless the policy allows unknown items; a `fail` or `partial` keeps its evidence and names
the files.
"""
from __future__ import annotations

import dataclasses
import re

from auditor.catalog import CatalogItem
from auditor.context import AuditContext
from auditor.model import ANALYSIS_ERROR, ItemResult
from auditor.paths import NON_PRODUCTION_PATH

LISTED = 10


# browser assets a backend serves (vendored jQuery, bundles): semgrep often times out on them, and no backend
# item is judged on them; their engine errors stay listed in the report's warnings
BROWSER_ASSET = re.compile(r"(^|/)(static|public|assets|wwwroot)/.*\.(js|mjs|css)$|[.-]min\.(js|mjs|css)$|\.bundle\.js$",
                           re.IGNORECASE)


def _production(files: dict[str, str]) -> dict[str, str]:
    return {rel: why for rel, why in files.items()
            if not NON_PRODUCTION_PATH.search(rel) and not BROWSER_ASSET.search(rel)}


def item_gaps(item: CatalogItem, ctx: AuditContext) -> dict[str, str]:
    """file -> why, for the files this item needed that some analysis could not read."""
    gaps: dict[str, str] = {}
    if item.analyses:
        gaps.update({rel: f"Python analyses: {why}" for rel, why in _production(ctx.repo.unanalysed).items()})
    semgrep = ctx.engines.get("semgrep")
    semgrep_read = semgrep is not None and semgrep.status == "ok"
    for engine, fed in (("semgrep", item.semgrep_rules), ("bandit", item.bandit_tests)):
        run = ctx.engines.get(engine)
        if not fed or run is None:
            continue
        for rel, why in _production(run.unanalysed).items():
            if engine == "bandit" and _newer_syntax(why) and semgrep_read and rel not in semgrep.unanalysed:
                continue   # Python newer than ours (PEP 695 ...): semgrep, which parses it, read the file
            gaps[rel] = f"{engine}: {why}"
    return gaps


def _newer_syntax(why: str) -> bool:
    """Bandit parses with the running interpreter: a file in newer syntax is a syntax error to it."""
    return "syntax error" in why.lower()


def mark_incomplete(results: dict[str, ItemResult], items: list[CatalogItem], ctx: AuditContext) -> list[dict]:
    """Turn a `pass` over unanalysed files into `unknown`; return one row per incomplete item for the report."""
    rows = []
    for item in items:
        result = results.get(item.id)
        if result is None or result.verdict in ("not_applicable", "manual"):
            continue
        gaps = item_gaps(item, ctx)
        if not gaps:
            continue
        files = sorted(gaps)
        named = ", ".join(f"{rel} ({gaps[rel]})" for rel in files[:LISTED])
        more = f" and {len(files) - LISTED} more" if len(files) > LISTED else ""
        note = f"not every file it needs was analysed: {named}{more}"
        details = {**result.details, "unanalysed_files": files}
        if result.verdict in ("pass", "unknown"):
            results[item.id] = dataclasses.replace(
                result, verdict="unknown", rationale=f"{note}. Without them: {result.rationale}",
                details={**details, ANALYSIS_ERROR: True})
        else:
            results[item.id] = dataclasses.replace(result, rationale=f"{result.rationale} ({note})", details=details)
        rows.append({"item": item.id, "files": files, "reason": note})
    return rows
