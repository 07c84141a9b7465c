"""API-PAGINATION: list endpoints paginate, with a page size the client cannot make unbounded.

List endpoints are recognised by what they return as well as by the route inventory: a GET handler (or a
repository function it calls, one level) that queries many rows (`.all()`, `objects.all()/filter()` without a
slice, `fetchall()`, `find({})`, `findAll()`, `toArray()`, `findMany()`) and serialises or renders them. A
list that returns every row fails whether it answers JSON or a page of HTML, with the query as evidence. GraphQL
query fields returning a list of objects are list endpoints (paginated by a limit/first/after argument), and so
are the list resources a REST generator (finale-rest) builds from models with `pagination: false`."""
from __future__ import annotations

import ast
import re
from typing import Callable

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import (
    HTML_ROUTES_KEY,
    endpoint_inventory,
    handler_own_source,
    html_apart_note,
    no_endpoints,
    route_evidence,
    split_api_and_html,
)
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import label
from auditor.endpoints.handlers import handler_source
from auditor.endpoints.responses import SourceOf
from auditor.model import PRACTICE, Endpoint, Finding, ItemResult, partial_result
from auditor.probes.callees import (
    JS_EXTENSIONS,
    called_sources,
    endpoint_text,
    handler_definition,
    js_called_functions,
)
from auditor.probes.rest_generators import generated_list_endpoints
from auditor.registry import check

UPPER_BOUND = re.compile(r"\ble\s*=|\blt\s*=|\bmax\s*:|max_value\s*=|\bmin\(|Math\.min\(|max_limit|max_page_size|"
                         r"max_per_page|MAX_(PAGE|LIMIT)|\.clamp\(|\[:\s*\d+\]", re.I)
LIMIT_PARAM = re.compile(r"\b(limit|page_size|per_page|pageSize|perPage|size)\b")
SIZE_NAMES = r"limit|page_size|per_page|pageSize|perPage|size|page_limit|pageLimit|take|count|max_results"
SIZE_FROM_REQUEST = re.compile(
    rf"(?:request\.(?:args|GET|query_params|query|values|params)(?:\.get(?:_int)?\(|\[)\s*['\"](?:{SIZE_NAMES})['\"]|"
    rf"req\.query\.(?:{SIZE_NAMES})\b|req\.query\[\s*['\"](?:{SIZE_NAMES})['\"]|"
    rf"\{{[^}}]*\b(?:{SIZE_NAMES})\b[^}}]*\}}\s*=\s*req\.query\b|searchParams\.get\(\s*['\"](?:{SIZE_NAMES})['\"]|"
    rf"(?<![.\w])(?:Query|query)\(\s*['\"](?:{SIZE_NAMES})['\"]|c\.(?:Query|DefaultQuery)\(\s*\"(?:{SIZE_NAMES})\"|"
    # the query-string object a handler was given (NestJS `@Query() query`): `query.limit`, `'limit' in query`
    rf"(?<![.\w])query\.(?:{SIZE_NAMES})\b(?!\s*\()|['\"](?:{SIZE_NAMES})['\"]\s+in\s+query\b|"
    rf"@Query\(\s*['\"](?:{SIZE_NAMES})['\"])")
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


# dependency-injector: a handler parameter a container provides (`svc = Depends(Provide[Container.svc])`,
# `svc: Service = Provide[...]`); its implementation is bound at run time, out of the callee resolution's reach
INJECTED_PARAMETER = re.compile(r"(\w+)\s*(?::\s*[\w.\[\], |]+?)?\s*=\s*(?:Depends\(\s*)?Provide\[")


def size_handed_to_injected(source: str, sizes: set[str]) -> bool:
    """Whether a page-size parameter is passed on to a method of an injected dependency: the cap, if any, is in
    an implementation the auditor cannot name."""
    return any(re.search(rf"\b{re.escape(obj)}\.\w+\((?:[^()]|\([^()]*\))*\b{re.escape(size)}\b", source)
               for obj in set(INJECTED_PARAMETER.findall(source)) for size in sizes)


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


