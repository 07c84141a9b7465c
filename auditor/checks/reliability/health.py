"""REL-HEALTH: liveness and readiness routes, and whether they check dependencies.

The endpoint inventory's routes decide, with their full paths and handlers; the semgrep rules add the
JavaScript and Go route declarations it may not list. Python has no rule: every Python framework the rule
matched (Flask, FastAPI, Django, DRF, aiohttp) is in the inventory (health-route-python retired, issue 17)."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.checks.shared.verdicts import cap, file_line, production_findings
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.handlers import handler_source, route_file_count
from auditor.model import PRACTICE, Evidence, ItemResult
from auditor.registry import check

HEALTH_SEGMENT = re.compile(r"(?i)^_?(health|healthz|healthcheck|health-check|health_check|livez|live|liveness|"
                            r"ready|readyz|readiness|ping|status|server-health)$")
READINESS_SEGMENT = re.compile(r"(?i)^(ready|readyz|readiness)$")
DEPENDENCY_TOUCH = re.compile(
    r"\.execute\(|\.exec\(|cursor\(|\bSELECT 1\b|\.ping\(|\.Ping(Context)?\(|\.query\(|\.scalars?\(|"
    r"\bredis\.|\bcache\.(get|set)\(|\.connection\b|\bengine\.connect\(|\.check_health\(|"
    r"\bconnection\.ensure_connection\(|\.admin\.command\(\s*['\"]ping|\.raw\(|\bobjects\.(exists|count|first)\(", re.I)


def handler_body(text: str) -> str:
    """The handler's body without its decorators, signature and docstring, so the handler's own name
    (`def health_check():`) or route text is never read as a call to a dependency. Comments are dropped."""
    try:
        tree = ast.parse(text.strip()) if text.lstrip().startswith(("@", "def", "async")) else None
    except SyntaxError:
        tree = None
    if tree is not None and tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        body = tree.body[0].body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        return "\n".join(ast.unparse(stmt) for stmt in body)
    lines = [line for line in text.splitlines() if not line.strip().startswith(("//", "#", "*", "/*"))]
    start = next((i for i, line in enumerate(lines) if re.search(r"=>|\bfunction\b|\bfunc\b|\bdef\b", line)), None)
    if start is None:
        return "\n".join(lines)
    first = lines[start]
    rest = re.split(r"=>|\)\s*\{", first, maxsplit=1)
    return "\n".join(([rest[1]] if len(rest) > 1 else []) + lines[start + 1:])


@dataclass(frozen=True)
class HealthRoute:
    path: str            # route path when known (inventory), else the declaration text
    evidence: Evidence
    handler_text: str    # handler source, for the dependency check

    @property
    def readiness(self) -> bool:
        segments = [s for s in re.split(r"[/'\"\s]+", self.path) if s]
        return any(READINESS_SEGMENT.match(s.strip("^$")) for s in segments)

    @property
    def checks_dependencies(self) -> bool:
        return bool(DEPENDENCY_TOUCH.search(handler_body(self.handler_text)))


PREFIX_SEGMENT = re.compile(r"(?i)^(api|v\d+(\.\d+)*|utils?|internal|system|sys|ops|admin|management|monitoring|"
                            r"_?meta|private|public|service|app|\d+)$")


# words that also name other things (a resource's status, a ping tool, a monitoring product's pings): a probe
# only at the top of the application or under prefix segments (/status, /api/v1/status), never under a
# resource (/rest/2fa/status, /checks/{code}/status)
AMBIGUOUS_SEGMENT = re.compile(r"(?i)^(ping|status)$")
# a probe answers the same to everyone: a handler that reads the request's body, query, path parameters or
# form, or renders a page, is a feature (a ping *tool*, a status page), not a health check
USER_INPUT = re.compile(r"\breq\.(body|query|params)\b|\brequest\.(args|form|json|get_json|values|files|POST|GET|"
                        r"query_params|path_params|match_info|post\(\))|\bc\.(Query|Param|PostForm|Bind\w*|ShouldBind\w*)\(|"
                        r"\br\.(FormValue|PostFormValue|ParseForm)\(|\br\.URL\.Query\(\)|"
                        r"\bres\.render\(|\brender_template\(|\brender\(\s*request\b|\bTemplateResponse\(")


def is_health_path(path: str) -> bool:
    """A route whose last segment names a health probe, under at most 3 other segments, or under any number
    of prefix segments (`/api/v1/utils/health-check/`). The ambiguous words (status, ping) only as their own
    segment under prefix segments, with no path parameter. A leading `{?}` is a prefix the application computes
    at run time (a configured base path: `/{?}/api/status/`), not a path parameter."""
    raw = [s for s in path.strip("/").split("/") if s]
    while raw and raw[0] == "{?}":
        raw = raw[1:]
    segments = [s for s in raw if not s.startswith("{")]
    if not segments or not HEALTH_SEGMENT.match(segments[-1]):
        return False
    if AMBIGUOUS_SEGMENT.match(segments[-1]):
        return len(raw) == len(segments) and all(PREFIX_SEGMENT.match(s) for s in segments[:-1])
    return len(segments) <= 3 or all(PREFIX_SEGMENT.match(s) for s in segments[:-1])


def takes_user_input(handler_text: str) -> bool:
    """The handler reads what the caller sends or renders a page: not a probe."""
    return bool(USER_INPUT.search(handler_body(handler_text)))


def evaluate_health(item_id: str, routes: list[HealthRoute], route_files: int) -> ItemResult:
    if not routes:
        return ItemResult(item_id, "fail",
                          f"no liveness or readiness route: looked for health routes (/health, /healthz, "
                          f"/livez, /ready, /readyz, /ping, /status) in {route_files} route file(s).",
                          details={"route_files": route_files})
    readiness = [r for r in routes if r.readiness]
    deps = [r for r in routes if r.checks_dependencies]
    notes = []
    if readiness:
        notes.append("readiness route " + ", ".join(sorted({r.path for r in readiness})))
    else:
        notes.append("no separate readiness route")
    if deps:
        notes.append("checks its dependencies at " + ", ".join(sorted({file_line(r.evidence) for r in deps})))
    else:
        notes.append("no health handler touches the database or cache (it cannot report a dead dependency)")
    paths = sorted({r.path for r in routes})
    return ItemResult(item_id, "pass", f"health route(s) {', '.join(paths)}; " + "; ".join(notes) + ".",
                      cap([r.evidence for r in routes]),
                      details={"routes": paths, "readiness": bool(readiness), "checks_dependencies": bool(deps)})


def _evidence_text(ctx: AuditContext, ev: Evidence) -> str:
    lines = ctx.repo.lines(ev.file)
    return "\n".join(lines[(ev.line or 1) - 1:(ev.end_line or ev.line or 1)])


@check("REL-HEALTH")
def check_health(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    endpoints = None
    try:
        endpoints = endpoint_inventory(ctx)
    except Unavailable:
        pass
    semgrep_problem = ctx.engine_problem("semgrep")
    if semgrep_problem and endpoints is None:
        raise Unavailable(semgrep_problem)
    routes: list[HealthRoute] = []
    seen: set[tuple[str, int | None]] = set()
    inventory_health = [e for e in (endpoints.endpoints if endpoints else []) if is_health_path(e.path)]
    inventory_health = [e for e in inventory_health if not takes_user_input(handler_source(ctx.repo, e))]
    # where the inventory has the route, its full path and handler decide (a router's '/ping' under /tools)
    seen.update((e.file, e.line) for e in (endpoints.endpoints if endpoints else []))
    for ep in inventory_health:
        ev = Evidence(ep.file, ep.line, ctx.repo.snippet(ep.file, ep.line), rule_id="endpoint-inventory",
                      engine="inventory", message=f"{ep.method} {ep.path} ({ep.framework})", kind=PRACTICE)
        routes.append(HealthRoute(ep.path, ev, handler_source(ctx.repo, ep)))
        seen.add((ep.file, ep.line))
    for f in production_findings(ctx.practices(item.id)):
        ev = f.evidence
        if (ev.file, ev.line) in seen:
            continue
        text = _evidence_text(ctx, ev)
        match = re.search(r"[\"'`]((?:GET |HEAD )?[^\"'`]*)[\"'`]", text)
        path = match.group(1) if match else text.strip()[:60]
        # a Django path("health/", view) declaration: the handler is the inventory's endpoint, if any
        handler_text = text
        for ep in inventory_health:
            if ep.path.strip("/") == path.strip("/^$"):
                handler_text = handler_source(ctx.repo, ep) or text
        routes.append(HealthRoute(path if path.startswith("/") else "/" + path, ev, handler_text))
        seen.add((ev.file, ev.line))
    files = len({e.file for e in endpoints.endpoints}) if endpoints and endpoints.endpoints else route_file_count(ctx.repo)
    return evaluate_health(item.id, routes, files)
