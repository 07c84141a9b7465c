"""SEC-HEADERS: CORS restricted and security headers set (OWASP A05, security misconfiguration).

Read from code and settings text (exact-word prefilters, then patterns), never by a semgrep rule over
every file:
- CORS: flask-cors `CORS(...)`/`@cross_origin`, django-cors-headers settings, Starlette/FastAPI
  `CORSMiddleware`, the Express `cors(...)` middleware and hand-set Access-Control-Allow-Origin headers.
  Any origin (`*`, a reflected origin, `origin: true`, an allow-all regex) together with credentials is a
  violation; any origin on an application with authenticated endpoints is one too.
- Security headers, asked for only where the application renders HTML (templates, an HTML content type, or an
  Express app mounting a package that serves HTML pages: agendash, swagger-ui-express...): Content-Security-Policy,
  X-Content-Type-Options, frame options (X-Frame-Options or CSP frame-ancestors) and Referrer-Policy, from
  Helmet, flask-talisman, the `secure` package, Django's SecurityMiddleware / XFrameOptionsMiddleware /
  django-csp, or the header names set by hand (in code or the reverse proxy's configuration).
"""
from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from auditor.catalog import CatalogItem
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext, Key, Unavailable
from auditor.facts import FileFacts
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result
from auditor.registry import check, collector
from auditor.repo import Repository

ITEM = "SEC-HEADERS"
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "frame options", "Referrer-Policy")
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".go")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")

# libraries that set all four headers by default once applied
ALL_HEADERS_LIBRARIES = (
    ("helmet", re.compile(r"\bhelmet\(")),
    ("flask-talisman", re.compile(r"\bTalisman\(")),
    ("secure", re.compile(r"\bsecure\.Secure\(|\bSecure\(\)\.(framework|set_headers)|SecureHeaders\(")),
)
# Django middleware and settings -> the headers they set
DJANGO_HEADER_SOURCES = (
    (re.compile(r"['\"]django\.middleware\.security\.SecurityMiddleware['\"]"),
     ("X-Content-Type-Options", "Referrer-Policy"), "SecurityMiddleware (nosniff and Referrer-Policy by default)"),
    (re.compile(r"['\"]django\.middleware\.clickjacking\.XFrameOptionsMiddleware['\"]"),
     ("frame options",), "XFrameOptionsMiddleware"),
    (re.compile(r"['\"]csp\.middleware\.CSPMiddleware['\"]|['\"]django\.middleware\.csp\.ContentSecurityPolicyMiddleware['\"]"
                r"|^\s*SECURE_CSP\s*=", re.M),
     ("Content-Security-Policy",), "Content-Security-Policy middleware"),
)
MANUAL_HEADERS = (
    ("Content-Security-Policy", re.compile(r"Content-Security-Policy['\"\s]", re.I)),
    ("X-Content-Type-Options", re.compile(r"X-Content-Type-Options['\"\s]", re.I)),
    ("frame options", re.compile(r"X-Frame-Options['\"\s]|frame-ancestors", re.I)),
    ("Referrer-Policy", re.compile(r"Referrer-Policy['\"\s]", re.I)),
)
HTML_RENDERING = re.compile(r"\brender_template(?:_string)?\(|\bTemplateResponse\(|\bHTMLResponse\b|"
                            r"\brender\(\s*request\b|\bres\.render\(|\.set\(\s*['\"]view engine['\"]|"
                            r"^\s*template_name\s*=|"
                            # aiohttp-jinja2 views, a response built with an HTML content type, gin's c.HTML
                            r"@aiohttp_jinja2\.template\(|\bcontent_type\s*=\s*['\"]text/html|"
                            r"['\"]Content-Type['\"]\s*,\s*['\"]text/html|\bc\.HTML\(", re.M)
# an Express application that mounts a package serving its own HTML pages (a job dashboard, API docs, a
# status page) renders HTML to browsers like one with templates does
JS_HTML_UI = re.compile(r"""(?:\brequire\(\s*|\bfrom\s+|\bimport\s+)['"](?:agendash|swagger-ui-express|"""
                        r"""express-status-monitor|bull-arena|@bull-board/express|graphql-playground-middleware-express|"""
                        r"""redoc-express)['"]""")
