"""Definitions, bindings, exports and call sites of one JavaScript/TypeScript module, from its tree.

Functions are declarations, function expressions and arrow functions bound to names (`const f = ...`,
`exports.f = ...`, `module.exports.f = ...`), class methods (`Class.method`), object-literal methods
(`obj.key`), and the callbacks passed to route registrations (`router.post('/x', async (req, res) => ...)`,
named `POST /x`). Other callbacks passed to a call (`rows.forEach(r => ...)`, `prisma.$transaction(async tx =>
...)`, `.then(...)`) are part of the function that passes them: their body runs there, once per element for
the loop methods, inside the transaction for a transaction call. A value a module binds at top level is
recorded as data for the resolver: a function, a class, an instance (`new Service()`), an object literal, an
import (`require`, `import`), so that `svc.method()`, `ns.func()` and `this.method()` reach their definition.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from auditor.program.js import effects
from auditor.program.js.effects import classify, handed_transaction, rules, unwrap
from auditor.program.js.parse import line, text

FUNCTIONS = ("function_declaration", "generator_function_declaration", "function_expression", "function",
             "arrow_function", "generator_function", "method_definition")
LOOPS = ("for_statement", "for_in_statement", "for_of_statement", "while_statement", "do_statement")

# values the resolver follows (tuples, hashable):
#   ("fn", fid) | ("class", rel, name) | ("inst", rel, name) | ("obj", rel, key) | ("import", rel, name)
#   | ("module", rel) | ("ref", rel, name)
Value = tuple


@dataclass(frozen=True)
class DbOp:
    line: int
    effect: str            # effects.WRITE / READ
    label: str
    in_loop: bool
    atomic: bool           # inside a transaction callback, or handed a transaction/session
    guessed: bool = False  # a call on a data access object by its name: dropped when the call resolves


@dataclass
class CallSite:
    line: int
    callee: Node           # the call's function expression (or a function passed by reference)
    label: str
    in_loop: bool
    in_tx: bool


@dataclass
class JsFunction:
    fid: str               # "rel::name"
    rel: str
    name: str
    line: int
    cls: str | None = None
    route: str = ""        # "POST /x" for a route callback
    ops: list[DbOp] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    transactions: list[int] = field(default_factory=list)   # lines where it opens or runs a transaction
    node: Node | None = field(default=None, repr=False, compare=False)   # its tree (the taint pass walks it)

    @property
    def module_code(self) -> bool:
        """The module's top-level code: it runs once, when the module loads, never per request."""
        return self.name == "<module>"


@dataclass
class ClassInfo:
    methods: dict[str, str] = field(default_factory=dict)     # method -> fid
    fields: dict[str, Value] = field(default_factory=dict)    # this.x -> value


@dataclass
class JsModule:
    rel: str
    bindings: dict[str, Value] = field(default_factory=dict)
    exports: dict[str, Value] = field(default_factory=dict)   # name -> value; "=" is module.exports itself
    star_exports: list[str] = field(default_factory=list)     # `export * from './x'` (spec)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)   # local -> (spec, name | "=" | "*")
    objects: dict[str, dict[str, Value]] = field(default_factory=dict)  # object literal key -> members
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    functions: list[JsFunction] = field(default_factory=list)
    root: Node | None = field(default=None, repr=False, compare=False)


def _string(node: Node | None) -> str | None:
    if node is not None and node.type in ("string", "template_string"):
        return text(node).strip("`'\"")
    return None


def _require_spec(node: Node) -> tuple[str, str] | None:
    """`require('./x')` -> ('./x', '='); `require('./x').y` -> ('./x', 'y'); `await import('./x')` -> ('./x', '*')."""
    node = unwrap(node)
    member = "="
    if node.type == "member_expression":
        member = text(node.child_by_field_name("property"))
        node = unwrap(node.child_by_field_name("object"))
    if node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if text(fn) not in ("require", "import"):
        return None
    args = node.child_by_field_name("arguments")
    spec = _string(args.named_children[0]) if args is not None and args.named_child_count else None
    if spec is None:
        return None
    return spec, ("*" if text(fn) == "import" and member == "=" else member)


