"""N+1 queries: a loop over ORM/SQL query results whose body lazily loads a relationship or runs a query
per row (heuristic, Python `ast`).

Django (`Model.objects.all()/filter()...`), SQLAlchemy (`session.query(X)...`, `Model.query...`,
`session.execute(select(X)).scalars()`, `session.scalars(select(X))`) and raw DB-API results
(`cursor.execute(...).fetchall()`). A relationship is known from the repository's model declarations
(Django ForeignKey/OneToOneField/ManyToManyField and related_name, SQLAlchemy relationship()/backref),
plus Django's `<model>_set` reverse managers and manager calls (`row.tags.all()`). Eager loading
(select_related, prefetch_related, joinedload, selectinload, subqueryload, contains_eager, and
relationships declared lazy="joined"/"selectin"/"subquery") makes the loop safe.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of, walk

EAGER_CALLS = {"select_related", "prefetch_related", "joinedload", "selectinload", "subqueryload",
               "contains_eager", "immediateload", "raiseload"}
DJANGO_FK_CALLS = {"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "TreeForeignKey"}
MANAGER_METHODS = {"all", "filter", "exclude", "count", "exists", "first", "last", "order_by", "values",
                   "values_list", "get", "aggregate", "annotate"}
NOT_ITERABLE_TERMINALS = {"get", "count", "exists", "first", "last", "aggregate", "one", "one_or_none",
                          "scalar", "scalar_one", "scalar_one_or_none", "fetchone", "get_or_404",
                          "first_or_404", "update", "delete", "create", "get_or_create", "update_or_create"}
EAGER_LAZY_VALUES = {"joined", "selectin", "subquery", "immediate"}


@dataclass
class Relations:
    """Relationship attribute names declared by the repository's models."""
    lazy: set[str] = field(default_factory=set)        # loading them triggers a query
    eager: set[str] = field(default_factory=set)       # declared eager: loading them is free
    declared_at: dict[str, str] = field(default_factory=dict)  # name -> "file:line"


@dataclass(frozen=True)
class Access:
    line: int
    what: str          # "post.author" or "query in loop: Comment.objects.filter"


@dataclass
class QueryLoop:
    file: str
    line: int
    variable: str
    source: str        # django, sqlalchemy, dbapi
    query_line: int
    eager: bool
    eager_paths: tuple[str, ...]
    accesses: list[Access] = field(default_factory=list)

    @property
    def n_plus_one(self) -> list[Access]:
        """The accesses that issue a query per row."""
        out = []
        for a in self.accesses:
            if a.what.startswith("query in loop"):
                out.append(a)
            elif not self.eager:
                out.append(a)
            elif self.eager_paths and not any(a.what.split(".", 1)[1].split(".")[0] == p.split("__")[0].split(".")[0]
                                              for p in self.eager_paths):
                out.append(a)
        return out


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def collect_relations(path: str, tree: ast.Module, into: Relations | None = None) -> Relations:
    """Add the relationship names this module's models declare."""
    rel = into if into is not None else Relations()
    for cls in nodes_of(tree, ast.ClassDef):
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                name, value = stmt.target.id, stmt.value
            else:
                continue
            if not isinstance(value, ast.Call):
                continue
            callee = _callee(value)
            where = f"{path}:{stmt.lineno}"
            if callee in DJANGO_FK_CALLS:
                rel.lazy.add(name)
                rel.declared_at.setdefault(name, where)
                related = _const_str(_kw(value, "related_name"))
                if related and related != "+":
                    rel.lazy.add(related)
                    rel.declared_at.setdefault(related, where)
            elif callee == "relationship":
                lazy = _const_str(_kw(value, "lazy"))
                (rel.eager if lazy in EAGER_LAZY_VALUES else rel.lazy).add(name)
                rel.declared_at.setdefault(name, where)
                backref = _kw(value, "backref")
                back_name = _const_str(backref) or (
                    _const_str(backref.args[0]) if isinstance(backref, ast.Call) and backref.args else None)
                if back_name:
                    rel.lazy.add(back_name)
                    rel.declared_at.setdefault(back_name, where)
                back_pop = _const_str(_kw(value, "back_populates"))
                if back_pop:
                    rel.declared_at.setdefault(back_pop, where)
    rel.lazy -= rel.eager
    return rel


def _chain_calls(expr: ast.AST) -> list[ast.Call]:
    return [n for n in walk(expr) if isinstance(n, ast.Call)]


def _chain_attrs(expr: ast.AST) -> set[str]:
    return {n.attr for n in walk(expr) if isinstance(n, ast.Attribute)}


def query_source(expr: ast.AST) -> str | None:
    """'django', 'sqlalchemy' or 'dbapi' when the expression evaluates to iterable query results."""
    if isinstance(expr, ast.Call) and _callee(expr) in NOT_ITERABLE_TERMINALS:
        return None
    calls = {_callee(c) for c in _chain_calls(expr)}
    attrs = _chain_attrs(expr)
    if "objects" in attrs and calls & (MANAGER_METHODS | {"select_related", "prefetch_related", "only", "defer",
                                                          "distinct", "iterator", "all"}):
        return "django"
    if "query" in calls or ("query" in attrs and calls & {"all", "filter", "filter_by", "order_by", "limit"}):
        return "sqlalchemy"
    if "select" in calls and calls & {"execute", "scalars"}:
        return "sqlalchemy"
    if calls & {"fetchall", "fetchmany"} or (isinstance(expr, ast.Call) and _callee(expr) == "execute"):
        return "dbapi"
    return None