MANY_ROWS = re.compile(
    r"\.objects\.(?:all|filter|exclude|order_by)\((?:[^()]|\([^()]*\))*\)(?:\.\w+\((?:[^()]|\([^()]*\))*\))*|"
    r"\.query\((?:[^()]|\([^()]*\))*\)(?:\s*\.\w+\((?:[^()]|\([^()]*\))*\))*|"
    r"\.all\(\)|\.fetchall\(\)|\.find\(\s*(?:\{\s*\})?\s*\)|\.findAll\(\s*\)|\.toArray\(\)|\.findMany\(\s*\)|"
    r"\.to_list\(\s*(?:None|length\s*=\s*None)?\s*\)|"
    # JS document stores: Model.find(filter), this.find(options), db.collection('x').find(q); a paginate plugin
    r"(?:\b[A-Z]\w*|\bthis|\b\w+(?:Col|Collection)|\bcollection\([^()]*\))\.find\((?:[^()]|\([^()]*\))*\)|"
    r"\b\w+\.paginate\(|"
    # TypeORM's query builder: `qb.getMany()`, `.getManyAndCount()` read every row the builder selects
    r"\.getMany(?:AndCount)?\(\s*\)|"
    # calls whose arguments may nest deeper than the patterns above: read to the balanced close (ORM_CALL_OPEN)
    r"\.findMany\(|\b[A-Z]\w*\.findAll\(|\b\w+Repo(?:sitory)?\.find(?:AndCount)?\(|"
    # Knex: `knex('users').where(...)`, `db('posts').select(...)` (a chain that ends in .first() is one row)
    r"\b(?:knex|db|trx)\(\s*['\"][\w.]+['\"]\s*\)")
# a match that stops at an opened call: the query is read on to the call's balanced close and its chain
ORM_CALL_OPEN = re.compile(r"\($|\)$")
# a chain that ends in one row (or a number) is not a list
ONE_ROW_END = re.compile(r"\.(?:first|last|get|one|one_or_none|scalar|exists|count|delete|update|aggregate|"
                         r"get_or_create|update_or_create|latest|earliest|insert|del|increment|decrement|pluck)"
                         r"\([^()]*\)\s*$")
# `take:`/`limit:` set in a query's options, not a TypeScript parameter's type (`limit: number`)
TS_TYPE = r"(?!\s*(?:number|string|any|unknown|boolean)\b)"
BOUNDED_QUERY = re.compile(rf"\.limit\(|\bLIMIT\b|\blimit\s*:{TS_TYPE}|\[\s*:\s*\w+\s*\]|\[\s*\w+\s*:\s*\w+\s*\]|\.paginate\(|"
                           rf"\bPaginator\(|\.skip\(|\btake\s*:{TS_TYPE}|\.slice\(|\bfetchmany\(|\bpaginate_queryset\(|"
                           r"\bpaginate\(")
# the handler itself answers one record: `user_list(...).get()`, `.first()`, `fetchone()`, `findById(`
ONE_RECORD = re.compile(r"\.(?:get|first|one|one_or_none)\(\s*\)|\bfetchone\(|\bfindOne\(|\bfindById\(|"
                        r"\bget_object_or_404\(|\bfind_one\(")
ITERATES = re.compile(r"\bmany\s*=\s*True|\bfor\s+\w+\s+in\b|\.map\(|\blist\(|\bforEach\(")


def _call_chain_end(text: str, at: int) -> int:
    """Where a call that opens (or closed) just before `at` ends, with the `.method(...)` calls chained on it:
    `prisma.post.findMany({ take: Math.min(Number(q.limit) || 10, 100) })`, `knex('t').where(...).first()`."""
    from auditor.endpoints.jsparse import matching_paren
    end = at
    if text[at - 1] == "(":
        close = matching_paren(text, at - 1)
        if close < 0:
            return at
        end = close + 1
    while True:
        nxt = re.match(r"\s*\.\s*\w+\s*\(", text[end:])
        if not nxt:
            return end
        close = matching_paren(text, end + nxt.end() - 1)
        if close < 0:
            return end
        end = close + 1


