"""PERF-N-PLUS-1: loops over query results that issue a query per row."""
from __future__ import annotations

import dataclasses

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import other_languages_note, python_sources
from auditor.context import AuditContext, Key, Unavailable
from auditor.endpoints.graphql import FieldResolver, field_resolvers
from auditor.inventory import DOCUMENT
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.probes import nplusone
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


def python_n_plus_one(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    relations, loops, eager = ctx.get(QUERY_LOOPS)
    note = other_languages_note(ctx, {"python"})
    bad = [loop for loop in loops if loop.n_plus_one]
    safe = [loop for loop in loops if loop.accesses and not loop.n_plus_one]
    details = {"query_loops": len(loops), "n_plus_one_loops": len(bad), "eager_loaded_loops": len(safe),
               "relations_known": sorted(relations.lazy)}
    if not loops and not eager:
        if "python" not in ctx.inventory.code_languages:
            raise Unavailable("N+1 detection reads Python ORM code (Django, SQLAlchemy) only; this repository's code "
                              f"is {', '.join(sorted(ctx.inventory.code_languages))}")
        if ctx.inventory.document_database_only:
            raise Unavailable("the database is a document store ("
                              + ", ".join(ctx.inventory.database_kinds.get(DOCUMENT, []))
                              + "); N+1 detection reads Django and SQLAlchemy queries, not MongoDB calls")
        return ItemResult(item.id, "not_applicable",
                          "Heuristic: no loop over ORM or SQL query results and no eager loading in Python code, "
                          "so there is no N+1 surface to judge." + note, details=details)
    evidence: list[Evidence] = []
    for loop in bad:
        for access in loop.n_plus_one:
            kind = "a query per row" if access.what.startswith("query in loop") else f"{access.what} loads lazily per row"
            evidence.append(Evidence(loop.file, access.line, ctx.repo.snippet(loop.file, access.line),
                                     rule_id="n-plus-one", engine="ast", kind=VIOLATION,
                                     message=f"loop over {loop.source} query results (line {loop.line}): {kind}"
                                             " without select_related/prefetch_related/joinedload/selectinload"))
    evidence += eager[:10]
    if not bad:
        what = (f"{len(safe)} loop(s) that use related rows load them eagerly" if safe
                else f"{len(loops)} loop(s) over query results touch no relationship and run no per-row query")
        if not loops:
            what = "eager loading is used and no loop over query results was found"
        if not eager:
            evidence += [Evidence(loop.file, loop.line, ctx.repo.snippet(loop.file, loop.line), rule_id="query-loop",
                                  engine="ast", kind=PRACTICE,
                                  message="loop over query results without per-row queries") for loop in loops[:5]]
        return ItemResult(item.id, "pass", f"Heuristic: {what}.{note}", evidence, details=details)
    return partial_result(item.id, len(safe), len(safe) + len(bad),
                          f"Heuristic: {len(bad)} loop(s) over query results issue a query per row "
                          f"(lazy relationship access or a query inside the loop); {len(safe)} loop(s) load "
                          f"related rows eagerly.{note}", evidence, details)
