"""Which same-repository definition a JavaScript/TypeScript call reaches: plain names, imported names
(`require`, `import`, re-exports), `ns.func()` on an imported module or namespace object, `this.method()`
inside a class, `this.dep.method()` on a field or constructor parameter typed with one of our classes, and
`svc.method()` on an instance a module creates and exports (`module.exports = new Service()`)."""
from __future__ import annotations

from tree_sitter import Node

from auditor.program.js.effects import unwrap
from auditor.program.js.modules import resolve as resolve_spec
from auditor.program.js.parse import text
from auditor.program.js.symbols import JsModule, Value

MAX_DEPTH = 12


class Resolver:
    def __init__(self, modules: dict[str, JsModule]):
        self.modules = modules

    def name(self, mod: JsModule, name: str, depth: int = 0) -> Value | None:
        if depth > MAX_DEPTH:
            return None
        if name in mod.imports:
            spec, member = mod.imports[name]
            target = resolve_spec(mod.rel, spec, self.modules)
            return self.export(target, member, depth + 1) if target else None
        if name in mod.bindings:
            return self.value(mod, mod.bindings[name], depth + 1)
        if name in mod.classes:
            return ("class", mod.rel, name)
        return None

    def export(self, rel: str, member: str, depth: int = 0) -> Value | None:
        mod = self.modules.get(rel)
        if mod is None or depth > MAX_DEPTH:
            return None
        if "." in member:           # `const { a } = require('./x').b`
            first, rest = member.split(".", 1)
            base = self.export(rel, first, depth + 1)
            return self.member(base, rest, depth + 1) if base else None
        if member == "*":
            return ("module", rel)
        if member == "=":
            return self.value(mod, mod.exports["="], depth + 1) if "=" in mod.exports else ("module", rel)
        if member in mod.exports:
            return self.value(mod, mod.exports[member], depth + 1)
        if member == "default":
            return self.value(mod, mod.exports["="], depth + 1) if "=" in mod.exports else None
        if "=" in mod.exports:
            whole = self.value(mod, mod.exports["="], depth + 1)
            found = self.member(whole, member, depth + 1) if whole else None
            if found is not None:
                return found
        for spec in mod.star_exports:
            target = resolve_spec(rel, spec, self.modules)
            found = self.export(target, member, depth + 1) if target else None
            if found is not None:
                return found
        return None

    def value(self, mod: JsModule, v: Value, depth: int = 0) -> Value | None:
        if depth > MAX_DEPTH or v is None:
            return None
        kind = v[0]
        if kind in ("fn", "class", "obj", "module", "inst"):
            return v
        if kind == "ref":
            target = self.modules.get(v[1])
            return self.name(target, v[2], depth + 1) if target is not None else None
        if kind == "inst_of":
            cls = self.name(mod, v[1].split("<")[0].strip(), depth + 1)
            return ("inst", cls[1], cls[2]) if cls is not None and cls[0] == "class" else None
        if kind == "import_spec":
            target = resolve_spec(mod.rel, v[1], self.modules) if v[1] else None
            return self.export(target, v[2], depth + 1) if target else None
        if kind == "member":
            base = self.value(mod, v[1], depth + 1)
            return self.member(base, v[2], depth + 1) if base else None
        return None

    def member(self, base: Value | None, prop: str, depth: int = 0) -> Value | None:
        if base is None or depth > MAX_DEPTH:
            return None
        if base[0] == "obj":
            mod = self.modules[base[1]]
            found = mod.objects.get(base[2], {}).get(prop)
            return self.value(mod, found, depth + 1) if found is not None else None
        if base[0] == "module":
            return self.export(base[1], prop, depth + 1)
        if base[0] in ("inst", "class"):
            mod = self.modules[base[1]]
            info = mod.classes.get(base[2])
            if info is None:
                return None
            if prop in info.methods and info.methods[prop]:
                return ("fn", info.methods[prop])
            if prop in info.fields:
                return self.value(mod, info.fields[prop], depth + 1)
        return None

    def expression(self, mod: JsModule, cls: str | None, node: Node, depth: int = 0) -> Value | None:
        node = unwrap(node)
        if depth > MAX_DEPTH:
            return None
        if node.type == "identifier":
            return self.name(mod, text(node), depth + 1)
        if node.type == "this":
            return ("inst", mod.rel, cls) if cls is not None else None
        if node.type == "member_expression":
            base = self.expression(mod, cls, node.child_by_field_name("object"), depth + 1)
            return self.member(base, text(node.child_by_field_name("property")), depth + 1)
        if node.type == "new_expression":
            ctor = node.child_by_field_name("constructor")
            found = self.expression(mod, cls, ctor, depth + 1) if ctor is not None else None
            return ("inst", found[1], found[2]) if found is not None and found[0] == "class" else None
        return None

    def callee(self, mod: JsModule, cls: str | None, node: Node) -> str | None:
        """The fid a call's function expression reaches, if it is one of ours."""
        found = self.expression(mod, cls, node)
        return found[1] if found is not None and found[0] == "fn" else None
