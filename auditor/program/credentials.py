"""Model classes that store a password as given: a class-level column named password (SQLAlchemy `Column` /
`mapped_column`, Django and peewee fields, `Field` of a SQLModel table, mongoengine fields) on a class that hashes
nothing itself (no `password` property or setter, no `@validates('password')`, no `__init__`, `save` or
`create` that calls a hasher). Building such a model with `password=<request data>` stores the password in
clear; the taint rules make that call a `password` sink (see TaintRules.with_credential_models)."""
from __future__ import annotations

import ast
import re

from auditor.pyast import last_name
from auditor.repo import Repository

PASSWORD_FIELDS = frozenset({"password", "passwd", "pwd", "user_password"})
COLUMNS = frozenset({"Column", "mapped_column", "column_property"})        # SQLAlchemy: always a column
# a field is a column only on a model class (a DRF serializer's or a form's CharField is input, not storage)
FIELDS = frozenset({"Field", "CharField", "TextField", "StringField", "BinaryField"})
MODEL_BASES = frozenset({"Model", "Document", "DynamicDocument", "AbstractUser", "AbstractBaseUser"})
# methods that may change the value on its way into the column
HASHING_PLACES = frozenset({"__init__", "save", "create", "pre_save", "before_save", "clean"})
HASHES = re.compile(r"hash|bcrypt|argon|pbkdf|scrypt|make_password|set_password|encrypt|crypt", re.IGNORECASE)


def credential_models(repo: Repository, rels: list[str]) -> list[str]:
    """Names of the classes whose password column is stored as given."""
    found = []
    for rel in rels:
        text = repo.read_text(rel) or ""
        if "password" not in text and "passwd" not in text and "pwd" not in text:
            continue
        tree = repo.python_ast(rel)
        if tree is None:
            continue
        for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
            if _password_column(cls) is not None and not _hashes_itself(cls, text):
                found.append(cls.name)
    return sorted(set(found))


def _password_column(cls: ast.ClassDef) -> str | None:
    for stmt in cls.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        for target in targets:
            if isinstance(target, ast.Name) and target.id in PASSWORD_FIELDS and isinstance(value, ast.Call) \
                    and (last_name(value.func) in COLUMNS or last_name(value.func) in FIELDS and _model(cls)):
                return target.id
    return None


def _model(cls: ast.ClassDef) -> bool:
    """A Django/peewee/mongoengine model, or a SQLModel class declared with table=True (a pydantic model's
    Fields are not columns)."""
    return any(last_name(base) in MODEL_BASES for base in cls.bases) or \
        any(kw.arg == "table" and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in cls.keywords)


def _hashes_itself(cls: ast.ClassDef, module_text: str) -> bool:
    for stmt in cls.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if stmt.name in PASSWORD_FIELDS:
            return True                       # a property or setter stands in for the column
        for dec in stmt.decorator_list:       # @validates("password"), @password.setter
            if PASSWORD_FIELDS & {c.value for c in ast.walk(dec) if isinstance(c, ast.Constant)} \
                    or (isinstance(dec, ast.Attribute) and dec.attr == "setter"):
                return True
        if stmt.name in HASHING_PLACES and HASHES.search(ast.unparse(stmt)):
            return True
    # an attribute event on the column: event.listen(User.password, "set", hash_it) / @listens_for(...)
    return re.search(rf"\b{re.escape(cls.name)}\.(?:{'|'.join(PASSWORD_FIELDS)})\b\s*,\s*['\"]set['\"]",
                     module_text) is not None