def _eager_paths(expr: ast.AST) -> tuple[bool, tuple[str, ...]]:
    eager = False
    paths: list[str] = []
    for call in _chain_calls(expr):
        if _callee(call) in EAGER_CALLS:
            eager = True
            if not call.args:
                return True, ()   # select_related() with no arguments follows every foreign key
            for arg in call.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    paths.append(arg.value)
                elif isinstance(arg, ast.Attribute):
                    paths.append(arg.attr)
                elif isinstance(arg, ast.Call) and _callee(arg) == "Prefetch" and arg.args:
                    s = _const_str(arg.args[0])
                    if s:
                        paths.append(s)
                else:
                    return True, ()  # something we cannot read: assume it covers the access
    return eager, tuple(paths)


def _is_query_call(call: ast.Call) -> str | None:
    callee = _callee(call)
    attrs = _chain_attrs(call.func)
    if "objects" in attrs and callee in MANAGER_METHODS | NOT_ITERABLE_TERMINALS:
        return "objects." + callee
    if callee in ("query", "execute", "scalars", "scalar", "executemany") and isinstance(call.func, ast.Attribute):
        return callee
    if callee == "get" and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, (ast.Name, ast.Attribute)) \
            and (getattr(call.func.value, "id", "") or getattr(call.func.value, "attr", "")) in ("session", "db_session"):
        return "session.get"
    return None


class _FunctionScan(ast.NodeVisitor):
    def __init__(self, path: str, relations: Relations, lines: list[str]):
        self.path = path
        self.relations = relations
        self.lines = lines
        self.loops: list[QueryLoop] = []
        self.assigned: dict[str, ast.AST] = {}

    def _scan_function(self, node: ast.AST) -> None:
        saved = self.assigned
        self.assigned = {}
        self.generic_visit(node)
        self.assigned = saved

    visit_FunctionDef = visit_AsyncFunctionDef = _scan_function

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned[target.id] = node.value
        self.generic_visit(node)

    def _resolve(self, expr: ast.AST) -> ast.AST:
        if isinstance(expr, ast.Name) and expr.id in self.assigned:
            return self.assigned[expr.id]
        # qs.filter(...) on a name holding a queryset
        root = expr
        while isinstance(root, (ast.Call, ast.Attribute)):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name) and root.id in self.assigned and root is not expr:
            return ast.Tuple(elts=[self.assigned[root.id], expr], ctx=ast.Load())
        return expr

    def _loop(self, target: ast.AST, iter_: ast.AST, body: list[ast.AST], line: int) -> None:
        if not isinstance(target, ast.Name):
            return
        query = self._resolve(iter_)
        source = query_source(query)
        if source is None:
            return
        eager, paths = _eager_paths(query)
        loop = QueryLoop(self.path, line, target.id, source, getattr(iter_, "lineno", line), eager, paths)
        var = target.id
        seen: set[tuple[int, str]] = set()
        for stmt in body:
            for node in walk(stmt):
                access = None
                if source != "dbapi" and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                        and node.value.id == var:
                    if node.attr in self.relations.lazy or node.attr.endswith("_set"):
                        access = f"{var}.{node.attr}"
                if source != "dbapi" and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in MANAGER_METHODS and isinstance(node.func.value, ast.Attribute) \
                        and isinstance(node.func.value.value, ast.Name) and node.func.value.value.id == var \
                        and node.func.value.attr not in self.relations.eager:
                    access = f"{var}.{node.func.value.attr}.{node.func.attr}()"
                if isinstance(node, ast.Call):
                    q = _is_query_call(node)
                    if q:
                        access = f"query in loop: {ast.unparse(node.func)}"
                if access and (node.lineno, access.split("(")[0].split(".")[0:2].__str__()) not in seen:
                    seen.add((node.lineno, access.split("(")[0].split(".")[0:2].__str__()))
                    loop.accesses.append(Access(node.lineno, access))
        self.loops.append(loop)

    def visit_For(self, node: ast.For) -> None:
        self._loop(node.target, node.iter, node.body, node.lineno)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def _comprehension(self, node: ast.AST) -> None:
        gens = node.generators
        if len(gens) == 1:
            elts = [getattr(node, "elt", None), getattr(node, "key", None), getattr(node, "value", None)]
            self._loop(gens[0].target, gens[0].iter, [e for e in elts if e is not None] + gens[0].ifs, node.lineno)
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def query_loops(path: str, tree: ast.Module, relations: Relations, text: str = "") -> list[QueryLoop]:
    """Every loop over query results in the module, with the relationship accesses and queries inside."""
    scan = _FunctionScan(path, relations, text.splitlines())
    scan.visit(tree)
    return scan.loops


def eager_loading_uses(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, call name) of every eager-loading call: positive evidence of the practice."""
    return sorted((n.lineno, str(_callee(n))) for n in nodes_of(tree, ast.Call) if _callee(n) in EAGER_CALLS - {"raiseload"})
