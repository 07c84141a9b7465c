"""SQLAlchemy models read with `ast`: declarative classes, Flask-SQLAlchemy `db.Model`, core `Table(...)`.

Understood: `Column(...)`, `mapped_column(...)`, bare `x: Mapped[int]` (2.0 creates a column from the
annotation), `__tablename__` (Flask-SQLAlchemy derives snake_case names when absent), `__abstract__`,
mixins and abstract bases in the scanned code, `ForeignKey("t.c")` / `ForeignKey(Model.c)`, index=True,
unique=True, nullable, primary_key, `__table_args__` (Index, UniqueConstraint, PrimaryKeyConstraint,
ForeignKeyConstraint), module-level `Index("ix", Model.col)`, and a Base's `type_annotation_map`.
SQLModel classes declared `table=True` (auditor.orm.sqlmodel_fields); its other classes are not tables.
"""
from __future__ import annotations

import ast
import copy
import functools
import re
from dataclasses import dataclass

from auditor.astwalk import walk
from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.coltypes import PYTHON_ANNOTATION_TYPES, SQLALCHEMY_TYPES
from auditor.orm.pyast import (
    NOT_LITERAL,
    class_body_assignments,
    dotted,
    is_true,
    kwarg,
    kwarg_literal,
    last_name,
    literal,
)
from auditor.orm.result import ParseProblem, ReadResult
from auditor.orm.sqlmodel_fields import is_relationship, is_table_class, sqlmodel_field

COLUMN_CALLS = {"Column", "mapped_column"}
DECLARATIVE_BASE_CALLS = {"declarative_base", "generate_base"}
DECLARATIVE_BASE_CLASSES = {"DeclarativeBase", "DeclarativeBaseNoMeta", "SQLModel"}
SOURCE = "models:sqlalchemy"


def looks_like_sqlalchemy(text: str) -> bool:
    return "sqlalchemy" in text.lower() or "db.Model" in text or "mapped_column" in text


@dataclass
class _ClassInfo:
    file: str
    node: ast.ClassDef


def read_sqlalchemy(modules: list[tuple[str, ast.Module]]) -> ReadResult:
    """Build the schema declared by every SQLAlchemy model in these parsed modules."""
    result = ReadResult()
    classes: dict[str, _ClassInfo] = {}
    bases: set[str] = set()
    annotation_map: dict[str, str] = {}
    aliases: dict[str, str] = {}
    modules = [(rel, _unaliased(tree)) for rel, tree in modules]
    for rel, tree in modules:
        for node in walk(tree):
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, _ClassInfo(rel, node))
                for name, value, _, _ in class_body_assignments(node):
                    if name == "type_annotation_map" and isinstance(value, ast.Dict):
                        annotation_map.update(_annotation_map(value))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and last_name(node.value.func) in DECLARATIVE_BASE_CALLS:
                bases.update(t.id for t in node.targets if isinstance(t, ast.Name))
        aliases.update(_module_aliases(tree))
    reader = _Reader(classes, bases, annotation_map, result)
    reader.aliases = aliases
    for rel, tree in modules:
        reader.read_module(rel, tree)
    reader.resolve_class_references()
    return result


def _unaliased(tree: ast.Module) -> ast.Module:
    """The module with names imported from SQLAlchemy or SQLModel under another name written by their own
    (`from sqlalchemy.orm import Mapped as SAMapped, mapped_column as sa_column`): a copy, only when there is one
    (the parsed tree is shared with the other readers)."""
    renamed = {a.asname: a.name for node in tree.body if isinstance(node, ast.ImportFrom)
               and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel")
               for a in node.names if a.asname and a.asname != a.name}
    if not renamed:
        return tree

    class _Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            return ast.copy_location(ast.Name(renamed[node.id], node.ctx), node) if node.id in renamed else node

    return _Rename().visit(copy.deepcopy(tree))


def _module_aliases(tree: ast.Module) -> dict[str, str]:
    """Top-level `Base = DBTable` and `Base: Type[DeclarativeBase] = DBTable`: another name for a class, as a
    declarative base is often re-exported under a typed alias (SQLAlchemy 2.0)."""
    out: dict[str, str] = {}
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, (ast.Name, ast.Attribute)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and dotted(value):
                out[target.id] = dotted(value)
    return out


def _annotation_map(node: ast.Dict) -> dict[str, str]:
    out = {}
    for key, value in zip(node.keys, node.values):
        if key is not None:
            name = dotted(key)
            out[name] = _sa_type(value)
            out[name.rsplit(".", 1)[-1]] = out[name]
    return out