# Go's html/template executed into a response
GO_HTML_TEMPLATE = re.compile(r"['\"]html/template['\"]")
GO_TEMPLATE_EXECUTE = re.compile(r"\.Execute(?:Template)?\(\s*\w+\s*,")

# ---- CORS ----------------------------------------------------------------------------------------
FLASK_CORS_CALL = re.compile(r"\b(CORS|cross_origin)\(")
CREDENTIALS_ON = re.compile(r"supports_credentials\s*=\s*True|allow_credentials\s*=\s*True|"
                            r"\bcredentials\s*:\s*true|Access-Control-Allow-Credentials['\"]\s*,\s*['\"]?true")
ANY_ORIGIN = re.compile(r"""(?:origins?|allow_origins)\s*[=:]\s*(?:\[\s*)?['"]\*['"]|allow_origin_regex\s*=\s*r?['"]\.\*|"""
                        r"""\borigin\s*:\s*(?:true|['"]\*['"])|\borigin\s*:\s*\(\s*\w+\s*,\s*(\w+)\s*\)\s*=>\s*\1\(\s*null\s*,\s*true""")
# an origin list given by name (`allow_origins=settings.allowed_hosts`): followed to its definition
ORIGIN_NAME = re.compile(r"""(?:\b(?:origins?|allow_origins)\s*=|\borigin\s*:)\s*([A-Za-z_][\w.]*)\s*[\],)}]""")
RESTRICTED_ORIGIN = re.compile(r"""(?:origins?|allow_origins)\s*[=:]\s*(?:\[\s*)?(?:[rfu]?['"]https?://|[A-Za-z_][\w.]*(?:\s*[\],)]))|"""
                               r"""\borigin\s*:\s*(?:\[|['"]https?://|[A-Za-z_][\w.]*\s*[,}])""")
DJANGO_ALLOW_ALL = re.compile(r"^\s*CORS_(?:ALLOW_ALL_ORIGINS|ORIGIN_ALLOW_ALL)\s*=\s*True", re.M)
DJANGO_CREDENTIALS = re.compile(r"^\s*CORS_ALLOW_CREDENTIALS\s*=\s*True", re.M)
DJANGO_ALLOWED = re.compile(r"^\s*CORS_(?:ALLOWED_ORIGINS|ORIGIN_WHITELIST)\s*=", re.M)
DJANGO_REGEX_ALL = re.compile(r"^\s*CORS_ALLOWED_ORIGIN_REGEXES\s*=\s*[\[(]\s*r?['\"]\^?\.\*", re.M)
STARLETTE_CORS = re.compile(r"add_middleware\(\s*CORSMiddleware|Middleware\(\s*CORSMiddleware")
EXPRESS_CORS = re.compile(r"\bcors\(")
HAND_SET_ORIGIN = re.compile(r"""['"]Access-Control-Allow-Origin['"]\s*,\s*(['"]\*['"]|req\.headers\.origin|req\.get\(['"]origin['"]\)|"""
                             r"""request\.headers(?:\.get\(|\[)['"]Origin['"])""", re.I)


@dataclass(frozen=True)
class CorsSetting:
    file: str
    line: int
    snippet: str
    any_origin: bool
    credentials: bool
    what: str
    origin_name: str = ""      # the name the origins are read from, when not written in the call


def any_origin_definition(name: str) -> re.Pattern[str]:
    """`name = ["*"]`, `name: List[str] = ["*"]`, `name: '*'`, or an environment read defaulting to "*"."""
    last = re.escape(name.rsplit(".", 1)[-1])
    return re.compile(rf"""(?<![\w.]){last}\s*(?::\s*[^=\n]+?)?[=:]\s*(?:(?:\[|\(|\{{)\s*['"]\*['"]|['"]\*['"]|"""
                      rf"""[\w.]*(?:getenv|get|env)\(\s*['"]\w+['"]\s*,\s*(?:\[\s*)?['"]\*['"])""", re.I)

