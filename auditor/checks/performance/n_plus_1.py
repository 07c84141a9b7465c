"""PERF-N-PLUS-1: loops over query results that issue a query per row.

Python from the AST (auditor/probes/nplusone.py and the program model); JavaScript/TypeScript from the JS/TS
program model (auditor/checks/shared/js_loops.py: a database call in a loop body, directly or through helpers, which
also gives the JS pass); Go from the text (auditor/probes/go_query_loops.py: loops whose body queries with the
loop's element)."""
from __future__ import annotations

import dataclasses

from auditor.catalog import CatalogItem
from auditor.checks.shared import js_loops
from auditor.checks.shared.effects import (
    EffectFinding,
    called_at_startup,
    queries_per_row,
    request_row_loops,
    serves_no_request,
)
from auditor.checks.shared.verdicts import other_languages_note, python_sources
from auditor.collectors.js_program import JS_PROGRAM
from auditor.collectors.program import PROGRAM
from auditor.context import AuditContext, Key, Unavailable
from auditor.endpoints.graphql import FieldResolver, field_resolvers
from auditor.inventory import DOCUMENT
from auditor.model import PRACTICE, VIOLATION, Evidence, FlowStep, ItemResult, partial_result
from auditor.orm.django_relations import read_relations
from auditor.probes import drf_serializers, go_dbwork, go_query_loops, marshmallow_lists, nplusone
from auditor.probes.template_loops import TemplateLoop, template_finder, template_loops
from auditor.program import ProgramModel
from auditor.program.js import build_js_program
from auditor.program.js.loops import LoopQuery
from auditor.registry import check, collector

QUERY_LOOPS: Key[tuple[nplusone.Relations, list[nplusone.QueryLoop], list[Evidence]]] = Key("query_loops")


@collector(QUERY_LOOPS, serves=("PERF-N-PLUS-1",))
def collect_query_loops(ctx: AuditContext) -> tuple[nplusone.Relations, list[nplusone.QueryLoop], list[Evidence]]:
    """(ORM relations, loops over query results, eager-loading calls): the ast scan behind PERF-N-PLUS-1."""
    sources = python_sources(ctx)
    relations = nplusone.Relations()
    for path, tree in sources:
        nplusone.collect_relations(path, tree, relations)
    loops: list[nplusone.QueryLoop] = []
    eager: list[Evidence] = []
    for path, tree in sources:
        loops += nplusone.query_loops(path, tree, relations)
        for line, call in nplusone.eager_loading_uses(tree):
            eager.append(Evidence(path, line, ctx.repo.snippet(path, line), rule_id="eager-loading", engine="ast",
                                  message=f"{call}: related rows loaded up front", kind=PRACTICE))
    return relations, loops, eager


def graphql_resolvers(item_id: str, resolvers: list[FieldResolver], python: ItemResult | None) -> ItemResult:
    """Field resolvers of non-root GraphQL types run once per parent object: a fetch there without a DataLoader
    is a query per row. Combined with the Python loop scan's verdict when there is one."""
    bad = [r for r in resolvers if not r.loader]
    good = [r for r in resolvers if r.loader]
    evidence = [Evidence(r.file, r.line, "", rule_id="graphql-n-plus-one", engine="graphql", kind=VIOLATION,
                         message=f"{r.type_name}.{r.field} resolves with {r.fetch} once per {r.type_name} "
                                 "(no DataLoader batching)") for r in bad]
    evidence += [Evidence(r.file, r.line, "", rule_id="graphql-dataloader", engine="graphql", kind=PRACTICE,
                          message=f"{r.type_name}.{r.field} batched through {r.loader}") for r in good]
    rationale = (f"Heuristic: {len(bad)} of {len(resolvers)} GraphQL field resolver(s) on non-root types fetch "
                 "data per parent object without a DataLoader.")
    if python is not None and python.verdict in ("pass", "partial", "fail"):
        bad_loops = python.details.get("n_plus_one_loops", 0)
        safe_loops = python.details.get("eager_loaded_loops", 0)
        return partial_result(item_id, len(good) + safe_loops, len(resolvers) + bad_loops + safe_loops,
                              f"{rationale} {python.rationale}", evidence + python.evidence, python.details)
    return partial_result(item_id, len(good), len(resolvers), rationale, evidence,
                          {"graphql_field_resolvers": len(resolvers), "without_dataloader": len(bad)})


