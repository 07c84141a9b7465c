"""SEC-HTTPS: HTTPS enforced, TLS verification on, no plain-http calls to other hosts."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import left_out_note, production_filter
from auditor.checks.shared.verdicts import violations_fail
from auditor.context import AuditContext
from auditor.endpoints.django_deploy import deploy_facts
from auditor.model import Evidence, ItemResult
from auditor.registry import check

# SEC-HTTPS without a violation but with no visible enforcement: HTTPS may well be enforced by a proxy or
# load balancer we cannot see, so this is neither a pass nor a fail
HTTPS_UNSEEN_SCORE = 5


@check("SEC-HTTPS")
def https_enforced(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Violations fail the item. Without a violation, a web application passes only with positive evidence
    that it enforces HTTPS itself (redirect setting or middleware, HSTS, a TLS listener, a proxy config that
    redirects); with none of them in the repository it is `partial`: HTTPS may be enforced by a load
    balancer outside the code, which a reviewer has to confirm. Code with no HTTP server (a library, a
    worker) passes when its outbound calls verify TLS and use https.
    """
    keep = production_filter(ctx)
    result = violations_fail(ctx, item, "", where=keep)
    note = left_out_note(ctx, (item.id,), keep)
    if result.verdict == "fail":
        result.rationale += note
        return result
    enforcement = [f.evidence for f in ctx.practices(item.id) if keep(f)]
    outbound_ok = "No TLS verification switched off and no plain-http call to another host."
    if enforcement:
        files = sorted({e.file for e in enforcement})
        return ItemResult(item.id, "pass",
                          f"HTTPS is enforced in {', '.join(files[:5])} ({len(enforcement)} place(s)). "
                          f"{outbound_ok}{note}", enforcement[:20], details={"enforcement": len(enforcement)})
    if not ctx.inventory.has_web_framework:
        return ItemResult(item.id, "pass", f"No inbound HTTP server found. {outbound_ok}{note}")
    facts = deploy_facts(ctx.repo) if ctx.inventory.framework_names & {"django", "drf"} else None
    insecure = facts.insecure("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS") if facts else []
    if facts and len(insecure) == 2:
        evidence = []
        for s in insecure:
            file, _, line = s.where.partition(":")
            at = int(line) if line.isdigit() else 1
            evidence.append(Evidence(file=file, line=at, snippet=ctx.repo.snippet(file, at), engine="settings",
                                     rule_id=f"django-deploy-{s.name.lower().replace('_', '-')}", kind="violation",
                                     message=f"{s.describe()} (production settings {facts.module})"))
        return ItemResult(
            item.id, "fail",
            f"Django production settings {facts.label()} do not enforce HTTPS: "
            + "; ".join(s.describe() for s in insecure) + f". {outbound_ok}{note}",
            evidence, details={"enforcement": 0, "django_settings": facts.module})
    return ItemResult(
        item.id, "partial",
        "The web application never enforces HTTPS itself: no HTTPS redirect setting or middleware "
        "(SECURE_SSL_REDIRECT, flask-talisman, HTTPSRedirectMiddleware, express-sslify), no HSTS header "
        "(SECURE_HSTS_SECONDS, helmet) and no TLS listener or proxy redirect in the repository. If a load "
        f"balancer enforces it, say so in the deployment config. {outbound_ok}{note}",
        partial_score=HTTPS_UNSEEN_SCORE, details={"enforcement": 0})