@dataclass
class HeaderFacts:
    cors: list[CorsSetting] = field(default_factory=list)
    html: list[Evidence] = field(default_factory=list)                 # where HTML is rendered
    headers: dict[str, list[Evidence]] = field(default_factory=dict)   # header -> what sets it


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _call_text(text: str, start: int, limit: int = 600) -> str:
    """From `start` to the parenthesis closing the first one opened there."""
    depth = 0
    for i, ch in enumerate(text[start:start + limit]):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start:start + i + 1]
    return text[start:start + limit]


def cors_settings(path: str, text: str) -> list[CorsSetting]:
    """Every CORS configuration in one file."""
    out: list[CorsSetting] = []
    lines = text.splitlines()

    def add(offset: int, call: str, any_origin: bool, credentials: bool, what: str) -> None:
        line = _line(text, offset)
        named = ORIGIN_NAME.search(call) if call and not any_origin else None
        out.append(CorsSetting(path, line, lines[line - 1].strip(), any_origin, credentials, what,
                               named.group(1) if named else ""))

    if path.endswith(".py"):
        if "CORS" in text or "cross_origin" in text:
            for m in FLASK_CORS_CALL.finditer(text):
                call = _call_text(text, m.start())
                restricted = RESTRICTED_ORIGIN.search(call) and not ANY_ORIGIN.search(call)
                add(m.start(), call, not restricted, bool(CREDENTIALS_ON.search(call)), f"flask-cors {m.group(1)}()")
            for m in STARLETTE_CORS.finditer(text):
                call = _call_text(text, m.start())
                add(m.start(), call, bool(ANY_ORIGIN.search(call)), bool(CREDENTIALS_ON.search(call)), "CORSMiddleware")
            allow_all = DJANGO_ALLOW_ALL.search(text) or DJANGO_REGEX_ALL.search(text)
            if allow_all:
                add(allow_all.start(), "", True, bool(DJANGO_CREDENTIALS.search(text)), "django-cors-headers")
            elif DJANGO_ALLOWED.search(text):
                m = DJANGO_ALLOWED.search(text)
                add(m.start(), "", False, bool(DJANGO_CREDENTIALS.search(text)), "django-cors-headers")
    elif "cors" in text:
        for m in EXPRESS_CORS.finditer(text):
            call = _call_text(text, m.start())
            inner = call[len("cors("):-1].strip()
            restricted = bool(inner) and RESTRICTED_ORIGIN.search(call) and not ANY_ORIGIN.search(call)
            add(m.start(), call, not restricted, bool(CREDENTIALS_ON.search(call)), "cors middleware")
    if "Access-Control-Allow-Origin" in text:
        for m in HAND_SET_ORIGIN.finditer(text):
            window = text[max(0, m.start() - 400):m.end() + 400]
            add(m.start(), window, True, bool(CREDENTIALS_ON.search(window)), "Access-Control-Allow-Origin set by hand")
    return out


def header_sources(path: str, text: str) -> dict[str, list[Evidence]]:
    found: dict[str, list[Evidence]] = {}
    lines = text.splitlines()

    def add(headers: tuple[str, ...], offset: int, message: str) -> None:
        line = _line(text, offset)
        ev = Evidence(path, line, lines[line - 1].strip(), rule_id="security-headers", engine="ast",
                      message=message, kind=PRACTICE)
        for h in headers:
            found.setdefault(h, []).append(ev)

    for name, pattern in ALL_HEADERS_LIBRARIES:
        m = pattern.search(text)
        if m:
            add(HEADERS, m.start(), f"{name} sets the security headers")
    if path.endswith(".py") and "django" in text:
        for pattern, headers, message in DJANGO_HEADER_SOURCES:
            m = pattern.search(text)
            if m:
                add(headers, m.start(), message)
    for header, pattern in MANUAL_HEADERS:
        m = pattern.search(text)
        if m:
            add((header,), m.start(), f"{header} set by hand")
    return found


WEB_HEADERS: Key[HeaderFacts] = Key("web_headers")


