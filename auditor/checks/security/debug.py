"""SEC-DEBUG: no debug mode or verbose errors in production settings."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.probes.node_env import production_node_env
from auditor.registry import check

# handlers mounted when app.get('env') is 'development': live unless the deployment sets NODE_ENV=production
DEFAULT_ENV_RULES = frozenset({"express-error-details-under-default-env"})


@check("SEC-DEBUG")
def debug_mode(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    production_env = production_node_env(ctx.repo) if any(
        f.evidence.rule_id in DEFAULT_ENV_RULES for f in ctx.violations(item.id)) else None
    result = code_item(ctx, item, "No debug server, DEBUG = True in production settings, FastAPI/gin debug "
                                  "mode or stack traces sent to clients.",
                       not_counted=DEFAULT_ENV_RULES if production_env else frozenset())
    if production_env:
        result.rationale += (f" NODE_ENV=production is set at {production_env[0]}:{production_env[1]}, so the error "
                             "handlers mounted for app.get('env') === 'development' are off in production.")
    return result
