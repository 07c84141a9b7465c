"""API design checklist: REST semantics, versioning, docs, pagination, filtering, error format, rate limit.

Most answers come from the endpoint inventory (`ctx.get("endpoints")`) plus the handler's source text,
and from semgrep rules under rules/semgrep/api (documentation generators, central error handlers,
global rate limits, DRF settings). All heuristic, and the rationales say so. The `evaluate_*` functions
are pure: endpoints, texts and findings in, ItemResult out.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Callable

import yaml

from auditor.catalog import CatalogItem
from auditor.checks.evaluate import dedupe
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.access import endpoint_inventory, handler_source
from auditor.endpoints.branches import get_branch_source
from auditor.endpoints.classify import PUBLIC
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, Finding, ItemResult, partial_result
from auditor.registry import check
from auditor.repo import Repository

MAX_EVIDENCE = 25
SourceOf = Callable[[Endpoint], str]


# ---- shared helpers (reliability uses them too; the endpoint inventory and handler texts: auditor.endpoints.access) -----------------------------------------------
def production_findings(findings: list[Finding]) -> list[Finding]:
    """Findings outside test code: a test calling an API without a timeout is not a production risk."""
    return [f for f in findings if not TEST_FILE.search(f.file)]


ROUTE_DECLARATION = re.compile(
    r"@\w+\.(route|get|post|put|patch|delete|api_route)\(|\burlpatterns\b|\b(app|router)\.(get|post|put|patch|"
    r"delete|use|all)\(\s*['\"`]|\bHandleFunc\(|\.(GET|POST|PUT|DELETE)\(\s*\"")


def route_file_count(repo: Repository) -> int:
    return sum(1 for p in repo.paths() if p.endswith((".py", ".js", ".ts", ".mjs", ".go"))
               and not TEST_FILE.search(p) and ROUTE_DECLARATION.search(repo.read_text(p) or ""))


# ---- JSON API routes and server-rendered HTML pages -----------------------------------------------
HTML_RESPONSE = re.compile(r"\brender_template(_string)?\(|\brender_to_response\(|\brender\(\s*request\b|"
                           r"\bTemplateResponse\(|\bres(ponse)?\.render\(|\bHTMLResponse\b|^\s*template_name\s*=|"
                           r"\bredirect\(|\bHttpResponseRedirect\(|\bres(ponse)?\.redirect\(", re.M)
JSON_RESPONSE = re.compile(r"\bjsonify\(|\bJsonResponse\(|\bJSONResponse\(|\bres(ponse)?\.(json|jsonp)\(|"
                           r"\bjson\.dumps\(|application/json|\bresponse_model\s*=|\bSerializer\b|\bserializer\b|"
                           r"^\s*return\s+[\[{]|\bres(ponse)?\.send\(\s*[\[{]|\bc\.JSON\(|\bjson\.NewEncoder\(", re.M)


def response_kind(ep: Endpoint, source: str) -> str:
    """'html' for a server-rendered page (renders a template or redirects, and answers no JSON), 'json' for an
    API route, 'unknown' when the handler text says neither. Only 'html' is left out of the API items."""
    if ep.framework in ("drf", "fastapi") and not re.search(r"\bHTMLResponse\b|TemplateResponse\(|RedirectResponse\(", source):
        return "json"
    if JSON_RESPONSE.search(source):
        return "json"
    if HTML_RESPONSE.search(source):
        return "html"
    return "unknown"


def split_html_routes(endpoints: list[Endpoint], source_of: SourceOf) -> tuple[list[Endpoint], list[Endpoint]]:
    """(API routes, server-rendered HTML routes)."""
    api, html = [], []
    for ep in endpoints:
        (html if response_kind(ep, source_of(ep)) == "html" else api).append(ep)
    return api, html


def html_only_result(item_id: str, html: list[Endpoint], what: str, routes: str = "route(s)") -> ItemResult:
    sample = ", ".join(_label(e) for e in html[:3])
    return ItemResult(item_id, "not_applicable",
                      f"all {len(html)} {routes} serve server-rendered HTML pages (their handlers render templates or "
                      f"redirect, e.g. {sample}); {what} applies to JSON APIs")


def _cap(evidence: list[Evidence]) -> list[Evidence]:
    return evidence[:MAX_EVIDENCE]


def _ep_evidence(ep: Endpoint, snippet: str, rule_id: str, message: str, kind: str = VIOLATION) -> Evidence:
    return Evidence(ep.file, ep.line, snippet, rule_id=rule_id, engine="inventory", message=message, kind=kind)


def _label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _no_endpoints(item_id: str, inv) -> ItemResult:
    missing = f" (not read: {'; '.join(inv.unsupported)})" if getattr(inv, "unsupported", None) else ""
    if missing:
        raise Unavailable(f"no endpoint extracted{missing}")
    return ItemResult(item_id, "not_applicable", "no endpoint found in the route declarations")


# ---- API-REST-SEMANTICS --------------------------------------------------------------------------
VERB_SEGMENT = re.compile(r"^(get|Get|create|Create|update|Update|delete|Delete|remove|Remove|fetch|Fetch|add|Add|"
                          r"set|Set|list|List|make|edit|Edit|save|Save|insert|Insert|modify|Modify)([A-Z_-]|$)")
WRITES = re.compile(r"\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\.save\(|\.commit\(\)|"
                    r"\.objects\.create\(|\.delete\(\)|session\.add\(|\.insert_one\(|\.update_one\(", re.I)
CREATES = re.compile(r"\bINSERT\s+INTO\b|\.objects\.create\(|session\.add\(|\bdb\.add\(|\.insert_one\(|\.create\(", re.I)
CREATE_HANDLER = re.compile(r"^(create|add|new|register|signup|sign_up)", re.I)
CREATED_STATUS = re.compile(r"\b20[124]\b|HTTP_20[124]|HTTPStatus\.(CREATED|ACCEPTED|NO_CONTENT)|redirect\(|sendStatus\(20")


def rest_problems(ep: Endpoint, source: str) -> list[str]:
    """What breaks REST semantics on this endpoint (empty when nothing is found)."""
    problems = []
    for seg in _segments(ep.path):
        if not seg.startswith(("{", "<", ":")) and VERB_SEGMENT.match(seg):
            problems.append(f"verb in the path segment '{seg}' (use a noun and the HTTP method)")
            break
    method = ep.method.upper()
    on_get = get_branch_source(source) if method in ("GET", "HEAD") and source else ""  # POST-only branches left out
    if on_get and WRITES.search(on_get):
        problems.append(f"{method} handler writes ({WRITES.search(on_get).group(0).strip()}): GET must be safe")
    last = _segments(ep.path)[-1] if _segments(ep.path) else ""
    if method == "POST" and last.startswith(("{", "<", ":")) and source and re.search(r"\bUPDATE\s+\w+\s+SET\b|\.save\(", source, re.I):
        problems.append("POST updates an existing resource at its own URI (use PUT or PATCH)")
    short = ep.handler.rsplit(".", 1)[-1]
    creates = CREATE_HANDLER.match(short) or (source and CREATES.search(source))
    if (method == "POST" and source and creates and not last.startswith(("{", "<", ":"))
            and not CREATED_STATUS.search(source) and response_kind(ep, source) != "html"):   # a form post answers a page
        problems.append("creates a resource but answers 200 (use 201 Created with its location)")
    return problems


def evaluate_rest_semantics(item_id: str, endpoints: list[Endpoint], source_of: SourceOf,
                            snippet_of: SourceOf, violations: list[Finding]) -> ItemResult:
    bad_evidence: list[Evidence] = []
    bad_endpoints = 0
    for ep in endpoints:
        problems = rest_problems(ep, source_of(ep))
        if problems:
            bad_endpoints += 1
            bad_evidence.append(_ep_evidence(ep, snippet_of(ep), "rest-semantics", f"{_label(ep)}: " + "; ".join(problems)))
    status_bad = dedupe(violations)
    good = len(endpoints) - bad_endpoints
    total = good + bad_endpoints + len(status_bad)
    evidence = bad_evidence + [f.evidence for f in status_bad]
    return partial_result(item_id, good, total,
                          f"{good} of {len(endpoints)} endpoint(s) show no REST problem; {bad_endpoints} do "
                          f"(verbs in paths, GET that writes, create answering 200) and {len(status_bad)} error "
                          "response(s) are answered with 200 (heuristic, from route paths and handler text).",
                          _cap(evidence), {"endpoints": len(endpoints), "problem_endpoints": bad_endpoints,
                                           "errors_with_200": len(status_bad)})


@check("API-REST-SEMANTICS")
def check_rest_semantics(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    violations = production_findings(ctx.violations(item.id))
    try:
        inv = endpoint_inventory(ctx)
    except Unavailable:
        if violations:  # the violations stand on their own
            return ItemResult(item.id, "fail", f"{len(violations)} error response(s) answered with 200 "
                              "(endpoint inventory unavailable, so methods and paths were not checked).",
                              _cap([f.evidence for f in violations]))
        raise
    if not inv.endpoints:
        return _no_endpoints(item.id, inv)
    return evaluate_rest_semantics(item.id, inv.endpoints, lambda e: handler_source(ctx.repo, e),
                                   lambda e: ctx.repo.snippet(e.file, e.line), violations)


# ---- API-VERSIONING ------------------------------------------------------------------------------
VERSION_SEGMENT = re.compile(r"^(v\d+(\.\d+)*|\d+\.\d+|\{version\}|\{api_version\})$", re.I)
UNVERSIONED_BY_NATURE = re.compile(r"^/?(auth|oauth2?|token|login|logout|admin|static|\.well-known)(/|$)", re.I)


def is_infrastructure(ep: Endpoint) -> bool:
    """Health, docs, metrics, static, admin and OAuth/login routes are conventionally not versioned."""
    bare = re.sub(r"\{[^}]*\}", "", ep.path)
    return bool(PUBLIC.search(bare) or UNVERSIONED_BY_NATURE.search(bare))


def evaluate_versioning(item_id: str, endpoints: list[Endpoint], negotiation: list[Finding],
                        snippet_of: SourceOf, source_of: SourceOf = lambda e: "") -> ItemResult:
    routes, html = split_html_routes([e for e in endpoints if not is_infrastructure(e)], source_of)
    api = routes
    if not api:
        if html:
            return html_only_result(item_id, html, "versioning")
        return ItemResult(item_id, "not_applicable",
                          f"only infrastructure routes (health, docs, auth) among {len(endpoints)} endpoint(s)")
    if negotiation:
        return ItemResult(item_id, "pass", f"version negotiated by header or media type for {len(api)} endpoint(s) "
                          f"({negotiation[0].file}:{negotiation[0].line}).", _cap([f.evidence for f in negotiation]))
    versioned = [e for e in api if any(VERSION_SEGMENT.match(s) for s in _segments(e.path))]
    unversioned = [e for e in api if e not in versioned]
    evidence = ([_ep_evidence(e, snippet_of(e), "unversioned-route", f"{_label(e)} has no version in its path")
                 for e in unversioned]
                + [_ep_evidence(e, snippet_of(e), "versioned-route", f"{_label(e)} is versioned", PRACTICE)
                   for e in versioned[:5]])
    skipped = f"; {len(html)} server-rendered HTML route(s) not counted" if html else ""
    return partial_result(item_id, len(versioned), len(api),
                          f"{len(versioned)} of {len(api)} API endpoint(s) carry a version in the path; no header "
                          f"or media-type versioning found (health, docs, admin and auth routes not counted{skipped}).",
                          _cap(evidence), {"versioned": len(versioned), "unversioned": [_label(e) for e in unversioned]})


@check("API-VERSIONING")
def check_versioning(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return _no_endpoints(item.id, inv)
    return evaluate_versioning(item.id, inv.endpoints, production_findings(ctx.practices(item.id)),
                               lambda e: ctx.repo.snippet(e.file, e.line), lambda e: handler_source(ctx.repo, e, whole_class=True))


# ---- API-DOCS ------------------------------------------------------------------------------------
OPENAPI_NAME = re.compile(r"(^|/)([\w.-]*(openapi|swagger)[\w.-]*)\.(ya?ml|json)$", re.I)
OPENAPI_MARKER = re.compile(r"^\s*[\"']?(openapi|swagger)[\"']?\s*:", re.M)


@dataclass
class OpenApiDocument:
    path: str
    error: str | None = None
    operations: int = 0
    with_error_responses: int = 0
    with_examples: int = 0
    line: int = 1


def read_openapi(path: str, text: str) -> OpenApiDocument:
    doc = OpenApiDocument(path)
    marker = OPENAPI_MARKER.search(text)
    doc.line = text.count("\n", 0, marker.start()) + 1 if marker else 1
    try:
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        doc.error = f"does not parse: {str(exc).splitlines()[0][:200]}"
        doc.line = (mark.line + 1) if mark is not None else getattr(exc, "lineno", 1)
        return doc
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        doc.error = "parses but has no `paths` object"
        return doc
    for operations in data["paths"].values():
        if not isinstance(operations, dict):
            continue
        for method, op in operations.items():
            if method.lower() not in ("get", "post", "put", "patch", "delete", "head", "options") or not isinstance(op, dict):
                continue
            doc.operations += 1
            responses = op.get("responses") or {}
            if any(str(code)[:1] in ("4", "5") or str(code) == "default" for code in responses):
                doc.with_error_responses += 1
            if "example" in json.dumps(op, default=str):
                doc.with_examples += 1
    return doc


def evaluate_docs(item_id: str, documents: list[OpenApiDocument], findings: list[Finding],
                  html_routes: list[Endpoint] | None = None) -> ItemResult:
    """html_routes: every route when all of them serve server-rendered pages (then nothing needs API docs)."""
    disabled = dedupe([f for f in findings if f.kind == VIOLATION])
    generators = dedupe([f for f in findings if f.kind == PRACTICE])
    broken = [d for d in documents if d.error]
    good_docs = [d for d in documents if not d.error]
    evidence = ([Evidence(d.path, d.line, "", rule_id="openapi-unparsable", engine="yaml", message=d.error)
                 for d in broken] + [f.evidence for f in disabled]
                + [Evidence(d.path, d.line, "", rule_id="openapi-document", engine="yaml", kind=PRACTICE,
                            message=f"OpenAPI document: {d.operations} operation(s), {d.with_error_responses} "
                                    f"with error responses, {d.with_examples} with examples")
                   for d in good_docs] + [f.evidence for f in generators])
    if not good_docs and not generators:
        if html_routes and not broken and not disabled:
            return html_only_result(item_id, html_routes, "API documentation")
        if broken or disabled:
            return ItemResult(item_id, "fail", f"{len(broken)} OpenAPI file(s) do not parse and {len(disabled)} "
                              "app(s) disable their generated docs; no working API documentation.", _cap(evidence))
        return ItemResult(item_id, "fail", "no API documentation: looked for an OpenAPI/Swagger file and for "
                          "FastAPI docs, drf-spectacular, drf-yasg, flasgger, apispec, flask-smorest, flask-restx, "
                          "swagger-jsdoc, swagger-ui-express, NestJS SwaggerModule.")
    if broken or disabled:
        good = len(good_docs) + len(generators)
        return partial_result(item_id, good, good + len(broken) + len(disabled),
                              f"documentation present, but {len(broken)} OpenAPI file(s) do not parse and "
                              f"{len(disabled)} app(s) disable their docs.", _cap(evidence))
    ops = sum(d.operations for d in good_docs)
    if ops:
        with_errors = sum(d.with_error_responses for d in good_docs)
        examples = sum(d.with_examples for d in good_docs)
        if with_errors < ops:
            return partial_result(item_id, with_errors, ops,
                                  f"OpenAPI document(s) parse; {with_errors} of {ops} operation(s) document error "
                                  f"responses and {examples} have examples.", _cap(evidence),
                                  {"operations": ops, "with_error_responses": with_errors, "with_examples": examples})
        return ItemResult(item_id, "pass", f"OpenAPI document(s) parse; all {ops} operation(s) document error "
                          f"responses; {examples} have examples.", _cap(evidence))
    return ItemResult(item_id, "pass", "API documentation generated from the code "
                      f"({generators[0].file}:{generators[0].line}); examples and error codes are not verified "
                      "statically (heuristic).", _cap(evidence))


@check("API-DOCS")
def check_docs(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    documents = []
    for path in ctx.repo.paths():
        if TEST_FILE.search(path) or not path.endswith((".yaml", ".yml", ".json")) or path.endswith("package.json"):
            continue
        text = ctx.repo.read_text(path) or ""
        if OPENAPI_NAME.search(path) or OPENAPI_MARKER.search(text[:4000]):
            if OPENAPI_MARKER.search(text[:4000]) or OPENAPI_NAME.search(path):
                documents.append(read_openapi(path, text))
    html: list[Endpoint] = []
    try:
        endpoints = endpoint_inventory(ctx).endpoints
    except Unavailable:
        endpoints = []
    if endpoints:
        api, html = split_html_routes([e for e in endpoints if not is_infrastructure(e)],
                                      lambda e: handler_source(ctx.repo, e, whole_class=True))
        html = html if not api else []
    return evaluate_docs(item.id, documents, production_findings(ctx.findings_for(item.id)), html)


# ---- API-PAGINATION ------------------------------------------------------------------------------
UPPER_BOUND = re.compile(r"\ble\s*=|\blt\s*=|\bmax\s*:|max_value\s*=|\bmin\(|Math\.min\(|max_limit|max_page_size|"
                         r"max_per_page|MAX_(PAGE|LIMIT)|\.clamp\(|\[:\s*\d+\]", re.I)
LIMIT_PARAM = re.compile(r"\b(limit|page_size|per_page|pageSize|perPage|size)\b")
SIZE_NAMES = r"limit|page_size|per_page|pageSize|perPage|size|page_limit|pageLimit|take|count|max_results"
SIZE_FROM_REQUEST = re.compile(
    rf"(?:request\.(?:args|GET|query_params|query|values|params)(?:\.get(?:_int)?\(|\[)\s*['\"](?:{SIZE_NAMES})['\"]|"
    rf"req\.query\.(?:{SIZE_NAMES})\b|req\.query\[\s*['\"](?:{SIZE_NAMES})['\"]|"
    rf"\{{[^}}]*\b(?:{SIZE_NAMES})\b[^}}]*\}}\s*=\s*req\.query\b|searchParams\.get\(\s*['\"](?:{SIZE_NAMES})['\"]|"
    rf"(?<![.\w])(?:Query|query)\(\s*['\"](?:{SIZE_NAMES})['\"]|c\.(?:Query|DefaultQuery)\(\s*\"(?:{SIZE_NAMES})\")")
# a size set by the server: `per_page=current_app.config['POSTS_PER_PAGE']`, `limit = settings.PAGE_SIZE`, `size=20`
SERVER_SIZE = re.compile(rf"\b(?:{SIZE_NAMES})\s*=\s*(?:[\w.]*config\b[\w.]*[\[.(]|settings\.|app\.config|\d+\s*[,)\n]|"
                         r"[A-Z][A-Z0-9_]{2,}\b)")
SIZE_MENTION = re.compile(rf"\b(?:{SIZE_NAMES.replace('|count', '')})\b")


def handler_size_parameters(source: str) -> set[str]:
    """Page-size names among the handler's own parameters (FastAPI `limit: int = 100`, a path parameter)."""
    try:
        tree = ast.parse(source.strip() if source.lstrip().startswith(("@", "def", "async")) else "")
    except SyntaxError:
        return set()
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return set()
    fn = tree.body[0]
    names = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
    return {n for n in names if re.fullmatch(SIZE_NAMES, n)}


