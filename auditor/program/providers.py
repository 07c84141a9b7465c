"""Values a framework builds and hands to a function: which of our classes a parameter holds when its default
asks for it rather than the caller passing it.

- dependency-injector: `svc: UserUseCase = Depends(Provide[Container.user_service])` (or `Provide[...]`
  alone, `Closing[Provide[...]]`) holds what the provider declared in a DeclarativeContainer builds:
  `user_service = providers.Factory(UserService, repository=...)` (Singleton, Resource, ... alike; a
  provider that calls one of our functions builds what that function returns; `providers.Container(Sub)`
  reaches the sub-container's providers).
- FastAPI: `Depends(get_service)` holds what `get_service` returns (its return annotation, or the class it
  instantiates in a `return`/`yield`); `Depends(Service)` an instance of `Service`; `Annotated[T,
  Depends(...)]` likewise.

The class found is the one the framework builds, which may be a subclass of the annotation (a port's
implementation): calls on the parameter then run the implementation's methods."""
from __future__ import annotations

import ast

from auditor.program.graph import Program, dotted
from auditor.program.symbols import ClassInfo, FunctionInfo

# providers whose first argument is what they build (a class, or a function whose result they provide)
BUILDING_PROVIDERS = frozenset({
    "Factory", "Singleton", "ThreadSafeSingleton", "ThreadLocalSingleton", "ContextLocalSingleton",
    "DelegatedFactory", "DelegatedSingleton", "Resource", "Callable", "Coroutine", "DelegatedCallable",
})
MAX_HOPS = 6


def _last(node: ast.expr) -> str:
    return dotted(node).removesuffix("()").rsplit(".", 1)[-1]


def provided_class(program: Program, rel: str, default: ast.expr | None, annotation: ast.expr | None = None) -> ClassInfo | None:
    """The class of ours a parameter holds, given its default (and its annotation, for `Annotated[...]`),
    when a dependency-injection framework provides it; None otherwise."""
    if default is not None:
        found = _dependency(program, rel, default, 0)
        if found is not None:
            return found
    if isinstance(annotation, ast.Subscript) and _last(annotation.value) == "Annotated" \
            and isinstance(annotation.slice, ast.Tuple):
        for meta in annotation.slice.elts[1:]:
            found = _dependency(program, rel, meta, 0)
            if found is not None:
                return found
    return None


def _dependency(program: Program, rel: str, node: ast.expr, hops: int) -> ClassInfo | None:
    if hops > MAX_HOPS:
        return None
    if isinstance(node, ast.Call) and _last(node.func) in ("Depends", "Security"):
        target = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dependency"), None)
        if target is None:
            return None
        if isinstance(target, ast.Subscript):
            return _dependency(program, rel, target, hops + 1)
        return _built_by(program, rel, target, hops + 1)
    if isinstance(node, ast.Subscript) and _last(node.value) in ("Provide", "Closing"):
        inner = node.slice
        if _last(node.value) == "Closing":
            return _dependency(program, rel, inner, hops + 1)
        return _provider(program, rel, inner, hops + 1)
    return None


def _built_by(program: Program, rel: str, target: ast.expr, hops: int) -> ClassInfo | None:
    """What calling `target` (a FastAPI dependency) gives: an instance of the class, or what the function returns."""
    sym = program.resolve_expr(rel, target)
    if sym is None:
        return None
    if sym.kind == "class" and sym.cls is not None:
        return sym.cls
    if sym.kind == "function" and sym.function is not None:
        return returned_class(program, sym.function, hops + 1)
    return None


def returned_class(program: Program, fn: FunctionInfo, hops: int = 0) -> ClassInfo | None:
    """The class of ours `fn` returns: its return annotation, or `return Cls(...)` / `yield Cls(...)`."""
    if hops > MAX_HOPS:
        return None
    ann = fn.node.returns
    if isinstance(ann, (ast.Name, ast.Attribute)):
        sym = program.resolve_expr(fn.rel, ann)
        if sym is not None and sym.kind == "class" and sym.cls is not None:
            return sym.cls
    for node in ast.walk(fn.node):
        if isinstance(node, (ast.Return, ast.Yield)) and isinstance(node.value, ast.Call):
            cls = program.class_of_call(fn.rel, node.value, program.nested(fn))
            if cls is not None:
                return cls
    return None


def _provider(program: Program, rel: str, node: ast.expr, hops: int) -> ClassInfo | None:
    """`Container.user_service` (or `Container.sub.user_service`): the class that provider builds."""
    if not isinstance(node, ast.Attribute) or hops > MAX_HOPS:
        return None
    container = _container(program, rel, node.value, hops + 1)
    if container is None:
        return None
    value = _provider_value(program, container, node.attr)
    if value is None:
        return None
    return _provided_by(program, container, value, hops + 1)


def _container(program: Program, rel: str, node: ast.expr, hops: int) -> ClassInfo | None:
    """The container class `node` names: one of our classes, or a `providers.Container(Sub)` of one."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        sym = program.resolve_expr(rel, node)
        if sym is not None and sym.kind == "class" and sym.cls is not None:
            return sym.cls
    if isinstance(node, ast.Attribute) and hops <= MAX_HOPS:
        outer = _container(program, rel, node.value, hops + 1)
        value = _provider_value(program, outer, node.attr) if outer is not None else None
        if isinstance(value, ast.Call) and _last(value.func) in ("Container", "DependenciesContainer") and value.args:
            return _container(program, outer.rel, value.args[0], hops + 1) if outer is not None else None
    return None


def _provider_value(program: Program, container: ClassInfo, name: str, depth: int = 0) -> ast.expr | None:
    """The expression `name = ...` is given in the container's body (or an inherited container's)."""
    for stmt in container.node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return stmt.value
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            return stmt.value
    if depth < MAX_HOPS:
        for base in program.bases(container):
            found = _provider_value(program, base, name, depth + 1)
            if found is not None:
                return found
    return None


def _provided_by(program: Program, container: ClassInfo, value: ast.expr, hops: int) -> ClassInfo | None:
    if hops > MAX_HOPS:
        return None
    if isinstance(value, ast.Name):   # another provider of the same container
        other = _provider_value(program, container, value.id)
        return _provided_by(program, container, other, hops + 1) if other is not None else None
    if not isinstance(value, ast.Call) or _last(value.func) not in BUILDING_PROVIDERS or not value.args:
        return None
    built = value.args[0]
    if isinstance(built, ast.Name) and _provider_value(program, container, built.id) is not None:
        return _provided_by(program, container, built, hops + 1)
    return _built_by(program, container.rel, built, hops + 1)
