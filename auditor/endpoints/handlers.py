"""The source text of an endpoint's handler, for the items that read what a handler does.

Python: the function (or class) around the route, from the AST. JavaScript/TypeScript: the route call and the
named handler it passes (found through a per-repository index of function definitions), one delegation deep.
Both are memoised on the Repository, since several items read every handler."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.budget import budgeted
from auditor.inventory import TEST_FILE
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import line_of


def handler_source(repo: Repository, ep: Endpoint, whole_class: bool = False) -> str:
    """The source text of the endpoint's handler (decorators included), or "" when it cannot be found.

    Python: the innermost function around `ep.line`, or `Class.method`; with `whole_class`, the class text
    when the method is inherited (DRF viewsets). JavaScript/TypeScript: the route call from `ep.line` to
    its closing parenthesis. Other languages: "".
    """
    # several items read every handler: find each one once per scanned repository
    memo = repo.__dict__.setdefault("_auditor_handler_sources", {})
    key = (ep.file, ep.line, ep.handler, whole_class)
    if key not in memo:
        memo[key] = _handler_source(repo, ep, whole_class)
    return memo[key]


def js_named_handler_missing(repo: Repository, ep: Endpoint) -> bool:
    """True when a JavaScript route names its handler (`router.get('/x', auth, users.show)`) and the
    definition cannot be found: the text read is then the route call alone, not what the handler does."""
    if not ep.file.endswith((".js", ".mjs", ".cjs", ".ts")) or ep.framework != "express":
        return False
    call = _js_call_text(repo.lines(ep.file), ep.line)
    return bool(JS_HANDLER_REF.search(call)) and not _js_named_handler(repo, call, ep.file).strip()


def _handler_source(repo: Repository, ep: Endpoint, whole_class: bool) -> str:
    if ep.file.endswith((".py", ".pyi")):
        return _python_handler(repo, ep, whole_class)
    if ep.framework in ("nestjs", "routing-controllers"):
        from auditor.endpoints.nestjs import handler_text
        return handler_text(repo, ep)
    if ep.framework == "koa":
        from auditor.endpoints.koa import handler_text as koa_handler_text
        return koa_handler_text(repo, ep)
    if ep.file.endswith((".js", ".mjs", ".cjs", ".ts")):
        call = _js_call_text(repo.lines(ep.file), ep.line)
        return call + "\n" + _js_named_handler(repo, call, ep.file)
    if ep.file.endswith(".go"):
        from auditor.endpoints.goprotect import go_handler_source
        return go_handler_source(repo, ep)
    return ""


JS_HANDLER_REF = re.compile(r",\s*(?:([A-Za-z_$][\w$]*)\.)?([A-Za-z_$][\w$]*)\s*\)\s*;?\s*$")
JS_DEFINITION = re.compile(r"\bthis\.([\w$]+)\s*=|\b(?:module\.)?exports\.([\w$]+)\s*=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>)|\b(?:const|let|var)\s+([\w$]+)\s*=|\bfunction\s+([\w$]+)\s*\(|"
                           r"^\s*(?:async\s+)?([\w$]+)\s*\([^)]*\)\s*\{|\b([\w$]+)\s*:\s*(?:async\s+)?(?:function\b|\()", re.M)


def _js_definitions(repo: Repository) -> dict[str, list[tuple[str, int]]]:
    """name -> [(file, line)] of every JS/TS function-like definition, built once per scanned repository."""
    index = repo.__dict__.get("_auditor_js_definitions")
    if index is None:
        index = {}
        for path in budgeted(repo.paths()):
            if not path.endswith((".js", ".mjs", ".cjs", ".ts")) or TEST_FILE.search(path) or "node_modules/" in path:
                continue
            text = repo.read_text(path) or ""
            for m in JS_DEFINITION.finditer(text):
                name = next(g for g in m.groups() if g)
                index.setdefault(name, []).append((path, line_of(text, m.start())))
        repo.__dict__["_auditor_js_definitions"] = index
    return index


JS_REQUIRE = re.compile(r"""require\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)|\bfrom\s+['"](\.{1,2}/[^'"]+)['"]""")
JS_DELEGATION = re.compile(r"(?:\bthis\.)?\b([A-Za-z_$][\w$]*)\(\s*req\s*,\s*res\b")


def _js_bound_module(repo: Repository, path: str, name: str) -> str | None:
    """The repository module a local name of a JS module is bound to by require/import, if any."""
    import posixpath
    text = repo.read_text(path) or ""
    m = re.search(rf"""(?:const|let|var)\s+{re.escape(name)}\s*=\s*require\(\s*['"](\.{{1,2}}/[^'"]+)['"]\s*\)|"""
                  rf"""import\s+(?:\*\s+as\s+)?{re.escape(name)}\s+from\s+['"](\.{{1,2}}/[^'"]+)['"]|"""
                  rf"""(?:const|let|var)\s*\{{[^}}]*\b{re.escape(name)}\b[^}}]*\}}\s*=\s*require\(\s*['"](\.{{1,2}}/[^'"]+)['"]""",
                  text)
    if not m:
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(path), m.group(1) or m.group(2) or m.group(3)))
    for candidate in (base, base + ".js", base + ".ts", base + ".mjs", base + "/index.js", base + "/index.ts"):
        if repo.exists(candidate):
            return candidate
    return None


def _js_required_files(repo: Repository, path: str) -> set[str]:
    """Repository files a JS module requires or imports by relative path."""
    import posixpath
    folder = posixpath.dirname(path)
    out = set()
    for m in JS_REQUIRE.finditer(repo.read_text(path) or ""):
        base = posixpath.normpath(posixpath.join(folder, m.group(1) or m.group(2)))
        for candidate in (base, base + ".js", base + ".ts", base + ".mjs", base + "/index.js", base + "/index.ts"):
            if repo.exists(candidate):
                out.add(candidate)
                break
    return out


def _squashed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _js_definition_text(repo: Repository, name: str, route_file: str, receiver: str = "") -> tuple[str, str] | None:
    """(file, text) of the one definition of `name` a route can mean: the only one in the repository, the
    one in the module `receiver` is bound to (`const users = require('../controllers/users')`, or an index
    module re-exporting it), the only one among the route file and the modules it requires, or the one in
    the module the route names it through (`authController.register` -> auth.controller.js)."""
    places = _js_definitions(repo).get(name, [])
    files = {path for path, _ in places}
    bound = _js_bound_module(repo, route_file, receiver) if receiver and len(files) > 1 else None
    if bound is not None:
        near = files & ({bound} | _js_required_files(repo, bound))
        if len(near) == 1:
            files = near
            places = [p for p in places if p[0] in near]
    if len(files) > 1:
        required = _js_required_files(repo, route_file)
        near = files & (required | {route_file})
        if not near:   # required through an index module that re-exports it: `require('../controllers')`
            near = files & {p for r in required for p in _js_required_files(repo, r)}
        if len(near) != 1 and receiver:
            near = {f for f in files if _squashed(f.rsplit("/", 1)[-1].rsplit(".", 1)[0]) == _squashed(receiver)}
        if len(near) != 1:
            return None   # defined in several files: do not guess which one the route uses
        places = [p for p in places if p[0] in near]
    if not places:
        return None
    path, line = places[0]
    return path, _js_block_text(repo.lines(path), line)


def _js_named_handler(repo: Repository, call: str, route_file: str = "") -> str:
    """The body of the handler a route call names (`app.get('/x', auth, handlers.showX)`), when it can be
    found (`this.showX = (req, res) => {`, `exports.showX = async (req, res) => {`, `showX(req, res) {`,
    `function showX(`, `showX: function`), and of
    the handler it hands the request to (`this.showList(req, res, next)`), one level deep."""
    ref = JS_HANDLER_REF.search(call)
    if not ref:
        return ""
    found = _js_definition_text(repo, ref.group(2), route_file, ref.group(1) or "")
    if found is None:
        return ""
    path, text = found
    delegate = next((m.group(1) for m in JS_DELEGATION.finditer(text) if m.group(1) != ref.group(2)), None)
    if delegate:
        inner = _js_definition_text(repo, delegate, path)
        if inner is not None:
            text += "\n" + inner[1]
    return text


EXPRESSION_ARROW = re.compile(r"=>\s*(?!\s*\{)\S")


def _js_block_text(lines: list[str], line: int) -> str:
    """From `line` to the close of the first brace block opened there (at most 150 lines); an arrow function
    whose body is an expression (`exports.me = (req, res) => res.json(req.user);`) ends with its statement,
    never running on into the functions after it."""
    first = lines[line - 1] if 0 < line <= len(lines) else ""
    if EXPRESSION_ARROW.search(first):
        out = []
        for text in lines[line - 1:line + 20]:
            out.append(text)
            if text.rstrip().endswith(";") or not text.strip():
                break
        return "\n".join(out)
    return _balanced_lines(lines, line, "{", "}", 150)


def _balanced_lines(lines: list[str], line: int, opening: str, closing: str, limit: int) -> str:
    """The lines from `line` to the one that closes the first `opening` bracket (at most `limit` more)."""
    depth, out, started = 0, [], False
    for text in lines[line - 1:line + limit]:
        out.append(text)
        for ch in text:
            if ch == opening:
                depth, started = depth + 1, True
            elif ch == closing:
                depth -= 1
        if started and depth <= 0:
            break
    return "\n".join(out)


def _node_text(lines: list[str], node: ast.AST) -> str:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(lines[start - 1:node.end_lineno])


def _python_handler(repo: Repository, ep: Endpoint, whole_class: bool) -> str:
    tree = repo.python_ast(ep.file)
    if tree is None:
        return ""
    lines = repo.lines(ep.file)
    funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
    if "." in ep.handler:
        cls_name, method = ep.handler.rsplit(".", 1)
        for node in nodes_of(tree, ast.ClassDef):
            if node.name == cls_name.rsplit(".", 1)[-1]:
                for sub in node.body:
                    if isinstance(sub, funcs) and sub.name == method:
                        return _node_text(lines, sub)
                return _node_text(lines, node) if whole_class else ""
    best = None
    for node in nodes_of(tree, funcs):
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if start <= ep.line <= node.end_lineno and (best is None or node.lineno > best.lineno):
            best = node
    if best is None:
        short = ep.handler.rsplit(".", 1)[-1]
        best = next((n for n in nodes_of(tree, funcs) if n.name == short), None)
    return _node_text(lines, best) if best is not None else ""


def _js_call_text(lines: list[str], line: int) -> str:
    return _balanced_lines(lines, line, "(", ")", 120)


ROUTE_DECLARATION = re.compile(
    r"@\w+\.(route|get|post|put|patch|delete|api_route)\(|\burlpatterns\b|\b(app|router)\.(get|post|put|patch|"
    r"delete|use|all)\(\s*['\"`]|\bHandleFunc\(|\.(GET|POST|PUT|DELETE)\(\s*\"")


def route_file_count(repo: Repository) -> int:
    return sum(1 for p in repo.paths() if p.endswith((".py", ".js", ".ts", ".mjs", ".go"))
               and not TEST_FILE.search(p) and ROUTE_DECLARATION.search(repo.read_text(p) or ""))
