"""API-PAGINATION: list endpoints paginate, with a page size the client cannot make unbounded."""
from __future__ import annotations

import ast
import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory, html_only_result, no_endpoints, route_evidence
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.context import AuditContext
from auditor.endpoints.classify import label
from auditor.endpoints.handlers import handler_source
from auditor.endpoints.responses import SourceOf, split_html_routes
from auditor.model import PRACTICE, Endpoint, Finding, ItemResult, partial_result
from auditor.registry import check

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
            bad.append(route_evidence(ep, snippet_of(ep), "unpaginated-list",
                                    f"{label(ep)} returns the whole collection (no limit/offset, cursor or page)"))
            continue
        source = source_of(ep)
        origin, size = page_size_origin(source) if source else ("none", "")
        if origin in ("client", "unknown") and not UPPER_BOUND.search(source) and "DEFAULT_PAGINATION" not in how:
            whence = "the client sets it" if origin == "client" else "its origin is not seen"
            bad.append(route_evidence(ep, snippet_of(ep), "unbounded-page-size",
                                    f"{label(ep)} takes a page size with no upper bound ({how}; {whence}: {size})"))
            continue
        bound = f"; page size fixed by the server ({size})" if origin == "server" else ""
        good.append(route_evidence(ep, snippet_of(ep), "paginated-list", f"{label(ep)} paginated: {how}{bound}", PRACTICE))
    evidence = bad + good + [f.evidence for f in dedupe(defaults)]
    skipped = f" {len(html)} server-rendered HTML list page(s) not counted." if html else ""
    return partial_result(item_id, len(good), len(lists),
                          f"{len(good)} of {len(lists)} list endpoint(s) are paginated with a bounded page size; a "
                          "size only counts as unbounded when the request sets it (heuristic)." + skipped,
                          cap(evidence), {"list_endpoints": [label(e) for e in lists],
                                           "html_list_pages": [label(e) for e in html]})


@check("API-PAGINATION")
def check_pagination(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return no_endpoints(item.id, inv)
    return evaluate_pagination(item.id, inv.endpoints, lambda e: handler_source(ctx.repo, e),
                               lambda e: ctx.repo.snippet(e.file, e.line),
                               production_findings(ctx.practices(item.id)))
