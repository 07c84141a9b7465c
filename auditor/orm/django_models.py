"""Django models read with `ast`: `models.Model` subclasses and the tables Django creates for them.

Django conventions applied: table `<app_label>_<modelname>` unless Meta.db_table; an implicit `id`
primary key; a ForeignKey becomes column `<name>_id` and is indexed unless `db_index=False`;
OneToOneField is unique; fields are NOT NULL unless `null=True`; abstract bases contribute fields and
are not tables; proxy models are not tables; multi-table inheritance adds `<parent>_ptr_id`.
ManyToManyField join tables are not modelled (Django creates them with both keys indexed).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of
from auditor.dbschema import Column, ForeignKey, Index, Table
from auditor.orm.coltypes import DJANGO_TYPES
from auditor.orm.pyast import (
    class_body_assignments,
    dotted,
    inner_class,
    is_true,
    kwarg,
    kwarg_literal,
    last_name,
    literal,
    string_items,
)
from auditor.orm.result import ReadResult

SOURCE = "models:django"
RELATION_FIELDS = {"ForeignKey", "OneToOneField"}
DJANGO_BUILTIN_MODELS = {"User": "auth_user", "Group": "auth_group", "Permission": "auth_permission",
                         "ContentType": "django_content_type", "Site": "django_site"}
# Django's own abstract models (django.contrib.auth.base_user / models): a model built on one inherits these
# columns although the repository never declares them. Many-to-many fields (PermissionsMixin's groups and
# user_permissions) make join tables, not columns, and are left out like every ManyToManyField.
_BASE_USER = ('password = models.CharField(max_length=128)\n'
              'last_login = models.DateTimeField(blank=True, null=True)\n')
_PERMISSIONS = 'is_superuser = models.BooleanField(default=False)\n'
DJANGO_ABSTRACT_FIELDS = {
    "AbstractBaseUser": _BASE_USER,
    "PermissionsMixin": _PERMISSIONS,
    "AbstractUser": _BASE_USER + _PERMISSIONS + (
        'username = models.CharField(max_length=150, unique=True)\n'
        'first_name = models.CharField(max_length=150, blank=True)\n'
        'last_name = models.CharField(max_length=150, blank=True)\n'
        'email = models.EmailField(blank=True)\n'
        'is_staff = models.BooleanField(default=False)\n'
        'is_active = models.BooleanField(default=True)\n'
        'date_joined = models.DateTimeField(default=timezone.now)\n'),
}


@dataclass
class DjangoSettings:
    """The settings that change the schema Django builds; each with its (file, line) when found."""
    use_tz: bool = True                    # Django >= 5.0 default, and what startproject writes
    use_tz_at: tuple[str, int] | None = None
    auth_user_model: str | None = None     # "accounts.User"
    atomic_requests_at: list[tuple[str, int]] = field(default_factory=list)


def looks_like_django_models(text: str) -> bool:
    return "django.db" in text and "Model" in text


def app_label_for(rel: str) -> str:
    parts = rel.split("/")
    if len(parts) >= 3 and parts[-2] == "models":       # app/models/orders.py
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else ""


@dataclass
class _Model:
    file: str
    node: ast.ClassDef
    app_label: str
    meta: dict[str, ast.expr] = field(default_factory=dict)

    @property
    def abstract(self) -> bool:
        return literal(self.meta.get("abstract")) is True

    @property
    def proxy(self) -> bool:
        return literal(self.meta.get("proxy")) is True

    @property
    def table_name(self) -> str:
        db_table = literal(self.meta.get("db_table"))
        if isinstance(db_table, str):
            return db_table
        label = literal(self.meta.get("app_label"))
        label = label if isinstance(label, str) else self.app_label
        return f"{label}_{self.node.name.lower()}" if label else self.node.name.lower()


def read_django(modules: list[tuple[str, ast.Module]], settings: DjangoSettings | None = None) -> ReadResult:
    settings = settings or DjangoSettings()
    result = ReadResult()
    classes: dict[str, _Model] = {}
    for rel, tree in modules:
        for node in nodes_of(tree, ast.ClassDef):
            meta_cls = inner_class(node, "Meta")
            meta = {name: value for name, value, _, _ in class_body_assignments(meta_cls)} if meta_cls else {}
            classes.setdefault(node.name, _Model(rel, node, app_label_for(rel), meta))
    models = {name: m for name, m in classes.items() if _is_model(m.node, classes)}
    for name, model in models.items():
        if model.abstract or model.proxy:
            continue
        table = _build_table(model, models, settings)
        result.add_table(table)
        if model.file not in result.model_files:
            result.model_files.append(model.file)
    return result


def _is_model(cls: ast.ClassDef, classes: dict[str, _Model], seen: frozenset[str] = frozenset()) -> bool:
    for base in cls.bases:
        name = dotted(base)
        if name in ("models.Model", "django.db.models.Model", "Model"):
            return True
        short = name.rsplit(".", 1)[-1]
        if short in classes and short not in seen and classes[short].node is not cls \
                and _is_model(classes[short].node, classes, seen | {short}):
            return True
        if short in DJANGO_ABSTRACT_FIELDS and short not in classes:
            return True
    return False


def _inherited_django_fields(chain: list[_Model], models: dict[str, _Model]) -> list[tuple[str, ast.Call, str, int]]:
    """(name, field call, file, line) of the fields that Django's own abstract models named as bases of the
    model or of its abstract ancestors contribute; the line is the class statement that inherits them."""
    out = []
    for m in chain:
        for base in m.node.bases:
            short = dotted(base).rsplit(".", 1)[-1]
            if short in models or short not in DJANGO_ABSTRACT_FIELDS:
                continue
            for stmt in ast.parse(DJANGO_ABSTRACT_FIELDS[short]).body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.Call):
                    out.append((stmt.targets[0].id, stmt.value, m.file, m.node.lineno))
    return out


def _lineage(model: _Model, models: dict[str, _Model]) -> tuple[list[_Model], _Model | None]:
    """(the model and its abstract ancestors, its concrete parent for multi-table inheritance)."""
    chain, concrete_parent = [model], None
    for base in model.node.bases:
        short = dotted(base).rsplit(".", 1)[-1]
        parent = models.get(short)
        if parent is None or parent is model:
            continue
        if parent.abstract:
            sub, parent_concrete = _lineage(parent, models)
            chain += sub
            concrete_parent = concrete_parent or parent_concrete
        elif concrete_parent is None and not model.proxy:
            concrete_parent = parent
    return chain, concrete_parent


def _field_type(call: ast.Call, settings: DjangoSettings) -> str:
    kind = last_name(call.func)
    if kind == "DateTimeField":
        return "timestamptz" if settings.use_tz else "timestamp"
    return DJANGO_TYPES.get(kind, kind.lower())


def _is_field(value: ast.expr | None) -> bool:
    if not isinstance(value, ast.Call):
        return False
    kind = last_name(value.func)
    return kind.endswith("Field") or kind in RELATION_FIELDS


def _build_table(model: _Model, models: dict[str, _Model], settings: DjangoSettings) -> Table:
    table = Table(model.table_name, file=model.file, line=model.node.lineno, source=SOURCE)
    chain, concrete_parent = _lineage(model, models)
    column_of_field: dict[str, str] = {}
    has_pk = False
    fields: list[tuple[str, ast.Call, str, int]] = []
    seen: set[str] = set()
    for m in chain:
        for name, value, _, _ in class_body_assignments(m.node):
            if name not in seen and isinstance(value, ast.Call) and _is_field(value):
                seen.add(name)
                fields.append((name, value, m.file, value.lineno))
    for name, value, file, line in _inherited_django_fields(chain, models):
        if name not in seen:
            seen.add(name)
            fields.append((name, value, file, line))
    if concrete_parent is not None:
        ptr = f"{concrete_parent.node.name.lower()}_ptr_id"
        table.columns[ptr] = Column(ptr, "integer", nullable=False, primary_key=True, unique=True,
                                    file=model.file, line=model.node.lineno)
        table.foreign_keys.append(ForeignKey((ptr,), concrete_parent.table_name, ("id",),
                                             file=model.file, line=model.node.lineno))
        has_pk = True
    for name, call, file, line in fields:
        kind = last_name(call.func)
        if kind == "ManyToManyField":
            continue
        relation = kind in RELATION_FIELDS
        db_column = kwarg_literal(call, "db_column")
        column_name = db_column if isinstance(db_column, str) else (f"{name}_id" if relation else name)
        column_of_field[name] = column_name
        primary_key = is_true(call, "primary_key")
        has_pk = has_pk or primary_key
        unique = is_true(call, "unique") or kind == "OneToOneField" or primary_key
        column = Column(column_name, _field_type(call, settings), nullable=is_true(call, "null") and not primary_key,
                        primary_key=primary_key, unique=unique, file=file, line=line,
                        default=ast.unparse(kwarg(call, "default")) if kwarg(call, "default") is not None else None)
        table.columns[column_name] = column
        if relation:
            target = kwarg(call, "to") or (call.args[0] if call.args else None)
            table.foreign_keys.append(ForeignKey((column_name,), _target_table(target, model, models, settings), ("id",),
                                                 file=file, line=line))
            if kwarg_literal(call, "db_index", True) is not False and not unique:
                # Django creates this index by itself
                table.indexes.append(Index("django:foreign-key-default", (column_name,), file=file, line=line))
        elif is_true(call, "db_index") or (kind == "SlugField" and kwarg_literal(call, "db_index", True) is not False):
            table.indexes.append(Index(None, (column_name,), file=file, line=line))   # SlugField: db_index=True by default
    if not has_pk:
        table.columns = {"id": Column("id", "integer", nullable=False, primary_key=True, unique=True,
                                      file=model.file, line=model.node.lineno), **table.columns}
    _apply_meta(table, model, column_of_field)
    return table


def _target_table(target: ast.expr | None, model: _Model, models: dict[str, _Model], settings: DjangoSettings) -> str:
    value = literal(target)
    name = value if isinstance(value, str) else dotted(target)
    if name in ("settings.AUTH_USER_MODEL", "AUTH_USER_MODEL", "get_user_model"):
        name = settings.auth_user_model or "auth.User"
    if name == "self":
        return model.table_name
    label, _, cls_name = name.rpartition(".")
    if cls_name in models and (not label or models[cls_name].app_label == label or "." in label):
        return models[cls_name].table_name
    if cls_name in DJANGO_BUILTIN_MODELS and label in ("", "auth", "contenttypes", "sites"):
        return DJANGO_BUILTIN_MODELS[cls_name]
    return f"{label}_{cls_name.lower()}" if label else cls_name.lower()


def _apply_meta(table: Table, model: _Model, column_of_field: dict[str, str]) -> None:
    def columns(names: list[str]) -> tuple[str, ...]:
        return tuple(column_of_field.get(n.lstrip("-"), n.lstrip("-")) for n in names)

    for name in ("unique_together", "index_together"):
        value = literal(model.meta.get(name))
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            value = [value]
        for group in value if isinstance(value, (list, tuple)) else []:
            if isinstance(group, (list, tuple)):
                if name == "unique_together":
                    table.unique_sets.append(columns(list(group)))
                else:
                    node = model.meta[name]
                    table.indexes.append(Index(None, columns(list(group)), file=model.file, line=node.lineno))
    for key in ("indexes", "constraints"):
        node = model.meta.get(key)
        for item in node.elts if isinstance(node, (ast.List, ast.Tuple)) else []:
            if not isinstance(item, ast.Call):
                continue
            kind = last_name(item.func)
            names = string_items(kwarg(item, "fields"))
            if kind == "Index" and names:
                index_name = kwarg_literal(item, "name")
                table.indexes.append(Index(index_name if isinstance(index_name, str) else None, columns(names),
                                           file=model.file, line=item.lineno))
            elif kind == "UniqueConstraint" and names:
                table.unique_sets.append(columns(names))
            elif kind == "CheckConstraint":
                table.checks.append(ast.unparse(item))
