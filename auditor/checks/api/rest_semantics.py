"""API-REST-SEMANTICS: nouns in paths, safe GETs, 201 for creation, no errors answered with 200."""
from __future__ import annotations

import ast
import re
from typing import Callable

from auditor.catalog import CatalogItem
from auditor.checks.shared.effects import writes_on_get
from auditor.checks.shared.endpoints import (
    HTML_ROUTES_KEY,
    endpoint_inventory,
    handler_own_source,
    html_apart_note,
    html_only_result,
    no_endpoints,
    path_segments,
    route_evidence,
    split_api_and_html,
)
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.collectors.program import PROGRAM
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.branches import get_branch_source
from auditor.endpoints.classify import label
from auditor.endpoints.responses import SourceOf, response_kind
from auditor.model import Endpoint, Evidence, Finding, FlowStep, ItemResult, partial_result
from auditor.probes.callees import endpoint_text
from auditor.program import flow_text
from auditor.pyast import dotted
from auditor.registry import check

VERB_SEGMENT = re.compile(r"^(get|Get|create|Create|update|Update|delete|Delete|remove|Remove|fetch|Fetch|add|Add|"
                          r"set|Set|list|List|make|edit|Edit|save|Save|insert|Insert|modify|Modify)([A-Z_-]|$)")
WRITES = re.compile(r"\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\.save\(|\.commit\(\)|"
                    r"\.objects\.create\(|\.delete\(\)|session\.add\(|\.insert_one\(|\.update_one\(", re.I)
CREATES = re.compile(r"\bINSERT\s+INTO\b|\.objects\.create\(|session\.add\(|\bdb\.add\(|\.insert_one\(|\.create\(", re.I)
# JavaScript `.insert(`: a Knex builder (`db('articles').insert(row)`) or a MongoDB collection (a JS array has none;
# a Python list's insert() is no creation, so Python handlers are not read for it)
JS_INSERT = re.compile(r"\.insert\(")
CREATE_HANDLER = re.compile(r"^(create|add|new|register|signup|sign_up)", re.I)
# a JavaScript handler that hands the creation to a helper named for it (`await addComment(...)`,
# `this.articles.createArticle(...)`): the helper's text, read with the handler's, shows the record it creates
CALLS_CREATOR = re.compile(r"(?<![\w$])(?:[\w$]+\.)*(?:create|add|register|insert)[A-Z][\w$]*\s*\(")
# 201/202/204 as a number or a named constant (HTTPStatus.CREATED, the npm http-status `httpStatus.CREATED`,
# http-status-codes `StatusCodes.CREATED`, Nest's `HttpStatus.CREATED`)
CREATED_STATUS = re.compile(r"\b20[124]\b|HTTP_20[124]|\b\w*[Ss]tatus\w*\.(CREATED|ACCEPTED|NO_CONTENT)\b|redirect\(|sendStatus\(20|"
                            r"\bhttp\.Status(Created|Accepted|NoContent)\b")

WritesOf = Callable[[Endpoint], tuple[FlowStep, ...]]

# one record read by its key, and what answers "not found" when it is missing
ONE_RECORD = re.compile(r"\.(findOne|findById|findByPk|findUnique|findOneBy|findFirst)\s*\(")
NOT_FOUND = re.compile(r"NotFound|\b404\b|OrFail\(|OrThrow\(|\bthrow\b|if\s*\(\s*!|==\s*null|===?\s*(null|undefined)|"
                       r"\?\?|\.status\(\s*4\d\d|rejectOnEmpty|orFail\(")


def missing_record_answered_200(ep: Endpoint, text: str) -> str:
    """A JavaScript/TypeScript GET of one record (`/articles/{slug}`) whose handler, with the repository
    functions it calls, reads the record (`findOne(...)`) and has no not-found branch: a missing record is
    answered 200 with an empty body. "" when not so."""
    if ep.method.upper() != "GET" or not ep.file.endswith((".js", ".ts", ".mjs", ".cjs")):
        return ""
    segments = path_segments(ep.path)
    if not segments or not segments[-1].startswith("{"):
        return ""
    read = ONE_RECORD.search(text)
    if read and not NOT_FOUND.search(text):
        return f"a missing record is answered 200 (reads it with {read.group(0).strip()} and has no not-found branch)"
    return ""


