"""Rate limiting the application writes itself: the request is refused when a function that counts attempts
per key says no.

A *counter limiter* is a repository function that changes a stored count (`bucket.tokens -= 1 / capacity`,
`attempts += 1`, `cache.incr(key)`), compares a count with a bound, and answers with a boolean or an
exception: a token bucket, an attempts table, a cache counter. A function that only returns what a counter
limiter returns (`return TokenBucket.authorize(f"login-{email}", 10, 3600)`) is one too.

A handler is rate limited by such a function when a guard refuses the request on its answer
(`if not TokenBucket.authorize_login(email): raise ValidationError(...)`): in the handler itself, in the
`clean*`/`validate*` methods of a form or serializer the handler builds (the framework calls them when the
handler validates it), or in a repository function the handler calls. What refuses does not matter: a 429, a
form error or a redirect all stop the attempt.
"""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of, walk
from auditor.endpoints.common import where
from auditor.endpoints.pyast import PyModule, PyProject, class_method, dotted

COUNTER_CALLS = frozenset({"incr", "increment", "incrby", "incr_by", "decr", "decrement", "hincrby", "zincrby"})
BOUNDS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
# methods a form or serializer framework calls when the handler validates it
VALIDATION_METHODS = ("clean", "validate")
VALIDATING_CALLS = frozenset({"is_valid", "validate", "validate_on_submit", "full_clean", "errors"})
MAX_DEPTH = 3

Definition = tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef]


def _stored_names(fn: ast.AST) -> set[str]:
    """Local names whose value leaves the function: passed to a call (`cache.set(key, attempts)`) or written
    to an attribute or item (`row.count = attempts`)."""
    out: set[str] = set()
    for node in walk(fn):
        if isinstance(node, ast.Call):
            out.update(a.id for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.Name))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and \
                any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets):
            out.add(node.value.id)
    return out


def _counted(fn: ast.AST) -> set[str]:
    """The stored counts a function changes, as source text (`obj.tokens`, `attempts`, `cache.incr(key)`). A
    local name counts only when its value is stored: a count that lives and dies in the call limits nothing."""
    out: set[str] = set()
    stored = _stored_names(fn)
    for node in walk(fn):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)) and \
                (not isinstance(node.target, ast.Name) or node.target.id in stored):
            out.add(ast.unparse(node.target))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in COUNTER_CALLS:
            out.add(ast.unparse(node))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Attribute) and node.value.func.attr in COUNTER_CALLS:
            out.update(ast.unparse(t) for t in node.targets)    # `hits = cache.incr(key)`: hits is the count
    return out


def _answers(block: list[ast.stmt]) -> bool:
    """The branch ends the function with a yes/no: `return False`, `return True`, or an exception."""
    for stmt in block:
        if isinstance(stmt, ast.Raise):
            return True
        if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, bool):
            return True
    return False


def counts_and_bounds(fn: ast.AST) -> str | None:
    """How `fn` counts and refuses (`obj.tokens < 0`), or None when it is not a counter limiter."""
    counted = _counted(fn)
    if not counted:
        return None
    for node in walk(fn):
        test = node.test if isinstance(node, ast.If) else node.value if isinstance(node, ast.Return) else None
        if test is None:
            continue
        for cmp in nodes_of(test, ast.Compare):
            if not any(isinstance(op, BOUNDS) for op in cmp.ops):
                continue
            text = ast.unparse(cmp)
            compared = {ast.unparse(n) for n in walk(cmp) if isinstance(n, (ast.Name, ast.Attribute, ast.Subscript))}
            if not compared & counted:
                continue
            if isinstance(node, ast.Return) or _answers(node.body) or _answers(node.orelse):
                return f"counts `{sorted(counted)[0][:40]}` and refuses when `{text[:50]}`"
    return None


def _resolve(project: PyProject, mod: PyModule, call: ast.Call, cls: ast.ClassDef | None) -> Definition | None:
    """The repository definition a call runs: a function, `Class.method`, or `self.`/`cls.` method of `cls`."""
    name = dotted(call.func)
    if not name:
        return None
    head, _, attr = name.rpartition(".")
    if head in ("self", "cls") and cls is not None:
        hit = class_method(project, mod, cls, attr)
        return (hit[0], hit[2]) if hit is not None else None
    found = project.resolve_function(mod, name)
    if found is not None:
        return found
    if head:
        owner = project.resolve_class(mod, head)
        if owner is not None:
            hit = class_method(project, owner[0], owner[1], attr)
            return (hit[0], hit[2]) if hit is not None else None
    return None


