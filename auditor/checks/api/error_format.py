"""API-ERROR-FORMAT: central exception handling and one error body shape."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import (
    HTML_ROUTES_KEY,
    handler_own_source,
    html_apart_note,
    html_only_result,
    split_api_and_html,
)
from auditor.checks.shared.verdicts import cap, dedupe, production_findings
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext
from auditor.endpoints.classify import label
from auditor.endpoints.go import go_index
from auditor.endpoints.goprotect import go_handler_source
from auditor.endpoints.graphql import servers as graphql_servers
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, Finding, ItemResult
from auditor.probes.express_error_bodies import error_bodies
from auditor.probes.fastapi_errors import FastAPIErrorHandlers, read_handlers
from auditor.probes.go_error_responses import judge
from auditor.registry import check
from auditor.text import line_of

ERROR_STATUS = re.compile(r"\b[45]\d\d\b|HTTP_[45]\d\d|status\.HTTP_[45]")
ERROR_BODY = re.compile(r"(?:jsonify|JsonResponse|JSONResponse|Response|\.json|\.send)\(\s*\{\s*['\"]?(\w+)['\"]?\s*:")
TEXT_ERROR = re.compile(r"\.status\(\s*[45]\d\d\s*\)\.send\(|^\s*return\s+['\"][^'\"]*['\"]\s*,\s*[45]\d\d\b")
# an error answered with an HTML page: `return render_template("404.html"), 404`, `return render(...), 403`
HTML_ERROR = re.compile(r"^\s*return\s+(?:flask\.)?(?:render_template(?:_string)?|render)\(.*\)\s*,\s*[45]\d\d\b")
HTML_PAGE = "HTML page"
# a handler that answers each client in its own format (an Accept check, a JSON test, an /api path prefix): its
# HTML page is for browsers, API clients get the JSON shape
NEGOTIATES = re.compile(r"accept|wants_json|is_json|request\.blueprint|request\.path\.startswith|best_match",
                        re.IGNORECASE)


# Go: a middleware that runs the chain (`c.Next()`) and turns the error it returns, or a recovered panic, into
# one response; echo's HTTPErrorHandler; gin's c.Errors read after the chain
GO_FUNC = re.compile(r"^func\b", re.M)
GO_RUNS_CHAIN = re.compile(r"\.Next\(\)|\bnext\.ServeHTTP\(")
GO_CATCHES = re.compile(r"\berr\s*!=\s*nil|\bc\.Errors\b|\brecover\(\)")
GO_ANSWERS = re.compile(r"\.WriteHeader\(|\.JSON\(|\bAbortWithStatusJSON\(|\.Write\(")
GO_ERROR_HANDLER = re.compile(r"\.HTTPErrorHandler\s*=")


def go_error_middlewares(path: str, text: str) -> list[Evidence]:
    """Central error handling in Go: where each error middleware (or echo's HTTPErrorHandler) is defined."""
    found: list[Evidence] = []
    starts = [m.start() for m in GO_FUNC.finditer(text)] + [len(text)]
    lines = text.splitlines()
    for start, end in zip(starts, starts[1:]):
        body = text[start:end]
        if GO_RUNS_CHAIN.search(body) and GO_CATCHES.search(body) and GO_ANSWERS.search(body):
            line = line_of(text, start)
            found.append(Evidence(path, line, lines[line - 1].strip(), rule_id="go-error-middleware", engine="text",
                                  message="error middleware: the error the handlers return is answered here",
                                  kind=PRACTICE))
    handler = GO_ERROR_HANDLER.search(text)
    if handler:
        line = line_of(text, handler.start())
        found.append(Evidence(path, line, lines[line - 1].strip(), rule_id="go-error-handler", engine="text",
                              message="echo's HTTPErrorHandler answers every error", kind=PRACTICE))
    return found


def go_helper_format(ctx: AuditContext, endpoints: list[Endpoint]) -> list[Evidence]:
    """The error-response helpers every Go handler that answers an error goes through (go_error_responses)."""
    handlers = [(label(e), e.handler, go_handler_source(ctx.repo, e)) for e in endpoints]
    found = judge(go_index(ctx.repo), handlers)
    if not found.central:
        return []
    helper = found.helpers[0]
    names = ", ".join(sorted({h.name for h in found.helpers})[:5])
    return [Evidence(helper.file, helper.line, ctx.repo.snippet(helper.file, helper.line), rule_id="go-error-helpers",
                     engine="text", kind=PRACTICE,
                     message=f"every handler that answers an error ({len(found.through_helpers)}) does so through the "
                             f"error-response helpers of {helper.directory or '.'} ({names}); none writes an error "
                             "status itself")]


DRF_HANDLER_SETTING = re.compile(r"""['"]EXCEPTION_HANDLER['"]\s*:\s*['"]([\w.]+)['"]""")


@dataclass
class HandlerShapes:
    """What a project's DRF EXCEPTION_HANDLER answers: the top-level keys of the bodies it writes, and whether
    some path returns DRF's own response unchanged ({"detail": ...})."""
    file: str
    shapes: list[tuple[str, int]]
    passes_default_at: int | None


def drf_handler_shapes(path: str, tree: ast.Module, function: str) -> HandlerShapes | None:
    fn = next((f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == function), None)
    if fn is None:
        return None
    shapes = []
    for node in nodes_of(tree, ast.Assign):   # `response.data = {"errors": ...}` in the handler or its helpers
        if isinstance(node.value, ast.Dict) and any(isinstance(t, ast.Attribute) and t.attr == "data"
                                                    for t in node.targets):
            shapes += [(k.value, node.lineno) for k in node.value.keys
                       if isinstance(k, ast.Constant) and isinstance(k.value, str)][:1]
    defaults = {t.id for a in fn.body if isinstance(a, ast.Assign) and isinstance(a.value, ast.Call)
                and (getattr(a.value.func, "id", None) or getattr(a.value.func, "attr", None)) == "exception_handler"
                for t in a.targets if isinstance(t, ast.Name)}
    passes_at = None
    changed = False
    for stmt in fn.body:       # the handler's own statements, in order: DRF's response returned untouched
        # a body rewritten in the handler itself, even under a condition (`if response is not None:`), is
        # taken as rewriting every error: the rewrite done only in helpers it dispatches to is what is read
        if any(isinstance(a, ast.Assign) and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                                                 and t.value.id in defaults for t in a.targets)
               for a in ast.walk(stmt)):
            changed = True
        if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Name) and stmt.value.id in defaults \
                and not changed:
            passes_at = stmt.lineno
    return HandlerShapes(path, shapes, passes_at)


