"""Code-level security items: each reads the semgrep rules under rules/semgrep/security and the bandit
tests mapped in rules/bandit.yml, and turns their findings into one verdict.

Findings in test code, examples, docs and generated files are left out of every verdict here: a SQL
string built in a test or `verify=False` against a local test server is not shipped, and a generated API
client is the generator's code. The rationale says how many were left
out, so a reviewer can still look.
"""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.evaluate import dedupe, violations_fail
from auditor.context import AuditContext
from auditor.model import Evidence, Finding, ItemResult
from auditor.probes.generated import is_generated
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

# SEC-INJECTION: data from the operator's own command line, or a build tool's, is not attacker input. These
# paths are developer tooling as a whole: CLI modules, Django management commands, task runners and bundler
# configs, and scripts/ folders.
CLI_OR_BUILD_PATH = re.compile(
    r"(^|/)(cli|manage|__main__)\.py$|(^|/)management/commands/[^/]+\.py$|(^|/)scripts?/"
    r"|(^|/)(gruntfile|gulpfile|jakefile|webpack|rollup\.config|vite\.config|esbuild\.config)"
    r"([.-][\w-]+)*\.[cm]?[jt]s$",
    re.IGNORECASE)
# click/typer command decorators: @click.command(), @cli.command(), @app.cli.command(), @translate.group()
CLI_DECORATOR = re.compile(r"^(click|typer)\.|(^|\.)cli\.(command|group)$|^click$")
CLI_GROUP_FACTORIES = frozenset({"click.group", "click.Group", "typer.Typer", "Typer", "AppGroup",
                                 "flask.cli.AppGroup", "cli.AppGroup"})

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

# SEC-HTTPS without a violation but with no visible enforcement: HTTPS may well be enforced by a proxy or
# load balancer we cannot see, so this is neither a pass nor a fail
HTTPS_UNSEEN_SCORE = 5


def _production(ctx: AuditContext):
    test_files = set(ctx.inventory.test_files)
    generated: dict[str, bool] = {}

    def is_generated_file(rel: str) -> bool:
        """A generated API client or protobuf module (`*.gen.ts`, "auto-generated" header) is regenerated,
        never edited: a finding there is the generator's, not the team's."""
        if rel not in generated:
            generated[rel] = is_generated(rel, (ctx.repo.read_text(rel) or "")[:4000])
        return generated[rel]

    def keep(finding: Finding) -> bool:
        if finding.file in test_files or NON_PRODUCTION_PATH.search(finding.file):
            return False
        if is_generated_file(finding.file):
            return False
        if finding.evidence.rule_id in SETTINGS_RULES:
            stem = finding.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            return not NON_PRODUCTION_SETTINGS.search(stem)
        return True
    return keep


def _left_out_note(ctx: AuditContext, item_ids: tuple[str, ...], keep) -> str:
    dropped = dedupe([f for item_id in item_ids for f in ctx.violations(item_id) if not keep(f)])
    if not dropped:
        return ""
    files = len({f.file for f in dropped})
    return (f" {len(dropped)} finding(s) in test, example, generated or development-settings code "
            f"({files} file(s)) were not counted.")


def cli_or_build_tooling(ctx: AuditContext, finding: Finding, cache: dict[str, frozenset[int]]) -> bool:
    """True when the finding sits in developer tooling whose input is the operator's own command line:
    a CLI or build-tool file (by path), a click/typer command, a Django management command, or a Python
    script's `if __name__ == "__main__":` block or argparse-driven module."""
    if CLI_OR_BUILD_PATH.search(finding.file):
        return True
    if not finding.file.endswith(".py") or finding.line is None:
        return False
    if finding.file not in cache:
        tree = ctx.repo.python_ast(finding.file)
        cache[finding.file] = frozenset(_cli_lines(tree)) if tree is not None else frozenset()
    return finding.line in cache[finding.file]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _span(node: ast.AST) -> range:
    return range(node.lineno, (getattr(node, "end_lineno", None) or node.lineno) + 1)


