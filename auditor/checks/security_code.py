"""Code-level security items: each reads the semgrep rules under rules/semgrep/security and the bandit
tests mapped in rules/bandit.yml, and turns their findings into one verdict.

Findings in test code, examples and docs are left out of every verdict here: a SQL string built in a
test or `verify=False` against a local test server is not shipped. The rationale says how many were left
out, so a reviewer can still look.
"""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.evaluate import violations_fail
from auditor.context import AuditContext
from auditor.model import Finding, ItemResult
from auditor.registry import check

# code that does not ship: test suites, fixtures, examples, docs, the scanned project's own scripts for CI
NON_PRODUCTION_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec|specs|fixtures?|examples?|samples?|docs?|e2e|benchmarks?)/"
    r"|(^|/)test_[^/]+\.py$|(^|/)[^/]+_tests?\.(py|go)$|(^|/)conftest\.py$|\.(test|spec)\.[jt]sx?$",
    re.IGNORECASE)

# settings rules whose findings do not count in a settings module meant for development, local or test use
# (semgrep `paths.exclude` would match folders above the scanned root inside a monorepo, so it is done here)
SETTINGS_RULES = frozenset({"settings-debug-true", "django-https-setting-disabled", "python-cookie-flag-disabled"})
NON_PRODUCTION_SETTINGS = re.compile(r"(dev|local|test|example|sample|(^|_)ci($|_))", re.IGNORECASE)

# SEC-CRYPTO also covers disabled TLS verification (DESIGN.md); these SEC-HTTPS rules report it
TLS_VERIFICATION_RULES = frozenset({
    "python-tls-verification-disabled", "js-tls-verification-disabled", "go-tls-verification-disabled",
    "bandit.B501.request_with_no_cert_validation",
})

# SEC-HTTPS without a violation but with no visible enforcement: HTTPS may well be enforced by a proxy or
# load balancer we cannot see, so this is neither a pass nor a fail
HTTPS_UNSEEN_SCORE = 5


def _production(ctx: AuditContext):
    test_files = set(ctx.inventory.test_files)

    def keep(finding: Finding) -> bool:
        if finding.file in test_files or NON_PRODUCTION_PATH.search(finding.file):
            return False
        if finding.evidence.rule_id in SETTINGS_RULES:
            stem = finding.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            return not NON_PRODUCTION_SETTINGS.search(stem)
        return True
    return keep


def _left_out_note(ctx: AuditContext, item_ids: tuple[str, ...], keep) -> str:
    dropped = [f for item_id in item_ids for f in ctx.violations(item_id) if not keep(f)]
    if not dropped:
        return ""
    files = len({f.file for f in dropped})
    return (f" {len(dropped)} finding(s) in test, example or development-settings code ({files} file(s)) "
            "were not counted.")


def _code_item(ctx: AuditContext, item: CatalogItem, clean: str,
               engines: tuple[str, ...] = ("semgrep", "bandit"),
               extra: list[Finding] | None = None) -> ItemResult:
    keep = _production(ctx)
    result = violations_fail(ctx, item, clean, engines=engines, extra=extra, where=keep)
    result.rationale += _left_out_note(ctx, (item.id,), keep)
    result.details.setdefault("violations", sum(1 for e in result.evidence if e.kind == "violation"))
    return result


@check("SEC-SQLI")
def sql_injection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return _code_item(ctx, item, "No SQL built from strings or request data reaches a query call "
                                 "(execute/raw/extra/text, db.query/knex.raw/sequelize.query, database/sql).")


@check("SEC-XSS")
def cross_site_scripting(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return _code_item(ctx, item, "No escaping bypass found: no |safe/autoescape off in templates, no Markup/"
                                 "mark_safe/template.HTML of computed values, no request data written raw "
                                 "into responses.")


@check("SEC-SENSITIVE-LOGGING")
def sensitive_logging(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return _code_item(ctx, item, "No password, token, secret or Authorization header reaches a log call or "
                                 "print.", engines=("semgrep",))


@check("SEC-CRYPTO")
def strong_cryptography(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    tls_off = [f for f in ctx.violations("SEC-HTTPS") if f.evidence.rule_id in TLS_VERIFICATION_RULES]
    return _code_item(ctx, item, "No fast hash of passwords, no predictable randomness for tokens or keys, no "
                                 "broken cipher or mode, TLS verification left on.", extra=tls_off)


@check("SEC-SESSION")
def session_management(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return _code_item(ctx, item, "JWTs are verified with explicit algorithms and cookies set in code carry "
                                 "Secure and HttpOnly.", engines=("semgrep",))


@check("SEC-INJECTION")
def code_and_command_injection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return _code_item(ctx, item, "No eval/exec of data, no shell command built from data, no unsafe "
                                 "deserialisation, no file path taken from the request.")


@check("SEC-DEBUG")
def debug_mode(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return _code_item(ctx, item, "No debug server, DEBUG = True in production settings, FastAPI/gin debug "
                                 "mode or stack traces sent to clients.")


@check("SEC-HTTPS")
def https_enforced(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Violations fail the item. Without a violation, a web application passes only with positive evidence
    that it enforces HTTPS itself (redirect setting or middleware, HSTS, a TLS listener, a proxy config that
    redirects); with none of them in the repository it is `partial`: HTTPS may be enforced by a load
    balancer outside the code, which a reviewer has to confirm. Code with no HTTP server (a library, a
    worker) passes when its outbound calls verify TLS and use https.
    """
    keep = _production(ctx)
    result = violations_fail(ctx, item, "", where=keep)
    note = _left_out_note(ctx, (item.id,), keep)
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
    return ItemResult(
        item.id, "partial",
        "The web application never enforces HTTPS itself: no HTTPS redirect setting or middleware "
        "(SECURE_SSL_REDIRECT, flask-talisman, HTTPSRedirectMiddleware, express-sslify), no HSTS header "
        "(SECURE_HSTS_SECONDS, helmet) and no TLS listener or proxy redirect in the repository. If a load "
        f"balancer enforces it, say so in the deployment config. {outbound_ok}{note}",
        partial_score=HTTPS_UNSEEN_SCORE, details={"enforcement": 0})
