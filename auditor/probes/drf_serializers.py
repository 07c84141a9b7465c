"""Django REST Framework list endpoints whose serializer follows relations of each row (N+1), read with `ast`.

A list endpoint serializes many rows: a generic list view (ListAPIView, ListCreateAPIView, ListModelMixin,
ModelViewSet, ReadOnlyModelViewSet) or any view code that calls a serializer with `many=True`. Its serializer
runs once per row, so each field that follows a relation of the row's model runs a query per row:
- a nested serializer (`author = ProfileSerializer()`), whose own fields are followed from there;
- a dotted `source=` through relations (`source="author.user.username"`);
- a related field over a many relation (`TagField(many=True, source="tags")`), or a many-to-many listed in a
  ModelSerializer's Meta.fields (DRF makes it a PrimaryKeyRelatedField(many=True)), or Meta.depth;
- a SerializerMethodField whose method reads a relation of the row (`obj.comments.count()`), queries
  (`Model.objects...`) or passes the row to a method that queries with it (`user.has_liked(obj)`).
A relation read as it is (attribute, `.all()`, `.count()`, `.exists()`) is served by the view's
select_related/prefetch_related (class `queryset`, `get_queryset`, or the query the rows come from); a
filtered relation (`obj.tags.filter(...)`), a query and a querying method run per row whatever is prefetched.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of, walk
from auditor.orm.django_relations import Relations
from auditor.pyast import const_str, dotted, kwarg, literal
from auditor.pyast import last_name_through_calls as last_name

LIST_VIEW_BASES = {"ListAPIView", "ListCreateAPIView", "ListModelMixin", "ModelViewSet", "ReadOnlyModelViewSet"}
SERIALIZER_BASES = {"Serializer", "ModelSerializer", "HyperlinkedModelSerializer"}
EAGER = {"select_related", "prefetch_related"}
# reading a relation these ways uses what prefetch_related/select_related loaded; other manager calls query
CACHED_READS = {"all", "count", "exists"}
# a single one reads the foreign key column (DRF's pk-only optimisation), no query
PK_ONLY = {"PrimaryKeyRelatedField", "HyperlinkedRelatedField"}


@dataclass(frozen=True)
class Traversal:
    """One relation followed per row: its path from the listed model (`author__user`), or a query that no
    eager loading serves (`path` is then where it happens)."""
    path: str
    file: str
    line: int
    what: str             # for people: `ArticleSerializer.author` nests ProfileSerializer
    always: bool = False  # a query per row whatever is loaded up front


@dataclass
class ListEndpoint:
    view: str
    file: str
    line: int
    serializer: str
    eager: tuple[str, ...] | None      # None: eager loading we cannot read, taken as covering everything
    traversals: list[Traversal] = field(default_factory=list)

    @property
    def per_row(self) -> list[Traversal]:
        return [t for t in self.traversals if t.always or not covered(t.path, self.eager)]


def covered(path: str, eager: tuple[str, ...] | None) -> bool:
    if eager is None:
        return True
    return any(e == path or e.startswith(path + "__") for e in eager)


@dataclass
class _Serializer:
    name: str
    file: str
    node: ast.ClassDef
    bases: list[str]


def _eager_paths(expr: ast.AST) -> tuple[str, ...] | None:
    """The relation paths select_related/prefetch_related calls in `expr` load; None when one cannot be read
    (a variable, select_related() with no argument)."""
    paths: list[str] = []
    for call in nodes_of(expr, ast.Call):
        if last_name(call.func) not in EAGER:
            continue
        if not call.args:
            return None
        for arg in call.args:
            text = const_str(arg)
            if text is None and isinstance(arg, ast.Call) and last_name(arg.func) == "Prefetch" and arg.args:
                text = const_str(arg.args[0])
            if text is None:
                return None
            paths.append(text)
    return tuple(paths)


def _merge(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    return None if a is None or b is None else a + b


class Reader:
    def __init__(self, modules: list[tuple[str, ast.Module]], relations: Relations, querying: set[str]):
        self.relations = relations
        self.querying = querying
        self.serializers: dict[str, _Serializer] = {}
        for rel, tree in modules:
            for cls in nodes_of(tree, ast.ClassDef):
                self.serializers.setdefault(cls.name, _Serializer(cls.name, rel, cls, [last_name(b) for b in cls.bases]))
        self.serializers = {n: s for n, s in self.serializers.items() if self._is_serializer(n, set())}

    def _is_serializer(self, name: str, seen: set[str]) -> bool:
        s = self.serializers.get(name)
        if s is None or name in seen:
            return False
        return any(b in SERIALIZER_BASES or self._is_serializer(b, seen | {name}) for b in s.bases)

    def _lineage(self, s: _Serializer) -> list[_Serializer]:
        out, todo = [], [s]
        while todo:
            cur = todo.pop(0)
            if cur in out:
                continue
            out.append(cur)
            todo += [self.serializers[b] for b in cur.bases if b in self.serializers]
        return out

    def _meta(self, s: _Serializer) -> dict[str, ast.expr]:
        meta: dict[str, ast.expr] = {}
        for cls in reversed(self._lineage(s)):
            for stmt in cls.node.body:
                if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
                    for m in stmt.body:
                        if isinstance(m, ast.Assign) and isinstance(m.targets[0], ast.Name):
                            meta[m.targets[0].id] = m.value
        return meta

    def _methods(self, s: _Serializer) -> dict[str, ast.FunctionDef]:
        out: dict[str, ast.FunctionDef] = {}
        for cls in reversed(self._lineage(s)):
            out.update({f.name: f for f in cls.node.body if isinstance(f, ast.FunctionDef)})
        return out

    def traversals(self, name: str, model: str | None = None, prefix: str = "", depth: int = 0) -> list[Traversal]:
        """The relations a serializer follows per object, as paths from the model it serializes."""
        s = self.serializers.get(name)
        if s is None or depth > 4:
            return []
        meta = self._meta(s)
        model = dotted(meta.get("model")).rsplit(".", 1)[-1] if meta.get("model") is not None else model
        rels = self.relations.get(model or "", {})
        out: list[Traversal] = []
        declared: set[str] = set()
        methods = self._methods(s)
        for cls in self._lineage(s):
            for stmt in cls.node.body:
                if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
                        and isinstance(stmt.value, ast.Call)):
                    continue
                attr, call = stmt.targets[0].id, stmt.value
                if attr in declared:
                    continue
                declared.add(attr)
                out += self._field(s, attr, call, rels, prefix, methods, depth)
        fields = literal(meta.get("fields"))
        if isinstance(fields, (list, tuple)):
            for f in fields:
                r = rels.get(f) if isinstance(f, str) and f not in declared else None
                if r is not None and r.many:
                    out.append(Traversal(prefix + f, s.file, meta["fields"].lineno,
                                         f"{name}.Meta.fields lists the many relation `{f}` (ids read per row)"))
        depth_value = literal(meta.get("depth"))
        if isinstance(depth_value, int) and depth_value > 0 and isinstance(fields, (list, tuple)):
            for f in fields:
                r = rels.get(f) if isinstance(f, str) and f not in declared else None
                if r is not None and not r.many:
                    out.append(Traversal(prefix + f, s.file, meta["depth"].lineno,
                                         f"{name}.Meta.depth nests the relation `{f}`"))
        return out

    def _field(self, s: _Serializer, attr: str, call: ast.Call, rels: dict, prefix: str,
               methods: dict[str, ast.FunctionDef], depth: int) -> list[Traversal]:
        kind = last_name(call.func)
        source = const_str(kwarg(call, "source")) or attr
        where = f"`{s.name}.{attr}`"
        if kind == "SerializerMethodField":
            method = const_str(kwarg(call, "method_name")) or (const_str(call.args[0]) if call.args else None)
            fn = methods.get(method or f"get_{attr}")
            return self._method(s, fn, rels, prefix, where) if fn is not None else []
        if source == "*":
            return []
        parts = source.split(".")
        out: list[Traversal] = []
        path, cur_rels = prefix, rels
        for i, part in enumerate(parts):
            r = cur_rels.get(part)
            if r is None:
                break
            if i == len(parts) - 1:
                if kind in self.serializers:       # a nested serializer over the relation
                    out.append(Traversal(path + part, s.file, call.lineno, f"{where} nests {kind}"))
                    out += self.traversals(kind, r.target, path + part + "__", depth + 1)
                elif r.many or kind not in PK_ONLY:
                    out.append(Traversal(path + part, s.file, call.lineno, f"{where} reads `{source}`"))
                break
            out.append(Traversal(path + part, s.file, call.lineno, f"{where} reads `{source}`"))
            path, cur_rels = path + part + "__", self.relations.get(r.target, {})
        return out

    def _method(self, s: _Serializer, fn: ast.FunctionDef, rels: dict, prefix: str, where: str) -> list[Traversal]:
        params = [a.arg for a in fn.args.args]
        if len(params) < 2:
            return []
        row = params[1]
        aliases = {row} | {t.id for a in nodes_of(fn, ast.Assign) if isinstance(a.value, ast.Name) and a.value.id == row
                           for t in a.targets if isinstance(t, ast.Name)}
        out: list[Traversal] = []
        seen: set[tuple[int, str]] = set()

        def add(t: Traversal) -> None:
            if (t.line, t.path) not in seen:
                seen.add((t.line, t.path))
                out.append(t)
        for node in walk(fn):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == row \
                    and node.attr in rels:
                add(Traversal(prefix + node.attr, s.file, node.lineno, f"{where} ({fn.name}) reads `{row}.{node.attr}`"))
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            callee = node.func.attr
            base = node.func.value
            if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id == row \
                    and base.attr in rels and callee not in CACHED_READS:
                add(Traversal(f"{s.file}:{node.lineno}", s.file, node.lineno,
                              f"{where} ({fn.name}) runs `{row}.{base.attr}.{callee}()`", always=True))
            elif "objects" in (dotted(base) or "").split("."):
                add(Traversal(f"{s.file}:{node.lineno}", s.file, node.lineno,
                              f"{where} ({fn.name}) runs `{ast.unparse(node.func)}()`", always=True))
            elif callee in self.querying and _passes(node, aliases):
                add(Traversal(f"{s.file}:{node.lineno}", s.file, node.lineno,
                              f"{where} ({fn.name}) calls `{callee}()` with the row, which queries", always=True))
        return out


def _passes(call: ast.Call, row: set[str]) -> bool:
    """The row (or a name bound to it) is an argument of the call, or the object the method is called on."""
    values = list(call.args) + [k.value for k in call.keywords]
    if isinstance(call.func, ast.Attribute):
        values.append(call.func.value)
    return any(isinstance(n, ast.Name) and n.id in row for v in values for n in walk(v))


def _class_attr(cls: ast.ClassDef, name: str) -> ast.expr | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return stmt.value
    return None


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    return next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == name), None)


def list_endpoints(modules: list[tuple[str, ast.Module]], relations: Relations,
                   querying: set[str]) -> list[ListEndpoint]:
    """Every DRF list endpoint with the relations its serializer follows per row and what the view loads."""
    reader = Reader(modules, relations, querying)
    if not reader.serializers:
        return []
    classes = {cls.name: cls for _, tree in modules for cls in nodes_of(tree, ast.ClassDef)}
    out: list[ListEndpoint] = []
    for rel, tree in modules:
        # a module without a `many=True` call has none in any of its classes: their subtrees need no walk
        many = any(literal(kwarg(c, "many")) is True for c in nodes_of(tree, ast.Call) if c.keywords)
        for cls in nodes_of(tree, ast.ClassDef):
            if cls.name in reader.serializers:
                continue
            out += _class_endpoints(rel, cls, classes, reader, many)
    return out


def _bases(cls: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int = 0) -> set[str]:
    names = {last_name(b) for b in cls.bases}
    if depth < 5:
        for n in list(names):
            if n in classes and classes[n] is not cls:
                names |= _bases(classes[n], classes, depth + 1)
    return names


def _view_eager(cls: ast.ClassDef) -> tuple[str, ...] | None:
    """What the view's queryset loads up front: `get_queryset` when defined (with the class queryset when it
    starts from it), else the class `queryset`."""
    attr = _class_attr(cls, "queryset")
    get = _method(cls, "get_queryset")
    from_attr = _eager_paths(attr) if attr is not None else ()
    if get is None:
        return from_attr
    own = _eager_paths(get)
    uses_attr = any(isinstance(n, ast.Attribute) and n.attr == "queryset" for n in walk(get)) or any(
        isinstance(n, ast.Call) and dotted(n.func) == "super" for n in walk(get))
    return _merge(own, from_attr) if uses_attr else own


def _class_endpoints(rel: str, cls: ast.ClassDef, classes: dict[str, ast.ClassDef], reader: Reader,
                     many: bool = True) -> list[ListEndpoint]:
    attr = _class_attr(cls, "serializer_class")
    default = last_name(attr) if attr is not None else None
    get_class = _method(cls, "get_serializer_class")
    candidates = [default] if default in reader.serializers else []
    if get_class is not None:
        candidates += [last_name(r.value) for r in nodes_of(get_class, ast.Return)
                       if r.value is not None and last_name(r.value) in reader.serializers]
    eager = _view_eager(cls)
    out: list[ListEndpoint] = []
    many_calls = [c for c in nodes_of(cls, ast.Call) if literal(kwarg(c, "many")) is True] if many else []
    for call in many_calls:
        callee = last_name(call.func)
        name = callee if callee in reader.serializers else (
            candidates[0] if candidates and callee in ("serializer_class", "get_serializer") else None)
        if name is None:
            continue
        fn = next((f for f in nodes_of(cls, ast.FunctionDef) if f.lineno <= call.lineno <= (f.end_lineno or 0)), None)
        from_query, rows_eager = _rows_eager(fn, call) if fn is not None else (False, ())
        out.append(ListEndpoint(f"{cls.name}.{fn.name if fn else 'list'}", rel, fn.lineno if fn else cls.lineno,
                                name, rows_eager if from_query else eager, reader.traversals(name)))
    generic = _bases(cls, classes) & LIST_VIEW_BASES
    if generic and candidates and not any(e.view.endswith(".list") for e in out):
        fn = _method(cls, "list")
        if fn is None or not many_calls:
            out.append(ListEndpoint(f"{cls.name}.list", rel, cls.lineno, candidates[0], eager,
                                    reader.traversals(candidates[0])))
    return [e for e in out if e.traversals]


def _rows_eager(fn: ast.FunctionDef, call: ast.Call) -> tuple[bool, tuple[str, ...] | None]:
    """(the rows passed to the serializer come from a query written in the function, what that query loads
    up front)."""
    rows = call.args[0] if call.args else kwarg(call, "instance")
    if isinstance(rows, ast.Name):
        name = rows.id
        for stmt in nodes_of(fn, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets) and stmt.lineno < call.lineno:
                rows = stmt.value
    if rows is None or "objects" not in {n.attr for n in walk(rows) if isinstance(n, ast.Attribute)}:
        return False, ()
    return True, _eager_paths(rows)