def page_size_origin(source: str) -> tuple[str, str]:
    """Where a paginated handler's page size comes from: ('client', how) when the request sets it (a query
    parameter read, a handler parameter), ('server', how) when only configuration or a constant sets it,
    ('none', "") when no size is named, ('unknown', name) when a size is named but its origin is not seen."""
    read = SIZE_FROM_REQUEST.search(source)
    if read:
        return "client", read.group(0)
    params = handler_size_parameters(source)
    if params:
        return "client", f"handler parameter {', '.join(sorted(params))}"
    setters = [m for m in SIZE_MENTION.finditer(source) if re.match(r"\s*[:=](?!=)", source[m.end():m.end() + 4])]
    if not setters:
        return "none", ""
    server = list(SERVER_SIZE.finditer(source))
    if all(any(s.start() == m.start() for s in server) for m in setters):
        first = server[0].start()
        line_end = source.find("\n", first)
        return "server", source[first:line_end if line_end >= 0 else None].strip().rstrip(",")
    return "unknown", setters[0].group(0)


def evaluate_pagination(item_id: str, endpoints: list[Endpoint], source_of: SourceOf, snippet_of: SourceOf,
                        defaults: list[Finding]) -> ItemResult:
    candidates = [e for e in endpoints if e.paginated is not None]
    lists, html = split_html_routes(candidates, source_of)
    if not lists:
        if html:
            return html_only_result(item_id, html, "API pagination", "list route(s)")
        return ItemResult(item_id, "not_applicable",
                          f"no list endpoint among {len(endpoints)} endpoint(s) (a GET returning a collection)")
    good, bad = [], []
    for ep in lists:
        how = "; ".join(ep.protections.get("paginated", []))
        if not ep.paginated:
            bad.append(_ep_evidence(ep, snippet_of(ep), "unpaginated-list",
                                    f"{_label(ep)} returns the whole collection (no limit/offset, cursor or page)"))
            continue
        source = source_of(ep)
        origin, size = page_size_origin(source) if source else ("none", "")
        if origin in ("client", "unknown") and not UPPER_BOUND.search(source) and "DEFAULT_PAGINATION" not in how:
            whence = "the client sets it" if origin == "client" else "its origin is not seen"
            bad.append(_ep_evidence(ep, snippet_of(ep), "unbounded-page-size",
                                    f"{_label(ep)} takes a page size with no upper bound ({how}; {whence}: {size})"))
            continue
        bound = f"; page size fixed by the server ({size})" if origin == "server" else ""
        good.append(_ep_evidence(ep, snippet_of(ep), "paginated-list", f"{_label(ep)} paginated: {how}{bound}", PRACTICE))
    evidence = bad + good + [f.evidence for f in dedupe(defaults)]
    skipped = f" {len(html)} server-rendered HTML list page(s) not counted." if html else ""
    return partial_result(item_id, len(good), len(lists),
                          f"{len(good)} of {len(lists)} list endpoint(s) are paginated with a bounded page size; a "
                          "size only counts as unbounded when the request sets it (heuristic)." + skipped,
                          _cap(evidence), {"list_endpoints": [_label(e) for e in lists],
                                           "html_list_pages": [_label(e) for e in html]})