def find_drf_handler(repo, settings_path: str, text: str) -> HandlerShapes | None:
    """The EXCEPTION_HANDLER named in DRF's settings, read from this repository (None when it is not ours)."""
    named = DRF_HANDLER_SETTING.search(text)
    if not named or "." not in named.group(1):
        return None
    module, _, function = named.group(1).rpartition(".")
    suffix = module.replace(".", "/")
    for candidate in (f"{suffix}.py", f"{suffix}/__init__.py"):
        for path in repo.paths():
            if path == candidate or path.endswith("/" + candidate):
                tree = repo.python_ast(path)
                return drf_handler_shapes(path, tree, function) if tree is not None else None
    return None


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
    out: list[tuple[str, int]] = []
    if not ERROR_STATUS.search(text):  # a TEXT_ERROR line has a 4xx/5xx status too; neither spans lines
        return out
    for number, line in code_lines(path, text):
        if not ERROR_STATUS.search(line):
            continue
        if TEXT_ERROR.search(line):
            out.append(("plain text", number))
            continue
        if HTML_ERROR.search(line):
            out.append((HTML_PAGE, number))
            continue
        body = ERROR_BODY.search(line)
        if body:
            out.append((body.group(1), number))
    return out


def negotiating_lines(tree: ast.Module) -> set[int]:
    """Lines of the Python functions that choose the answer's format by the client (`wants_json_response()`,
    `request.accept_mimetypes`): an HTML error page there is the browser's, not an API error body."""
    lines: set[int] = set()
    for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if any(NEGOTIATES.search(ast.unparse(node)) for node in ast.walk(fn) if isinstance(node, (ast.If, ast.IfExp))):
            lines.update(range(fn.lineno, (fn.end_lineno or fn.lineno) + 1))
    return lines


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
                          f"add_exception_handler, DRF EXCEPTION_HANDLER, Django handler404/500, Express error "
                          f"middleware with 4 arguments, Koa error middleware (try {{ await next() }} catch answering the error) and "
                          f"Go error middleware in {files} file(s). Error shapes seen: {names}.",
                          cap(shape_evidence), details={"error_shapes": sorted(shapes.first_place)})
    if len(shapes.first_place) > 1:
        return ItemResult(item_id, "partial",
                          f"central exception handling present, but error bodies come in {len(shapes.first_place)} "
                          f"shapes ({names}) (heuristic).", cap(shape_evidence + central), partial_score=5,
                          details={"error_shapes": sorted(shapes.first_place)})
    return ItemResult(item_id, "pass", f"central exception handling ({central[0].file}:{central[0].line}); one "
                      f"error shape ({names}) (heuristic).", cap(central + shape_evidence),
                      details={"error_shapes": sorted(shapes.first_place)})


