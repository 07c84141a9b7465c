"""API-FILTERING: list endpoints accept filter or sort query parameters."""
from __future__ import annotations

import ast
import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory, no_endpoints, path_segments, route_evidence
from auditor.checks.shared.verdicts import cap, production_findings
from auditor.context import AuditContext
from auditor.endpoints.classify import label
from auditor.endpoints.handlers import handler_source
from auditor.endpoints.responses import SourceOf, split_html_routes
from auditor.model import PRACTICE, Endpoint, Finding, ItemResult, partial_result
from auditor.probes.callees import JS_EXTENSIONS, endpoint_text
from auditor.pyast import dotted
from auditor.registry import check

# page and window parameters: they choose which slice of the list comes back, not which rows belong to it.
# Compared without case, `_` or `-` (items_per_page, pageSize, page-number).
PAGINATION_NAMES = {"limit", "offset", "page", "pagesize", "perpage", "cursor", "size", "skip", "take", "num",
                    "itemsperpage", "pagenumber", "pagenum", "pageno", "pageindex", "pagetoken", "nextpagetoken",
                    "startingafter", "endingbefore", "maxresults"}


def is_pagination_name(name: str) -> bool:
    return re.sub(r"[_\-]", "", name.lower()) in PAGINATION_NAMES
QUERY_READ = re.compile(r"(?:(?:request\.(?:args|GET|query_params)\.get\(|request\.(?:args|GET|query_params)\[|"
                        r"req\.query\[|(?<![.\w])query\(|searchParams\.get\(|@Query\()\s*['\"](\w+)|req\.query\.(\w+)|"
                        # the query object a handler was given (NestJS `@Query() query`): `query.tag`, `'tag' in query`
                        r"(?<![.\w])query\.(\w+)\b(?!\s*\()|['\"](\w+)['\"]\s+in\s+query\b|"
                        r"\.(?:Query|DefaultQuery|QueryParam|FormValue)\(\s*\"(\w+)|URL\.Query\(\)\.Get\(\s*\"(\w+))")
# a small vocabulary listed whole for pickers and forms: nothing to filter
LOOKUP_LIST = re.compile(r"(?i)^(tags|categories|roles|permissions|countries|languages|locales|currencies|"
                         r"timezones|time-?zones|units|genres)$")


def is_scoped_by_parent(ep: Endpoint) -> bool:
    """A sub-collection under a path parameter (`/articles/{slug}/comments`): already the parent's items."""
    segments = path_segments(ep.path)
    return len(segments) >= 2 and not segments[-1].startswith(("{", "<", ":")) and any(
        s.startswith(("{", "<", ":")) for s in segments[:-1])


def is_lookup_list(ep: Endpoint) -> bool:
    segments = [s for s in (s.rstrip("?$") for s in path_segments(ep.path)) if s]   # `tags/?` from a regex route
    return bool(segments) and bool(LOOKUP_LIST.match(segments[-1]))


# the rows listed are the caller's own: the query is filtered by, or joined through, the signed-in user (Django's
# request.user, flask-login's current_user, flask-jwt-extended's get_jwt_identity(), Flask's g.user)
CALLER_SCOPED = re.compile(r"\.(?:filter|filter_by|join|where)\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*?"
                           r"(?:\brequest\.user\b|(?<![.\w])current_user\b|(?<![.\w])g\.user\b|\bget_jwt_identity\(\))", re.S)
# JavaScript: a query condition on the caller's id (`.where({ follower: req.user.id })`, Koa's `ctx.state.user.id`,
# or a name bound to the caller: `const { user } = ctx.state` then `user.id`)
JS_CALLER = r"(?:req\.user|req\.auth|ctx\.state\.user|res\.locals\.user{alias})[!?]*\.(?:id|_id|sub)\b"
JS_CALLER_ALIAS = re.compile(r"(?:const|let|var)\s+(?:\{\s*(user)\s*\}\s*=\s*(?:req|ctx\.state)\b(?!\s*\.)|"
                             r"([\w$]+)\s*=\s*(?:req\.user|ctx\.state\.user)\b(?!\s*\.))")
# a NestJS handler parameter the framework fills with the caller's id (`@User('id') userId: number`): a query
# condition on that name is one on the caller
NEST_CALLER_ID = re.compile(r"@(?:User|CurrentUser|AuthUser|GetUser|ReqUser)\(\s*['\"](?:id|_id|sub|userId)['\"]\s*\)\s*"
                            r"([\w$]+)")


def caller_scoped(source: str) -> bool:
    """The rows listed are filtered by the signed-in caller (Django's request.user, or a JS query condition)."""
    if CALLER_SCOPED.search(source):
        return True
    aliases = {m.group(1) or m.group(2) for m in JS_CALLER_ALIAS.finditer(source)}
    alias = "".join(f"|\\b{re.escape(a)}" for a in sorted(aliases))
    caller = JS_CALLER.format(alias=alias)
    ids = sorted({m.group(1) for m in NEST_CALLER_ID.finditer(source)})
    if ids:
        caller = f"(?:{caller}|\\b(?:{'|'.join(map(re.escape, ids))})\\b(?![.\\w$]))"
    return bool(re.search(rf"\.(?:where\w*|find\w*|filter)\(\s*\{{[^}}]*?{caller}", source))


# DRF's list() runs filter_queryset(get_queryset()): the filters a view applies live there
DRF_QUERY_METHODS = ("get_queryset", "filter_queryset")


