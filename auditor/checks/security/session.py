"""SEC-SESSION: JWTs verified, cookies Secure and HttpOnly, Flask's session cookie settings seen."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item, production_filter
from auditor.context import AuditContext
from auditor.endpoints.django_deploy import DeploySetting, deploy_facts
from auditor.model import Evidence, ItemResult
from auditor.paths import NON_PRODUCTION_PATH
from auditor.registry import check
from auditor.text import line_of

# SEC-SESSION: a Flask app keeps its session in a cookie; Flask (and Flask-Login's remember-me cookie)
# default to Secure=False, so without the setting the cookie also travels over plain http
# Where code uses the Flask session (or Flask-Login) cookie, each with a word it cannot match without: a
# pattern that starts with ^ or \b gets no fast literal scan from `re`, so the word is looked for first.
FLASK_SESSION_USE = (
    (re.compile(r"^\s*from\s+flask\s+import\s+(?:\([^)]*\bsession\b[^)]*\)|[^\n]*\bsession\b)", re.MULTILINE),
     "session"),
    (re.compile(r"\bflask\.session\b"), "flask.session"),
    (re.compile(r"^\s*(?:from|import)\s+flask_login\b", re.MULTILINE), "flask_login"),
)
FLASK_REMEMBER_COOKIE = re.compile(r"\blogin_user\([^)]*\bremember\s*=")
SESSION_SECURE_SETTING = re.compile(r"\b(SESSION|REMEMBER)_COOKIE_SECURE\b")
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


def _first_flask_session_use(text: str) -> int | None:
    """Offset of the first FLASK_SESSION_USE match in the text (what one alternation would find), or None."""
    if "flask" not in text:
        return None
    starts = [m.start() for pattern, word in FLASK_SESSION_USE if word in text for m in [pattern.search(text)] if m]
    return min(starts, default=None)


def flask_cookie_settings_missing(ctx: AuditContext, settings: list[Evidence]) -> tuple[list[str], Evidence | None]:
    """The Flask secure-cookie settings this app needs but never sets, and where it uses the cookie."""
    if "flask" not in ctx.inventory.framework_names:
        return [], None
    test_files = set(ctx.inventory.test_files)
    used_at: Evidence | None = None
    remember = False
    for rel in ctx.repo.paths(language="python"):
        if rel in test_files or NON_PRODUCTION_PATH.search(rel):
            continue
        text = ctx.repo.read_text(rel) or ""
        start = _first_flask_session_use(text) if used_at is None else None
        if start is not None:
            line = line_of(text, start)
            if text[start] == "\n":
                line += 1
            used_at = Evidence(file=rel, line=line, snippet=ctx.repo.snippet(rel, line),
                               rule_id="flask-session-cookie", engine="text",
                               message="The Flask session (or Flask-Login) cookie is used here.",
                               kind="violation")
        remember = remember or ("login_user(" in text and bool(FLASK_REMEMBER_COOKIE.search(text)))
    if used_at is None:
        return [], None
    seen = {m.group(1) for e in settings for m in SESSION_SECURE_SETTING.finditer(e.snippet or "")}
    needed = ["SESSION"] + (["REMEMBER"] if remember else [])
    return [f"{name}_COOKIE_SECURE" for name in needed if name not in seen], used_at