def get_that_writes(ep: Endpoint, source: str) -> str:
    """A GET (or HEAD) whose handler writes: HTTP's safe-method rule, for pages as much as for APIs (a crawler,
    a prefetch or a link preview repeats the write). "" when not so."""
    method = ep.method.upper()
    on_get = get_branch_source(source) if method in ("GET", "HEAD") and source else ""  # POST-only branches left out
    found = WRITES.search(on_get) if on_get else None
    return f"{method} handler writes ({found.group(0).strip()}): GET must be safe" if found else ""


def write_problem(ep: Endpoint, flow: tuple[FlowStep, ...]) -> str:
    """The safe-method problem of a GET whose flow (from the program model) reaches a write."""
    if not flow:
        return ""
    through = f" through {flow_text(flow[1:])}" if len(flow) > 2 else ""
    return f"{ep.method.upper()} handler writes ({flow[-1].label} at {flow[-1].file}:{flow[-1].line}{through}): GET must be safe"


def rest_problems(ep: Endpoint, source: str, text: str = "", write: str = "") -> list[str]:
    """What breaks REST semantics on this endpoint (empty when nothing is found). `text` is the handler with
    the repository functions it calls, when known; `write`, the write a GET makes as the program model
    follows it (the handler's own text is read when it is not given)."""
    problems = []
    missing = missing_record_answered_200(ep, text) if text else ""
    if missing:
        problems.append(missing)
    for seg in path_segments(ep.path):
        if not seg.startswith(("{", "<", ":")) and VERB_SEGMENT.match(seg):
            problems.append(f"verb in the path segment '{seg}' (use a noun and the HTTP method)")
            break
    method = ep.method.upper()
    write = write or get_that_writes(ep, source)
    if write:
        problems.append(write)
    last = path_segments(ep.path)[-1] if path_segments(ep.path) else ""
    if method == "POST" and last.startswith(("{", "<", ":")) and source and re.search(r"\bUPDATE\s+\w+\s+SET\b|\.save\(", source, re.I):
        problems.append("POST updates an existing resource at its own URI (use PUT or PATCH)")
    short = ep.handler.rsplit(".", 1)[-1]
    js = ep.file.endswith((".js", ".ts", ".mjs", ".cjs"))
    creates = CREATE_HANDLER.match(short) or (source and CREATES.search(source)) or (
        source and js and JS_INSERT.search(source)) or (
        source and js and text and CALLS_CREATOR.search(source) and (CREATES.search(text) or JS_INSERT.search(text)))
    nest_created = ep.framework == "nestjs" and "@HttpCode(" not in source   # NestJS answers a POST 201 by default
    graphql = ep.framework == "graphql"   # a GraphQL mutation answers 200 by the protocol, whatever it creates
    if (method == "POST" and source and creates and not last.startswith(("{", "<", ":")) and not nest_created and not graphql
            and not CREATED_STATUS.search(source) and response_kind(ep, source) != "html"):   # a form post answers a page
        problems.append("creates a resource but answers 200 (use 201 Created with its location)")
    return problems


