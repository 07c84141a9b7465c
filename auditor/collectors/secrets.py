"""Secrets in the working tree and in git history (two collectors: their results are reported apart)."""
from __future__ import annotations

from auditor.context import AuditContext, Key
from auditor.facts import FileFacts
from auditor.registry import collector
from auditor.secrets.history import DEFAULT_COMMIT_LIMIT, HistoryScan, scan_history
from auditor.secrets.tree import TreeScan, scan_tree

TREE_SECRETS: Key[TreeScan] = Key("secrets")
SECRET_HISTORY: Key[HistoryScan] = Key("secret_history")


@collector(TREE_SECRETS)
def collect_tree_secrets(ctx: AuditContext) -> TreeScan:
    """Every text file of the working tree, code and config; lock, minified and binary files skipped."""
    facts = FileFacts.open(ctx.options, ctx.repo.root, "secrets")
    scan = scan_tree(ctx.repo, facts)
    facts.save()
    return scan


@collector(SECRET_HISTORY)
def collect_secret_history(ctx: AuditContext) -> HistoryScan:
    """The lines added by the last N commits (N = options.extra["secret_history_commits"], default 500)."""
    extra = ctx.options.get("extra") or {}
    limit = int(extra.get("secret_history_commits", DEFAULT_COMMIT_LIMIT))
    return scan_history(ctx.repo.root, commit_limit=limit)
