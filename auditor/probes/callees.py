"""The functions a Python handler calls, one level deep, when they are defined in the repository.

Items that judge what a handler *does* (creates a row, records an audit event, returns every row) read the
handler's text and the text of the functions it calls in the same module or in a repository module it
imports: `libposts.post(...)` after `import libposts`, `create_item(...)` after `from app.crud import
create_item`, `Student.create(...)` after `from sqli.dao.student import Student`. Nothing is executed; the
modules are parsed. One level only, and only names that resolve to one definition (no guessing between
homonyms).
"""
from __future__ import annotations

import ast
import posixpath
import re
import textwrap
from dataclasses import dataclass

from auditor.astwalk import nodes_of
from auditor.repo import Repository

FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _module_files(repo: Repository) -> dict[str, list[str]]:
    """dotted-name suffix -> python files, built once per repository (`a/b/c.py` answers c, b.c, a.b.c)."""
    index = repo.__dict__.get("_auditor_module_files")
    if index is None:
        index = {}
        for path in repo.paths("python"):
            parts = path[:-3].split("/") if path.endswith(".py") else []
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]
            for i in range(len(parts)):
                index.setdefault(".".join(parts[i:]), []).append(path)
        repo.__dict__["_auditor_module_files"] = index
    return index


def resolve_module(repo: Repository, importer: str, module: str, level: int = 0) -> str | None:
    """The repository file a module name means from `importer`, or None (a library, or ambiguous)."""
    if level:
        folder = posixpath.dirname(importer)
        for _ in range(level - 1):
            folder = posixpath.dirname(folder)
        base = posixpath.join(folder, *module.split(".")) if module else folder
        for candidate in (base + ".py", base + "/__init__.py"):
            if repo.exists(candidate):
                return candidate
        return None
    files = _module_files(repo).get(module, [])
    if len(files) == 1:
        return files[0]
    if len(files) > 1:   # the one nearest the importer (sharing the longest folder prefix)
        def shared(p: str) -> int:
            return len(posixpath.commonpath([p, importer])) if "/" in p and "/" in importer else 0
        ranked = sorted(files, key=shared, reverse=True)
        if shared(ranked[0]) > shared(ranked[1]):
            return ranked[0]
    return None


