"""What one module defines and imports: functions (methods and nested functions included), classes, imports,
and module-level names bound to a function or to an instance of a class."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(eq=False)
class ClassInfo:
    rel: str
    name: str
    node: ast.ClassDef
    methods: dict[str, str] = field(default_factory=dict)    # method name -> function id
    # self.x = <call> in any method, or the annotation of what it was given / declared as
    attributes: dict[str, ast.expr] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rel}::{self.name}"


@dataclass(eq=False)
class FunctionInfo:
    id: str                      # "<rel>::<Qual.name>"
    rel: str
    name: str
    qualname: str
    node: FunctionNode
    cls: ClassInfo | None        # the class a method belongs to
    parent: str | None           # the enclosing function's id, for a nested function
    params: list[str]
    kind: str = "function"       # function, method, staticmethod, classmethod

    @property
    def bound(self) -> bool:
        """Called through an instance or class: the first parameter is not passed at the call site."""
        return self.kind in ("method", "classmethod")

    @property
    def line(self) -> int:
        return self.node.lineno

    @property
    def end_line(self) -> int:
        return getattr(self.node, "end_lineno", None) or self.node.lineno


@dataclass(frozen=True)
class ImportTarget:
    """What a local name imported: a module of ours (`rel`), a name inside one (`rel`, `attr`), or an
    external dotted name (`external`: 'subprocess.run')."""
    rel: str | None
    attr: str | None
    external: str


@dataclass(frozen=True)
class RawImport:
    module: str | None     # dotted module as written (without the leading dots)
    level: int             # relative import level, 0 for absolute
    name: str | None       # the imported name for `from m import name`; None for `import m`


@dataclass(eq=False)
class ModuleSymbols:
    rel: str
    tree: ast.Module
    functions: dict[str, str] = field(default_factory=dict)     # top-level name -> function id
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    imports: dict[str, ImportTarget] = field(default_factory=dict)  # filled by the program from `raw`
    raw: dict[str, RawImport] = field(default_factory=dict)          # imports as written
    aliases: dict[str, ast.expr] = field(default_factory=dict)  # module-level NAME = <name or call>


def _params(node: FunctionNode) -> list[str]:
    a = node.args
    names = [p.arg for p in a.posonlyargs + a.args]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    names += [p.arg for p in a.kwonlyargs]
    if a.kwarg:
        names.append("**" + a.kwarg.arg)
    return names


def _kind(node: FunctionNode, in_class: bool) -> str:
    if not in_class:
        return "function"
    for d in node.decorator_list:
        name = d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
        if name == "staticmethod":
            return "staticmethod"
        if name == "classmethod":
            return "classmethod"
    return "method"


def collect_symbols(rel: str, tree: ast.Module, functions: dict[str, FunctionInfo]) -> ModuleSymbols:
    """The module's definitions; every function found is added to `functions` by id."""
    mod = ModuleSymbols(rel, tree)

    def visit_body(body: list[ast.stmt], prefix: str, cls: ClassInfo | None, parent: str | None, top: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = f"{prefix}{stmt.name}"
                fid = f"{rel}::{qual}"
                info = FunctionInfo(fid, rel, stmt.name, qual, stmt, cls, parent, _params(stmt),
                                    _kind(stmt, cls is not None))
                functions[fid] = info
                if cls is not None:
                    cls.methods[stmt.name] = fid
                    _self_attributes(stmt, cls)
                elif top:
                    mod.functions[stmt.name] = fid
                visit_body(stmt.body, f"{qual}.", None, fid, False)
            elif isinstance(stmt, ast.ClassDef):
                info_c = ClassInfo(rel, f"{prefix}{stmt.name}", stmt)
                if top and cls is None:
                    mod.classes[stmt.name] = info_c
                visit_body(stmt.body, f"{prefix}{stmt.name}.", info_c, parent, False)
                for item in stmt.body:   # `repo: UserRepo` declared in the class body (dataclasses, pydantic)
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is None:
                        info_c.attributes.setdefault(item.target.id, item.annotation)
            elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.AsyncWith)) or type(stmt).__name__ == "TryStar":
                for block in ("body", "orelse", "finalbody"):
                    visit_body(getattr(stmt, block, []) or [], prefix, cls, parent, top)
                for handler in getattr(stmt, "handlers", []) or []:
                    visit_body(handler.body, prefix, cls, parent, top)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):   # function-local imports too
                _record_import(stmt, mod)
            elif top and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                if isinstance(stmt.value, (ast.Name, ast.Attribute, ast.Call)):
                    mod.aliases[stmt.targets[0].id] = stmt.value

    visit_body(tree.body, "", None, None, True)
    return mod


def _self_attributes(fn: FunctionNode, cls: ClassInfo) -> None:
    """`self.repo = UserRepository(...)`: the attribute's value, so `self.repo.find()` resolves."""
    if not fn.args.args:
        return
    me = fn.args.args[0].arg
    annotated = {a.arg: a.annotation for a in fn.args.args + fn.args.kwonlyargs if a.annotation is not None}
    for stmt in ast.walk(fn) if fn.name == "__init__" else fn.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            t = stmt.targets[0]
            if not (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me):
                continue
            if isinstance(stmt.value, ast.Call):
                cls.attributes.setdefault(t.attr, stmt.value)
            elif isinstance(stmt.value, ast.Name) and stmt.value.id in annotated:
                # `self.repo = repo` with `repo: UserRepo`: the annotation, read as a type
                cls.attributes.setdefault(t.attr, annotated[stmt.value.id])


def _record_import(stmt: ast.Import | ast.ImportFrom, mod: ModuleSymbols) -> None:
    raw = mod.raw
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                raw.setdefault(alias.asname, RawImport(alias.name, 0, None))
            else:
                top = alias.name.split(".")[0]
                raw.setdefault(top, RawImport(top, 0, None))
                raw.setdefault("@" + alias.name, RawImport(alias.name, 0, None))   # import a.b: a.b usable
    else:
        for alias in stmt.names:
            if alias.name == "*":
                raw.setdefault(f"*{len(raw)}", RawImport(stmt.module, stmt.level, "*"))
                continue
            raw.setdefault(alias.asname or alias.name, RawImport(stmt.module, stmt.level, alias.name))