def _cli_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    groups = {t.id for n in nodes_of(tree, ast.Assign) if isinstance(n.value, ast.Call)
              and _dotted(n.value.func) in CLI_GROUP_FACTORIES for t in n.targets if isinstance(t, ast.Name)}
    functions = nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef))
    for fn in functions:   # functions decorated as groups are groups too: @cli.command() below @click.group()
        if any(_dotted(d).endswith("group") and CLI_DECORATOR.search(_dotted(d)) for d in fn.decorator_list):
            groups.add(fn.name)

    def is_command(fn) -> bool:
        for d in fn.decorator_list:
            name = _dotted(d)
            owner, _, last = name.rpartition(".")
            if CLI_DECORATOR.search(name) or (last in ("command", "group") and owner in groups):
                return True
        return False

    argparse_script = False
    for node in nodes_of(tree, ast.If):
        if _is_main_guard(node.test):
            lines.update(_span(node))
            argparse_script = True
    for node in nodes_of(tree, ast.ClassDef):
        if any(_dotted(b).endswith("BaseCommand") or _dotted(b) in ("LabelCommand", "AppCommand") for b in node.bases):
            lines.update(_span(node))   # a Django management command: handle() and its helpers
    for fn in functions:
        if is_command(fn):
            lines.update(_span(fn))
    # a module that parses its own argv with argparse and runs as a script is a script throughout
    if argparse_script and any(_dotted(n.func) in ("argparse.ArgumentParser", "ArgumentParser")
                               for n in nodes_of(tree, ast.Call)):
        lines.update(range(1, _last_line(tree) + 1))
    return lines


def _is_main_guard(test: ast.AST) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def _last_line(tree: ast.Module) -> int:
    return max((getattr(n, "end_lineno", 0) or 0 for n in tree.body), default=0)


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
    """Violations (an unverified JWT, a cookie without Secure/HttpOnly) fail the item. Otherwise the
    rationale says what was actually seen: cookie settings that carry the flags, or none at all. A Flask app
    that keeps a session (or Flask-Login's remember-me cookie) without SESSION_COOKIE_SECURE /
    REMEMBER_COOKIE_SECURE anywhere is `partial`: Flask's default is False, but the value may be set
    outside the repository (instance config, environment), which a reviewer has to confirm."""
    result = _code_item(ctx, item, "No JWT is decoded without signature verification or with the 'none' "
                                   "algorithm, and no cookie is set without Secure/HttpOnly.", engines=("semgrep",))
    if result.verdict != "pass":
        return result
    keep = _production(ctx)
    cookie_settings = [f.evidence for f in ctx.practices(item.id) if keep(f)]
    missing, used_at = _flask_cookie_settings_missing(ctx, cookie_settings)
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


def _first_flask_session_use(text: str) -> int | None:
    """Offset of the first FLASK_SESSION_USE match in the text (what one alternation would find), or None."""
    if "flask" not in text:
        return None
    starts = [m.start() for pattern, word in FLASK_SESSION_USE if word in text for m in [pattern.search(text)] if m]
    return min(starts, default=None)


def _flask_cookie_settings_missing(ctx: AuditContext, settings: list[Evidence]) -> tuple[list[str], Evidence | None]:
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
            line = text.count("\n", 0, start) + 1
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


@check("SEC-INJECTION")
def code_and_command_injection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Developer tooling is left out: a click/typer/argparse command, a Django management command or a
    Gruntfile runs what its operator typed, and that operator can already run any command."""
    keep = _production(ctx)
    cli_lines: dict[str, frozenset[int]] = {}
    tooling = [f for f in ctx.violations(item.id) if keep(f) and cli_or_build_tooling(ctx, f, cli_lines)]
    tooling_ids = {id(f) for f in tooling}
    result = violations_fail(ctx, item, "No eval/exec of data, no shell command built from data, no unsafe "
                                        "deserialisation, no file path taken from the request.",
                             where=lambda f: keep(f) and id(f) not in tooling_ids)
    result.rationale += _left_out_note(ctx, (item.id,), keep)
    if tooling:
        places = sorted({f"{f.file}:{f.line}" for f in dedupe(tooling)})
        result.rationale += (f" {len(places)} finding(s) in CLI/build tooling not counted (its input is the "
                             f"operator's own command line, not a request): {', '.join(places[:5])}"
                             f"{' and more' if len(places) > 5 else ''}.")
        result.details["cli_or_build_tooling"] = places
    result.details.setdefault("violations", sum(1 for e in result.evidence if e.kind == "violation"))
    return result


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