def _imports(repo: Repository, path: str, tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """local name -> (repository file, name inside it or None for the module itself)."""
    out: dict[str, tuple[str, str | None]] = {}
    for node in nodes_of(tree, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if "." in alias.name and not alias.asname:
                    continue   # `import a.b` is called as a.b.f(): not followed
                target = resolve_module(repo, path, alias.name)
                if target:
                    out[alias.asname or alias.name] = (target, None)
        else:
            for alias in node.names:
                local = alias.asname or alias.name
                sub = resolve_module(repo, path, f"{node.module}.{alias.name}" if node.module else alias.name, node.level)
                if sub:
                    out[local] = (sub, None)
                    continue
                target = resolve_module(repo, path, node.module or "", node.level)
                if target:
                    out[local] = (target, alias.name)
    return out


def _start(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """First line of a function with its decorators (`@template('index.html')` says what it answers)."""
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


def _definition(repo: Repository, path: str, dotted: str) -> str:
    """Source of `name` or `Class.method` (or a whole class, for `Class(...)`) defined at the top of `path`."""
    tree = repo.python_ast(path)
    if tree is None:
        return ""
    lines = repo.lines(path)
    head, _, rest = dotted.partition(".")
    for node in getattr(tree, "body", []):
        if isinstance(node, FUNCS) and node.name == head and not rest:
            return "\n".join(lines[_start(node) - 1:node.end_lineno])
        if isinstance(node, ast.ClassDef) and node.name == head:
            if not rest:
                return ""   # a constructor call says nothing about what the class does
            for sub in node.body:
                if isinstance(sub, FUNCS) and sub.name == rest:
                    return "\n".join(lines[_start(sub) - 1:sub.end_lineno])
    return ""


def called_sources(repo: Repository, path: str, source: str) -> list[tuple[str, str, str]]:
    """(file, callee name, source) of each repository function the handler text calls, one level deep."""
    tree = repo.python_ast(path)
    if tree is None or not source:
        return []
    try:
        handler = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return []
    imports = _imports(repo, path, tree) if isinstance(tree, ast.Module) else {}
    own = {n.name for n in getattr(tree, "body", []) if isinstance(n, (*FUNCS, ast.ClassDef))}
    defined_here = {n.name for n in nodes_of(handler, FUNCS)}
    seen: set[tuple[str, str]] = set()
    out = []
    for call in nodes_of(handler, ast.Call):
        func = call.func
        target: tuple[str, str] | None = None
        if isinstance(func, ast.Name) and func.id not in defined_here:
            if func.id in own:
                target = (path, func.id)
            elif func.id in imports and imports[func.id][1]:
                target = (imports[func.id][0], imports[func.id][1] or "")
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            base = func.value.id
            if base in imports:
                file, name = imports[base]
                target = (file, f"{name}.{func.attr}" if name else func.attr)
            elif base in own:
                target = (path, f"{base}.{func.attr}")
        if target and target not in seen:
            seen.add(target)
            text = _definition(repo, *target)
            if text:
                out.append((target[0], target[1], text))
    return out


def handler_with_callees(repo: Repository, path: str, source: str) -> str:
    """The handler text followed by the text of the repository functions it calls (one level)."""
    if not path.endswith(".py"):
        return source
    return "\n".join([source] + [text for _, _, text in called_sources(repo, path, source)])


def _defines(source: str, name: str) -> bool:
    return bool(re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(|^\s*class\s+{re.escape(name)}\b", source, re.M))


def handler_definition(repo: Repository, path: str, handler: str, found: str) -> tuple[str, str]:
    """(file, text) of the handler's own definition: `found` in `path`, or the function a route names in the
    module the route file imports (`views.students` in routes.py)."""
    short = handler.rsplit(".", 1)[-1]
    if not path.endswith(".py") or not short or _defines(found, short):
        return path, found
    tree = repo.python_ast(path)
    if not isinstance(tree, ast.Module):
        return path, found
    imports = _imports(repo, path, tree)
    head, _, rest = handler.partition(".")
    target: tuple[str, str] | None = None
    if rest and head in imports:
        file, name = imports[head]
        target = (file, f"{name}.{rest}" if name else rest)
    elif not rest and head in imports and imports[head][1]:
        target = (imports[head][0], imports[head][1] or "")
    text = _definition(repo, *target) if target else ""
    return (target[0], text) if target and text else (path, found)


def handler_text(repo: Repository, path: str, handler: str, found: str) -> str:
    """The handler's own text: `found` (what the inventory layer read at the route), unless the route names a
    handler defined elsewhere (`app.router.add_route('POST', '/x', views.students)` in routes.py), whose
    definition is then read from the module the route file imports, with its callees one level deep."""
    file, text = handler_definition(repo, path, handler, found)
    return handler_with_callees(repo, file, text)


# ---- JavaScript: `controller.create` in a route file, through require/import, one level into its callees ----

JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts")


def _js_resolve(repo: Repository, importer: str, spec: str) -> str | None:
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    for candidate in (base, *(base + e for e in JS_EXTENSIONS), *(base + "/index" + e for e in JS_EXTENSIONS)):
        if repo.exists(candidate) and candidate.endswith(JS_EXTENSIONS):
            return candidate
    return None


def _js_binding(repo: Repository, path: str, name: str, depth: int = 0) -> str | None:
    """The repository file a local name is bound to by require/import in `path` (through an index re-export)."""
    text = repo.read_text(path) or ""
    n = re.escape(name)
    patterns = (rf"\b{n}\s*=\s*require\(\s*['\"](\.[^'\"]+)['\"]",
                rf"\bimport\s+(?:\*\s+as\s+)?{n}\s+from\s+['\"](\.[^'\"]+)['\"]",
                rf"\b{n}\s*:\s*require\(\s*['\"](\.[^'\"]+)['\"]",
                rf"exports\.{n}\s*=\s*require\(\s*['\"](\.[^'\"]+)['\"]")
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            return _js_resolve(repo, path, m.group(1))
    m = re.search(rf"\{{[^}}]*\b{n}\b[^}}]*\}}\s*=\s*require\(\s*['\"](\.[^'\"]+)['\"]|"
                  rf"import\s*\{{[^}}]*\b{n}\b[^}}]*\}}\s*from\s*['\"](\.[^'\"]+)['\"]", text)
    if m and depth < 2:
        index = _js_resolve(repo, path, m.group(1) or m.group(2))
        if index:
            inner = _js_binding(repo, index, name, depth + 1)
            return inner or index
    return None


def _js_function_text(repo: Repository, path: str, name: str) -> str:
    """The block of `name`'s definition in `path` (exports.name =, const name =, function name(, name(...) {)."""
    text = repo.read_text(path) or ""
    n = re.escape(name)
    m = re.search(rf"exports\.{n}\s*=|\b(?:const|let|var)\s+{n}\s*=|\bfunction\s+{n}\s*\(|"
                  rf"^\s*(?:async\s+)?{n}\s*\([^)]*\)\s*[:{{]|\b{n}\s*:\s*(?:async\s+)?(?:function\b|\()", text, re.M)
    if not m:
        return ""
    lines = text.splitlines()
    start = text.count("\n", 0, m.start())
    depth, out, opened = 0, [], False
    for line in lines[start:start + 200]:
        out.append(line)
        for ch in line:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
        if opened and depth <= 0:
            break
    return "\n".join(out)


JS_MEMBER_CALL = re.compile(r"\b([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\s*\(")


JS_BARE_CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(")
JS_NOT_FUNCTIONS = frozenset({"if", "for", "while", "switch", "catch", "function", "return", "await", "typeof", "new",
                              "require", "import", "super", "Number", "String", "Boolean", "parseInt", "parseFloat",
                              "next", "res", "req", "Array", "Object", "Promise", "Date", "Error", "async"})


@dataclass(frozen=True)
class JsCallee:
    """A repository function a JavaScript handler calls: where it is, its text and the call's arguments."""
    file: str
    name: str
    text: str
    args: tuple[str, ...]


def js_called_functions(repo: Repository, path: str, body: str) -> list[JsCallee]:
    """The repository functions `body` (code of `path`) calls, one level: `getArticles(req.query)` after
    `import { getArticles } from './article.service'` (or a const destructured from require), a function of
    the same file, or `service.list(...)` after `import * as service` / `const service = require(...)`."""
    from auditor.endpoints.jsparse import matching_paren, split_args
    out: list[JsCallee] = []
    seen: set[tuple[str, str]] = set()
    for m in JS_BARE_CALL.finditer(body):
        name = m.group(1)
        member = re.search(r"([A-Za-z_$][\w$]*)\s*\.\s*$", body[max(0, m.start() - 60):m.start()])
        if name in JS_NOT_FUNCTIONS:
            continue
        close = matching_paren(body, m.end() - 1)
        args = tuple(split_args(body[m.end():close])) if close > 0 else ()
        file = _js_binding(repo, path, name)
        if file is None and re.search(rf"\bfunction\s+{re.escape(name)}\s*\(|\b(?:const|let)\s+{re.escape(name)}\s*=",
                                      repo.read_text(path) or ""):
            file = path
        if file is None or (file, name) in seen or member:
            continue
        seen.add((file, name))
        text = _js_function_text(repo, file, name)
        if text and text.strip() != body.strip():
            out.append(JsCallee(file, name, text, args))
    for m in JS_MEMBER_CALL.finditer(body):
        obj, name = m.group(1), m.group(2)
        if obj in ("res", "req", "next", "console", "JSON", "Object", "Promise", "this", "Math", "router", "app"):
            continue
        file = _js_binding(repo, path, obj)
        if file is None or (file, name) in seen:
            continue
        seen.add((file, name))
        close = matching_paren(body, m.end() - 1)
        text = _js_function_text(repo, file, name)
        if text:
            out.append(JsCallee(file, name, text, tuple(split_args(body[m.end():close])) if close > 0 else ()))
    return out


def js_handler_text(repo: Repository, path: str, handler: str, found: str) -> str:
    """The route text plus the named handler's body (`controller.create` resolved through require/import) and
    the bodies of the repository functions that body calls as `module.fn(...)`, one level. An inline handler
    (`router.get('/x', async (req, res) => { res.json(await listX(req.query)) })`) brings the functions it
    calls by an imported name."""
    if not path.endswith(JS_EXTENSIONS):
        return found
    if "." not in handler:
        return "\n".join([found] + [c.text for c in js_called_functions(repo, path, found)])
    obj, _, name = handler.rpartition(".")
    obj = obj.rsplit(".", 1)[-1]
    target = _js_binding(repo, path, obj)
    if target is None and NEST_MEMBER_CALL.search(found):
        return _injected_callees(repo, path, handler, found)
    body = _js_function_text(repo, target, name) if target else ""
    if not body:
        return found
    parts = [found, body]
    seen: set[tuple[str, str]] = set()
    for m in JS_MEMBER_CALL.finditer(body):
        key = (m.group(1), m.group(2))
        if key in seen or m.group(1) in ("res", "req", "next", "console", "JSON", "Object", "Promise", "this"):
            continue
        seen.add(key)
        file = _js_binding(repo, target or path, m.group(1)) if target else None
        if file:
            callee = _js_function_text(repo, file, m.group(2))
            if callee:
                parts.append(callee)
    return "\n".join(parts)


NEST_MEMBER_CALL = re.compile(r"\bthis\.([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\s*\(")


def _injected_callees(repo: Repository, path: str, handler: str, found: str) -> str:
    """A NestJS controller handler's text plus the methods it calls on injected services
    (`this.articleService.findAll(query)`, the service class found by the constructor parameter's type)."""
    from auditor.endpoints.nestjs import handler_with_services
    from auditor.model import Endpoint
    text = handler_with_services(repo, Endpoint("GET", "/", handler, path, 0, "nestjs"))
    return text or found


def endpoint_text(repo: Repository, path: str, handler: str, found: str) -> str:
    """What an endpoint's handler does, as text: its own source and its repository callees, one level."""
    if path.endswith(JS_EXTENSIONS):
        return js_handler_text(repo, path, handler, found)
    return handler_text(repo, path, handler, found)