@check("PERF-N-PLUS-1")
def no_n_plus_one(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    languages = ctx.inventory.code_languages
    evidence = [model_loop_evidence(ctx, q) for q in js_scan(ctx).loops] if languages & JS else []
    go_loops = go_query_loops.query_loops(ctx.repo) if "go" in languages else []
    if go_loops or "go" in languages:
        go_loops += go_dbwork.helper_query_loops(go_dbwork.read_db(ctx.repo), go_loops)
    evidence += [dataclasses.replace(e, snippet=ctx.repo.snippet(e.file, e.line)) for e in js_loop_evidence(go_loops)]
    if not evidence:
        try:
            return python_and_graphql(ctx, item)
        except Unavailable:
            if "go" not in languages or not go_dbwork.read_db(ctx.repo).calls:
                raise
            return go_pass(ctx, item)
    try:
        other: ItemResult | None = python_and_graphql(ctx, item)
    except Unavailable:
        other = None
    return with_js_loops(item.id, evidence, other)


def go_pass(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Go code that queries, with no query inside a loop over rows, directly or through a repository function."""
    db = go_dbwork.read_db(ctx.repo)
    queries = [c for fn in db.functions for c in db.direct(fn)]
    evidence = [Evidence(c.file, c.line, ctx.repo.snippet(c.file, c.line), rule_id="query-outside-loop", engine="text",
                         kind=PRACTICE, message=f"{c.text}: runs once per request, not per row")
                for c in [c for c in queries if not c.in_loop][:5]]
    return ItemResult(item.id, "pass", f"Heuristic: none of the {len(queries)} database call(s) in "
                      f"{db.files_with_queries} Go file(s) runs inside a loop over rows with the row's value, directly "
                      "or through a repository function (GORM, database/sql, sqlx, ozzo-dbx calls read as text).",
                      evidence, details={"go_database_calls": len(queries), "n_plus_one_loops": 0})


JS = frozenset({"javascript", "typescript"})


def js_scan(ctx: AuditContext) -> js_loops.JsQueryScan:
    program = ctx.get_optional(JS_PROGRAM) or build_js_program(ctx.repo)
    return js_loops.scan(ctx.repo, program)


def js_loop_evidence(loops: list[go_query_loops.TextQueryLoop]) -> list[Evidence]:
    """Loops read as text (Go) that query once per row."""
    return [Evidence(loop.file, loop.line, "", rule_id="n-plus-one/js-loop", engine="text", kind=VIOLATION,
                     message=f"loop (line {loop.loop_line}) runs {loop.call}...) once per `{loop.row}`: a query per row")
            for loop in loops]


def model_loop_evidence(ctx: AuditContext, q: LoopQuery) -> Evidence:
    """A JavaScript/TypeScript query run once per loop iteration, with the calls that reach it."""
    flow = [FlowStep(s.file, s.line, ctx.repo.snippet(s.file, s.line), "call", f"calls {s.label} in a loop"
                     if i == 0 else f"calls {s.label}") for i, s in enumerate(q.flow)]
    flow.append(FlowStep(q.query.file, q.query.line, ctx.repo.snippet(q.query.file, q.query.line), "sink",
                         q.query.label))
    through = f" through {' -> '.join(s.label for s in q.flow)}" if q.flow else ""
    return Evidence(q.fn.rel, q.line, ctx.repo.snippet(q.fn.rel, q.line), rule_id="n-plus-one/js", engine="program",
                    kind=VIOLATION, flow=tuple(flow) if q.flow else (),
                    message=f"{q.query.label} runs once per loop iteration{through} "
                            f"(query at {q.query.file}:{q.query.line}): load the rows in one query (IN, a join, include)")


def with_js_loops(item_id: str, evidence: list[Evidence], other: ItemResult | None) -> ItemResult:
    """JavaScript/TypeScript and Go loops that query per row, with the Python/GraphQL verdict when there is one."""
    rationale = (f"Heuristic: {len(evidence)} JavaScript/TypeScript or Go loop(s) query the database once per row (a "
                 "database call in a JS/TS loop body, directly or through helpers; a GORM/database/sql call made "
                 "with a Go loop's element).")
    if other is None or other.verdict not in ("pass", "partial", "fail"):
        return partial_result(item_id, 0, len(evidence), rationale, evidence, {"js_query_loops": len(evidence)})
    details = dict(other.details or {})
    details["js_query_loops"] = len(evidence)
    good = other.details.get("eager_loaded_loops", 0) if other.details else 0
    bad = (other.details.get("n_plus_one_loops", 0) if other.details else 0) + len(evidence)
    return partial_result(item_id, good, good + bad, f"{rationale} {other.rationale}", evidence + other.evidence,
                          details)


def python_and_graphql(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    resolvers = [r for r in field_resolvers(ctx.repo) if r.fetch or r.loader]
    if not resolvers:
        return python_n_plus_one(ctx, item)
    try:
        python: ItemResult | None = python_n_plus_one(ctx, item)
    except Unavailable:
        python = None
    result = graphql_resolvers(item.id, resolvers, python)
    result.evidence = [ev if ev.snippet else dataclasses.replace(ev, snippet=ctx.repo.snippet(ev.file, ev.line))
                       for ev in result.evidence]
    return result


def helper_evidence(found: EffectFinding) -> Evidence:
    """A query per row through helpers: the loop, each call, the query, and the handlers that reach it."""
    loop = found.flow[0]
    query = found.flow[-1]
    handlers = ", ".join(h.split("::")[-1] for h in found.handlers[:5]) or "no request handler found"
    return Evidence(loop.file, loop.line, loop.snippet, rule_id="n-plus-one/helper", engine="program",
                    kind=VIOLATION, flow=found.flow,
                    message=f"loop over query results calls a helper that runs a query per row "
                            f"({found.text}; query at {query.file}:{query.line}); reached from {handlers}")


def javascript_n_plus_one(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """JavaScript/TypeScript, from the program model: a database call inside a loop body is a query per iteration."""
    found = js_scan(ctx)
    if not found.files_with_queries:
        raise Unavailable("no database query found in the JavaScript/TypeScript code (ORM or driver calls by name): "
                          "N+1 not judged")
    details = {"n_plus_one_loops": len(found.loops), "eager_loaded_loops": 0,
               "files_with_queries": found.files_with_queries, "eager_loading": len(found.eager)}
    evidence = [model_loop_evidence(ctx, q) for q in found.loops]
    evidence += [Evidence(f, line, ctx.repo.snippet(f, line), rule_id="eager-loading", engine="text", kind=PRACTICE,
                          message=f"{what}: related rows loaded in the same query") for f, line, what in found.eager[:10]]
    if found.loops:
        return ItemResult(item.id, "fail", f"Heuristic: {len(found.loops)} database call(s) inside a loop body in "
                          "JavaScript/TypeScript code (a query per iteration).", evidence, details=details)
    eager = f"; related rows are joined or included in the query ({len(found.eager)} place(s))" if found.eager else ""
    return ItemResult(item.id, "pass", f"Heuristic: no database call inside a loop body in the {found.files_with_queries} "
                      f"JavaScript/TypeScript file(s) that query{eager}.", evidence, details=details)


def querying_methods(model: ProgramModel | None) -> set[str]:
    """Names of the ORM models' methods that run a query following the row itself (`self.posts.count()`,
    a select built from `self`): a template that calls one for each row runs a query per row. A lazy
    relationship the method reads is left to the template reader, which knows what the view loaded up front."""
    if model is None:
        return set()
    names = set()
    for fid, summary in model.summaries.items():
        fn = model.program.functions[fid]
        if fn.cls is None or fn.kind != "method" or not fn.params or fn.name.startswith("_"):
            continue
        if any(param == fn.params[0] and how != "lazy" for param, how in summary.param_queries) \
                and model.program.is_model(fn.cls):
            names.add(fn.name)
    return names


def row_querying_methods(model: ProgramModel | None) -> set[str]:
    """Names of the ORM models' methods that run a query depending on one of their parameters (the row itself
    or a row passed in: `profile.has_liked(post)`): a serializer method that calls one with its row runs a
    query per row."""
    if model is None:
        return set()
    names = set()
    for fid, summary in model.summaries.items():
        fn = model.program.functions[fid]
        if fn.cls is None or fn.kind != "method" or fn.name.startswith("_") or fn.name in nplusone.MANAGER_METHODS:
            continue
        if any(how != "lazy" for _, how in summary.param_queries) and model.program.is_model(fn.cls):
            names.add(fn.name)
    return names


def drf_list_endpoints(ctx: AuditContext, model: ProgramModel | None) -> list[drf_serializers.ListEndpoint]:
    """DRF list endpoints whose serializer follows relations of each row (auditor/probes/drf_serializers.py)."""
    sources = [(path, tree) for path, tree in python_sources(ctx) if "/migrations/" not in f"/{path}"]
    if not any("rest_framework" in (ctx.repo.read_text(path) or "") for path, _ in sources):
        return []
    return drf_serializers.list_endpoints(sources, read_relations(sources), row_querying_methods(model))


def drf_evidence(ctx: AuditContext, endpoint: drf_serializers.ListEndpoint) -> list[Evidence]:
    """One evidence per relation a list endpoint's serializer follows per row: at the serializer field, with
    the view that lists the rows as the first step of its flow."""
    loads = ", ".join(endpoint.eager) if endpoint.eager else "nothing"
    out = []
    for t in endpoint.per_row:
        why = ("a query per row whatever the view loads up front" if t.always
               else f"`{t.path}` is not in the view's select_related/prefetch_related (it loads {loads})")
        flow = (FlowStep(endpoint.file, endpoint.line, ctx.repo.snippet(endpoint.file, endpoint.line), "source",
                         f"{endpoint.view} serializes many rows with {endpoint.serializer}"),
                FlowStep(t.file, t.line, ctx.repo.snippet(t.file, t.line), "sink", t.what))
        out.append(Evidence(t.file, t.line, ctx.repo.snippet(t.file, t.line), rule_id="n-plus-one/drf-serializer",
                            engine="ast", kind=VIOLATION, flow=flow,
                            message=f"list endpoint {endpoint.view} ({endpoint.file}:{endpoint.line}): {t.what}, "
                                    f"{why}"))
    return out


def schema_lists(ctx: AuditContext, relations: nplusone.Relations) -> list[marshmallow_lists.SchemaList]:
    """Handlers dumping query results with a marshmallow many-schema that reads lazy relationships per row."""
    sources = [(path, tree) for path, tree in python_sources(ctx) if "marshmallow" in (ctx.repo.read_text(path) or "")
               or "dump" in (ctx.repo.read_text(path) or "") or "marshal_with" in (ctx.repo.read_text(path) or "")]
    return marshmallow_lists.list_dumps(sources, relations.lazy - relations.eager) if sources else []


def schema_list_evidence(ctx: AuditContext, found: marshmallow_lists.SchemaList) -> list[Evidence]:
    out = []
    for f in found.per_row:
        flow = (FlowStep(found.file, found.line, ctx.repo.snippet(found.file, found.line), "source",
                         f"{found.handler} dumps query results with {found.schema}(many=True)"),
                FlowStep(f.file, f.line, ctx.repo.snippet(f.file, f.line), "sink", f"{f.name} loads lazily"))
        out.append(Evidence(f.file, f.line, ctx.repo.snippet(f.file, f.line), rule_id="n-plus-one/marshmallow-schema",
                            engine="ast", kind=VIOLATION, flow=flow,
                            message=f"list handler {found.handler} ({found.file}:{found.line}) dumps each row with "
                                    f"{found.schema}: {f.name} loads lazily per row (no joinedload/selectinload)"))
    return out


def page_loops(ctx: AuditContext, relations: nplusone.Relations, methods: set[str]) -> list[TemplateLoop]:
    """Pages rendered with query results whose template reads a lazy relationship of each row, or calls a
    model method that queries."""
    lazy = (relations.lazy - relations.eager) | methods
    if not lazy:
        return []
    find = template_finder(ctx.repo.paths())
    out: list[TemplateLoop] = []
    for path, tree in python_sources(ctx):
        out += template_loops(path, tree, lazy, find, ctx.repo.read_text)
    return out


def page_loop_evidence(ctx: AuditContext, loop: TemplateLoop, methods: set[str] = frozenset()) -> Evidence:
    method = loop.access.split(".", 1)[1] in methods
    what = f"{loop.access}() runs a query" if method else f"{loop.access} loads lazily"
    flow = [FlowStep(loop.handler_file, loop.handler_line, ctx.repo.snippet(loop.handler_file, loop.handler_line),
                     "source", f"renders {loop.template} with {loop.rows[:60]}"),
            FlowStep(loop.template, loop.loop_line, ctx.repo.snippet(loop.template, loop.loop_line), "call",
                     "loops over the rows"),
            FlowStep(loop.access_file, loop.access_line, ctx.repo.snippet(loop.access_file, loop.access_line), "sink",
                     what)]
    return Evidence(loop.access_file, loop.access_line, ctx.repo.snippet(loop.access_file, loop.access_line),
                    rule_id="n-plus-one-template", engine="ast", kind=VIOLATION, flow=flow,
                    message=f"page rendered at {loop.handler_file}:{loop.handler_line} loops over query results in "
                            f"{loop.template}:{loop.loop_line}: {what} per row (a query per row while the page "
                            "renders)" + ("" if method else
                                          " without joinedload/selectinload/select_related/prefetch_related"))


def python_n_plus_one(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    relations, loops, eager = ctx.get(QUERY_LOOPS)
    model = ctx.get_optional(PROGRAM)
    methods = querying_methods(model)
    pages = page_loops(ctx, relations, methods)
    drf = drf_list_endpoints(ctx, model)
    drf_bad = [e for e in drf if e.per_row]
    dumps = schema_lists(ctx, relations)
    drf_safe = [e for e in drf if not e.per_row]
    note = other_languages_note(ctx, {"python"})
    through = queries_per_row(model) if model is not None else []
    if model is None:
        note += f" The program model did not run ({ctx.error_of(PROGRAM) or 'not built'}): helpers not followed."
    flagged_loops = {(loop.file, loop.line) for loop in loops if loop.n_plus_one}
    # a loop the direct scan already flags keeps its direct evidence
    through = [f for f in through if (f.flow[0].file, f.flow[0].line) not in flagged_loops]
    apart_helpers = [f for f in through if not f.serves_requests]
    through = [f for f in through if f.serves_requests]
    startup = called_at_startup(model, dict(python_sources(ctx))) if model is not None else set()
    apart_loops = [loop for loop in loops if loop.n_plus_one and serves_no_request(model, startup, loop.file, loop.line)]
    bad = [loop for loop in loops if loop.n_plus_one and loop not in apart_loops]
    safe = [loop for loop in loops if loop.accesses and not loop.n_plus_one]
    no_request = sorted({f"{loop.file}:{loop.line}" for loop in apart_loops} | {f.where for f in apart_helpers})
    # a handler whose dump the program model already follows into a per-row helper keeps that evidence
    dumps = [d for d in dumps if not any(f.flow[0].file == d.file and f.function.endswith(f"::{d.handler}")
                                         for f in through)]
    details = {"query_loops": len(loops),
               "n_plus_one_loops": len(bad) + len(through) + len(pages) + len(drf_bad) + len(dumps),
               "n_plus_one_in_schema_dumps": [f"{d.handler} ({d.schema})" for d in dumps],
               "n_plus_one_in_templates": len(pages),
               "n_plus_one_in_serializers": [f"{e.view} ({e.serializer})" for e in drf_bad],
               "serializer_lists_eager": [f"{e.view} ({e.serializer})" for e in drf_safe],
               "n_plus_one_through_helpers": len(through), "eager_loaded_loops": len(safe) + len(drf_safe),
               "relations_known": sorted(relations.lazy),
               "not_serving_requests": no_request, "not_serving_requests_count": len(no_request)}
    apart_note = (f" {len(no_request)} per-row query loop(s) in code that serves no request (migrations, "
                  "commands, scripts, tests) are listed apart in details, not counted." if no_request else "")
    scanned = {(loop.file, loop.line) for loop in loops}
    model_loops = [at for at in request_row_loops(model) if at not in scanned] if model is not None else []
    details["query_loops_through_helpers"] = len(model_loops)
    if not loops and not eager and not through and not pages and not drf and not model_loops and not dumps:
        if ctx.inventory.code_languages & {"javascript", "typescript"} and (
                "python" not in ctx.inventory.code_languages or js_scan(ctx).files_with_queries):
            return javascript_n_plus_one(ctx, item)   # the queries are in JavaScript/TypeScript (Python: scripts)
        if "python" not in ctx.inventory.code_languages:
            raise Unavailable("N+1 detection reads Python ORM code (Django, SQLAlchemy) only; this repository's code "
                              f"is {', '.join(sorted(ctx.inventory.code_languages))}")
        if ctx.inventory.document_database_only:
            raise Unavailable("the database is a document store ("
                              + ", ".join(ctx.inventory.database_kinds.get(DOCUMENT, []))
                              + "); N+1 detection reads Django and SQLAlchemy queries, not MongoDB calls")
        return ItemResult(item.id, "not_applicable",
                          "Heuristic: no loop over ORM or SQL query results and no eager loading in Python code, "
                          "so there is no N+1 surface to judge." + apart_note + note, details=details)
    evidence: list[Evidence] = []
    for loop in bad:
        for access in loop.n_plus_one:
            kind = "a query per row" if access.what.startswith("query in loop") else f"{access.what} loads lazily per row"
            evidence.append(Evidence(loop.file, access.line, ctx.repo.snippet(loop.file, access.line),
                                     rule_id="n-plus-one", engine="ast", kind=VIOLATION,
                                     message=f"loop over {loop.source} query results (line {loop.line}): {kind}"
                                             " without select_related/prefetch_related/joinedload/selectinload"))
    evidence += [helper_evidence(f) for f in through]
    evidence += [page_loop_evidence(ctx, loop, methods) for loop in pages]
    evidence += [ev for e in drf_bad for ev in drf_evidence(ctx, e)]
    evidence += [ev for d in dumps for ev in schema_list_evidence(ctx, d)]
    evidence += eager[:10]
    serializers = (f" {len(drf_safe)} DRF list endpoint(s) load every relation their serializer follows up front."
                   if drf_safe else "")
    if not bad and not through and not pages and not drf_bad and not dumps:
        what = (f"{len(safe)} loop(s) that use related rows load them eagerly" if safe
                else f"{len(loops)} loop(s) over query results touch no relationship and run no per-row query")
        if not loops:
            what = "eager loading is used and no loop over query results was found"
            if model_loops:
                what = (f"{len(model_loops)} loop(s) over query results found by the program model (results a "
                        "repository or service helper returns, or a query call the direct scan does not read) touch "
                        "no lazy relationship and run no per-row query")
        what += serializers
        if not eager:
            evidence += [Evidence(loop.file, loop.line, ctx.repo.snippet(loop.file, loop.line), rule_id="query-loop",
                                  engine="ast", kind=PRACTICE,
                                  message="loop over query results without per-row queries") for loop in loops[:5]]
            evidence += [Evidence(file, line, ctx.repo.snippet(file, line), rule_id="query-loop", engine="program",
                                  kind=PRACTICE, message="loop over query results (program model) without "
                                                         "per-row queries") for file, line in model_loops[:5]]
        return ItemResult(item.id, "pass", f"Heuristic: {what}, directly or through helpers.{apart_note}{note}",
                          evidence, details=details)
    helpers = (f" {len(through)} loop(s) call a same-repository helper that runs a query per row (found through "
               "the call graph)." if through else "")
    templates = (f" {len(pages)} page template(s) loop over query results and read a lazy relationship of each "
                 "row or call a model method that queries." if pages else "")
    lists = (f" {len(drf_bad)} DRF list endpoint(s) serialize rows with a serializer that follows relations not "
             "loaded up front (nested serializers, dotted sources, related fields) or queries per row in a "
             "SerializerMethodField." if drf_bad else "")
    schema_dumps = (f" {len(dumps)} list handler(s) dump query results with a marshmallow schema that reads lazy "
                    "relationships of each row." if dumps else "")
    lists += schema_dumps
    n_bad = len(bad) + len(through) + len(pages) + len(drf_bad) + len(dumps)
    return partial_result(item.id, len(safe) + len(drf_safe), len(safe) + len(drf_safe) + n_bad,
                          ("Heuristic:" + (f" {n_bad - len(drf_bad) - len(dumps)} loop(s) over query results issue a query per row "
                                           "(lazy relationship access or a query inside the loop)."
                                           if n_bad > len(drf_bad) + len(dumps)
                                           else "")) + f"{helpers}{templates}{lists} "
                          f"{len(safe)} loop(s) load related rows eagerly.{serializers}{apart_note}{note}",
                          evidence, details)