@collector(WEB_HEADERS, serves=(ITEM,))
def collect_web_headers(ctx: AuditContext) -> HeaderFacts:
    """Each file's CORS settings, HTML rendering and header sources (from its text alone: kept per file across
    audits, auditor/facts.py), merged; then each CORS origin list given by name is followed across files."""
    repo = ctx.repo
    facts = HeaderFacts()
    cache = FileFacts.open(ctx.options, repo.root, "web_headers")
    for rel in repo.paths():
        if TEST_FILE.search(rel):
            continue
        proxy = rel.endswith(".conf") or rel.rsplit("/", 1)[-1] in ("Caddyfile", "vercel.json", "netlify.toml", "_headers")
        if not rel.endswith(CODE_SUFFIXES) and not proxy:
            continue
        text = repo.read_text(rel) or ""
        for row in cache.rows(rel, text, functools.partial(_file_header_rows, rel, text, proxy)):
            _add_header_row(facts, rel, row)
    cache.save()
    facts.cors = [_follow_origin_name(repo, c) for c in facts.cors]
    return facts


def _file_header_rows(rel: str, text: str, proxy: bool) -> list[dict]:
    """One file's facts as JSON rows: {"cors": CorsSetting fields}, {"html": line, "snippet"} and
    {"header": name, "line", "snippet", "message"}, in the order the collector merges them."""
    rows: list[dict] = []
    if not proxy:
        rows += [{"cors": dataclasses.asdict(c)} for c in cors_settings(rel, text)]
        m = HTML_RENDERING.search(text)
        if not m and rel.endswith(".go") and GO_HTML_TEMPLATE.search(text):
            m = GO_TEMPLATE_EXECUTE.search(text)
        if not m and rel.endswith(JS_SUFFIXES):
            m = JS_HTML_UI.search(text)
        if m:
            line = _line(text, m.start())
            lines = text.splitlines()   # what repo.snippet shows for one line
            rows.append({"html": line, "snippet": lines[line - 1].rstrip() if line <= len(lines) else ""})
    for header, evs in header_sources(rel, text).items():
        rows += [{"header": header, "line": ev.line, "snippet": ev.snippet, "message": ev.message} for ev in evs]
    return rows


def _add_header_row(facts: HeaderFacts, rel: str, row: dict) -> None:
    if "cors" in row:
        facts.cors.append(CorsSetting(**row["cors"]))
    elif "html" in row:
        facts.html.append(Evidence(rel, row["html"], row["snippet"], rule_id="renders-html", engine="ast",
                                   message="renders HTML", kind=PRACTICE))
    else:
        facts.headers.setdefault(row["header"], []).append(
            Evidence(rel, row["line"], row["snippet"], rule_id="security-headers", engine="ast",
                     message=row["message"], kind=PRACTICE))


def _follow_origin_name(repo: Repository, setting: CorsSetting) -> CorsSetting:
    """A CORS setting whose origins come from a named setting allows any origin when that setting is `*`
    where it is defined (`allowed_hosts: List[str] = ["*"]`), its default included."""
    if not setting.origin_name or setting.any_origin:
        return setting
    pattern = any_origin_definition(setting.origin_name)
    suffixes = (".py",) if setting.file.endswith(".py") else (".js", ".mjs", ".cjs", ".ts", ".json")
    for rel in repo.paths():
        if not rel.endswith(suffixes) or TEST_FILE.search(rel):
            continue
        text = repo.read_text(rel) or ""
        m = pattern.search(text) if setting.origin_name.rsplit(".", 1)[-1] in text else None
        if m:
            line = _line(text, m.start())
            return replace(setting, any_origin=True,
                           what=f"{setting.what} (origins from {setting.origin_name}, '*' at {rel}:{line})")
    return setting


@dataclass(frozen=True)
class AuthKinds:
    """How the application's authenticated endpoints are authenticated, as far as CORS cares."""
    authenticated: int = 0    # endpoints that require authentication
    cookie: int = 0           # of the state-changing ones, authenticated by a cookie or session
    header: int = 0           # of the state-changing ones, authenticated by a header the browser never adds


def auth_kinds(endpoints: Iterable[Endpoint]) -> AuthKinds:
    authenticated = [e for e in endpoints if e.authenticated]
    changing = [e for e in authenticated if e.state_changing]
    return AuthKinds(len(authenticated), sum(1 for e in changing if e.csrf_applies is True),
                     sum(1 for e in changing if e.csrf_applies is False))


