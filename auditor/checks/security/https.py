"""SEC-HTTPS: HTTPS enforced, TLS verification on, no plain-http calls to other hosts."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import left_out_note, production_filter
from auditor.checks.shared.flask_cookies import flask_cookie_settings_missing
from auditor.checks.shared.verdicts import violations_fail
from auditor.context import AuditContext
from auditor.endpoints.django_deploy import deploy_facts
from auditor.model import Evidence, ItemResult
from auditor.paths import NON_PRODUCTION_PATH
from auditor.registry import check
from auditor.text import line_of

# SEC-HTTPS without a violation but with no visible enforcement: HTTPS may well be enforced by a proxy or
# load balancer we cannot see, so this is neither a pass nor a fail
HTTPS_UNSEEN_SCORE = 5
# SEC-HTTPS with a redirect to HTTPS but no HSTS, in an app whose session cookie is not Secure: the first
# request of a visit (and the cookie it carries) still travels in clear, so this is half the protection
HTTPS_REDIRECT_ONLY_SCORE = 5

# enforcement that sends the browser to https (or terminates TLS at a proxy) without telling it to stay there
REDIRECT_ONLY_RULES = frozenset({"proxy-https-enforced", "traefik-https-enforced"})
REDIRECT_ONLY = re.compile(r"SECURE_SSL_REDIRECT|HTTPSRedirectMiddleware|\.HTTPS\s*\(")
HSTS = re.compile(r"Strict-Transport-Security|hsts|Talisman|helmet|force_https", re.I)
# files that talk about headers without sending them
PROSE = (".md", ".rst", ".txt", ".html", ".htm", ".lock")
# a Node session cookie (express-session, cookie-session) and a `secure:` option that is not false
NODE_SESSION = re.compile(r"""(?:require\(|from\s+)\s*['"](express-session|cookie-session)['"]""")
NODE_SECURE_OPTION = re.compile(r"\bsecure\s*:\s*(?!false\b)\S")


def redirect_only(evidence: Evidence) -> bool:
    """Enforcement that redirects to HTTPS without an HSTS header (nor a TLS-only listener in the app)."""
    text = evidence.snippet or ""
    if HSTS.search(text):
        return False
    return evidence.rule_id in REDIRECT_ONLY_RULES or bool(REDIRECT_ONLY.search(text))


@check("SEC-HTTPS")
def https_enforced(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Violations fail the item. Without a violation, a web application passes only with positive evidence
    that it enforces HTTPS itself (redirect setting or middleware, HSTS, a TLS listener, a proxy config that
    redirects); with none of them in the repository it is `partial`: HTTPS may be enforced by a load
    balancer outside the code, which a reviewer has to confirm. Code with no HTTP server (a library, a
    worker) passes when its outbound calls verify TLS and use https. A redirect alone (no HSTS header anywhere)
    protects neither the first plain-http request of a visit nor the cookie it carries: in an app whose session
    cookie is not Secure it is `partial`, with the redirect and the cookie as evidence.
    """
    keep = production_filter(ctx)
    result = violations_fail(ctx, item, "", where=keep)
    note = left_out_note(ctx, (item.id,), keep)
    if result.verdict == "fail":
        result.rationale += note
        return result
    enforcement = [f.evidence for f in ctx.practices(item.id) if keep(f)]
    outbound_ok = "No TLS verification switched off and no plain-http call to another host."
    if enforcement and all(redirect_only(e) for e in enforcement) and not hsts_anywhere(ctx):
        insecure, cookie_evidence = insecure_session_cookies(ctx)
        if insecure:
            files = sorted({e.file for e in enforcement})
            return ItemResult(
                item.id, "partial",
                f"HTTPS is only redirected to ({', '.join(files[:5])}): no HSTS header is sent anywhere (app, "
                f"proxy config, Talisman/SecurityMiddleware/helmet) and {'; '.join(insecure)}. A redirect does not "
                "protect the first plain-http request of a visit nor the session cookie it carries; send "
                f"Strict-Transport-Security and mark the session cookie Secure. {outbound_ok}{note}",
                (enforcement + cookie_evidence)[:20], partial_score=HTTPS_REDIRECT_ONLY_SCORE,
                details={"enforcement": len(enforcement), "redirect_only": True,
                         "insecure_cookies": insecure})
    if enforcement:
        files = sorted({e.file for e in enforcement})
        only_redirect = all(redirect_only(e) for e in enforcement) and not hsts_anywhere(ctx)
        return ItemResult(item.id, "pass",
                          f"HTTPS is enforced in {', '.join(files[:5])} ({len(enforcement)} place(s))"
                          + (", by a redirect without HSTS; no session cookie is sent without Secure"
                             if only_redirect else "") + f". {outbound_ok}{note}", enforcement[:20],
                          details={"enforcement": len(enforcement), "redirect_only": only_redirect})
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


def hsts_anywhere(ctx: AuditContext) -> bool:
    """A Strict-Transport-Security header written anywhere in production code or configuration, in a form the
    practice rules do not list (`resp.headers.set(...)` in an after-request hook, a proxy include file)."""
    test_files = set(ctx.inventory.test_files)
    for f in ctx.repo.files:
        if f.path in test_files or NON_PRODUCTION_PATH.search(f.path) or f.path.endswith(PROSE):
            continue
        text = ctx.repo.read_text(f.path) or ""
        if "strict-transport-security" in text.lower():
            return True
    return False


def insecure_session_cookies(ctx: AuditContext) -> tuple[list[str], list[Evidence]]:
    """What says the app's session cookie is also sent over plain http (Flask without SESSION_COOKIE_SECURE /
    REMEMBER_COOKIE_SECURE, Django production settings without SESSION_COOKIE_SECURE, express-session or
    cookie-session without `secure:`), with evidence; empty when no session cookie is seen or it is Secure."""
    keep = production_filter(ctx)
    said: list[str] = []
    evidence: list[Evidence] = []
    settings = [f.evidence for f in ctx.practices("SEC-SESSION") if keep(f)]
    missing, used_at = flask_cookie_settings_missing(ctx, settings)
    if missing and used_at is not None:
        said.append(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} never set (the Flask "
                    f"session cookie used at {used_at.file}:{used_at.line} is not Secure)")
        evidence.append(used_at)
    if ctx.inventory.framework_names & {"django", "drf"}:
        facts = deploy_facts(ctx.repo)
        if facts and facts.uses_sessions:
            for setting in facts.insecure("SESSION_COOKIE_SECURE"):
                said.append(f"{setting.describe()} (production settings {facts.module})")
    test_files = set(ctx.inventory.test_files)
    for rel in ctx.repo.paths(language="javascript") + ctx.repo.paths(language="typescript"):
        if rel in test_files or NON_PRODUCTION_PATH.search(rel):
            continue
        text = ctx.repo.read_text(rel) or ""
        if "session" not in text:
            continue
        m = NODE_SESSION.search(text)
        if m and not NODE_SECURE_OPTION.search(text):
            line = line_of(text, m.start())
            said.append(f"the {m.group(1)} cookie is configured without `secure: true` ({rel}:{line})")
            evidence.append(Evidence(file=rel, line=line, snippet=ctx.repo.snippet(rel, line),
                                     rule_id="node-session-cookie-not-secure", engine="text", kind="violation",
                                     message=f"{m.group(1)} is set up here without a Secure cookie."))
            break
    return said, evidence
