"""Marshmallow list responses whose schema dumps a lazy relationship of each row (N+1), read with `ast`.

A handler that returns query results through a schema declared `many=True` (`@marshal_with(items_schema)`,
`items_schema.dump(rows)`, `ItemSchema(many=True).dump(rows)`, `schema.dump(rows, many=True)`) serialises each
row; every field of the schema (its own or a base schema's of ours) named like a relationship the models
declare lazily (`author = fields.Nested(ProfileSchema)`, `tags = fields.List(...)`, or `attribute="author"`)
loads it with one query per row. The handler's query loading relationships up front (joinedload,
selectinload, subqueryload, contains_eager) serves them."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from auditor.astwalk import nodes_of
from auditor.pyast import const_str, kwarg
from auditor.pyast import dotted as _dotted

EAGER_OPTIONS = ("joinedload", "selectinload", "subqueryload", "contains_eager", "immediateload")
ROW_QUERIES = {"all", "paginate", "fetchall", "scalars"}
DUMPING_DECORATORS = {"marshal_with", "response"}
MAX_BASES = 8


def dotted(node: ast.AST | None) -> str:
    return _dotted(node) or ""


@dataclass(frozen=True)
class LazyField:
    name: str        # the relationship
    file: str
    line: int


@dataclass(frozen=True)
class SchemaList:
    """A handler dumping many rows with a schema that reads lazy relationships of each."""
    file: str
    line: int        # where the schema is applied (decorator or dump call)
    handler: str
    schema: str
    per_row: tuple[LazyField, ...]


@dataclass
class _Schema:
    file: str
    node: ast.ClassDef
    fields: dict[str, tuple[str, int]]   # relationship name read -> (file, line)


def _schemas(modules: list[tuple[str, ast.Module]]) -> dict[str, _Schema]:
    out: dict[str, _Schema] = {}
    for rel, tree in modules:
        for cls in nodes_of(tree, ast.ClassDef):
            fields: dict[str, tuple[str, int]] = {}
            for stmt in cls.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.Call) and dotted(stmt.value.func).split(".")[0] in ("fields", "ma") \
                        and not _flag(stmt.value, "load_only"):   # input only: never dumped
                    source = const_str(kwarg(stmt.value, "attribute")) or stmt.targets[0].id
                    fields[source.split(".")[0]] = (rel, stmt.lineno)
            out.setdefault(cls.name, _Schema(rel, cls, fields))
    return out


def _all_fields(name: str, schemas: dict[str, _Schema], depth: int = 0) -> dict[str, tuple[str, int]]:
    schema = schemas.get(name)
    if schema is None or depth > MAX_BASES:
        return {}
    found: dict[str, tuple[str, int]] = {}
    for base in schema.node.bases:
        found.update(_all_fields(dotted(base).rsplit(".", 1)[-1], schemas, depth + 1))
    found.update(schema.fields)
    return found


def _is_schema(name: str, schemas: dict[str, _Schema], depth: int = 0) -> bool:
    schema = schemas.get(name)
    if schema is None or depth > MAX_BASES:
        return False
    for base in schema.node.bases:
        last = dotted(base).rsplit(".", 1)[-1]
        if last.endswith("Schema") and (last not in schemas or _is_schema(last, schemas, depth + 1)):
            return True
    return False


def _many(call: ast.expr) -> bool:
    return isinstance(call, ast.Call) and _flag(call, "many")


def _flag(call: ast.Call, name: str) -> bool:
    return any(kw.arg == name and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in call.keywords)


def _class_name(call: ast.Call) -> str:
    return dotted(call.func).rsplit(".", 1)[-1]


def list_dumps(modules: list[tuple[str, ast.Module]], lazy: set[str]) -> list[SchemaList]:
    """Every handler that dumps its query's rows with a many-schema reading lazy relationships."""
    if not lazy:
        return []
    found = _schemas(modules)
    schemas = {k: v for k, v in found.items() if _is_schema(k, found)}
    if not schemas:
        return []
    many: dict[str, str] = {}    # module-level name -> schema class, for `x = ItemSchema(many=True)`
    for _rel, tree in modules:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and _many(stmt.value) and isinstance(stmt.value, ast.Call) and _class_name(stmt.value) in schemas:
                many[stmt.targets[0].id] = _class_name(stmt.value)
    out: list[SchemaList] = []
    for rel, tree in modules:
        for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.unparse(fn)
            if any(option in text for option in EAGER_OPTIONS):
                continue
            if not any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in ROW_QUERIES
                       for c in nodes_of(fn, ast.Call)):
                continue
            for line, schema in _uses(fn, many, schemas):
                per_row = tuple(LazyField(name, f, ln) for name, (f, ln) in sorted(_all_fields(schema, schemas).items())
                                if name in lazy)
                if per_row:
                    out.append(SchemaList(rel, line, fn.name, schema, per_row))
    return out


def _uses(fn: ast.FunctionDef | ast.AsyncFunctionDef, many: dict[str, str],
          schemas: dict[str, _Schema]) -> list[tuple[int, str]]:
    found = []
    for deco in fn.decorator_list:
        if isinstance(deco, ast.Call) and dotted(deco.func).rsplit(".", 1)[-1] in DUMPING_DECORATORS and deco.args:
            arg = deco.args[0]
            if isinstance(arg, ast.Name) and arg.id in many:
                found.append((deco.lineno, many[arg.id]))
            elif _many(arg) and isinstance(arg, ast.Call) and _class_name(arg) in schemas:
                found.append((deco.lineno, _class_name(arg)))
    for call in nodes_of(fn, ast.Call):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "dump"):
            continue
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id in many:
            found.append((call.lineno, many[owner.id]))
        elif isinstance(owner, ast.Call) and _class_name(owner) in schemas and (_many(owner) or _many(call)):
            found.append((call.lineno, _class_name(owner)))
    return found