def _any_origin_problem(c: CorsSetting, auth: AuthKinds) -> str | None:
    """Why an any-origin CORS setting is unsafe, or None. Without credentials the browser neither sends cookies
    cross-origin nor lets a page read a credentialed answer, so any origin is unsafe only with credentials, or
    where the authentication is a cookie or session (or cannot be told apart from one)."""
    if c.credentials:
        return f"{c.what}: any origin allowed together with credentials: any web site can read authenticated responses"
    if auth.cookie:
        return (f"{c.what}: any origin allowed on an application whose {auth.cookie} state-changing endpoint(s) are "
                "authenticated by cookie or session")
    if auth.authenticated and not auth.header:
        return (f"{c.what}: any origin allowed on an API with {auth.authenticated} authenticated endpoint(s) whose "
                "authentication could not be told apart from a cookie")
    return None


def evaluate_headers(item_id: str, facts: HeaderFacts, auth: AuthKinds | int) -> ItemResult:
    """Any CORS violation fails the item; otherwise, where HTML is rendered, the share of the four headers set."""
    if isinstance(auth, int):
        auth = AuthKinds(authenticated=auth)
    bad_cors, good_cors, open_cors = [], [], []
    for c in facts.cors:
        problem = _any_origin_problem(c, auth) if c.any_origin else None
        if problem:
            bad_cors.append((c, problem))
        elif c.any_origin:
            open_cors.append(c)
        else:
            good_cors.append(c)
    evidence = [Evidence(c.file, c.line, c.snippet, rule_id="cors-any-origin", engine="ast", message=msg, kind=VIOLATION)
                for c, msg in bad_cors]
    evidence += [Evidence(c.file, c.line, c.snippet, rule_id="cors-restricted", engine="ast",
                          message=f"{c.what}: origins listed explicitly", kind=PRACTICE) for c in good_cors[:5]]
    evidence += [Evidence(c.file, c.line, c.snippet, rule_id="cors-any-origin-without-credentials", engine="ast",
                          message=f"{c.what}: any origin, but without credentials and with header (not cookie) "
                                  "authentication: no site can read an authenticated answer", kind=PRACTICE)
                 for c in open_cors[:5]]
    present = [h for h in HEADERS if facts.headers.get(h)]
    missing = [h for h in HEADERS if h not in present]
    for h in present:
        if facts.headers[h][0] not in evidence:
            evidence.append(facts.headers[h][0])
    details = {"cors_settings": len(facts.cors), "cors_violations": len(bad_cors), "renders_html": bool(facts.html),
               "headers_present": present, "headers_missing": missing if facts.html else []}
    cors_note = (f"{len(facts.cors)} CORS setting(s), {len(bad_cors)} allowing any origin unsafely"
                 if facts.cors else "no CORS opened (same-origin by default)")
    if bad_cors:
        return ItemResult(item_id, "fail", f"Heuristic: {cors_note}." + (
            f" Security headers missing where HTML is rendered: {', '.join(missing)}." if facts.html and missing else ""),
            evidence, details=details)
    if not facts.html:
        return ItemResult(item_id, "pass", f"Heuristic: {cors_note}; the application renders no HTML, so the browser "
                          "security headers (CSP, frame options) are not asked for.", evidence, details=details)
    html_at = facts.html[0]
    if missing:
        evidence.append(Evidence(html_at.file, html_at.line, html_at.snippet, rule_id="security-headers-missing",
                                 engine="ast", message=f"HTML rendered without {', '.join(missing)}", kind=VIOLATION))
    return partial_result(item_id, len(present), len(HEADERS),
                          f"Heuristic: {cors_note}; HTML is rendered ({html_at.file}:{html_at.line}) and "
                          f"{len(present)} of 4 security headers are set" + (f"; missing: {', '.join(missing)}" if missing else "")
                          + ".", evidence, details)


@check("SEC-HEADERS")
def check_headers(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    facts: HeaderFacts = ctx.get(WEB_HEADERS)
    try:
        auth = auth_kinds(ctx.get(ENDPOINTS).endpoints)
    except Unavailable:
        auth = AuthKinds()
    return evaluate_headers(item.id, facts, auth)