def _sa_type(node: ast.AST | None) -> str:
    """Normalised type of a SQLAlchemy type expression: `String(50)`, `DateTime(timezone=True)`, `sa.JSON`."""
    if node is None:
        return ""
    name = last_name(node)
    if isinstance(node, ast.Call) and name in ("DateTime", "TIMESTAMP") and is_true(node, "timezone"):
        return "timestamptz"
    if isinstance(node, ast.Call) and name in ("with_variant",):
        return _sa_type(node.func.value) if isinstance(node.func, ast.Attribute) else ""
    if name in SQLALCHEMY_TYPES:
        return SQLALCHEMY_TYPES[name]
    return name.lower()


def snake_case(name: str) -> str:
    """Flask-SQLAlchemy's default table name: CamelCase -> camel_case."""
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


class _Reader:
    def __init__(self, classes: dict[str, _ClassInfo], bases: set[str], annotation_map: dict[str, str],
                 result: ReadResult) -> None:
        self.classes = classes
        self.bases = bases
        self.annotation_map = annotation_map
        self.result = result
        self.table_of_class: dict[str, Table] = {}
        self.aliases: dict[str, str] = {}           # module-level name -> the class it names
        self.pending_fk_classes: list[tuple[Table, ForeignKey, str]] = []

    # ---- which classes are mapped ----------------------------------------------------------------
    def _is_declarative(self, cls: ast.ClassDef, seen: frozenset[str] = frozenset()) -> bool:
        for base in cls.bases:
            name = dotted(base)
            short = name.rsplit(".", 1)[-1]
            if name in self.bases or short in DECLARATIVE_BASE_CLASSES or name.endswith(".Model") or name == "Model":
                return True
            aliased = self.aliases.get(short, "").rsplit(".", 1)[-1]
            if aliased and aliased != short and aliased not in seen:
                if aliased in self.bases or aliased in DECLARATIVE_BASE_CLASSES:
                    return True
                info = self.classes.get(aliased)
                if info and self._is_declarative(info.node, seen | {short, aliased}):
                    return True
            info = self.classes.get(short)
            if info and short not in seen and self._is_declarative(info.node, seen | {short}):
                return True
        return False

    def _own_flag(self, cls: ast.ClassDef, flag: str) -> bool:
        return any(name == flag and literal(value) is True for name, value, _, _ in class_body_assignments(cls))

    def _tablename(self, cls: ast.ClassDef) -> str | None:
        for name, value, _, _ in class_body_assignments(cls):
            if name == "__tablename__":
                v = literal(value)
                return v if isinstance(v, str) else None
        return None

    def _lineage(self, cls: ast.ClassDef, seen: frozenset[str] = frozenset()) -> list[ast.ClassDef]:
        """The class then the scanned classes it inherits from (mixins, abstract bases), depth first."""
        out = [cls]
        for base in cls.bases:
            short = dotted(base).rsplit(".", 1)[-1]
            info = self.classes.get(short)
            if info and short not in seen and info.node is not cls:
                out += self._lineage(info.node, seen | {short, cls.name})
        return out

    # ---- reading -----------------------------------------------------------------------------------
    def read_module(self, rel: str, tree: ast.Module) -> None:
        found = False
        for node in walk(tree):
            if isinstance(node, ast.ClassDef) and self._is_declarative(node):
                if self._own_flag(node, "__abstract__") or (self._is_sqlmodel(node) and not is_table_class(node)):
                    continue
                if self._read_class(rel, node):
                    found = True
            elif isinstance(node, ast.Call) and last_name(node.func) == "Table" and len(node.args) >= 2 \
                    and isinstance(literal(node.args[0]), str):
                if self._read_core_table(rel, node):
                    found = True
        for stmt in tree.body:  # module-level Index("ix", Model.col, ...)
            call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
            if isinstance(call, ast.Call) and last_name(call.func) == "Index":
                self._module_index(rel, call)
        if found and rel not in self.result.model_files:
            self.result.model_files.append(rel)

    def _is_sqlmodel(self, cls: ast.ClassDef) -> bool:
        return any(dotted(base).rsplit(".", 1)[-1] == "SQLModel" for c in self._lineage(cls) for base in c.bases)

    @functools.cached_property
    def _table_classes(self) -> frozenset[str]:
        """The SQLModel classes declared `table=True`: a field typed with one of them is a relationship."""
        return frozenset(name for name, info in self.classes.items() if is_table_class(info.node))

    def _read_class(self, rel: str, cls: ast.ClassDef) -> bool:
        lineage = self._lineage(cls)
        sqlmodel = self._is_sqlmodel(cls)
        tablename = None
        for c in lineage:
            tablename = self._tablename(c)
            if tablename:
                break
        columns: list[tuple[str, Column, ast.Call | None, str]] = []
        sqlmodel_extras: list[tuple[Column, bool, ForeignKey | None]] = []
        seen_attrs: set[str] = set()
        table_classes = self._table_classes if sqlmodel else frozenset()
        for c in lineage:
            info_file = self.classes[c.name].file if c is not cls and c.name in self.classes else rel
            for attr, value, annotation, line in class_body_assignments(c):
                if attr in seen_attrs or attr.startswith("__"):
                    continue
                if sqlmodel:
                    if annotation is None or is_relationship(value, annotation, table_classes):
                        continue
                    field = sqlmodel_field(attr, value, annotation, info_file, line, self._annotation_type, _sa_type)
                    if field is None:
                        continue
                    seen_attrs.add(attr)
                    if field.sa_column is not None:
                        parsed = self._column(attr, field.sa_column, None, info_file, line)
                        if parsed is not None:
                            columns.append(parsed)
                        continue
                    sqlmodel_extras.append((field.column, field.indexed, field.foreign_key))
                    continue
                parsed = self._column(attr, value, annotation, info_file, line)
                if parsed is not None:
                    seen_attrs.add(attr)
                    columns.append(parsed)
        if not columns and not sqlmodel_extras:
            return False
        if not tablename:
            # SQLModel names the table after the class, lower-cased; Flask-SQLAlchemy in snake_case (plain
            # declarative would refuse to map it)
            tablename = cls.name.lower() if sqlmodel else snake_case(cls.name)
        table = Table(tablename, file=rel, line=cls.lineno, source=SOURCE)
        for attr, column, call, file in columns:
            self._add_column(table, column, call, file)
        for column, indexed, foreign_key in sqlmodel_extras:
            table.columns[column.name] = column
            if indexed:
                table.indexes.append(Index(None, (column.name,), unique=column.unique, file=column.file, line=column.line))
            if foreign_key is not None:
                table.foreign_keys.append(foreign_key)
        for c in lineage:
            for name, value, _, line in class_body_assignments(c):
                if name == "__table_args__":
                    self._table_args(table, value, rel, line)
        self.table_of_class[cls.name] = table
        self.result.add_table(table)
        return True

    def _column(self, attr: str, value: ast.expr | None, annotation: ast.expr | None, file: str, line: int):
        call = value if isinstance(value, ast.Call) and last_name(value.func) in COLUMN_CALLS else None
        if call is None:
            # `x: Mapped[int]` with no value is a column in SQLAlchemy 2.0
            mapped = _mapped_inner(annotation) if value is None and annotation is not None else None
            if mapped is not None:
                inner, optional = mapped
                type_name = self._annotation_type(inner)
                if type_name:
                    return attr, Column(attr, type_name, nullable=optional, file=file, line=line), None, file
            return None
        name = attr
        type_name = ""
        for arg in call.args:
            v = literal(arg)
            if isinstance(v, str):
                name = v
            elif isinstance(arg, ast.Call) and last_name(arg.func) == "ForeignKey":
                continue
            elif not type_name:
                type_name = _sa_type(arg)
        type_kw = kwarg(call, "type_")
        if type_kw is not None:
            type_name = _sa_type(type_kw)
        optional = None
        mapped = _mapped_inner(annotation) if annotation is not None else None
        if mapped is not None:
            inner, optional = mapped
            if not type_name:
                type_name = self._annotation_type(inner)
        primary_key = is_true(call, "primary_key")
        nullable = kwarg_literal(call, "nullable")
        if not isinstance(nullable, bool):
            nullable = (not primary_key) if optional is None or primary_key else optional
        if not type_name and any(isinstance(a, ast.Call) and last_name(a.func) == "ForeignKey" for a in call.args):
            type_name = "integer"
        default = kwarg(call, "server_default") or kwarg(call, "default")
        column = Column(name, type_name, nullable=nullable, primary_key=primary_key,
                        unique=is_true(call, "unique"), default=ast.unparse(default) if default is not None else None,
                        file=file, line=call.lineno if call.lineno else line)
        return attr, column, call, file

    def _annotation_type(self, inner: ast.expr) -> str:
        name = dotted(inner)
        if name in self.annotation_map:
            return self.annotation_map[name]
        return PYTHON_ANNOTATION_TYPES.get(name, "")

    def _add_column(self, table: Table, column: Column, call: ast.Call | None, file: str) -> None:
        table.columns[column.name] = column
        if call is None:
            return
        if is_true(call, "index"):
            table.indexes.append(Index(None, (column.name,), unique=column.unique, file=file, line=column.line))
        for arg in call.args:
            if isinstance(arg, ast.Call) and last_name(arg.func) == "ForeignKey" and arg.args:
                fk = ForeignKey((column.name,), "", file=file, line=arg.lineno)
                target = arg.args[0]
                v = literal(target)
                if isinstance(v, str):
                    ref_table, _, ref_col = v.rpartition(".")
                    fk.ref_table, fk.ref_columns = ref_table.rsplit(".", 1)[-1] if ref_table else ref_col, (ref_col,) if ref_table else ()
                else:  # ForeignKey(User.id): resolved once every class is read
                    name = dotted(target)
                    cls_name, _, col = name.rpartition(".")
                    fk.ref_columns = (col,) if col else ()
                    self.pending_fk_classes.append((table, fk, cls_name.rsplit(".", 1)[-1]))
                table.foreign_keys.append(fk)

    def _table_args(self, table: Table, value: ast.expr | None, file: str, line: int) -> None:
        items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else []
        for item in items:
            if isinstance(item, ast.Call):
                self._constraint(table, item, file)

    def _constraint(self, table: Table, call: ast.Call, file: str) -> None:
        kind = last_name(call.func)
        if kind == "Column":
            parsed = self._column("", call, None, file, call.lineno)
            if parsed and parsed[1].name:
                self._add_column(table, parsed[1], call, file)
            return
        cols = tuple(_column_ref(a) for a in call.args)
        if kind == "Index":
            name = literal(call.args[0]) if call.args else None
            cols = tuple(c for c in cols[1:] if c)
            table.indexes.append(Index(name if isinstance(name, str) else None, cols,
                                       unique=is_true(call, "unique"), file=file, line=call.lineno))
        elif kind == "UniqueConstraint":
            table.unique_sets.append(tuple(c for c in cols if c))
        elif kind == "PrimaryKeyConstraint":
            for c in cols:
                if c in table.columns:
                    table.columns[c].primary_key = True
                    table.columns[c].nullable = False
        elif kind == "ForeignKeyConstraint" and len(call.args) >= 2:
            local = tuple(s.rsplit(".", 1)[-1] for s in _strings(call.args[0]))
            refs = _strings(call.args[1])
            ref_table = refs[0].rsplit(".", 2)[-2] if refs and "." in refs[0] else ""
            table.foreign_keys.append(ForeignKey(local, ref_table, tuple(r.rsplit(".", 1)[-1] for r in refs),
                                                 name=kwarg_literal(call, "name"), file=file, line=call.lineno))
        elif kind == "CheckConstraint":
            table.checks.append(ast.unparse(call.args[0]) if call.args else "")

    def _read_core_table(self, rel: str, call: ast.Call) -> bool:
        name = literal(call.args[0])
        if not isinstance(name, str):
            return False
        table = Table(name, file=rel, line=call.lineno, source=SOURCE)
        for arg in call.args[1:]:  # args[1] is the MetaData, except with Flask-SQLAlchemy's db.Table
            if isinstance(arg, ast.Call):
                self._constraint(table, arg, rel)
        if not table.columns:
            return False
        self.result.add_table(table)
        return True

    def _module_index(self, rel: str, call: ast.Call) -> None:
        refs = [dotted(a) for a in call.args[1:]]
        owners = {r.split(".")[0] for r in refs if "." in r}
        if len(owners) != 1:
            return
        owner = owners.pop()
        self.pending_fk_classes.append((None, Index(literal(call.args[0]) if call.args and isinstance(literal(call.args[0]), str) else None,
                                                    tuple(r.rsplit(".", 1)[-1] for r in refs),
                                                    unique=is_true(call, "unique"), file=rel, line=call.lineno), owner))

    def resolve_class_references(self) -> None:
        for table, obj, cls_name in self.pending_fk_classes:
            target = self.table_of_class.get(cls_name)
            if isinstance(obj, ForeignKey):
                obj.ref_table = target.name if target else cls_name.lower()
            elif isinstance(obj, Index) and target is not None:
                target.indexes.append(obj)
            elif isinstance(obj, Index):
                self.result.problems.append(ParseProblem(obj.file, obj.line,
                                                        f"index on {cls_name}, which is not a model found in the scanned code"))


def _mapped_inner(annotation: ast.expr) -> tuple[ast.expr, bool] | None:
    """`Mapped[Optional[int]]` -> (int, True); `Mapped[int | None]` -> (int, True); not Mapped -> None."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if not (isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Mapped"):
        return None
    inner = annotation.slice
    optional = False
    if isinstance(inner, ast.Subscript) and last_name(inner.value) == "Optional":
        inner, optional = inner.slice, True
    elif isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.BitOr):
        parts = [inner.left, inner.right]
        non_none = [p for p in parts if not (isinstance(p, ast.Constant) and p.value is None)]
        if len(non_none) == 1:
            inner, optional = non_none[0], True
    return inner, optional


def _column_ref(node: ast.expr) -> str:
    v = literal(node)
    if isinstance(v, str):
        return v
    if v is NOT_LITERAL:
        name = dotted(node)
        return name.rsplit(".", 1)[-1] if name else ""
    return ""


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_column_ref(e) for e in node.elts]
    return []
