"""The relations of Django models, by model class and attribute name, read with `ast`.

Forward: a ForeignKey or OneToOneField reaches one row, a ManyToManyField many. Reverse: the target model
gets `related_name` (or Django's default `<model>_set` for ForeignKey/ManyToManyField, `<model>` for
OneToOneField), which reaches many rows, or one for a OneToOneField. Fields declared on a base class of the
repository (abstract or not) belong to the subclasses too. A related_name of "+" declares no reverse accessor.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from auditor.astwalk import nodes_of
from auditor.pyast import const_str, dotted, kwarg
from auditor.pyast import last_name_through_calls as last_name

FORWARD_ONE = {"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey"}
FORWARD_MANY = {"ManyToManyField", "ParentalManyToManyField"}


@dataclass(frozen=True)
class Relation:
    many: bool          # reaches many rows (a related manager) or one row
    target: str         # the model class name it reaches
    file: str
    line: int


Relations = dict[str, dict[str, Relation]]   # model class name -> attribute -> relation


def _target(call: ast.Call, owner: str) -> str | None:
    node = kwarg(call, "to") or (call.args[0] if call.args else None)
    text = const_str(node) if isinstance(node, ast.Constant) else dotted(node)
    if not text:
        return None
    if text == "self":
        return owner
    if text in ("settings.AUTH_USER_MODEL", "AUTH_USER_MODEL"):
        return "User"
    return text.rsplit(".", 1)[-1]


def read_relations(modules: list[tuple[str, ast.Module]]) -> Relations:
    out: Relations = {}
    bases: dict[str, list[str]] = {}
    for rel, tree in modules:
        for cls in nodes_of(tree, ast.ClassDef):
            bases.setdefault(cls.name, [last_name(b) for b in cls.bases])
            for stmt in cls.body:
                if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call)):
                    continue
                kind = last_name(stmt.value.func)
                if kind not in FORWARD_ONE | FORWARD_MANY:
                    continue
                target = _target(stmt.value, cls.name)
                if target is None:
                    continue
                name = stmt.targets[0].id
                many = kind in FORWARD_MANY
                out.setdefault(cls.name, {})[name] = Relation(many, target, rel, stmt.lineno)
                related = const_str(kwarg(stmt.value, "related_name"))
                if related == "+" or (related or "").endswith("+"):
                    continue
                one_to_one = kind == "OneToOneField"
                back = related or (cls.name.lower() if one_to_one else f"{cls.name.lower()}_set")
                out.setdefault(target, {}).setdefault(back, Relation(not one_to_one, cls.name, rel, stmt.lineno))
    # fields declared on a base class of ours belong to the subclass
    for name in list(bases):
        seen: set[str] = set()
        todo = list(bases.get(name, []))
        while todo:
            base = todo.pop()
            if base in seen or base == name:
                continue
            seen.add(base)
            for attr, relation in out.get(base, {}).items():
                out.setdefault(name, {}).setdefault(attr, relation)
            todo += bases.get(base, [])
    return out