@check("API-PAGINATION")
def check_pagination(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return _no_endpoints(item.id, inv)
    return evaluate_pagination(item.id, inv.endpoints, lambda e: handler_source(ctx.repo, e),
                               lambda e: ctx.repo.snippet(e.file, e.line),
                               production_findings(ctx.practices(item.id)))


# ---- API-FILTERING -------------------------------------------------------------------------------
PAGINATION_NAMES = {"limit", "offset", "page", "page_size", "per_page", "cursor", "size", "skip", "take",
                    "pagesize", "perpage"}
QUERY_READ = re.compile(r"(?:(?:request\.(?:args|GET|query_params)\.get\(|request\.(?:args|GET|query_params)\[|"
                        r"req\.query\[|(?<![.\w])query\(|searchParams\.get\()\s*['\"](\w+)|req\.query\.(\w+))")
FILTER_NAME = re.compile(r"(?i)(filter|sort|order|search|q$|status|since|until|from|to$|min|max|name|type|category)")


def query_parameters(source: str) -> set[str]:
    """Query parameter names a handler reads (text heuristic, plus FastAPI-style function parameters)."""
    names = {m.group(1) or m.group(2) for m in QUERY_READ.finditer(source)}
    try:
        tree = ast.parse(source.strip() if source.lstrip().startswith(("@", "def", "async")) else "")
    except SyntaxError:
        tree = None
    if tree is not None and tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        fn = tree.body[0]
        args = fn.args.args + fn.args.kwonlyargs
        defaults = [None] * (len(fn.args.args) - len(fn.args.defaults)) + list(fn.args.defaults) + list(fn.args.kw_defaults)
        for arg, default in zip(args, defaults):
            text = ast.unparse(default) if default is not None else ""
            if "Depends(" in text or "Header(" in text or "Body(" in text or arg.arg in ("self", "request", "req"):
                continue
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if text.startswith("Query(") or annotation in ("str", "int", "bool", "float", "str | None", "int | None",
                                                            "Optional[str]", "Optional[int]"):
                names.add(arg.arg)
    return names


def evaluate_filtering(item_id: str, endpoints: list[Endpoint], source_of: SourceOf, snippet_of: SourceOf,
                       framework_filters: list[Finding]) -> ItemResult:
    lists, html = split_html_routes([e for e in endpoints if e.paginated is not None], source_of)
    if not lists:
        pages = f" ({len(html)} server-rendered HTML list page(s) are not API endpoints)" if html else ""
        return ItemResult(item_id, "not_applicable", f"no API list endpoint among {len(endpoints)} endpoint(s){pages}")
    global_filters = [f for f in framework_filters if "DEFAULT_FILTER_BACKENDS" in f.evidence.snippet]
    good, bad = [], []
    for ep in lists:
        source = source_of(ep)
        params = {p for p in query_parameters(source) if p.lower() not in PAGINATION_NAMES}
        path_params = {s.strip("{}<>:").split(":")[-1] for s in _segments(ep.path) if s.startswith(("{", "<", ":"))}
        params -= path_params
        drf = ep.framework == "drf" and (global_filters or re.search(
            r"filter_backends|filterset_fields|filterset_class|ordering_fields|search_fields", source))
        if params or drf:
            what = ", ".join(sorted(params)) if params else "DRF filter backends"
            good.append(_ep_evidence(ep, snippet_of(ep), "filter-params", f"{_label(ep)} filters/sorts by {what}", PRACTICE))
        else:
            bad.append(_ep_evidence(ep, snippet_of(ep), "no-filter-params",
                                    f"{_label(ep)} offers no filter or sort parameter"))
    return partial_result(item_id, len(good), len(lists),
                          f"{len(good)} of {len(lists)} list endpoint(s) accept filter or sort query parameters "
                          "(heuristic).", _cap(bad + good + [f.evidence for f in global_filters]))


@check("API-FILTERING")
def check_filtering(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return _no_endpoints(item.id, inv)
    return evaluate_filtering(item.id, inv.endpoints, lambda e: handler_source(ctx.repo, e, whole_class=True),
                              lambda e: ctx.repo.snippet(e.file, e.line),
                              production_findings(ctx.practices(item.id)))


# ---- API-ERROR-FORMAT ----------------------------------------------------------------------------
ERROR_STATUS = re.compile(r"\b[45]\d\d\b|HTTP_[45]\d\d|status\.HTTP_[45]")
ERROR_BODY = re.compile(r"(?:jsonify|JsonResponse|JSONResponse|Response|\.json|\.send)\(\s*\{\s*['\"]?(\w+)['\"]?\s*:")
TEXT_ERROR = re.compile(r"\.status\(\s*[45]\d\d\s*\)\.send\(|^\s*return\s+['\"][^'\"]*['\"]\s*,\s*[45]\d\d\b")


@dataclass
class ErrorShapes:
    """Top-level keys of error response bodies, with the first place each shape appears."""
    first_place: dict[str, Evidence] = field(default_factory=dict)

    def add(self, shape: str, evidence: Evidence) -> None:
        self.first_place.setdefault(shape, evidence)


def code_lines(path: str, text: str):
    """(number, line) of the lines that hold code: comment lines (`#`, `//`, inside `/* */`) are left out."""
    python = path.endswith((".py", ".pyi"))
    in_block = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not python:
            if in_block:
                in_block = "*/" not in stripped
                continue
            if stripped.startswith("/*"):
                in_block = "*/" not in stripped
                continue
            if stripped.startswith(("//", "*")):
                continue
        elif stripped.startswith("#"):
            continue
        yield number, line


def error_shapes(path: str, text: str) -> list[tuple[str, int]]:
    """(shape, line) for each error response in a source file: the body's first key, or 'plain text'.
    Commented-out code is not an error response."""
    out = []
    if not ERROR_STATUS.search(text):  # a TEXT_ERROR line has a 4xx/5xx status too; neither spans lines
        return out
    for number, line in code_lines(path, text):
        if not ERROR_STATUS.search(line):
            continue
        if TEXT_ERROR.search(line):
            out.append(("plain text", number))
            continue
        body = ERROR_BODY.search(line)
        if body:
            out.append((body.group(1), number))
    return out


def evaluate_error_format(item_id: str, handlers: list[Finding], defaults: list[Evidence],
                          shapes: ErrorShapes, files: int) -> ItemResult:
    central = [f.evidence for f in dedupe(handlers)] + defaults
    shape_evidence = [Evidence(ev.file, ev.line, ev.snippet, rule_id="error-shape", engine="text",
                               message=f"error body shape: {shape}", kind=VIOLATION if len(shapes.first_place) > 1 else PRACTICE)
                      for shape, ev in sorted(shapes.first_place.items())]
    names = ", ".join(sorted(shapes.first_place)) or "none seen"
    if not central:
        return ItemResult(item_id, "fail",
                          f"no central exception handler: looked for errorhandler, exception_handler, "
                          f"add_exception_handler, DRF EXCEPTION_HANDLER, Django handler404/500 and Express error "
                          f"middleware with 4 arguments in {files} file(s). Error shapes seen: {names}.",
                          _cap(shape_evidence), details={"error_shapes": sorted(shapes.first_place)})
    if len(shapes.first_place) > 1:
        return ItemResult(item_id, "partial",
                          f"central exception handling present, but error bodies come in {len(shapes.first_place)} "
                          f"shapes ({names}) (heuristic).", _cap(shape_evidence + central), partial_score=5,
                          details={"error_shapes": sorted(shapes.first_place)})
    return ItemResult(item_id, "pass", f"central exception handling ({central[0].file}:{central[0].line}); one "
                      f"error shape ({names}) (heuristic).", _cap(central + shape_evidence),
                      details={"error_shapes": sorted(shapes.first_place)})


@check("API-ERROR-FORMAT")
def check_error_format(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    shapes = ErrorShapes()
    defaults: list[Evidence] = []
    source_files = [p for p in ctx.repo.paths() if p.endswith((".py", ".js", ".ts", ".mjs"))
                    and not TEST_FILE.search(p) and "/migrations/" not in f"/{p}"]
    names = ctx.inventory.framework_names
    for name, marker, text in (
            ("fastapi", re.compile(r"\bFastAPI\("), "FastAPI's built-in handler answers HTTPException as {\"detail\": ...}"),
            ("drf", re.compile(r"^REST_FRAMEWORK\s*=", re.M), "DRF's exception_handler answers APIException as {\"detail\": ...}")):
        if name not in names:
            continue
        for path in (p for p in source_files if p.endswith(".py")):
            found = marker.search(ctx.repo.read_text(path) or "")
            if found:
                line = (ctx.repo.read_text(path) or "").count("\n", 0, found.start()) + 1
                defaults.append(Evidence(path, line, ctx.repo.snippet(path, line), rule_id="framework-exception-handler",
                                         engine="inventory", message=text, kind=PRACTICE))
                break
    for path in source_files:
        text = ctx.repo.read_text(path) or ""
        for shape, line in error_shapes(path, text):
            shapes.add(shape, Evidence(path, line, ctx.repo.snippet(path, line)))
    if defaults:  # validation and not-found errors of these frameworks always answer {"detail": ...}
        shapes.add("detail", defaults[0])
    return evaluate_error_format(item.id, production_findings(ctx.practices(item.id)), defaults, shapes,
                                 len(source_files))


# ---- API-RATE-LIMIT ------------------------------------------------------------------------------
GATEWAY_LIMIT = re.compile(r"^\s*(limit_req_zone|limit_req)\b|rate_limit|RateLimit", re.M)


def evaluate_rate_limit(item_id: str, global_limits: list[Finding], endpoints: list[Endpoint] | None,
                        snippet_of: SourceOf) -> ItemResult:
    if global_limits:
        first = global_limits[0]
        return ItemResult(item_id, "pass", f"a global or per-router rate limit is declared ({first.file}:{first.line}).",
                          _cap([f.evidence for f in dedupe(global_limits)]))
    if endpoints is None:
        raise Unavailable("no global rate limit found and the endpoint inventory is unavailable for per-route limits")
    if not endpoints:
        return ItemResult(item_id, "not_applicable", "no endpoint found")
    limited = [e for e in endpoints if e.rate_limited]
    evidence = ([_ep_evidence(e, snippet_of(e), "route-rate-limit",
                              f"{_label(e)} limited by {'; '.join(e.protections.get('rate_limited', []))}", PRACTICE)
                 for e in limited]
                + [_ep_evidence(e, snippet_of(e), "no-rate-limit", f"{_label(e)} has no rate limit")
                   for e in endpoints if not e.rate_limited])
    rationale = (f"no global or per-router limit (looked for flask-limiter/slowapi default_limits, DRF "
                 f"DEFAULT_THROTTLE_CLASSES, app.use(rateLimit), nginx limit_req); {len(limited)} of {len(endpoints)} "
                 "endpoint(s) have their own limit.")
    return partial_result(item_id, len(limited), len(endpoints), rationale, _cap(evidence))


@check("API-RATE-LIMIT")
def check_rate_limit(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    limits = production_findings(ctx.practices(item.id))
    for path in ctx.repo.paths():
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".conf") and ("nginx" in path or name == "default.conf"):
            for number, line in enumerate(ctx.repo.lines(path), 1):
                if re.match(r"\s*limit_req\b", line):
                    limits.append(Finding(item.id, Evidence(path, number, line.strip(), rule_id="nginx-limit-req",
                                                            engine="text", message="nginx request rate limit",
                                                            kind=PRACTICE)))
    try:
        endpoints = endpoint_inventory(ctx).endpoints
    except Unavailable:
        endpoints = None
    return evaluate_rate_limit(item.id, limits, endpoints, lambda e: ctx.repo.snippet(e.file, e.line))
