"""SEC-SESSION: JWTs verified, cookies Secure and HttpOnly, Flask's session cookie settings seen."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item, production_filter
from auditor.checks.shared.flask_cookies import flask_cookie_settings_missing
from auditor.context import AuditContext
from auditor.endpoints.django_deploy import DeploySetting, deploy_facts
from auditor.model import Evidence, ItemResult
from auditor.registry import check

# SEC-SESSION: a Flask app keeps its session in a cookie; Flask (and Flask-Login's remember-me cookie)
# default to Secure=False, so without the setting the cookie also travels over plain http
# SEC-SESSION: a Flask session cookie whose Secure setting is nowhere in the repository (it may be set at
# deployment, so neither a pass nor a fail)
SESSION_UNSEEN_SCORE = 5


@check("SEC-SESSION")
def session_management(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Violations (an unverified JWT, a cookie without Secure/HttpOnly) fail the item. Otherwise the
    rationale says what was actually seen: cookie settings that carry the flags, or none at all. A Flask app
    that keeps a session (or Flask-Login's remember-me cookie) without SESSION_COOKIE_SECURE /
    REMEMBER_COOKIE_SECURE anywhere is `partial`: Flask's default is False, but the value may be set
    outside the repository (instance config, environment), which a reviewer has to confirm."""
    result = code_item(ctx, item, "No JWT is decoded without signature verification or with the 'none' "
                                   "algorithm, and no cookie is set without Secure/HttpOnly.", engines=("semgrep",))
    django = _django_cookie_defaults(ctx)
    if django:
        facts, insecure = django
        evidence = [_setting_evidence(ctx, facts.module, s) for s in insecure]
        text = (f"Django production settings {facts.label()}: " + "; ".join(s.describe() for s in insecure) + ".")
        if result.verdict == "fail":
            result.rationale = f"{result.rationale} {text}"
            result.evidence = (result.evidence + evidence)[:20]
            return result
        return ItemResult(item.id, "fail", f"{text} {result.rationale}", evidence + result.evidence[:18],
                          details={**result.details, "django_settings": facts.module,
                                   "insecure_settings": [s.name for s in insecure]})
    if result.verdict != "pass":
        return result
    keep = production_filter(ctx)
    cookie_settings = [f.evidence for f in ctx.practices(item.id) if keep(f)]
    missing, used_at = flask_cookie_settings_missing(ctx, cookie_settings)
    if missing:
        where = f"{used_at.file}:{used_at.line}"
        return ItemResult(
            item.id, "partial",
            f"The Flask app keeps a session cookie ({where}) but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} never set in the repository: Flask's default is False, so "
            "the cookie is also sent over plain http. Set it to True in the production config (or confirm it "
            f"is set at deployment). {result.rationale}",
            [used_at] + cookie_settings[:19], partial_score=SESSION_UNSEEN_SCORE,
            details={**result.details, "missing_settings": missing})
    if cookie_settings:
        files = sorted({e.file for e in cookie_settings})
        result.rationale += (f" Cookie settings with Secure/HttpOnly: {len(cookie_settings)} place(s) in "
                             f"{', '.join(files[:5])}.")
    else:
        result.rationale += " No cookie setting found in code (framework defaults apply)."
    result.evidence = cookie_settings[:20]
    result.details["cookie_settings"] = len(cookie_settings)
    return result


def _django_cookie_defaults(ctx: AuditContext):
    """(facts, the cookie settings production leaves insecure) for a Django project, or None."""
    if not ctx.inventory.framework_names & {"django", "drf"}:
        return None
    facts = deploy_facts(ctx.repo)
    if facts is None:
        return None
    names = (["SESSION_COOKIE_SECURE"] if facts.uses_sessions else []) + \
        (["CSRF_COOKIE_SECURE"] if facts.uses_csrf_cookie else [])
    insecure = facts.insecure(*names)
    return (facts, insecure) if insecure else None


def _setting_evidence(ctx: AuditContext, module: str, setting: DeploySetting) -> Evidence:
    file, _, line = setting.where.partition(":")
    at = int(line) if line.isdigit() else 1
    return Evidence(file=file or module, line=at, snippet=ctx.repo.snippet(file or module, at),
                    rule_id=f"django-deploy-{setting.name.lower().replace('_', '-')}", engine="settings",
                    message=f"{setting.describe()} (production settings {module})", kind="violation")