def list_query(text: str, own: str = "") -> tuple[str, bool] | None:
    """(the many-row query, whether anything bounds it) in a GET handler's text with its callees, or None.
    `own` is the handler's own text: one that fetches a single record and iterates nothing is no list."""
    if own and ONE_RECORD.search(own) and not ITERATES.search(own):
        return None
    for m in MANY_ROWS.finditer(text):
        end = _call_chain_end(text, m.end()) if ORM_CALL_OPEN.search(m.group(0)) else m.end()
        query = text[m.start():end]
        if ONE_ROW_END.search(query) or (text[end:end + 3].lstrip().startswith("[")):
            continue
        around = text[max(0, m.start() - 200):end + 200]
        return " ".join(query.split())[:80], bool(BOUNDED_QUERY.search(around))
    return None


def locate_in(lines_of: Callable[[str], list[str]], places: list[tuple[str, str]], query: str) -> tuple[str, int] | None:
    """file:line of a query inside one of the (file, function text) places: the handler, then its callees."""
    head = " ".join(query.split())[:25]
    call = head[:head.find("(") + 1] if "(" in head else head   # a call whose arguments start on the next line
    for file, text in places:
        text_lines = text.splitlines()
        hit = next((i for i, line in enumerate(text_lines) if head in " ".join(line.split())
                    or head.lstrip(".") in " ".join(line.split())), None)
        if hit is None and call != head:
            hit = next((i for i, line in enumerate(text_lines) if call in " ".join(line.split())), None)
        if hit is None or not text_lines:
            continue
        first = text_lines[0]
        start = next((n for n, line in enumerate(lines_of(file), 1) if line == first), None)
        if start is not None:
            return file, start + hit
    return None