class _Walker:
    def __init__(self, rel: str):
        self.mod = JsModule(rel)
        self.rules = rules()
        self.top = JsFunction(f"{rel}::<module>", rel, "<module>", 1)
        self.mod.functions.append(self.top)
        self._anon = 0

    # ---- definitions -------------------------------------------------------------------------------------
    def new_function(self, node: Node, name: str, cls: str | None = None, route: str = "") -> JsFunction:
        fid = f"{self.mod.rel}::{name}"
        if any(f.fid == fid for f in self.mod.functions):
            fid = f"{fid}@{line(node)}"
        fn = JsFunction(fid, self.mod.rel, name, line(node), cls, route, node=node)
        self.mod.functions.append(fn)
        self.body(node, fn, cls)
        return fn

    def body(self, node: Node, fn: JsFunction, cls: str | None, in_loop: bool = False, in_tx: bool = False) -> None:
        for child in node.named_children:
            if child.type not in ("identifier", "property_identifier", "formal_parameters"):
                self.walk(child, fn, in_loop, in_tx, cls)

    def value_of(self, node: Node | None, name: str, fn: JsFunction, cls: str | None, top: bool) -> Value | None:
        """Model an expression bound to `name`; returns the value the resolver will follow."""
        if node is None:
            return None
        node = unwrap(node)
        if node.type in FUNCTIONS:
            return ("fn", self.new_function(node, name, cls).fid)
        if node.type == "class":
            self.klass(node, name)
            return ("class", self.mod.rel, name)
        if node.type == "new_expression":
            self.walk(node, fn, False, False, cls)
            ctor = node.child_by_field_name("constructor")
            return ("inst_of", text(ctor)) if ctor is not None and ctor.type == "identifier" else None
        wrapped = self._wrapped(node, name, fn, cls)
        if wrapped is not None:
            return wrapped
        req = _require_spec(node)
        if req is not None:
            key = f"<import {name}>"
            self.mod.imports[key] = req
            return ("import_local", key)
        if node.type == "identifier":
            return ("ref", self.mod.rel, text(node))
        if node.type == "member_expression":
            return ("member", self.value_of(node.child_by_field_name("object"), name, fn, cls, False) or ("none",),
                    text(node.child_by_field_name("property")))
        if node.type == "object":
            members: dict[str, Value] = {}
            for prop in node.named_children:
                if prop.type == "pair":
                    key = text(prop.child_by_field_name("key")).strip("'\"")
                    v = self.value_of(prop.child_by_field_name("value"), f"{name}.{key}", fn, cls, False)
                    if v is not None:
                        members[key] = v
                elif prop.type == "shorthand_property_identifier":
                    members[text(prop)] = ("ref", self.mod.rel, text(prop))
                elif prop.type == "method_definition":
                    key = text(prop.child_by_field_name("name"))
                    members[key] = ("fn", self.new_function(prop, f"{name}.{key}", cls).fid)
                else:
                    self.walk(prop, fn, False, False, cls)
            okey = f"{name}@{line(node)}"
            self.mod.objects[okey] = members
            return ("obj", self.mod.rel, okey)
        self.walk(node, fn, False, False, cls)
        return None

    def _wrapped(self, node: Node, name: str, fn: JsFunction, cls: str | None) -> Value | None:
        """`const create = catchAsync(async (req, res) => ...)`: the name is the function the wrapper is given
        (error and async wrappers return it, wrapped); the wrapper's other arguments are walked as usual."""
        if node.type != "call_expression":
            return None
        args = node.child_by_field_name("arguments")
        funcs = [a for a in (args.named_children if args is not None else []) if unwrap(a).type in FUNCTIONS]
        callee = node.child_by_field_name("function")
        if len(funcs) != 1 or callee is None or self._route(node, text(callee).split(".")[-1]):
            return None
        if classify(node) is not None:
            return None
        self.walk(callee, fn, False, False, cls)
        for a in args.named_children if args is not None else []:
            if a != funcs[0]:
                self.walk(a, fn, False, False, cls)
        return ("fn", self.new_function(unwrap(funcs[0]), name, cls).fid)

    def klass(self, node: Node, name: str) -> None:
        info = self.mod.classes.setdefault(name, ClassInfo())
        body = node.child_by_field_name("body")
        for member in (body.named_children if body is not None else []):
            if member.type == "method_definition":
                mname = text(member.child_by_field_name("name"))
                fn = self.new_function(member, f"{name}.{mname}", name)
                info.methods[mname] = fn.fid
                if mname == "constructor":
                    self._parameter_properties(member, info)
            elif member.type in ("public_field_definition", "field_definition"):
                key = member.child_by_field_name("name") or member.child_by_field_name("property")
                value = member.child_by_field_name("value")
                if key is not None and value is not None:
                    v = self.value_of(value, f"{name}.{text(key)}", self.top, name, False)
                    if v is not None:
                        info.fields[text(key)] = v
                    if unwrap(value).type in FUNCTIONS:
                        info.methods[text(key)] = v[1] if v else ""
                elif key is not None:
                    t = member.child_by_field_name("type")
                    if t is not None:
                        info.fields[text(key)] = ("inst_of", text(t).lstrip(": ").strip())

    def _parameter_properties(self, ctor: Node, info: ClassInfo) -> None:
        """`constructor(private readonly users: UsersService)`: this.users is a UsersService."""
        params = ctor.child_by_field_name("parameters")
        for p in (params.named_children if params is not None else []):
            pattern, annotation = p.child_by_field_name("pattern"), p.child_by_field_name("type")
            if pattern is not None and annotation is not None:
                info.fields[text(pattern)] = ("inst_of", text(annotation).lstrip(": ").strip())

    # ---- statements and expressions ---------------------------------------------------------------------
    def walk(self, node: Node, fn: JsFunction, in_loop: bool, in_tx: bool, cls: str | None) -> None:
        t = node.type
        top = fn is self.top
        if t in ("function_declaration", "generator_function_declaration"):
            name = text(node.child_by_field_name("name")) or self._anonymous()
            f = self.new_function(node, name, cls)
            self.mod.bindings.setdefault(name, ("fn", f.fid))
            return
        if t in ("class_declaration", "abstract_class_declaration"):
            name = text(node.child_by_field_name("name"))
            self.klass(node, name)
            self.mod.bindings.setdefault(name, ("class", self.mod.rel, name))
            return
        if t in FUNCTIONS:      # a function in no binding position (`return async (req, res) => ...`): its own
            self.new_function(node, self._anonymous() if top else f"{fn.name}.<anonymous>", cls)
            return
        if t == "variable_declarator":
            self.declarator(node, fn, in_loop, in_tx, cls, top)
            return
        if t == "assignment_expression":
            self.assignment(node, fn, in_loop, in_tx, cls)
            return
        if t == "import_statement":
            self.import_statement(node)
            return
        if t == "export_statement":
            self.export_statement(node, fn, cls)
            return
        if t in LOOPS:
            for child in node.named_children:
                body = node.child_by_field_name("body")
                self.walk(child, fn, in_loop or child == body, in_tx, cls)
            return
        if t == "call_expression":
            self.call(node, fn, in_loop, in_tx, cls)
            return
        for child in node.named_children:
            self.walk(child, fn, in_loop, in_tx, cls)

    def _anonymous(self) -> str:
        self._anon += 1
        return f"<anonymous {self._anon}>"

    def declarator(self, node: Node, fn: JsFunction, in_loop: bool, in_tx: bool, cls: str | None, top: bool) -> None:
        name_node, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name_node is None:
            return
        if name_node.type == "object_pattern" and value is not None:
            req = _require_spec(value)
            for prop in name_node.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    local, imported = text(prop), text(prop)
                elif prop.type == "pair_pattern":
                    imported = text(prop.child_by_field_name("key"))
                    local = text(prop.child_by_field_name("value")).split("=")[0].strip()
                else:
                    continue
                if req is not None:
                    self.mod.imports[local] = (req[0], imported if req[1] in ("=", "*") else f"{req[1]}.{imported}")
                elif top:
                    self.mod.bindings.setdefault(local, ("member", ("ref", self.mod.rel, text(value)), imported))
            if req is None:
                self.walk(value, fn, in_loop, in_tx, cls)
            return
        name = text(name_node)
        if value is None:
            return
        if unwrap(value).type in FUNCTIONS or top or unwrap(value).type in ("new_expression", "call_expression"):
            v = self.value_of(value, name, fn, cls, top) if (unwrap(value).type in FUNCTIONS or top) \
                else self._local_value(value, fn, in_loop, in_tx, cls)
            if v is not None and v[0] == "import_local":
                self.mod.imports[name] = self.mod.imports.pop(v[1])
            elif v is not None:
                self.mod.bindings.setdefault(name, v) if not top else self.mod.bindings.__setitem__(name, v)
            return
        self.walk(value, fn, in_loop, in_tx, cls)

    def _local_value(self, value: Node, fn: JsFunction, in_loop: bool, in_tx: bool, cls: str | None) -> Value | None:
        node = unwrap(value)
        self.walk(node, fn, in_loop, in_tx, cls)
        if node.type == "new_expression":
            ctor = node.child_by_field_name("constructor")
            return ("inst_of", text(ctor)) if ctor is not None and ctor.type == "identifier" else None
        req = _require_spec(node)
        if req is not None:
            key = f"<import {line(node)}>"
            self.mod.imports[key] = req
            return ("import_local", key)
        return None

    def assignment(self, node: Node, fn: JsFunction, in_loop: bool, in_tx: bool, cls: str | None) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        target = " ".join(text(left).split())
        if target in ("module.exports", "exports") or target.startswith(("module.exports.", "exports.")):
            name = target.split(".")[-1] if target not in ("module.exports", "exports") else "="
            v = self.value_of(right, name if name != "=" else "exports", fn, cls, True)
            if v is not None and v[0] == "import_local":
                spec, member = self.mod.imports.pop(v[1])
                v = ("import_spec", spec, member)
            if v is not None:
                self.mod.exports[name] = v
            return
        if left is not None and left.type == "member_expression" and text(left.child_by_field_name("object")) == "this" \
                and cls is not None:
            v = self.value_of(right, f"{cls}.{text(left.child_by_field_name('property'))}", fn, cls, False)
            if v is not None:
                self.mod.classes.setdefault(cls, ClassInfo()).fields[text(left.child_by_field_name("property"))] = v
            return
        if right is not None and unwrap(right).type in FUNCTIONS:
            v = self.value_of(right, target, fn, cls, False)
            if v is not None and left is not None and left.type == "identifier":
                self.mod.bindings.setdefault(target, v)
            return
        for child in node.named_children:
            self.walk(child, fn, in_loop, in_tx, cls)

    def import_statement(self, node: Node) -> None:
        spec = _string(node.child_by_field_name("source"))
        if spec is None:
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    self.mod.imports[text(part)] = (spec, "default")
                elif part.type == "namespace_import":
                    self.mod.imports[text(part.named_children[-1])] = (spec, "*")
                elif part.type == "named_imports":
                    for s in part.named_children:
                        if s.type == "import_specifier":
                            name = text(s.child_by_field_name("name"))
                            alias = s.child_by_field_name("alias")
                            self.mod.imports[text(alias) if alias is not None else name] = (spec, name)

    def export_statement(self, node: Node, fn: JsFunction, cls: str | None) -> None:
        source = _string(node.child_by_field_name("source"))
        decl = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        is_default = any(c.type == "default" for c in node.children)
        if decl is not None:
            before = set(self.mod.bindings)
            self.walk(decl, fn, False, False, cls)
            names = [n for n in self.mod.bindings if n not in before]
            if decl.type in ("lexical_declaration", "variable_declaration"):
                names = [text(d.child_by_field_name("name")) for d in decl.named_children
                         if d.type == "variable_declarator"]
            else:
                n = decl.child_by_field_name("name")
                names = [text(n)] if n is not None else names
            for n in names:
                self.mod.exports["default" if is_default else n] = ("ref", self.mod.rel, n)
                if n in self.mod.imports:
                    self.mod.exports[n] = ("import_spec", *self.mod.imports[n])
            return
        if value is not None:
            v = self.value_of(value, "default", fn, cls, True)
            if v is not None and v[0] != "import_local":
                self.mod.exports["default"] = v
            return
        for clause in node.named_children:
            if clause.type == "export_clause":
                for s in clause.named_children:
                    name = text(s.child_by_field_name("name"))
                    alias = s.child_by_field_name("alias")
                    exported = text(alias) if alias is not None else name
                    self.mod.exports[exported] = ("import_spec", source, name) if source else ("ref", self.mod.rel, name)
            elif clause.type == "namespace_export" and source:
                self.mod.exports[text(clause.named_children[-1])] = ("import_spec", source, "*")
        if source and not any(c.type in ("export_clause", "namespace_export") for c in node.named_children):
            self.mod.star_exports.append(source)

    def call(self, node: Node, fn: JsFunction, in_loop: bool, in_tx: bool, cls: str | None) -> None:
        r = self.rules
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        found = classify(node)
        effect = found[0] if found else ""
        if effect in (effects.WRITE, effects.READ, effects.DAO):
            fn.ops.append(DbOp(line(node), effects.READ if effect == effects.DAO else effect,
                               found[1] if found else "", in_loop, in_tx or handed_transaction(node),
                               effect == effects.DAO))
        elif effect in (effects.TX, effects.OPEN):
            fn.transactions.append(line(node))
        method = text(unwrap(callee).child_by_field_name("property")) if unwrap(callee).type == "member_expression" \
            else ""
        route = self._route(node, method)
        if effect in ("", effects.DAO) and callee is not None and unwrap(callee).type in ("identifier", "member_expression"):
            fn.calls.append(CallSite(line(node), unwrap(callee), " ".join(text(callee).split())[:60] + "()",
                                     in_loop, in_tx))
        if callee is not None:
            self.walk(callee, fn, in_loop, in_tx, cls)
        arg_loop = in_loop or method in r.loop_methods
        arg_tx = in_tx or effect == effects.TX
        for arg in (args.named_children if args is not None else []):
            a = unwrap(arg)
            if a.type in FUNCTIONS:
                if route:
                    self.new_function(a, route, cls, route)
                else:
                    self.body(a, fn, cls, arg_loop, arg_tx)   # inline: runs where it is passed
            elif a.type in ("identifier", "member_expression") and not route and (
                    method in r.loop_methods or a.type == "identifier"):   # a route's handlers are entries
                fn.calls.append(CallSite(line(a), a, f"{' '.join(text(a).split())[:60]} (callback)", arg_loop,
                                         arg_tx))
                if a.type == "member_expression":
                    self.walk(a, fn, in_loop, in_tx, cls)
            else:
                self.walk(arg, fn, arg_loop, arg_tx, cls)

    def _route(self, node: Node, method: str) -> str:
        if method not in self.rules.route_methods:
            return ""
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_child_count else None
        path = _string(first)
        if path is None and method != "use":
            return ""
        return f"{method.upper()} {path or '/'}"


def module_of(rel: str, root: Node) -> JsModule:
    w = _Walker(rel)
    w.mod.root = w.top.node = root
    for child in root.named_children:
        w.walk(child, w.top, False, False, None)
    return w.mod

