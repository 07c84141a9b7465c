"""DRF serializers of the user model that let the caller write privilege fields (mass assignment of roles).

A `ModelSerializer` whose `Meta.model` is the user model and whose `Meta.fields` lists `is_staff`,
`is_superuser`, `groups` or `user_permissions` (or is "__all__") makes those fields writable unless they are
in `read_only_fields`, marked `read_only` in `extra_kwargs`, or declared on the serializer with
`read_only=True`. A write endpoint that validates with such a serializer lets any caller it admits grant
themself staff or superuser rights: an authorization failure, whatever its object permissions say.
"""
from __future__ import annotations

import ast

from auditor.endpoints.pyast import PyModule, PyProject, class_bases, class_chain, const_str, dotted, kwarg, str_list

PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "is_admin", "groups", "user_permissions")
# what Django's AbstractUser (and so `fields = "__all__"`) carries
ABSTRACT_USER_PRIVILEGES = ("is_staff", "is_superuser", "groups", "user_permissions")
USER_BASES = {"AbstractUser", "AbstractBaseUser", "PermissionsMixin"}


def writable_privilege_fields(project: PyProject, mod: PyModule, serializer: ast.AST) -> tuple[str, list[str]] | None:
    """(serializer class name, the privilege fields of the user model it lets a request write), or None."""
    name = dotted(serializer)
    found = project.resolve_class(mod, name) if name else None
    if found is None:
        return None
    smod, scls = found
    meta = next((node for _, c in class_chain(project, smod, scls) for node in c.body
                 if isinstance(node, ast.ClassDef) and node.name == "Meta"), None)
    if meta is None or not _user_model(project, smod, _meta_value(meta, "model")):
        return None
    fields_node = _meta_value(meta, "fields")
    if const_str(fields_node) == "__all__":
        excluded = set(str_list(_meta_value(meta, "exclude")) or [])
        listed = [f for f in ABSTRACT_USER_PRIVILEGES if f not in excluded]
    else:
        listed = [f for f in (str_list(fields_node) or []) if f in PRIVILEGE_FIELDS]
    read_only_node = _meta_value(meta, "read_only_fields")
    if isinstance(read_only_node, ast.Name) and read_only_node.id == "fields":
        return None
    read_only = set(str_list(read_only_node) or []) | _extra_read_only(_meta_value(meta, "extra_kwargs"))
    declared = {t.id: node.value for _, c in class_chain(project, smod, scls) for node in c.body
                if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    writable = [f for f in listed if f not in read_only and not _declared_read_only(declared.get(f))]
    return (scls.name, writable) if writable else None


def _meta_value(meta: ast.ClassDef, attr: str) -> ast.AST | None:
    for node in meta.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in node.targets):
            return node.value
    return None


def _user_model(project: PyProject, mod: PyModule, model: ast.AST | None) -> bool:
    """`User` (django.contrib.auth's or the project's), `get_user_model()`, or a model class built on
    AbstractUser / AbstractBaseUser."""
    if isinstance(model, ast.Call):
        return (dotted(model.func) or "").endswith("get_user_model")
    name = dotted(model) if model is not None else None
    if not name:
        return False
    found = project.resolve_class(mod, name)
    if found is not None and USER_BASES & set(class_bases(project, *found)):
        return True
    return name.rsplit(".", 1)[-1] == "User"


def _extra_read_only(node: ast.AST | None) -> set[str]:
    if not isinstance(node, ast.Dict):
        return set()
    out = set()
    for key, value in zip(node.keys, node.values):
        if isinstance(value, ast.Dict) and any(const_str(k) == "read_only" and isinstance(v, ast.Constant)
                                               and v.value is True for k, v in zip(value.keys, value.values)):
            name = const_str(key)
            if name:
                out.add(name)
    return out


def _declared_read_only(node: ast.AST | None) -> bool:
    """A field declared on the serializer that a request cannot write: read_only=True, or a
    SerializerMethodField / ReadOnlyField / HiddenField."""
    if not isinstance(node, ast.Call):
        return False
    read_only = kwarg(node, "read_only")
    if isinstance(read_only, ast.Constant) and read_only.value is True:
        return True
    return (dotted(node.func) or "").rsplit(".", 1)[-1] in ("SerializerMethodField", "ReadOnlyField", "HiddenField")