def evaluate_rest_semantics(item_id: str, endpoints: list[Endpoint], source_of: SourceOf,
                            snippet_of: SourceOf, violations: list[Finding],
                            text_of: SourceOf = lambda e: "", writes_of: WritesOf = lambda e: (),
                            parameters_of: Callable[[Endpoint], list[str]] = lambda e: []) -> ItemResult:
    """`writes_of(ep)`: the flow from a GET route to the write it makes, through same-repository calls, as the
    program model finds it (() when it reads only or the model did not run: the handler's text is read).
    `parameters_of(ep)`: the problems of the handler's parameters against its path (FastAPI)."""
    endpoints, html = split_api_and_html(endpoints, source_of)
    flows = {id(ep): writes_of(ep) if ep.method.upper() in ("GET", "HEAD") else () for ep in endpoints + html}
    # server-rendered pages are judged by the web items, except for the one rule that holds for every route
    unsafe_pages = [(ep, problem) for ep in html
                    if (problem := write_problem(ep, flows[id(ep)]) or get_that_writes(ep, source_of(ep)))]
    if not endpoints and not violations and not unsafe_pages:
        return html_only_result(item_id, html, "REST semantics")
    bad_evidence: list[Evidence] = []
    bad_endpoints = 0
    for ep in endpoints:
        write = write_problem(ep, flows[id(ep)])
        problems = rest_problems(ep, source_of(ep), text_of(ep), write) + parameters_of(ep)
        if problems:
            bad_endpoints += 1
            others = [p for p in problems if p != write]
            if others:   # the route's problems at the route, the write (when followed) at the write
                bad_evidence.append(route_evidence(ep, snippet_of(ep), "rest-semantics", f"{label(ep)}: " + "; ".join(others)))
            if write:
                bad_evidence.append(_evidence(ep, snippet_of(ep), f"{label(ep)}: {write}", flows[id(ep)]))
    bad_evidence += [_evidence(ep, snippet_of(ep), f"{label(ep)} (server-rendered page): {problem}", flows[id(ep)])
                     for ep, problem in unsafe_pages]
    status_bad = dedupe(violations)
    good = len(endpoints) - bad_endpoints
    total = good + bad_endpoints + len(unsafe_pages) + len(status_bad)
    evidence = bad_evidence + [f.evidence for f in status_bad]
    return partial_result(item_id, good, total,
                          f"{good} of {len(endpoints)} endpoint(s) show no REST problem; {bad_endpoints} do "
                          f"(verbs in paths, GET that writes, create answering 200, a missing record answered 200, a path id the "
                          f"handler ignores, DELETE on a collection) and {len(status_bad)} error "
                          "response(s) are answered with 200 (heuristic, from route paths and handler text)."
                          + (f" {len(unsafe_pages)} server-rendered page(s) answer GET with a write." if unsafe_pages else "")
                          + html_apart_note(html),
                          cap(evidence), {"endpoints": len(endpoints), "problem_endpoints": bad_endpoints,
                                           "errors_with_200": len(status_bad), "pages_that_write_on_get": len(unsafe_pages),
                                           HTML_ROUTES_KEY: [label(e) for e in html]})


def _evidence(ep: Endpoint, snippet: str, message: str, flow: tuple[FlowStep, ...]) -> Evidence:
    """At the write with the flow from the route when the program model found it, else at the route."""
    if not flow:
        return route_evidence(ep, snippet, "rest-semantics", message)
    write = flow[-1]
    return Evidence(write.file, write.line, write.snippet, rule_id="rest-semantics/get-writes", engine="program",
                    message=message, flow=flow)


