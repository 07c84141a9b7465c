"""API-DOCS: an OpenAPI document that parses, or documentation generated from the code."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory, html_only_result
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import is_infrastructure
from auditor.endpoints.go_openapi import SERVER_INTERFACE, generated_server_files
from auditor.endpoints.graphql import servers as graphql_servers
from auditor.endpoints.handlers import handler_source
from auditor.endpoints.responses import split_html_routes
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, Finding, ItemResult, partial_result
from auditor.registry import check
from auditor.text import line_of

OPENAPI_NAME = re.compile(r"(^|/)([\w.-]*(openapi|swagger)[\w.-]*)\.(ya?ml|json)$", re.I)
GENERATED_SERVER_RULE = "openapi-generated-server"
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
    doc.line = line_of(text, marker.start()) if marker else 1
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
                              "app(s) disable their generated docs; no working API documentation.", cap(evidence))
        return ItemResult(item_id, "fail", "no API documentation: looked for an OpenAPI/Swagger file and for "
                          "FastAPI docs, drf-spectacular, drf-yasg, flasgger, apispec, flask-smorest, flask-restx, "
                          "swagger-jsdoc, swagger-ui-express, NestJS SwaggerModule.")
    if broken or disabled:
        good = len(good_docs) + len(generators)
        return partial_result(item_id, good, good + len(broken) + len(disabled),
                              f"documentation present, but {len(broken)} OpenAPI file(s) do not parse and "
                              f"{len(disabled)} app(s) disable their docs.", cap(evidence))
    ops = sum(d.operations for d in good_docs)
    if ops:
        with_errors = sum(d.with_error_responses for d in good_docs)
        examples = sum(d.with_examples for d in good_docs)
        if with_errors < ops:
            return partial_result(item_id, with_errors, ops,
                                  f"OpenAPI document(s) parse; {with_errors} of {ops} operation(s) document error "
                                  f"responses and {examples} have examples.", cap(evidence),
                                  {"operations": ops, "with_error_responses": with_errors, "with_examples": examples})
        return ItemResult(item_id, "pass", f"OpenAPI document(s) parse; all {ops} operation(s) document error "
                          f"responses; {examples} have examples.", cap(evidence))
    if all(g.evidence.rule_id == GENERATED_SERVER_RULE for g in generators):
        return ItemResult(item_id, "pass", "the HTTP server is generated from an OpenAPI specification "
                          f"({generators[0].file}:{generators[0].line}); the specification is not in the audited "
                          "folder, so its examples and error codes are not verified (heuristic).", cap(evidence))
    return ItemResult(item_id, "pass", "API documentation generated from the code "
                      f"({generators[0].file}:{generators[0].line}); examples and error codes are not verified "
                      "statically (heuristic).", cap(evidence))


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
    findings = production_findings(ctx.findings_for(item.id))
    for server in graphql_servers(ctx.repo):   # a GraphQL schema served with introspection documents itself
        if server.introspection:
            findings.append(Finding(item.id, Evidence(server.file, server.line, server.snippet, rule_id="graphql-schema",
                                                      engine="graphql", kind=PRACTICE,
                                                      message="GraphQL schema served with introspection (typed, "
                                                              "self-describing contract)")))
    findings += generated_server_findings(ctx, item.id)
    return evaluate_docs(item.id, documents, findings, html)


def generated_server_findings(ctx: AuditContext, item_id: str) -> list[Finding]:
    """A server generated from an OpenAPI document (oapi-codegen's ServerInterface) says that the document exists
    and that the routes follow it, even when the document lives outside the audited folder."""
    out = []
    for path in generated_server_files(ctx.repo):
        text = ctx.repo.read_text(path) or ""
        m = SERVER_INTERFACE.search(text)
        line = line_of(text, m.start()) if m else 1
        out.append(Finding(item_id, Evidence(path, line, "", rule_id=GENERATED_SERVER_RULE, engine="go",
                                             kind=PRACTICE, message="HTTP server generated from an OpenAPI "
                                             "specification (oapi-codegen ServerInterface)")))
    return out
