"""Python AST helpers shared by the Flask, FastAPI, Django and aiohttp extractors.

`PyProject` maps module names to files and resolves a name used in one file (`from app.views import api`,
`import app.views as v; v.api`) to its definition in another. Nothing is imported: only parsed.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

from auditor.astwalk import nodes_of, walk
from auditor.budget import budgeted
from auditor.pyast import arg, const_str, dotted, kwarg, last_name
from auditor.repo import Repository

# the name and argument helpers are auditor/pyast.py's (here `dotted` is the strict one: None unless a name)
__all__ = ["PyModule", "PyProject", "alias_value", "arg", "calls_in", "class_attr", "class_bases", "class_chain",
           "class_method", "const_str", "dotted", "import_aliases", "kwarg", "last_name", "literal_str",
           "module_name", "names_in", "source_text", "str_list"]


def str_list(node: ast.AST | None) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out = [const_str(e) for e in node.elts]
        return [s for s in out if s is not None] if all(s is not None for s in out) else None
    s = const_str(node)
    return [s] if s is not None else None


def module_name(path: str) -> str:
    mod = re.sub(r"\.pyi?$", "", path).replace("/", ".")
    if mod.endswith(".__init__"):
        mod = mod[: -len(".__init__")]
    return mod


def calls_in(node: ast.AST):
    for sub in nodes_of(node, ast.Call):
        yield sub


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, ast.Name)}


def source_text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of exotic nodes
        return ""


@dataclass
class PyModule:
    path: str
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)   # local name -> "module" or "module.attr"

    @cached_property
    def assignments(self) -> dict[str, ast.AST]:
        """Module-level `name = value` (last one wins)."""
        out: dict[str, ast.AST] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        out[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                out[node.target.id] = node.value
        return out

    @cached_property
    def functions(self) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
        return {n.name: n for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    @cached_property
    def classes(self) -> dict[str, ast.ClassDef]:
        return {n.name: n for n in self.tree.body if isinstance(n, ast.ClassDef)}


class PyProject:
    """Every parseable Python file of the repository, indexed by module name."""

    def __init__(self, repo: Repository, paths: list[str] | None = None):
        self.repo = repo
        self.modules: dict[str, PyModule] = {}
        self.by_path: dict[str, PyModule] = {}
        for path in budgeted(paths if paths is not None else repo.paths(language="python")):
            tree = repo.python_ast(path) or _tolerant_parse(repo.read_text(path))
            if tree is None:
                continue
            mod = PyModule(path, module_name(path), tree)
            mod.imports = _imports(tree, mod.name, path.endswith("__init__.py"))
            self.modules[mod.name] = mod
            self.by_path[path] = mod

    def find_module(self, name: str) -> PyModule | None:
        """The module called `name`, also when the repo keeps code under a folder (src/, backend/)."""
        if name in self.modules:
            return self.modules[name]
        hits = self._by_tail.get(name)
        return min(hits, key=lambda m: len(m.name)) if hits else None

    @cached_property
    def _by_tail(self) -> dict[str, list[PyModule]]:
        """Each proper dotted tail of a module name (`b.c` and `c` of `a.b.c`) -> the modules it ends, in
        the order of `modules`: find_module asks for one per import a handler's class chain follows."""
        out: dict[str, list[PyModule]] = {}
        for name, mod in self.modules.items():
            start = name.find(".")
            while start != -1:
                out.setdefault(name[start + 1:], []).append(mod)
                start = name.find(".", start + 1)
        return out

    @cached_property
    def _class_owners(self) -> dict[str, list[PyModule]]:
        """Top-level class name -> the modules that define one, in the order of `modules`."""
        out: dict[str, list[PyModule]] = {}
        for mod in self.modules.values():
            for name in mod.classes:
                out.setdefault(name, []).append(mod)
        return out

    def resolve(self, mod: PyModule, expr: str) -> tuple[PyModule, str] | None:
        """Where a dotted name used in `mod` is defined: (module, name there). None when not in the repo."""
        head, _, rest = expr.partition(".")
        if head in mod.imports:
            target = mod.imports[head]
            full = f"{target}.{rest}" if rest else target
        elif not rest:
            return (mod, head)
        else:
            full = expr
        # longest module prefix that is a module of the repo
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            found = self.find_module(".".join(parts[:i]))
            if found is not None:
                name = ".".join(parts[i:])
                if "." not in name and name in found.imports and found is not mod:
                    again = self.resolve(found, name)  # re-exported name
                    if again is not None and again[0] is not found:
                        return again
                return (found, name)
        found = self.find_module(full)
        if found is not None:
            return (found, "")
        return None

    def resolve_class(self, mod: PyModule, expr: str) -> tuple[PyModule, ast.ClassDef] | None:
        hit = self.resolve(mod, expr)
        if hit and hit[1] in hit[0].classes:
            return hit[0], hit[0].classes[hit[1]]
        name = expr.rsplit(".", 1)[-1]
        owners = self._class_owners.get(name, ())
        if len(owners) == 1:
            return owners[0], owners[0].classes[name]
        return None

    def resolve_function(self, mod: PyModule, expr: str):
        hit = self.resolve(mod, expr)
        if hit and hit[1] in hit[0].functions:
            return hit[0], hit[0].functions[hit[1]]
        return None