def evaluate_pagination(item_id: str, endpoints: list[Endpoint], source_of: SourceOf, snippet_of: SourceOf,
                        defaults: list[Finding], text_of: SourceOf | None = None,
                        query_place: Callable[[Endpoint, str], tuple[str, int] | None] = lambda e, q: None) -> ItemResult:
    text_of = text_of or source_of
    inventory_lists = [e for e in endpoints if e.paginated is not None]
    queried: dict[int, tuple[str, bool]] = {}
    for e in endpoints:
        if e.paginated is None and e.method.upper() in ("GET", "ANY"):
            found = list_query(text_of(e), source_of(e))
            if found:
                queried[id(e)] = found
    lists = inventory_lists + [e for e in endpoints if id(e) in queried]
    _, html_routes = split_api_and_html(endpoints, source_of)
    html_lists = [e for e in lists if e in html_routes]
    html_apart = [e for e in html_routes if e not in lists]
    if not lists:
        return ItemResult(item_id, "not_applicable",
                          f"no list endpoint among {len(endpoints)} endpoint(s) (a GET returning a collection: a query "
                          "of many rows serialised or rendered)" + html_apart_note(html_apart),
                          details={HTML_ROUTES_KEY: [label(e) for e in html_apart]})
    good, bad = [], []
    undecided: list[Endpoint] = []

    def query_evidence(ep: Endpoint, query: str) -> list:
        """The line of the query itself, where it is not the route's line (a helper's, a later line)."""
        place = query_place(ep, query)
        if not place or place == (ep.file, ep.line):
            return []
        return [route_evidence(Endpoint(ep.method, ep.path, ep.handler, place[0], place[1], ep.framework), "",
                               "unbounded-list-query", f"the query of {label(ep)}: {query}")]

    judged: list[dict] = []   # per endpoint, as the endpoint security items record it (the HTML matrix reads it)
    for ep in lists:
        how = "; ".join(ep.protections.get("paginated", []))
        judged.append({"method": ep.method, "path": ep.path, "handler": ep.handler, "file": ep.file, "line": ep.line,
                       "compliant": False})
        page = " (a server-rendered page)" if ep in html_lists else ""
        if id(ep) in queried:
            query, bounded = queried[id(ep)]
            origin, size = page_size_origin(text_of(ep))
            if bounded and origin == "client" and not UPPER_BOUND.search(text_of(ep)):
                bad.append(route_evidence(ep, snippet_of(ep), "unbounded-page-size",
                                          f"{label(ep)}{page} bounds its query ({query}) only by a page size the "
                                          f"client sets, with no upper bound or default ({size})"))
                bad += query_evidence(ep, query)
                continue
            if not bounded:
                bad.append(route_evidence(ep, snippet_of(ep), "unpaginated-list",
                                          f"{label(ep)}{page} returns every row: {query}"))
                bad += query_evidence(ep, query)
                continue
            good.append(route_evidence(ep, snippet_of(ep), "paginated-list", f"{label(ep)}{page}: bounded query ({query})",
                                       PRACTICE))
            judged[-1]["compliant"] = True
            continue
        if not ep.paginated:
            found = list_query(text_of(ep))
            what = f": {found[0]}" if found else " (no limit/offset, cursor or page)"
            bad.append(route_evidence(ep, snippet_of(ep), "unpaginated-list", f"{label(ep)}{page} returns every row{what}"))
            bad += query_evidence(ep, found[0]) if found else []
            continue
        source = text_of(ep)   # the handler and the repository functions it calls: where the size is read
        origin, size = page_size_origin(source) if source else ("none", "")
        if origin in ("client", "unknown") and not UPPER_BOUND.search(source) and "DEFAULT_PAGINATION" not in how \
                and "page size bounded by" not in how:   # a query DTO's @Max() (auditor/endpoints/nestjs.py)
            if size_handed_to_injected(source, handler_size_parameters(source)):
                undecided.append(ep)
                judged.pop()
                continue
            whence = "the client sets it" if origin == "client" else "its origin is not seen"
            bad.append(route_evidence(ep, snippet_of(ep), "unbounded-page-size",
                                      f"{label(ep)} takes a page size with no upper bound ({how}; {whence}: {size})"))
            continue
        bound = f"; page size fixed by the server ({size})" if origin == "server" else ""
        good.append(route_evidence(ep, snippet_of(ep), "paginated-list", f"{label(ep)} paginated: {how}{bound}", PRACTICE))
        judged[-1]["compliant"] = True
    if undecided and not bad and not good:
        raise Unavailable(f"the page size of {', '.join(label(e) for e in undecided)} is handed to an injected "
                          "dependency (dependency-injector Provide[...]) whose implementation is bound at run time: "
                          "whether it is capped is not seen")
    lists = [e for e in lists if e not in undecided]
    undecided_note = (f" Not judged: {', '.join(label(e) for e in undecided)} (the page size goes to an injected "
                      "dependency whose implementation is bound at run time)." if undecided else "")
    evidence = bad + good + [f.evidence for f in dedupe(defaults)]
    compliant = sum(1 for j in judged if j["compliant"])
    pages = f" {len(html_lists)} of the lists are server-rendered pages, judged the same way." if html_lists else ""
    return partial_result(item_id, compliant, len(lists),
                          f"{compliant} of {len(lists)} list endpoint(s) are paginated with a bounded page size; a "
                          "size only counts as unbounded when the request sets it (heuristic)." + pages
                          + undecided_note + html_apart_note(html_apart),
                          cap(evidence), {"list_endpoints": [label(e) for e in lists],
                                          "html_list_pages": [label(e) for e in html_lists],
                                          HTML_ROUTES_KEY: [label(e) for e in html_apart], "endpoints": judged})


@check("API-PAGINATION")
def check_pagination(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return no_endpoints(item.id, inv)
    def text_of(e: Endpoint) -> str:
        return endpoint_text(ctx.repo, e.file, e.handler, handler_source(ctx.repo, e))

    def query_place(e: Endpoint, query: str) -> tuple[str, int] | None:
        places = [(e.file, handler_source(ctx.repo, e))]
        if e.file.endswith(".py"):
            own = handler_definition(ctx.repo, e.file, e.handler, handler_source(ctx.repo, e))
            places = [own] + [(f, text) for f, _, text in called_sources(ctx.repo, own[0], own[1])]
        elif e.file.endswith(JS_EXTENSIONS) and "." not in e.handler:
            places += [(c.file, c.text) for c in js_called_functions(ctx.repo, e.file, places[0][1])]
        return locate_in(ctx.repo.lines, places, query)

    endpoints = inv.endpoints + generated_list_endpoints(ctx.repo)
    return evaluate_pagination(item.id, endpoints, lambda e: handler_own_source(ctx, e),
                               lambda e: ctx.repo.snippet(e.file, e.line),
                               production_findings(ctx.practices(item.id)), text_of, query_place)