def class_query_methods(tree: ast.Module | None, handler: str) -> str:
    """The source of the handler class's get_queryset and filter_queryset, for `Class.method` handlers, the
    class's own or, when it defines none, the one it inherits from a base class of the same module (a
    `BaseRecipeAttrViewSet` whose get_queryset every attribute viewset shares)."""
    cls_name = handler.split(".")[0] if "." in handler else ""
    if tree is None or not cls_name:
        return ""
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    found: dict[str, str] = {}
    seen: set[str] = set()
    todo = [cls_name]
    while todo:     # the class first, then its bases in order: the nearest definition of each method wins
        name = todo.pop(0)
        cls = classes.get(name)
        if cls is None or name in seen:
            continue
        seen.add(name)
        for f in cls.body:
            if isinstance(f, ast.FunctionDef) and f.name in DRF_QUERY_METHODS:
                found.setdefault(f.name, ast.unparse(f))
        todo += [b.id for b in cls.bases if isinstance(b, ast.Name)]
    return "\n".join(found.values())


FILTER_NAME = re.compile(r"(?i)(filter|sort|order|search|q$|status|since|until|from|to$|min|max|name|type|category)")


# `const { tag, author, limit = 20 } = req.query` (Express) / `= ctx.query` (Koa), also through a schema
# (`= await listSchema.validateAsync(ctx.query)`): each name is a parameter read
DESTRUCTURED_QUERY = re.compile(r"\{([^{}]*)\}\s*=\s*(?:[^;\n{}]*?[(\s])?(?:req|ctx|ctx\.request)\.query\b(?!\s*\.)")


def query_parameters(source: str) -> set[str]:
    """Query parameter names a handler reads (text heuristic, plus FastAPI-style function parameters)."""
    names = {next(g for g in m.groups() if g) for m in QUERY_READ.finditer(source)}
    for m in DESTRUCTURED_QUERY.finditer(source):
        for part in m.group(1).split(","):
            key = re.match(r"\s*([A-Za-z_$][\w$]*)", part)
            if key:
                names.add(key.group(1))
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
        names |= webargs_fields(fn)
    return names


# webargs: `@use_kwargs({"tag": fields.Str(), ...})` / `@use_args({...})` declare the parameters the handler
# is given, read from the query string of a GET
WEBARGS = ("use_kwargs", "use_args")


def webargs_fields(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The field names of the dictionaries a webargs decorator declares on the handler."""
    out: set[str] = set()
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and (dotted(dec.func) or "").rsplit(".", 1)[-1] in WEBARGS and dec.args \
                and isinstance(dec.args[0], ast.Dict):
            out.update(k.value for k in dec.args[0].keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return out


def evaluate_filtering(item_id: str, endpoints: list[Endpoint], source_of: SourceOf, snippet_of: SourceOf,
                       framework_filters: list[Finding]) -> ItemResult:
    lists, html = split_html_routes([e for e in endpoints if e.paginated is not None], source_of)
    if not lists:
        pages = f" ({len(html)} server-rendered HTML list page(s) are not API endpoints)" if html else ""
        return ItemResult(item_id, "not_applicable", f"no API list endpoint among {len(endpoints)} endpoint(s){pages}")
    lookups = [e for e in lists if is_lookup_list(e)]
    lists = [e for e in lists if e not in lookups] or lists
    global_filters = [f for f in framework_filters if "DEFAULT_FILTER_BACKENDS" in f.evidence.snippet]
    good, bad = [], []
    for ep in lists:
        source = source_of(ep)
        params = {p for p in query_parameters(source) if not is_pagination_name(p)}
        path_params = {s.strip("{}<>:").split(":")[-1] for s in path_segments(ep.path) if s.startswith(("{", "<", ":"))}
        params -= path_params
        drf = ep.framework == "drf" and (global_filters or re.search(
            r"filter_backends|filterset_fields|filterset_class|ordering_fields|search_fields", source))
        mine = caller_scoped(source)
        if params or drf or is_scoped_by_parent(ep) or mine:
            what = (", ".join(sorted(params)) if params else "DRF filter backends" if drf
                    else "its parent in the path (a sub-collection)" if is_scoped_by_parent(ep)
                    else "the signed-in user (the caller's own rows)")
            good.append(route_evidence(ep, snippet_of(ep), "filter-params", f"{label(ep)} filters/sorts by {what}", PRACTICE))
        else:
            bad.append(route_evidence(ep, snippet_of(ep), "no-filter-params",
                                    f"{label(ep)} offers no filter or sort parameter"))
    return partial_result(item_id, len(good), len(lists),
                          f"{len(good)} of {len(lists)} list endpoint(s) accept filter or sort query parameters "
                          "or are a sub-collection scoped by their parent or by the signed-in user (heuristic)."
                          + (f" Lookup list(s) not counted: {', '.join(label(e) for e in lookups)}." if lookups and
                             lookups[0] not in lists else ""), cap(bad + good + [f.evidence for f in global_filters]))


@check("API-FILTERING")
def check_filtering(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    if not inv.endpoints:
        return no_endpoints(item.id, inv)
    def source_of(e: Endpoint) -> str:   # the handler, and the repository functions it hands the query to
        own = handler_source(ctx.repo, e, whole_class=True)
        if e.framework == "drf":
            own += "\n" + class_query_methods(ctx.repo.python_ast(e.file), e.handler)
        return endpoint_text(ctx.repo, e.file, e.handler, own) if e.file.endswith(JS_EXTENSIONS) else own

    return evaluate_filtering(item.id, inv.endpoints, source_of,
                              lambda e: ctx.repo.snippet(e.file, e.line),
                              production_findings(ctx.practices(item.id)))
