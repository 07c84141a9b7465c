"""API-RATE-LIMIT: a global or per-router rate limit, else per-route limits."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory, route_evidence
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import label
from auditor.endpoints.graphql import Server as GraphQLServer
from auditor.endpoints.graphql import servers as graphql_servers
from auditor.endpoints.responses import SourceOf
from auditor.model import PRACTICE, Endpoint, Evidence, Finding, ItemResult, partial_result
from auditor.registry import check

GATEWAY_LIMIT = re.compile(r"^\s*(limit_req_zone|limit_req)\b|rate_limit|RateLimit", re.M)


def evaluate_rate_limit(item_id: str, global_limits: list[Finding], endpoints: list[Endpoint] | None,
                        snippet_of: SourceOf) -> ItemResult:
    if global_limits:
        first = global_limits[0]
        return ItemResult(item_id, "pass", f"a global or per-router rate limit is declared ({first.file}:{first.line}).",
                          cap([f.evidence for f in dedupe(global_limits)]))
    if endpoints is None:
        raise Unavailable("no global rate limit found and the endpoint inventory is unavailable for per-route limits")
    if not endpoints:
        return ItemResult(item_id, "not_applicable", "no endpoint found")
    limited = [e for e in endpoints if e.rate_limited]
    evidence = ([route_evidence(e, snippet_of(e), "route-rate-limit",
                              f"{label(e)} limited by {'; '.join(e.protections.get('rate_limited', []))}", PRACTICE)
                 for e in limited]
                + [route_evidence(e, snippet_of(e), "no-rate-limit", f"{label(e)} has no rate limit")
                   for e in endpoints if not e.rate_limited])
    rationale = (f"no global or per-router limit (looked for flask-limiter/slowapi default_limits, DRF "
                 f"DEFAULT_THROTTLE_CLASSES, app.use(rateLimit), nginx limit_req); {len(limited)} of {len(endpoints)} "
                 "endpoint(s) have their own limit.")
    return partial_result(item_id, len(limited), len(endpoints), rationale, cap(evidence))


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
    result = evaluate_rate_limit(item.id, limits, endpoints, lambda e: ctx.repo.snippet(e.file, e.line))
    return graphql_cost(item.id, result, graphql_servers(ctx.repo))


def graphql_cost(item_id: str, result: ItemResult, servers: list[GraphQLServer]) -> ItemResult:
    """A GraphQL server without a query depth/complexity limit, or with array batching on, lets one request
    cost without bound: a request limit does not cover it, so the item fails with the server as evidence."""
    unbounded = [s for s in servers if not s.cost_limit or s.batching]
    if not unbounded:
        if servers and result.verdict in ("pass", "partial"):
            result.evidence += [Evidence(s.file, s.line, s.snippet, rule_id="graphql-cost-limit", engine="graphql",
                                         message=f"GraphQL query cost bounded by {s.cost_limit}", kind=PRACTICE)
                                for s in servers]
        return result
    evidence = [Evidence(s.file, s.line, s.snippet, rule_id="graphql-unbounded-cost", engine="graphql",
                         message="GraphQL server " + ("with array batching on (" + s.batching + ")" if s.batching
                                                      else "without a query depth or complexity limit"))
                for s in unbounded]
    return ItemResult(item_id, "fail", f"{len(unbounded)} GraphQL server(s) accept queries of unbounded cost (no depth/"
                      "complexity limit, or batching on); a request rate limit does not bound what one request "
                      f"asks for. {result.rationale}", cap(evidence + result.evidence))
