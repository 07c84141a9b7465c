"""SQLModel fields read as SQLAlchemy columns, the way SQLModel builds them.

Only a class declared with `table=True` is a table (its SQLModel bases without it are schemas: request and
response bodies). Its table is `__tablename__`, else the class name lower-cased. Every annotated field of the
class and of its bases becomes a column, except relationships (`Relationship(...)`, `list[...]` of another
model) and `ClassVar`s:
- the type comes from the annotation (`str` -> AutoString, a varchar) unless `sa_type=` or
  `sa_column=Column(...)` says otherwise;
- a column is nullable when `nullable=` says so, or when it is not the primary key, the annotation admits None
  and the field has a default (`x: str | None = None`); SQLModel makes a required field NOT NULL;
- `Field(primary_key=, unique=, index=, foreign_key="table.column")`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from auditor.dbschema import Column, ForeignKey
from auditor.orm.pyast import dotted, is_true, kwarg, kwarg_literal, last_name, literal

NAMED_STRING_TYPES = {"EmailStr", "AnyUrl", "HttpUrl", "AnyHttpUrl", "constr", "SecretStr", "NameEmail"}


@dataclass
class SqlModelField:
    column: Column
    indexed: bool = False
    foreign_key: ForeignKey | None = None
    sa_column: ast.Call | None = None       # `sa_column=Column(...)`: read as a SQLAlchemy column instead


def is_table_class(cls: ast.ClassDef) -> bool:
    return any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True for k in cls.keywords)


def _unwrap(annotation: ast.expr) -> tuple[ast.expr, bool]:
    """`Optional[int]` / `int | None` / `Union[int, None]` -> (int, True); a string annotation is parsed."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return annotation, False
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Optional":
        return annotation.slice, True
    parts: list[ast.expr] = []
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        stack: list[ast.expr] = [annotation]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
                stack += [node.right, node.left]
            else:
                parts.append(node)
    elif isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Union" \
            and isinstance(annotation.slice, ast.Tuple):
        parts = list(annotation.slice.elts)
    if parts:
        rest = [p for p in parts if not (isinstance(p, ast.Constant) and p.value is None)]
        if len(rest) == 1:
            return rest[0], len(rest) < len(parts)
    return annotation, False


def is_relationship(value: ast.expr | None, annotation: ast.expr | None, model_names: frozenset[str]) -> bool:
    if isinstance(value, ast.Call) and last_name(value.func) == "Relationship":
        return True
    if annotation is None:
        return False
    inner, _ = _unwrap(annotation)
    if isinstance(inner, ast.Subscript) and last_name(inner.value) in ("list", "List", "Sequence"):
        inner = inner.slice
    if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
        return inner.value.strip("'\"") in model_names
    return last_name(inner) in model_names or last_name(inner) == "ClassVar"


def sqlmodel_field(attr: str, value: ast.expr | None, annotation: ast.expr, file: str, line: int,
                   annotation_type, sa_type) -> SqlModelField | None:
    """The column one annotated class attribute declares; `annotation_type` maps a Python annotation to a
    normalised type, `sa_type` a SQLAlchemy type expression."""
    field = value if isinstance(value, ast.Call) and last_name(value.func) == "Field" else None
    inner, optional = _unwrap(annotation)
    if field is not None and kwarg(field, "sa_column") is not None:
        sa_column = kwarg(field, "sa_column")
        if isinstance(sa_column, ast.Call):
            return SqlModelField(Column(attr), sa_column=sa_column)
        return None
    name = dotted(inner).rsplit(".", 1)[-1]
    type_name = annotation_type(inner) or ("varchar" if name in NAMED_STRING_TYPES else "")
    if field is not None and kwarg(field, "sa_type") is not None:
        type_name = sa_type(kwarg(field, "sa_type"))
    primary_key = field is not None and is_true(field, "primary_key")
    has_default = value is not None and (field is None or any(
        k.arg in ("default", "default_factory") for k in field.keywords) or bool(field.args))
    nullable = kwarg_literal(field, "nullable") if field is not None else None
    if not isinstance(nullable, bool):
        nullable = not primary_key and optional and has_default
    default = None
    if field is not None and kwarg(field, "default") is not None:
        default = ast.unparse(kwarg(field, "default"))
    elif field is None and value is not None:
        default = ast.unparse(value)
    column = Column(attr, type_name, nullable=nullable, primary_key=primary_key,
                    unique=field is not None and is_true(field, "unique"), default=default, file=file, line=line)
    out = SqlModelField(column, indexed=field is not None and is_true(field, "index"))
    target = literal(kwarg(field, "foreign_key")) if field is not None else None
    if isinstance(target, str) and "." in target:
        ref_table, _, ref_column = target.rpartition(".")
        out.foreign_key = ForeignKey((attr,), ref_table, (ref_column,), file=file, line=line)
    return out