def fastapi_handlers(ctx: AuditContext, source_files: list[str]) -> FastAPIErrorHandlers:
    found = FastAPIErrorHandlers()
    for path in source_files:
        if path.endswith(".py") and "exception_handler" in (ctx.repo.read_text(path) or ""):
            tree = ctx.repo.python_ast(path)
            if tree is not None:
                read_handlers(path, tree, found)
    return found


def html_handler_spans(ctx: AuditContext, html: list[Endpoint]) -> dict[str, list[tuple[int, int]]]:
    """(first, last) lines of the Python handlers of server-rendered routes, per file: their error answers are
    pages, judged by the web items, not API error bodies."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for ep in html:
        tree = ctx.repo.python_ast(ep.file) if ep.file.endswith(".py") else None
        if tree is None:
            continue
        short = ep.handler.rsplit(".", 1)[-1]
        for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
            if (start <= ep.line <= (fn.end_lineno or fn.lineno)) or fn.name == short:
                spans.setdefault(ep.file, []).append((start, fn.end_lineno or fn.lineno))
                break
    return spans


@check("API-ERROR-FORMAT")
def check_error_format(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    inv = ctx.get_optional(ENDPOINTS)
    endpoints = inv.endpoints if inv is not None else []
    api, html = split_api_and_html(endpoints, lambda e: handler_own_source(ctx, e))
    if html and not api:
        result = html_only_result(item.id, html, "the API error format")
        result.evidence = [f.evidence for f in dedupe(production_findings(ctx.practices(item.id)))][:5]
        return result
    html_spans = html_handler_spans(ctx, html)
    shapes = ErrorShapes()
    defaults: list[Evidence] = []
    source_files = [p for p in ctx.repo.paths() if p.endswith((".py", ".js", ".ts", ".mjs"))
                    and not TEST_FILE.search(p) and "/migrations/" not in f"/{p}"]
    names = ctx.inventory.framework_names
    custom: HandlerShapes | None = None
    for name, marker, text in (
            ("fastapi", re.compile(r"\bFastAPI\("), "FastAPI's built-in handler answers HTTPException as {\"detail\": ...}"),
            ("drf", re.compile(r"^REST_FRAMEWORK\s*=", re.M), "DRF's exception_handler answers APIException as {\"detail\": ...}")):
        if name not in names:
            continue
        for path in (p for p in source_files if p.endswith(".py")):
            found = marker.search(ctx.repo.read_text(path) or "")
            if found:
                line = line_of((ctx.repo.read_text(path) or ""), found.start())
                defaults.append(Evidence(path, line, ctx.repo.snippet(path, line), rule_id="framework-exception-handler",
                                         engine="inventory", message=text, kind=PRACTICE))
                if name == "drf":
                    custom = find_drf_handler(ctx.repo, path, ctx.repo.read_text(path) or "")
                break
    go_central: list[Evidence] = []
    for path in ctx.repo.paths():
        if path.endswith(".go") and not TEST_FILE.search(path):
            text = ctx.repo.read_text(path) or ""
            if "Next()" in text or "ServeHTTP" in text or "HTTPErrorHandler" in text:
                go_central += go_error_middlewares(path, text)
    for server in graphql_servers(ctx.repo):   # every GraphQL server answers errors in the spec's errors[] list
        defaults.append(Evidence(server.file, server.line, server.snippet, rule_id="graphql-errors", engine="graphql",
                                 message="the GraphQL server answers every error in the spec's errors[] list",
                                 kind=PRACTICE))
    for path in source_files:
        text = ctx.repo.read_text(path) or ""
        if not path.endswith(".py") and "next" in text:
            for shape, line in error_bodies(text):   # bodies of Express error middleware, whatever their status
                shapes.add(shape, Evidence(path, line, ctx.repo.snippet(path, line),
                                           message="answered by error middleware"))
        negotiating: set[int] | None = None
        for shape, line in error_shapes(path, text):
            if any(lo <= line <= hi for lo, hi in html_spans.get(path, ())):
                continue   # an error page of a server-rendered route
            if shape == HTML_PAGE:
                if negotiating is None:
                    tree = ctx.repo.python_ast(path) if path.endswith(".py") else None
                    negotiating = negotiating_lines(tree) if tree is not None else set()
                if line in negotiating:
                    continue   # the browser's page of a handler that answers API clients in JSON
            shapes.add(shape, Evidence(path, line, ctx.repo.snippet(path, line)))
    if custom is not None and custom.shapes:
        # the project's DRF handler writes its own bodies; DRF's {"detail": ...} remains only where it lets
        # DRF's response through unchanged
        for shape, line in custom.shapes:
            shapes.add(shape, Evidence(custom.file, line, ctx.repo.snippet(custom.file, line)))
        if custom.passes_default_at is not None:
            shapes.add("detail", Evidence(custom.file, custom.passes_default_at,
                                          ctx.repo.snippet(custom.file, custom.passes_default_at),
                                          message="DRF's own {\"detail\": ...} body returned unchanged"))
    elif framework_defaults := [d for d in defaults if d.rule_id == "framework-exception-handler"]:
        # validation and not-found errors of FastAPI and DRF answer {"detail": ...} (a GraphQL server's errors[]
        # list is its own surface, not this shape)
        fastapi = fastapi_handlers(ctx, source_files) if "fastapi" in names else FastAPIErrorHandlers()
        for shape, path, line in fastapi.shapes:
            shapes.add(shape, Evidence(path, line, ctx.repo.snippet(path, line),
                                       message=f"answered by an exception handler ({path}:{line})"))
        if not fastapi.replaces_defaults:
            shapes.add("detail", framework_defaults[0])
    go_endpoints = [e for e in endpoints if e.file.endswith(".go")]
    if go_endpoints and not go_central:
        go_central += go_helper_format(ctx, go_endpoints)
    defaults += go_central
    result = evaluate_error_format(item.id, production_findings(ctx.practices(item.id)), defaults, shapes,
                                   len(source_files))
    if html:
        result.rationale += html_apart_note(html)
        result.details[HTML_ROUTES_KEY] = [label(e) for e in html]
    return result