_PEP758_EXCEPT = re.compile(r"^(\s*except\*?\s+)(?!\()([\w.]+(?:\s*,\s*[\w.]+)+)(\s*:)", re.M)


def _tolerant_parse(text: str | None) -> ast.Module | None:
    """Parse code written for a newer Python than ours where the only obstacle is a syntax we can rewrite
    in place without moving lines: PEP 758 unparenthesized `except A, B:` (Python 3.14)."""
    if not text:
        return None
    fixed = _PEP758_EXCEPT.sub(lambda m: f"{m.group(1)}({m.group(2)}){m.group(3)}", text)
    if fixed == text:
        return None
    try:
        return ast.parse(fixed)
    except (SyntaxError, ValueError):
        return None


def _imports(tree: ast.Module, modname: str, is_package: bool) -> dict[str, str]:
    package = modname if is_package else modname.rpartition(".")[0]
    return import_aliases(tree, package.split(".") if package else [])


def import_aliases(tree: ast.Module, package: list[str]) -> dict[str, str]:
    """Local name -> dotted name for every import in the module; `package`: the parts of the package the
    module sits in, against which relative imports resolve."""
    out: dict[str, str] = {}
    for node in walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    out[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join(p for p in (*parts, base) if p)
            for alias in node.names:
                if alias.name == "*":
                    continue
                out[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return out


def class_bases(project: PyProject, mod: PyModule, cls: ast.ClassDef, depth: int = 0) -> list[str]:
    """Base class names (last component), following classes defined in the repository."""
    out: list[str] = []
    for base in cls.bases:
        name = dotted(base)
        if not name:
            continue
        out.append(name.rsplit(".", 1)[-1])
        if depth < 6:
            found = project.resolve_class(mod, name)
            if found is not None and found[1] is not cls:
                out.extend(class_bases(project, found[0], found[1], depth + 1))
    return out


def class_chain(project: PyProject, mod: PyModule, cls: ast.ClassDef, depth: int = 0):
    """(module, class) for the class and its bases defined in the repo, nearest first."""
    yield mod, cls
    if depth >= 6:
        return
    for base in cls.bases:
        name = dotted(base)
        if name:
            found = project.resolve_class(mod, name)
            if found is not None and found[1] is not cls:
                yield from class_chain(project, found[0], found[1], depth + 1)


def class_attr(project: PyProject, mod: PyModule, cls: ast.ClassDef, attr: str):
    """(module, value node, line) of a class attribute, looked up through repo-defined bases."""
    for m, c in class_chain(project, mod, cls):
        for node in c.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in node.targets):
                return m, node.value, node.lineno
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == attr \
                    and node.value is not None:
                return m, node.value, node.lineno
    return None


def class_method(project: PyProject, mod: PyModule, cls: ast.ClassDef, name: str):
    for m, c in class_chain(project, mod, cls):
        for node in c.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return m, c, node
    return None


def literal_str(project: PyProject, mod: PyModule, node: ast.AST | None, depth: int = 0) -> str | None:
    """A string known without running code: a literal, a module constant (also imported), or a
    settings attribute `settings.API_PREFIX` whose class declares `API_PREFIX: str = "/api"`."""
    if node is None or depth > 4:
        return None
    value = const_str(node)
    if value is not None:
        return value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue):
                inner = literal_str(project, mod, v.value, depth + 1)
                if inner is None:
                    return None
                parts.append(inner)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = literal_str(project, mod, node.left, depth + 1)
        right = literal_str(project, mod, node.right, depth + 1)
        return left + right if left is not None and right is not None else None
    name = dotted(node)
    if not name:
        return None
    hit = project.resolve(mod, name)
    if hit is not None and hit[1] and "." not in hit[1]:
        target = hit[0].assignments.get(hit[1])
        if target is not None and target is not node:
            return literal_str(project, hit[0], target, depth + 1)
    if "." in name:  # instance attribute of a settings object defined in the repo
        obj, _, attr = name.rpartition(".")
        hit = project.resolve(mod, obj)
        if hit is not None and hit[1] and "." not in hit[1]:
            inst = hit[0].assignments.get(hit[1])
            if isinstance(inst, ast.Call):
                found = project.resolve_class(hit[0], dotted(inst.func) or "")
                if found is not None:
                    got = class_attr(project, found[0], found[1], attr)
                    if got is not None:
                        return literal_str(project, got[0], got[1], depth + 1)
    return None


def alias_value(project: PyProject, mod: PyModule, node: ast.AST | None) -> ast.AST | None:
    """The module-level value behind a type alias name (`CurrentUser = Annotated[User, Depends(...)]`)."""
    name = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if not name:
        return None
    hit = project.resolve(mod, name)
    if hit is not None and hit[1] and "." not in hit[1]:
        value = hit[0].assignments.get(hit[1])
        if isinstance(value, ast.Subscript):
            return value
    return None
