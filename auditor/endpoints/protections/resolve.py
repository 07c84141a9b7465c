"""From a decorator, dependency, hook or base-class expression to what it protects.

`protections_of(project, mod, expr)`: the expression as written in `mod` (`@authed_only`, `@ratelimit(limit=10)`,
`Depends(get_current_user)`, `@limiter.limit("5/minute")`) is resolved through the module's imports: to a
known library's entry (rules/protections.yml) or to its definition in the repository, whose body is read
for the guards it applies (functions it calls are followed two levels deep; a class's methods are read
together). Results are memoised on the project: one definition is read once per audit.
"""
from __future__ import annotations

import ast

from auditor.endpoints.common import where
from auditor.endpoints.protections.behaviour import AUTHENTICATION, AUTHORIZATION, Finding, classify_function, guards
from auditor.endpoints.protections.library import python_kinds
from auditor.endpoints.pyast import PyModule, PyProject, dotted

MAX_DEPTH = 2


def origin(project: PyProject, mod: PyModule, name: str) -> str:
    """The import path a dotted name stands for: `login_required` -> `flask_login.login_required`;
    `limiter.limit` with `limiter = Limiter(...)` -> `flask_limiter.Limiter#limit`."""
    head, _, rest = name.partition(".")
    if head in mod.imports:
        target = mod.imports[head]
        return f"{target}.{rest}" if rest else target
    if rest and "." not in rest:   # a method of an instance: limiter.limit, auth.login_required
        value = mod.assignments.get(head)
        where_mod = mod
        if value is None:
            hit = project.resolve(mod, head)
            if hit is not None and hit[1] and hit[0] is not mod:
                where_mod, value = hit[0], hit[0].assignments.get(hit[1])
        if isinstance(value, ast.Call):
            ctor = dotted(value.func) or ""
            ctor_origin = origin(project, where_mod, ctor) if ctor else ""
            if ctor_origin:
                return f"{ctor_origin}#{rest}"
    return name


def protections_of(project: PyProject | None, mod: PyModule, expr: ast.AST, depth: int = 0) -> list[Finding]:
    """What the decorator/dependency/base expression `expr` used in `mod` protects."""
    if project is None:
        return []
    node = expr.func if isinstance(expr, ast.Call) else expr
    name = dotted(node)
    if not name:
        return []
    memo = project.__dict__.setdefault("_auditor_protections", {})
    key = (mod.name, name, depth)
    if key in memo:
        return memo[key]
    memo[key] = []   # a definition that reaches itself protects nothing more
    full = origin(project, mod, name)
    found = [Finding(kind, f"{name}", full, "known library") for kind in python_kinds(full)]
    if not found:
        found = _from_definition(project, mod, name, depth)
    memo[key] = found
    return found


def _from_definition(project: PyProject, mod: PyModule, name: str, depth: int) -> list[Finding]:
    fn = project.resolve_function(mod, name)
    if fn is not None:
        def_mod, definition = fn
        return classify_function(definition, name, where(def_mod.path, definition.lineno),
                                 _follower(project, def_mod, depth))
    cls = project.resolve_class(mod, name)
    if cls is not None:
        def_mod, c = cls
        out: list[Finding] = []
        for base in c.bases:   # a class built on a known one: class MyLimiter(AnonRateThrottle)
            for f in protections_of(project, def_mod, base, depth + 1) if depth < MAX_DEPTH else []:
                out.append(Finding(f.kind, name, where(def_mod.path, c.lineno), f"built on {f.name}"))
        kinds = {f.kind for f in out}
        for f in classify_function(c, name, where(def_mod.path, c.lineno), _follower(project, def_mod, depth)):
            if f.kind not in kinds:
                kinds.add(f.kind)
                out.append(f)
        return out
    return []


def _follower(project: PyProject, mod: PyModule, depth: int):
    if depth >= MAX_DEPTH:
        return None

    def follow(call: ast.Call) -> list[Finding]:
        name = dotted(call.func)
        if not name or name.split(".")[0] in ("self", "request", "super"):
            return []
        return protections_of(project, mod, call.func, depth + 1)
    return follow


def delegated_protections(project: PyProject | None, mod: PyModule, fn: ast.AST) -> dict[str, str]:
    """kind -> how, for a view that only dispatches (`if request.method == "POST": return create(request)`,
    `return read(request)`): the protections every function it hands the request to applies, by their
    decorators. Empty unless each returned call is a repository function."""
    if project is None:
        return {}
    returned = [node.value for node in ast.walk(fn) if isinstance(node, ast.Return) and isinstance(node.value, ast.Call)]
    if not returned:
        return {}
    common: dict[str, str] | None = None
    for call in returned:
        name = dotted(call.func)
        found = project.resolve_function(mod, name) if name else None
        if found is None or found[1] is fn:
            return {}
        def_mod, target = found
        kinds = {f.kind: f"{name} is {f.text()}" for d in target.decorator_list for f in protections_of(project, def_mod, d)}
        # and the opening checks of its body (`if check.project_id != request.project.id: return HttpResponseForbidden()`)
        for kind, how in guards(target, top_level=True).items():
            if kind in (AUTHENTICATION, AUTHORIZATION):
                kinds.setdefault(kind, f"{name}, which checks: {how} ({where(def_mod.path, target.lineno)})")
        common = kinds if common is None else {k: v for k, v in common.items() if k in kinds}
        if not common:
            return {}
    return common or {}