@check("API-REST-SEMANTICS")
def check_rest_semantics(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    violations = production_findings(ctx.violations(item.id))
    try:
        inv = endpoint_inventory(ctx)
    except Unavailable:
        if violations:  # the violations stand on their own
            return ItemResult(item.id, "fail", f"{len(violations)} error response(s) answered with 200 "
                              "(endpoint inventory unavailable, so methods and paths were not checked).",
                              cap([f.evidence for f in violations]))
        raise
    if not inv.endpoints:
        return no_endpoints(item.id, inv)
    model = ctx.get_optional(PROGRAM)

    def writes_of(ep: Endpoint) -> tuple[FlowStep, ...]:
        return writes_on_get(model, ep, ctx.repo.snippet) if model is not None and ep.file.endswith(".py") else ()

    dependencies = DependencyParameters(ctx.repo)
    return evaluate_rest_semantics(item.id, inv.endpoints, lambda e: handler_own_source(ctx, e),
                                   lambda e: ctx.repo.snippet(e.file, e.line), violations,
                                   lambda e: endpoint_text(ctx.repo, e.file, e.handler, handler_own_source(ctx, e)),
                                   writes_of, lambda e: parameter_problems(ctx.repo, e, dependencies))


# ---- FastAPI handler parameters against the route's path --------------------------------------------------
PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
ID_PARAM = re.compile(r"^(id|pk|uuid|\w+_id|\w+_uuid)$")
DEPENDS = ("Depends", "Security")


class DependencyParameters:
    """Function name -> the parameter names of every function of that name in the repository's Python code
    (and of the functions nested in it: a dependency factory returns one), read once. A name defined nowhere
    in the repository is None: what it binds is not known."""

    def __init__(self, repo) -> None:
        self.repo = repo
        self._index: dict[str, set[str]] | None = None

    def of(self, name: str) -> set[str] | None:
        if self._index is None:
            self._index = {}
            for path in self.repo.paths(language="python"):
                text = self.repo.read_text(path) or ""
                tree = self.repo.python_ast(path) if "def " in text else None
                for node in ast.walk(tree) if tree is not None else []:
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        names = self._index.setdefault(node.name, set())
                        for inner in ast.walk(node):
                            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                                names.update(a.arg for a in _arguments(inner))
        return self._index.get(name)


def _arguments(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    return fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs


def _handler_def(repo, ep: Endpoint) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    tree = repo.python_ast(ep.file) if ep.file.endswith(".py") else None
    name = ep.handler.rsplit(".", 1)[-1]
    found = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name] \
        if tree is not None else []
    return min(found, key=lambda n: abs(n.lineno - ep.line)) if found else None


def parameter_problems(repo, ep: Endpoint, dependencies: DependencyParameters) -> list[str]:
    """A FastAPI route whose path declares `{id}` that neither the handler nor its dependencies take (the id in
    the URL is ignored, another parameter arrives in the query instead), and a DELETE on a collection path that
    takes the record's id from the query string."""
    if ep.framework != "fastapi":
        return []
    fn = _handler_def(repo, ep)
    if fn is None:
        return []
    params = {a.arg for a in _arguments(fn)}
    aliases = {const for d in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]
               if isinstance(d, ast.Call) for k in d.keywords if k.arg == "alias"
               for const in [getattr(k.value, "value", None)] if isinstance(const, str)}
    bound = params | aliases
    depended: list[str] = []
    for node in ast.walk(fn.args):
        if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] in DEPENDS:
            target = node.args[0] if node.args else None
            callee = target.func if isinstance(target, ast.Call) else target
            name = (dotted(callee) or "").rsplit(".", 1)[-1] if callee is not None else ""
            if not name:
                return []          # `Depends()` on a class annotation: what it binds is not read here
            depended.append(name)
    for decorator in fn.decorator_list:    # route-level `dependencies=[Depends(...)]`
        for node in ast.walk(decorator):
            if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] in DEPENDS and node.args:
                target = node.args[0]
                depended.append((dotted(target.func if isinstance(target, ast.Call) else target) or "").rsplit(".", 1)[-1])
    # the route's own path (a router prefix's parameters may be bound by the router's dependencies)
    own_path = " ".join(n.value for d in fn.decorator_list for n in ast.walk(d)
                        if isinstance(n, ast.Constant) and isinstance(n.value, str))
    problems = []
    path_params = PATH_PARAM.findall(ep.path)
    for name in path_params:
        if name in bound or name not in PATH_PARAM.findall(own_path):
            continue
        taken = [dependencies.of(d) for d in depended]
        if any(t is None or name in t for t in taken) or "" in depended:
            continue
        problems.append(f"the path parameter {{{name}}} is not taken by the handler or its dependencies (the "
                        f"id in the URL is ignored)")
    last = path_segments(ep.path)[-1] if path_segments(ep.path) else ""
    if ep.method.upper() == "DELETE" and not last.startswith(("{", "<", ":")):
        query_ids = [a.arg for a in _arguments(fn) if ID_PARAM.match(a.arg) and a.arg not in path_params
                     and not _has_depends_default(fn, a)]
        if query_ids:
            problems.append(f"DELETE on the collection path takes the record's id ({query_ids[0]}) from the "
                            f"query string (address the record: DELETE {ep.path.rstrip('/')}/{{{query_ids[0]}}})")
    return problems


def _has_depends_default(fn: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg) -> bool:
    """The parameter is a dependency or a body, not a query parameter."""
    positional = fn.args.posonlyargs + fn.args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(fn.args.defaults)) + list(fn.args.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(fn.args.kwonlyargs, fn.args.kw_defaults))
    default = next((d for a, d in pairs if a is arg), None)
    marks = [default] if default is not None else []
    if arg.annotation is not None:
        marks.append(arg.annotation)
    return any(isinstance(n, ast.Call) and (dotted(n.func) or "").rsplit(".", 1)[-1] in (*DEPENDS, "Body", "Form")
               for m in marks for n in ast.walk(m))