def _enclosing_class(mod: PyModule, fn: ast.AST) -> ast.ClassDef | None:
    for c in nodes_of(mod.tree, ast.ClassDef):
        if any(item is fn for item in c.body):
            return c
    return None


def limiter(project: PyProject, mod: PyModule, call: ast.Call, cls: ast.ClassDef | None,
            depth: int = 0) -> str | None:
    """`name (how; defined at file:line)` when the call runs a counter limiter, directly or through functions
    that return its answer."""
    memo = project.__dict__.setdefault("_auditor_counter_limiters", {})
    found = _resolve(project, mod, call, cls)
    if found is None:
        return None
    def_mod, fn = found
    key = (def_mod.name, fn.name, fn.lineno)
    if key in memo:
        return memo[key]
    memo[key] = None    # recursion protects nothing
    how = counts_and_bounds(fn)
    text = None
    if how:
        text = f"{dotted(call.func)} ({how}; defined at {where(def_mod.path, fn.lineno)})"
    elif depth < MAX_DEPTH:
        owner = _enclosing_class(def_mod, fn)
        for ret in nodes_of(fn, ast.Return):
            if isinstance(ret.value, ast.Call):
                inner = limiter(project, def_mod, ret.value, owner, depth + 1)
                if inner:
                    text = f"{dotted(call.func)} (returns {inner})"
                    break
    memo[key] = text
    return text


def _refuses(block: list[ast.stmt]) -> bool:
    """The branch stops the request: it raises, aborts or returns (a response, an error, False)."""
    for stmt in block:
        if isinstance(stmt, (ast.Raise, ast.Return)):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
                (dotted(stmt.value.func) or "").rsplit(".", 1)[-1] in ("abort", "add_error"):
            return True
    return False


def _guarded_calls(fn: ast.AST) -> list[ast.Call]:
    """Calls whose answer decides a refusal: `if not limiter(...)`, `if limiter(...) is False`, and
    `ok = limiter(...)` followed by `if not ok`."""
    assigned: dict[str, ast.Call] = {}
    for node in nodes_of(fn, ast.Assign):
        if isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
    out: list[ast.Call] = []
    for node in nodes_of(fn, ast.If):
        negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
        core = node.test.operand if negated else node.test
        if isinstance(core, ast.Compare) and len(core.ops) == 1 and isinstance(core.ops[0], (ast.Is, ast.Eq)) and \
                isinstance(core.comparators[0], ast.Constant) and core.comparators[0].value is False:
            core, negated = core.left, True
        if isinstance(core, ast.Name) and core.id in assigned:
            core = assigned[core.id]
        if isinstance(core, ast.Call) and _refuses(node.body if negated else node.orelse):
            out.append(core)
    return out


def _validators(project: PyProject, mod: PyModule, fn: ast.AST) -> list[Definition]:
    """The clean*/validate* methods of the forms and serializers the handler builds and validates."""
    calls = list(nodes_of(fn, ast.Call))
    if not any(isinstance(c.func, ast.Attribute) and c.func.attr in VALIDATING_CALLS for c in calls) and \
            not any(isinstance(a, ast.Attribute) and a.attr in VALIDATING_CALLS for a in nodes_of(fn, ast.Attribute)):
        return []
    out: list[Definition] = []
    for call in calls:
        name = dotted(call.func)
        if not name or not name.rsplit(".", 1)[-1][:1].isupper():
            continue
        owner = project.resolve_class(mod, name)
        if owner is None:
            continue
        owner_mod, cls = owner
        for item in cls.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith(VALIDATION_METHODS):
                out.append((owner_mod, item))
    return out


def counter_limit(project: PyProject | None, mod: PyModule, fn: ast.AST | None) -> str | None:
    """How the handler `fn` (defined in `mod`) is rate limited by a counter limiter, or None."""
    if project is None or fn is None:
        return None
    places: list[tuple[PyModule, ast.AST, str]] = [(mod, fn, "the handler")]
    places += [(m, v, f"{v.name} of the form it validates") for m, v in _validators(project, mod, fn)]
    for place_mod, body, label in places:
        cls = _enclosing_class(place_mod, body) if body is not fn else None
        for call in _guarded_calls(body):
            found = limiter(project, place_mod, call, cls)
            if found:
                line = getattr(call, "lineno", None)
                return f"{label} refuses the request on {found} at {where(place_mod.path, line)}"
    return None
