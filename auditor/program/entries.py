"""Which functions the framework calls: the route handlers of the endpoint inventory, matched to the
program's functions by file and name (a class-based view's handler methods for a class), and the Flask hooks
that run on a request and may answer it (error handlers, before-request functions), and the resolvers of
the GraphQL operations the inventory lists (graphene, strawberry, ariadne): their arguments are the client's."""
from __future__ import annotations

import ast

from auditor.astwalk import nodes_of
from auditor.model import Endpoint
from auditor.program.graph import Program
from auditor.program.symbols import FunctionInfo
from auditor.pyast import dotted

# methods of a class-based view (Django, DRF, Flask MethodView, aiohttp View) that serve requests
VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "list",
                          "create", "retrieve", "update", "partial_update", "destroy", "get_queryset",
                          "get_object", "perform_create", "perform_update", "perform_destroy", "form_valid",
                          "get_context_data"})
# Flask/Quart hooks whose return value is the response: `@app.errorhandler(404)`, `@bp.before_request`, and
# functions given to `app.register_error_handler(code, fn)`. Their parameters (an exception) are not request
# data, so they are entries of their own framework name, outside `handler_parameters`.
HOOK_DECORATORS = frozenset({"errorhandler", "app_errorhandler", "before_request", "before_app_request"})
HOOK_REGISTRARS = frozenset({"register_error_handler"})
HOOK = "flask-hook"
GRAPHQL = "graphql"


# graphene: a mutation's `mutate` and an object type's `resolve_<field>` answer a GraphQL request; their
# parameters after `info` are the operation's arguments
GRAPHENE_BASES = frozenset({"Mutation", "ClientIDMutation", "ObjectType"})
GRAPHENE = "graphene"


def mark_entries(program: Program, endpoints: list[Endpoint]) -> None:
    _mark_routes(program, endpoints)
    _mark_hooks(program)
    _mark_graphene(program)


def _mark_graphene(program: Program) -> None:
    for fn in program.functions.values():
        if fn.cls is None or not (fn.name in ("mutate", "mutate_and_get_payload") or fn.name.startswith("resolve_")):
            continue
        bases = {(dotted(b) or "").rsplit(".", 1)[-1] for b in fn.cls.node.bases}
        if bases & GRAPHENE_BASES:
            program.entries.setdefault(fn.id, GRAPHENE)


def _mark_hooks(program: Program) -> None:
    for fn in program.functions.values():
        for deco in fn.node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(target, ast.Attribute) and target.attr in HOOK_DECORATORS:
                program.entries.setdefault(fn.id, HOOK)
    for rel, module in program.modules.items():
        for node in nodes_of(module.tree, ast.Call):
            if (isinstance(node.func, ast.Attribute)
                    and node.func.attr in HOOK_REGISTRARS and len(node.args) == 2):
                sym = program.resolve_expr(rel, node.args[1]) if isinstance(node.args[1], (ast.Name, ast.Attribute)) else None
                if sym is not None and sym.function is not None:
                    program.entries.setdefault(sym.function.id, HOOK)


def _mark_routes(program: Program, endpoints: list[Endpoint]) -> None:
    by_file: dict[str, list[FunctionInfo]] = {}
    by_name: dict[str, list[FunctionInfo]] = {}
    for fn in program.functions.values():
        by_file.setdefault(fn.rel, []).append(fn)
        if fn.cls is None and fn.parent is None:
            by_name.setdefault(fn.name, []).append(fn)
    for ep in endpoints:
        if not ep.handler:
            continue
        if ep.framework == GRAPHQL:
            resolver = _graphql_resolver(program, by_file.get(ep.file) or [], ep)
            if resolver is not None:
                program.entries.setdefault(resolver.id, GRAPHQL)
            continue
        handler = ep.handler.split(":")[-1]
        name = handler.split(".")[-1]
        candidates = by_file.get(ep.file) or []
        named = [f for f in candidates if f.name == name and (handler == name or f.qualname.endswith(handler))]
        if not named and not any(f.name == name for f in candidates) and len(by_name.get(name, [])) == 1:
            # a route table (`router.add_get("/", views.index)`) names a handler defined in another module: the
            # one module-level function of that name
            named = by_name[name]
        if named:
            best = min(named, key=lambda f: abs(f.line - ep.line))
            program.entries.setdefault(best.id, ep.framework)
            continue
        methods = [f for f in candidates if f.cls is not None and f.cls.name.split(".")[-1] == name
                   and f.name in VIEW_METHODS]
        for f in methods:
            program.entries.setdefault(f.id, ep.framework)


def _graphql_resolver(program: Program, candidates: list[FunctionInfo], ep: Endpoint) -> FunctionInfo | None:
    """The function that answers a GraphQL operation (handler `Query.<field>` / `Mutation.<field>`, declared at
    ep.line): the resolver defined there (strawberry `@strawberry.field`, ariadne `@query.field("x")`), the
    root type's `resolve_<field>` method (graphene), or the `mutate` method of the mutation class mounted
    there (graphene `field = SomeMutation.Field()`)."""
    if not ep.file.endswith(".py"):
        return None
    at_line = [f for f in candidates if f.line == ep.line]
    if at_line:
        return at_line[0]
    field = ep.handler.split(".")[-1]
    module = program.modules.get(ep.file)
    classes = list(module.classes.values()) if module is not None else []
    classes += [f.cls for f in candidates if f.cls is not None and f.cls not in classes]
    for cls in classes:
        if not cls.node.lineno <= ep.line <= (cls.node.end_lineno or 0):
            continue
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and stmt.lineno == ep.line and isinstance(stmt.value, ast.Call) \
                    and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "Field":
                mounted = program.resolve_expr(ep.file, stmt.value.func.value)
                if mounted is not None and mounted.kind == "class" and mounted.cls is not None:
                    return program.method(mounted.cls, "mutate")
        resolver = program.method(cls, f"resolve_{field}")
        if resolver is not None:
            return resolver
    return None
