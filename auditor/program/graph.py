"""The program: every module's symbols, imports resolved to the repository's own definitions, and calls
resolved to the functions they run (plain names, imported names, `module.func`, `self.`/`cls.` methods,
methods of locally typed objects, class instantiation, functions passed as decorators and callbacks)."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.program.modules import ModuleIndex
from auditor.program.symbols import ClassInfo, FunctionInfo, ImportTarget, ModuleSymbols

MAX_DEPTH = 8   # re-export chains followed through __init__ modules


@dataclass(frozen=True)
class Symbol:
    """What a name means: kind is function, method (of an instance), class, instance (of a class), module,
    or external."""
    kind: str
    function: FunctionInfo | None = None
    cls: ClassInfo | None = None
    rel: str | None = None
    external: str = ""


@dataclass
class CallTarget:
    """A call resolved: the repository functions it may run (with whether the callee's first parameter is
    bound, i.e. not passed at the call site), and the dotted names it reads as, for the rules."""
    functions: list[tuple[FunctionInfo, bool]] = field(default_factory=list)
    names: tuple[str, ...] = ()     # as written, and with imports resolved: ('sp.run', 'subprocess.run')
    instantiates: ClassInfo | None = None


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        base = dotted(node.func)
        return f"{base}()" if base else ""
    return ""


class Program:
    def __init__(self, index: ModuleIndex, modules: dict[str, ModuleSymbols],
                 functions: dict[str, FunctionInfo]) -> None:
        self.index = index
        self.modules = modules
        self.functions = functions
        # (function id, parameter name) -> the functions passed in that parameter (callbacks, decorators)
        self.bindings: dict[tuple[str, str], list[FunctionInfo]] = {}
        self.calls: dict[str, list[str]] = {}           # caller id -> callee ids
        self.entries: dict[str, str] = {}               # function id -> framework, for request handlers
        self.children: dict[str, list[str]] = {}        # function id -> ids of the functions defined in it
        for fid, info in functions.items():
            if info.parent:
                self.children.setdefault(info.parent, []).append(fid)
        self._nested: dict[str, dict[str, FunctionInfo]] = {}
        self._lookups: dict[tuple[str, str], Symbol | None] = {}
        self.unread: set[str] = set()                   # functions too deeply nested to analyse
        self._imports_done: set[str] = set()
        self._bases: dict[int, list[ClassInfo]] = {}                        # id(class) -> its bases of ours
        self._methods: dict[tuple[int, str], FunctionInfo | None] = {}      # (id(class), name) -> method

    # ---- names ------------------------------------------------------------------------------------
    def import_target(self, mod: ModuleSymbols, name: str) -> ImportTarget | None:
        if mod.rel not in self._imports_done:
            self._resolve_imports(mod)
        return mod.imports.get(name)

    def _resolve_imports(self, mod: ModuleSymbols) -> None:
        self._imports_done.add(mod.rel)
        for local, raw in mod.raw.items():
            if raw.level:
                module = self.index.resolve_relative(raw.module, raw.level, mod.rel)
                base_rel = self.index.by_full.get(module) if module is not None else None
                written = "." * raw.level + (raw.module or "")
            else:
                module = raw.module
                base_rel = self.index.resolve_absolute(raw.module, mod.rel) if raw.module else None
                written = raw.module or ""
            if raw.name is None:
                mod.imports[local] = ImportTarget(base_rel, None, written)
            elif raw.name == "*":
                mod.imports[local] = ImportTarget(base_rel, "*", written)
            else:
                sub = self.index.resolve_absolute(f"{module}.{raw.name}", mod.rel) if module and base_rel else None
                if sub is not None and self.index.name_of.get(sub, "").endswith(raw.name):
                    mod.imports[local] = ImportTarget(sub, None, f"{written}.{raw.name}")
                else:
                    mod.imports[local] = ImportTarget(base_rel, raw.name, f"{written}.{raw.name}")

    def lookup(self, rel: str, name: str, depth: int = 0) -> Symbol | None:
        """What `name` means at the top level of module `rel`, following imports and re-exports."""
        if depth == 0:
            key = (rel, name)
            if key in self._lookups:
                return self._lookups[key]
            found = self._lookup(rel, name, 0)
            self._lookups[key] = found
            return found
        return self._lookup(rel, name, depth)

    def _lookup(self, rel: str, name: str, depth: int) -> Symbol | None:
        mod = self.modules.get(rel)
        if mod is None or depth > MAX_DEPTH:
            return None
        fid = mod.functions.get(name)
        if fid is not None:
            return Symbol("function", function=self.functions[fid])
        cls = mod.classes.get(name)
        if cls is not None:
            return Symbol("class", cls=cls)
        target = self.import_target(mod, name)
        if target is not None:
            if target.rel is None:
                return Symbol("external", external=target.external)
            if target.attr is None:
                return Symbol("module", rel=target.rel)
            found = self.lookup(target.rel, target.attr, depth + 1)
            return found or Symbol("external", external=target.external)
        alias = mod.aliases.get(name)
        if alias is not None:
            if isinstance(alias, ast.Call):
                made = self.resolve_expr(rel, alias.func, depth + 1)
                if made is not None and made.kind == "class":
                    return Symbol("instance", cls=made.cls)
                return None
            return self.resolve_expr(rel, alias, depth + 1)
        for key, star in mod.imports.items() if mod.rel in self._imports_done else ():
            if key.startswith("*") and star.rel is not None:
                found = self.lookup(star.rel, name, depth + 1)
                if found is not None:
                    return found
        return None

    def resolve_expr(self, rel: str, node: ast.expr, depth: int = 0) -> Symbol | None:
        """A module-level name or dotted attribute (`users.find`, `db.queries.run`) as a symbol."""
        if isinstance(node, ast.Name):
            return self.lookup(rel, node.id, depth)
        if isinstance(node, ast.Attribute):
            base = self.resolve_expr(rel, node.value, depth)
            if base is None:
                return None
            return self.member(base, node.attr, depth)
        return None

    def member(self, base: Symbol, attr: str, depth: int = 0) -> Symbol | None:
        if base.kind == "module" and base.rel is not None:
            found = self.lookup(base.rel, attr, depth + 1)
            if found is None:   # a submodule imported as `import pkg` then `pkg.sub`
                name = self.index.name_of.get(base.rel, "")
                sub = self.index.by_full.get(f"{name}.{attr}")
                return Symbol("module", rel=sub) if sub else None
            return found
        if base.kind in ("class", "instance") and base.cls is not None:
            fn = self.method(base.cls, attr)
            if fn is None:
                return None
            return Symbol("method" if base.kind == "instance" else "function", function=fn, cls=base.cls)
        if base.kind == "external":
            return Symbol("external", external=f"{base.external}.{attr}")
        return None

    def nested(self, fn: FunctionInfo) -> dict[str, FunctionInfo]:
        """The functions defined inside `fn` and inside the functions enclosing it, by name."""
        found = self._nested.get(fn.id)
        if found is None:
            chain = []
            current: FunctionInfo | None = fn
            while current is not None:
                chain.append(current)
                current = self.functions.get(current.parent) if current.parent else None
            found = {}
            for f in reversed(chain):
                for child in self.children.get(f.id, ()):
                    found[self.functions[child].name] = self.functions[child]
            self._nested[fn.id] = found
        return found

    # ---- classes ------------------------------------------------------------------------------------
    # A class's bases and a method looked up from a class are memoised: both follow only module-level names
    # (lookup, itself memoised), which never change once the program is built, and the summaries' fixpoint
    # asked for them about a million times on a 250,000-line repository.
    def bases(self, cls: ClassInfo) -> list[ClassInfo]:
        """Our classes among `cls`'s bases (shared: do not modify)."""
        known = self._bases.get(id(cls))
        if known is not None:
            return known
        out = []
        for b in cls.node.bases:
            sym = self.resolve_expr(cls.rel, b)
            if sym is not None and sym.kind == "class" and sym.cls is not None and sym.cls is not cls:
                out.append(sym.cls)
        self._bases[id(cls)] = out
        return out

    def method(self, cls: ClassInfo, name: str, depth: int = 0) -> FunctionInfo | None:
        fid = cls.methods.get(name)
        if fid is not None:
            return self.functions[fid]
        if depth > MAX_DEPTH:
            return None
        if depth == 0:
            key = (id(cls), name)
            if key not in self._methods:
                self._methods[key] = self._inherited(cls, name, depth)
            return self._methods[key]
        return self._inherited(cls, name, depth)

    def _inherited(self, cls: ClassInfo, name: str, depth: int) -> FunctionInfo | None:
        for base in self.bases(cls):
            found = self.method(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def is_model(self, cls: ClassInfo, depth: int = 0) -> bool:
        """An ORM model class: a base written `...Model` (db.Model, models.Model), a declarative base
        (`Base`, `DeclarativeBase`, `declarative_base()`), or one of our classes that is a model."""
        for b in cls.node.bases:
            name = dotted(b).removesuffix("()")
            last = name.rsplit(".", 1)[-1]
            if last in ("Model", "Base", "DeclarativeBase", "SQLModel") or last.endswith("Model") and "." in name:
                return True
        return depth < MAX_DEPTH and any(self.is_model(base, depth + 1) for base in self.bases(cls))

    def model_methods(self, name: str) -> list[FunctionInfo]:
        """The methods called `name` that a row of some ORM model class of ours has (its own or a mixin's):
        what `row.name()` may run when the row's class is not known (`for item in page.items: item.to_dict()`)."""
        cache: dict[str, list[FunctionInfo]] = self.__dict__.setdefault("_model_methods", {})
        if name not in cache:
            found: dict[str, FunctionInfo] = {}
            for cls in self._model_classes():
                m = self.method(cls, name)
                if m is not None and m.kind not in ("staticmethod", "classmethod"):
                    found[m.id] = m
            cache[name] = [found[k] for k in sorted(found)]
        return cache[name]

    def _model_classes(self) -> list[ClassInfo]:
        """Our module-level ORM model classes, found once: model_methods is asked for hundreds of names, and
        looking each name up in every class first cost more than the summaries' own analysis."""
        known = self.__dict__.get("_models")
        if known is None:
            known = self.__dict__["_models"] = [cls for mod in self.modules.values() for cls in mod.classes.values()
                                                if self.is_model(cls)]
        return known

    def annotated_class(self, rel: str, annotation: ast.expr | None) -> ClassInfo | None:
        """The class of ours an annotation names: `Service`, `mod.Service`, `Service | None`,
        `Optional[Service]`, `"Service"`."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = [s for s in (annotation.left, annotation.right)
                     if not (isinstance(s, ast.Constant) and s.value is None)]
            return self.annotated_class(rel, sides[0]) if len(sides) == 1 else None
        if isinstance(annotation, ast.Subscript) and dotted(annotation.value).rsplit(".", 1)[-1] == "Optional":
            return self.annotated_class(rel, annotation.slice)
        if isinstance(annotation, (ast.Name, ast.Attribute)):
            sym = self.resolve_expr(rel, annotation)
            if sym is not None and sym.kind == "class":
                return sym.cls
        return None

    def attribute_class(self, cls: ClassInfo, attr: str) -> ClassInfo | None:
        """The class of ours `self.<attr>` holds: built there (`self.repo = Repo()`), or given to `__init__`
        in a parameter annotated with our class (`def __init__(self, repo: Repo): self.repo = repo`), or
        declared in the class body (`repo: Repo`). Inherited attributes count."""
        for owner in [cls] + self.bases(cls):
            made = owner.attributes.get(attr)
            if made is not None:
                if isinstance(made, ast.Call):
                    return self.class_of_call(owner.rel, made, {})
                return self.annotated_class(owner.rel, made)
        return None

    def implementations(self, cls: ClassInfo, name: str) -> list[FunctionInfo]:
        """What `obj.name()` may run when `obj` is declared as `cls`: the method it finds, or, when that
        method is abstract (a port, an ABC, a Protocol), the overrides in our subclasses of `cls`."""
        found = self.method(cls, name)
        if found is None or not _abstract(found.node):
            return [found] if found is not None else []
        impls = []
        for sub in self.subclasses(cls):
            m = sub.methods.get(name)
            if m is not None and not _abstract(self.functions[m].node):
                impls.append(self.functions[m])
        return impls or [found]

    def subclasses(self, cls: ClassInfo) -> list[ClassInfo]:
        """Our module-level classes that derive from `cls`, directly or not."""
        index: dict[int, list[ClassInfo]] | None = self.__dict__.get("_subclasses")
        if index is None:
            index = {}
            for mod in self.modules.values():
                for c in mod.classes.values():
                    for base in self.bases(c):
                        index.setdefault(id(base), []).append(c)
            self.__dict__["_subclasses"] = index
        out: list[ClassInfo] = []
        todo = list(index.get(id(cls), ()))
        while todo and len(out) < 64:
            c = todo.pop(0)
            if c not in out and c is not cls:
                out.append(c)
                todo.extend(index.get(id(c), ()))
        return out

    def class_of_call(self, rel: str, call: ast.expr, scope: dict[str, ClassInfo]) -> ClassInfo | None:
        """The class a `Class(...)` expression instantiates, when it is ours."""
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name) and call.func.id in scope:
                return None
            sym = self.resolve_expr(rel, call.func)
            if sym is not None and sym.kind == "class":
                return sym.cls
        return None

    # ---- calls --------------------------------------------------------------------------------------
    def resolve_call(self, fn: FunctionInfo, call: ast.Call, types: dict[str, ClassInfo],
                     nested: dict[str, FunctionInfo]) -> CallTarget:
        """What `call`, inside function `fn`, runs. `types`: local names known to hold an instance of one
        of our classes; `nested`: functions defined inside `fn` (and its enclosing functions)."""
        func = call.func
        written = dotted(func)
        rel = fn.rel
        if isinstance(func, ast.Name):
            name = func.id
            if name in nested:
                return CallTarget([(nested[name], False)], (written,))
            bound = self.bound_parameter(fn, name)
            if bound is not None:
                return CallTarget([(f, f.bound) for f in bound], (written,))
            if name in types or self._is_param(fn, name):
                return CallTarget([], (written,))
            sym = self.lookup(rel, name)
            return self._from_symbol(sym, written)
        if isinstance(func, ast.Attribute):
            attr = func.attr
            value = func.value
            owner: ClassInfo | None = None
            if isinstance(value, ast.Name):
                if fn.cls is not None and fn.params and value.id == fn.params[0] and fn.kind != "staticmethod":
                    owner = fn.cls
                elif value.id in types:
                    owner = types[value.id]
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super" and fn.cls:
                for base in self.bases(fn.cls):
                    m = self.method(base, attr)
                    if m is not None:
                        return CallTarget([(m, m.bound)], (written,))
                return CallTarget([], (written,))
            elif isinstance(value, ast.Call):     # Importer("yaml").load(data): a method of an instance made here
                owner = self.class_of_call(rel, value, nested)
            elif (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and fn.cls is not None
                  and fn.params and value.value.id == fn.params[0]):
                owner = self.attribute_class(fn.cls, value.attr)
            if owner is not None:
                return CallTarget([(m, m.kind != "staticmethod") for m in self.implementations(owner, attr)],
                                  (written,))
            if isinstance(value, ast.Name) and (value.id in types or self._is_param(fn, value.id)):
                return CallTarget([], (written,))
            base = self.resolve_expr(rel, value)
            if base is not None:
                sym = self.member(base, attr)
                return self._from_symbol(sym, written)
        return CallTarget([], (written,) if written else ())

    def _from_symbol(self, sym: Symbol | None, written: str) -> CallTarget:
        if sym is None:
            return CallTarget([], (written,))
        if sym.kind == "method" and sym.function is not None:     # instance.method(...)
            return CallTarget([(sym.function, sym.function.kind != "staticmethod")], (written,))
        if sym.kind == "function" and sym.function is not None:   # func(...), Class.classmethod(...)
            return CallTarget([(sym.function, sym.function.kind == "classmethod")], (written,))
        if sym.kind == "class" and sym.cls is not None:
            init = self.method(sym.cls, "__init__")
            return CallTarget([(init, True)] if init else [], (written,), instantiates=sym.cls)
        if sym.kind == "instance" and sym.cls is not None:
            call = self.method(sym.cls, "__call__")
            return CallTarget([(call, True)] if call else [], (written,))
        if sym.kind == "external":
            return CallTarget([], (written, sym.external) if sym.external != written else (written,))
        return CallTarget([], (written,))

    def _is_param(self, fn: FunctionInfo, name: str) -> bool:
        return name in fn.params or f"*{name}" in fn.params or f"**{name}" in fn.params

    def bound_parameter(self, fn: FunctionInfo, name: str) -> list[FunctionInfo] | None:
        """The functions a parameter named `name` of `fn` or of an enclosing function was given
        (a decorator's wrapped function, a callback), or None when it is no such parameter."""
        current: FunctionInfo | None = fn
        while current is not None:
            if self._is_param(current, name):
                return self.bindings.get((current.id, name))
            current = self.functions.get(current.parent) if current.parent else None
        return None


def _abstract(node: ast.AST) -> bool:
    """A method with no body of its own: `@abstractmethod`, or only a docstring, `pass`, `...` or
    `raise NotImplementedError`."""
    for d in getattr(node, "decorator_list", ()):
        if dotted(d).rsplit(".", 1)[-1] == "abstractmethod":
            return True
    for stmt in getattr(node, "body", ()):
        if isinstance(stmt, ast.Pass) or isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None and \
                dotted(stmt.exc).removesuffix("()").rsplit(".", 1)[-1] == "NotImplementedError":
            continue
        return False
    return True
