"""Taint on the JavaScript/TypeScript program model: request data reaching a sink (SQL text, a shell command,
eval, a template source, a file path, an outbound URL, an HTML response body) through any number of
same-repository calls. Sources, sanitizers and sinks are data (rules/js_taint.yml, the format of the Python
model's rules/taint.yml).

Each function is read once per round, statement by statement, with a taint per local name: which origins its
value carries (request data, or one of the function's parameters), whether it was built into a string here
(`+`, a template literal, a format call), whether a fixed URL host prefixes it, and the sink kinds a sanitizer
made it safe for. A call to one of our functions applies that function's summary: which parameters reach
which sink kind (and whether the sink needs the string built by the caller), and which origins its return
value carries. Summaries only grow, so the worklist over the call graph ends on any graph, recursion included.

Object properties and array elements share their container's taint; a callback passed inline to a method
(`rows.map(r => ...)`, `.then(x => ...)`) receives the receiver's taint as its parameters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import yaml
from tree_sitter import Node

from auditor.model import FlowStep
from auditor.program.js.effects import unwrap
from auditor.program.js.parse import line, text
from auditor.program.js.resolve import Resolver
from auditor.program.js.symbols import FUNCTIONS, JsFunction, JsModule
from auditor.program.rules import ALL, NameSet, TaintRules, parse_rules
from auditor.program.taint import TaintFlow
from auditor.resources import rules_dir

REQ = "req"            # the origin of request data; a parameter's origin is its index
MAX_STEPS = 24
MAX_PASSES_PER_FUNCTION = 30
MAPPING_METHODS = frozenset({"map", "flatMap"})
SQL_TEXT_KEYS = frozenset({"sql", "text", "query"})
# a URL whose text starts with a scheme and a host, or with a path, cannot be pointed at another host
FIXED_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//[^/${}]+/|^/(?!/)", re.I)
SKIP = ("comment", "class_declaration", "abstract_class_declaration", "class", "import_statement",
        "type_alias_declaration", "interface_declaration", "enum_declaration")


class Trace(NamedTuple):
    steps: tuple[FlowStep, ...]
    built: bool = False            # made into a string here or before (concatenation, template, format call)
    hosted: bool = False           # a fixed scheme+host (or path) comes first: not a URL an attacker picks
    safe: frozenset[str] = frozenset()   # sink kinds a sanitizer made it safe for


Taint = dict  # origin (REQ | parameter index) -> Trace


@dataclass(frozen=True)
class JsTaintRules:
    base: TaintRules
    decorators: frozenset[str]
    resolver_types: frozenset[str]
    format_calls: NameSet
    callback_sources: frozenset[tuple[str, str, int]]    # (created by, method, parameter index)
    factories: frozenset[str]      # packages whose call results stand for the package (pg-promise)


@lru_cache(maxsize=1)
def load_js_rules() -> JsTaintRules:
    data = yaml.safe_load((rules_dir() / "js_taint.yml").read_text(encoding="utf-8"))
    src = data["sources"]
    return JsTaintRules(parse_rules(data), frozenset(src.get("parameter_decorators", [])),
                        frozenset(src.get("resolver_types", [])), NameSet(data.get("format_calls", [])),
                        frozenset((str(c["created_by"]), str(c["method"]), int(c["param"]))
                                  for c in src.get("callback_parameters", [])),
                        frozenset(data.get("factory_packages", [])))


@dataclass
class ParamSink:
    steps: tuple[FlowStep, ...]    # from the function's entry to the sink
    needs_built: bool              # the sink takes only a built string: the caller's value must be one
    built_here: bool               # the function itself builds the string the sink runs


@dataclass
class JsSummary:
    param_sinks: dict[tuple[int, str], ParamSink] = field(default_factory=dict)
    returns: dict = field(default_factory=dict)      # origin -> Trace

    def signature(self) -> tuple:
        return (frozenset((k, v.needs_built, v.built_here) for k, v in self.param_sinks.items()),
                frozenset((k, v.built, v.hosted, v.safe) for k, v in self.returns.items()))


def _merge(into: Taint, more: Taint) -> None:
    for k, t in more.items():
        old = into.get(k)
        if old is None:
            into[k] = t
        elif (t.built and not old.built) or (old.hosted and not t.hosted) or (old.safe - t.safe):
            into[k] = Trace(old.steps, old.built or t.built, old.hosted and t.hosted, old.safe & t.safe)


def _union(*taints: Taint) -> Taint:
    out: Taint = {}
    for t in taints:
        _merge(out, t)
    return out


def _with(t: Taint, built: bool | None = None, hosted: bool | None = None, safe: frozenset[str] = frozenset()) -> Taint:
    return {k: Trace(v.steps, v.built if built is None else built or v.built,
                     v.hosted if hosted is None else hosted, v.safe | safe) for k, v in t.items()}


class _Modules:
    """Per-module facts the pass reads: source lines for snippets, package imports for call names."""

    def __init__(self, modules: dict[str, JsModule], factories: frozenset[str] = frozenset()):
        self.modules = modules
        self.factories = factories
        self._lines: dict[str, list[str]] = {}
        self._imports: dict[str, dict[str, str]] = {}
        self._instances: dict[str, dict[str, str]] = {}

    def snippet(self, rel: str, node: Node) -> str:
        lines = self._lines.get(rel)
        if lines is None:
            root = self.modules[rel].root
            lines = self._lines[rel] = text(root).splitlines() if root is not None else []
        n = line(node) - 1
        return lines[n].strip()[:200] if 0 <= n < len(lines) else ""

    def packages(self, rel: str) -> dict[str, str]:
        """local name -> the package name it stands for (`cp` -> child_process, `exec` -> child_process.exec)."""
        found = self._imports.get(rel)
        if found is None:
            found = {}
            for local, (spec, member) in self.modules[rel].imports.items():
                if spec.startswith(".") or local.startswith("<"):
                    continue
                spec = spec.removeprefix("node:")
                found[local] = spec if member in ("=", "*", "default") else f"{spec}.{member}"
            if self.factories:
                found.update(self._factory_results(rel, found))
            self._imports[rel] = found
        return found


    def _factory_results(self, rel: str, packages: dict[str, str]) -> dict[str, str]:
        """Names bound, anywhere in the module, to a call of a factory package or of what it returned:
        `pgp = require('pg-promise')()`, `db = pgp(connection)` -> {pgp: pg-promise, db: pg-promise}, so that
        `db.one(q)` reads as `pg-promise.one`. Declarations are read in source order."""
        out: dict[str, str] = {}
        root = self.modules[rel].root
        stack = [root] if root is not None else []
        declarators = []
        while stack:
            node = stack.pop()
            if node.type == "variable_declarator":
                declarators.append(node)
            stack.extend(reversed(node.named_children))
        for d in declarators:
            name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
            value = unwrap(value) if value is not None else None
            if name is None or name.type != "identifier" or value is None or value.type != "call_expression":
                continue
            callee = unwrap(value.child_by_field_name("function"))
            pkg = None
            if callee.type == "identifier":
                pkg = out.get(text(callee)) or packages.get(text(callee))
            elif callee.type == "call_expression" and text(callee.child_by_field_name("function")) == "require":
                args = callee.child_by_field_name("arguments")
                first = args.named_children[0] if args is not None and args.named_child_count else None
                pkg = text(first).strip("`'\"") if first is not None and first.type == "string" else None
            if pkg in self.factories:
                out[text(name)] = pkg
        return out

    def instances(self, rel: str, dotted) -> dict[str, str]:
        """Top-level names bound to a package call's result: `var server = xmlrpc.createServer(...)` ->
        {server: xmlrpc.createServer}."""
        found = self._instances.get(rel)
        if found is None:
            found = {}
            root = self.modules[rel].root
            for decl in (root.named_children if root is not None else []):
                if decl.type not in ("lexical_declaration", "variable_declaration"):
                    continue
                for d in decl.named_children:
                    value = d.child_by_field_name("value") if d.type == "variable_declarator" else None
                    name = d.child_by_field_name("name") if value is not None else None
                    value = unwrap(value) if value is not None else None
                    if value is not None and name is not None and name.type == "identifier" \
                            and value.type in ("call_expression", "new_expression"):
                        callee = value.child_by_field_name("function") or value.child_by_field_name("constructor")
                        if callee is not None and text(callee).split(".")[0] in self.packages(rel):  # a package's
                            found[text(name)] = dotted(rel, callee)
            self._instances[rel] = found
        return found


class _FunctionPass:
    """One reading of one function with the current summaries."""

    def __init__(self, analysis: JsTaint, fn: JsFunction):
        self.a = analysis
        self.fn = fn
        self.mod = analysis.program_modules[fn.rel]
        self.rules = analysis.rules
        self.env: dict[str, Taint] = {}
        self.summary = JsSummary()

    # ---- entry ----------------------------------------------------------------------------------------------
    def run(self) -> JsSummary:
        node = self.fn.node
        if node is None:
            return self.summary
        if self.fn.module_code:
            for _ in range(2):
                for child in node.named_children:
                    self.stmt(child)
            return self.summary
        self.parameters(node)
        body = node.child_by_field_name("body")
        if body is None:
            return self.summary
        for _ in range(2):        # twice: a value assigned late in a loop reaches the uses above it
            if body.type == "statement_block":
                self.stmt(body)
            else:
                _merge(self.summary.returns, self.expr(body))
        return self.summary

    def parameters(self, node: Node) -> None:
        params = node.child_by_field_name("parameters")
        if params is None:
            one = node.child_by_field_name("parameter")     # `x => ...`
            if one is not None:
                self.bind(one, {0: Trace(())})
            return
        resolver_args = self._resolver_function()
        index = 0
        for p in params.named_children:
            if p.type == "comment" or (p.type == "required_parameter" and text(p.child_by_field_name("pattern")) == "this"):
                continue
            taint: Taint = {index: Trace(())}
            source = self._decorated_source(p)
            if source or (resolver_args and index == 1):
                label = source or f"{self.fn.name.rsplit('.', 1)[-1]} args"
                taint[REQ] = Trace((self.a.step(self.fn.rel, p, "source", label),))
            self.bind(p, taint)
            index += 1

    def _decorated_source(self, p: Node) -> str:
        for d in p.children:
            if d.type == "decorator":
                call = d.named_children[0] if d.named_child_count else None
                name = text(call.child_by_field_name("function") if call is not None and call.type == "call_expression"
                            else call)
                if name.split(".")[-1] in self.a.js.decorators:
                    return text(d)[:60]
        return ""

    def _resolver_function(self) -> bool:
        parts = self.fn.name.split(".")
        return len(parts) >= 2 and parts[-2] in self.a.js.resolver_types

    # ---- binding --------------------------------------------------------------------------------------------
    def bind(self, pattern: Node | None, taint: Taint, weak: bool = True) -> None:
        if pattern is None:
            return
        t = pattern.type
        if t in ("identifier", "shorthand_property_identifier_pattern"):
            name = text(pattern)
            if weak and name in self.env:
                _merge(self.env[name], taint)
            else:
                self.env[name] = dict(taint)
            return
        if t in ("required_parameter", "optional_parameter"):
            self.bind(pattern.child_by_field_name("pattern"), taint, weak)
            return
        if t in ("assignment_pattern", "object_assignment_pattern"):
            self.bind(pattern.child_by_field_name("left"), taint, weak)
            return
        if t == "pair_pattern":
            self.bind(pattern.child_by_field_name("value"), taint, weak)
            return
        if t == "member_expression":           # obj.prop = v: the object carries it
            base = pattern
            while base.type in ("member_expression", "subscript_expression"):
                base = unwrap(base.child_by_field_name("object"))
            if base.type == "identifier" and taint:
                self.env.setdefault(text(base), {})
                _merge(self.env[text(base)], taint)
            return
        for child in pattern.named_children:   # object_pattern, array_pattern, rest_pattern
            self.bind(child, taint, weak)

    # ---- statements -----------------------------------------------------------------------------------------
    def stmt(self, node: Node) -> None:
        t = node.type
        if t in SKIP or self.a.own_function(node):
            return
        if t in ("lexical_declaration", "variable_declaration"):
            for d in node.named_children:
                if d.type == "variable_declarator":
                    value = d.child_by_field_name("value")
                    if value is not None:
                        self.bind(d.child_by_field_name("name"), self.expr(value))
            return
        if t == "return_statement":
            if node.named_child_count:
                _merge(self.summary.returns, self.expr(node.named_children[0]))
            return
        if t in ("for_in_statement",):
            right = node.child_by_field_name("right")
            self.bind(node.child_by_field_name("left"), self.expr(right) if right is not None else {})
            body = node.child_by_field_name("body")
            if body is not None:
                self.stmt(body)
            return
        if t == "export_statement":
            for child in node.named_children:
                self.stmt(child)
            return
        if t in FUNCTIONS:
            self.inline_function(node, {})
            return
        if t.endswith("_statement") or t in ("statement_block", "else_clause", "switch_body", "switch_case",
                                               "switch_default", "catch_clause", "finally_clause", "program"):
            for child in node.named_children:
                self.stmt(child)
            return
        self.expr(node)

    def inline_function(self, node: Node, param_taint: Taint, sources: dict[int, Taint] | None = None,
                        passed: bool = False) -> Taint:
        """A function that runs where it is written (a callback passed inline): its body is this function's.
        Returns what the callback returns (`ids.map(id => parseInt(id))` yields numbers)."""
        if self.a.own_function(node) and not (passed and self.a.anonymous_argument(node)):
            return {}
        params = node.child_by_field_name("parameters")
        one = node.child_by_field_name("parameter")
        plist = [one] if one is not None else [p for p in (params.named_children if params is not None else [])
                                               if p.type != "comment"]
        for i, p in enumerate(plist):
            given = _union(param_taint, (sources or {}).get(i, {}))
            self.bind(p, given, weak=False)     # a callback's parameters are its own names
        body = node.child_by_field_name("body")
        if body is None:
            return {}
        if body.type != "statement_block":
            return self.expr(body)
        saved = self.summary.returns
        self.summary.returns = {}          # its returns are the callback's, not ours
        self.stmt(body)
        returned, self.summary.returns = self.summary.returns, saved
        return returned

    # ---- expressions ----------------------------------------------------------------------------------------
    def expr(self, node: Node | None) -> Taint:
        if node is None:
            return {}
        node = unwrap(node)
        t = node.type
        if t == "identifier":
            return dict(self.env.get(text(node), {}))
        if t == "member_expression":
            src = self.source(node)
            if src:
                return src
            return self.expr(node.child_by_field_name("object"))
        if t == "subscript_expression":
            self.expr(node.child_by_field_name("index"))
            return self.expr(node.child_by_field_name("object"))
        if t in ("call_expression", "new_expression"):
            return self.call(node)
        if t == "template_string":
            parts = [self.expr(s.named_children[0]) for s in node.named_children
                     if s.type == "template_substitution" and s.named_child_count]
            return _with(_union(*parts), built=True, hosted=self._hosted_start(node))
        if t == "binary_expression":
            op = text(node.child_by_field_name("operator"))
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            lt, rt = self.expr(left), self.expr(right)
            if op == "+":
                hosted = self._hosted_start(left) if left is not None else False
                out = _with(_union(lt, rt), built=True)
                return {k: Trace(v.steps, True, hosted or (k in lt and lt[k].hosted), v.safe) for k, v in out.items()}
            if op in ("||", "&&", "??"):
                return _union(lt, rt)
            return {}
        if t == "ternary_expression":
            self.expr(node.child_by_field_name("condition"))
            return _union(self.expr(node.child_by_field_name("consequence")),
                          self.expr(node.child_by_field_name("alternative")))
        if t == "assignment_expression":
            value = self.expr(node.child_by_field_name("right"))
            left = node.child_by_field_name("left")
            self.bind(unwrap(left) if left is not None else None, value, weak=left is not None and left.type != "identifier")
            return value
        if t == "augmented_assignment_expression":
            value = _with(self.expr(node.child_by_field_name("right")), built=True)
            left = node.child_by_field_name("left")
            if left is not None:
                self.bind(unwrap(left), _union(self.expr(left), value) if value else {}, weak=True)
                if value and unwrap(left).type == "identifier":
                    self.env[text(unwrap(left))] = _with(self.env.get(text(unwrap(left)), {}), built=True)
            return value
        if t in ("array", "sequence_expression"):
            parts = [self.expr(c) for c in node.named_children]
            return parts[-1] if t == "sequence_expression" and parts else _union(*parts)
        if t == "object":
            return self.object_taint(node)
        if t == "spread_element":
            return self.expr(node.named_children[0]) if node.named_child_count else {}
        if t in FUNCTIONS:
            self.inline_function(node, {})
            return {}
        if t in ("unary_expression", "update_expression"):
            for c in node.named_children:
                self.expr(c)
            return {}
        if t in ("string", "number", "true", "false", "null", "undefined", "regex", "this", "super",
                 "template_literal_type") or t in SKIP:
            return {}
        for child in node.named_children:   # anything else: its calls still run
            self.stmt(child) if child.type.endswith("statement") else self.expr(child)
        return {}

    def object_taint(self, node: Node, only: frozenset[str] | None = None) -> Taint:
        parts = []
        for prop in node.named_children:
            if prop.type == "pair":
                key = text(prop.child_by_field_name("key")).strip("'\"")
                value = self.expr(prop.child_by_field_name("value"))
                if only is None or key in only:
                    parts.append(value)
            elif prop.type == "shorthand_property_identifier" and (only is None or text(prop) in only):
                parts.append(dict(self.env.get(text(prop), {})))
            elif prop.type == "spread_element" and only is None:
                parts.append(self.expr(prop))
            elif prop.type == "method_definition":
                self.inline_function(prop, {})
        return _union(*parts)

    def _hosted_start(self, node: Node) -> bool:
        """The text starts with a literal scheme+host or path: `https://api.x.com/${id}`, '/users/' + id."""
        node = unwrap(node)
        while node.type == "binary_expression":
            node = unwrap(node.child_by_field_name("left"))
        if node.type == "string":
            return bool(FIXED_HOST.match(text(node)[1:-1]))
        if node.type == "template_string":
            lead = ""
            for c in node.children:
                if c.type == "string_fragment":
                    lead += text(c)
                elif c.type == "template_substitution":
                    break
            return bool(FIXED_HOST.match(lead))
        return False

    def source(self, node: Node) -> Taint:
        """`req.body`, `req.query.id`, `ctx.request.body.x`: request data (the receiver is named as a request)."""
        chain = self.a.dotted(self.fn.rel, node, resolve=False)
        if not chain:
            return {}
        parts = chain.split(".")
        for i in range(1, len(parts)):
            if ".".join(parts[:i]) in self.rules.receivers and parts[i] in self.rules.attributes:
                label = ".".join(parts[:i + 1])
                return {REQ: Trace((self.a.step(self.fn.rel, node, "source", label),))}
        return {}

    # ---- calls ----------------------------------------------------------------------------------------------
    def call(self, node: Node) -> Taint:
        callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args = node.child_by_field_name("arguments")
        if args is not None and args.type == "template_string":     # sql`... ${x}`: a tag binds its values
            self.expr(args)
            return {}
        callee_u = unwrap(callee) if callee is not None else None
        name = self.a.dotted(self.fn.rel, callee_u) if callee_u is not None else ""
        src: Taint = {}
        if callee_u is not None and callee_u.type == "member_expression" and self.a.dotted(
                self.fn.rel, callee_u.child_by_field_name("object"), resolve=False) in self.rules.receivers:
            src = self.source(callee_u)            # req.get('x-user'), req.param('id')
        receiver: Taint = {}
        if callee_u is not None and callee_u.type == "member_expression":
            receiver = self.expr(callee_u.child_by_field_name("object"))
        elif callee_u is not None and callee_u.type not in ("identifier",):
            self.expr(callee_u)
        arg_nodes = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
        arg_taints: list[Taint] = []
        mapped: Taint | None = None
        for a in arg_nodes:
            if unwrap(a).type in FUNCTIONS:
                returned = self.inline_function(unwrap(a), receiver, self.callback_sources(callee_u, a), passed=True)
                if mapped is None:
                    mapped = returned
                arg_taints.append({})
            else:
                arg_taints.append(self.expr(a))
        if src:
            return src
        method = name.rsplit(".", 1)[-1]
        if mapped is not None and method in MAPPING_METHODS:
            return mapped                  # `ids.map(id => parseInt(id))`: what the callback returns
        fid = self.a.resolve(self.mod, self.fn, callee_u) if callee_u is not None and \
            callee_u.type in ("identifier", "member_expression") else None
        if fid is not None:
            result = self.apply(node, name, fid, arg_taints)
            safe = self.rules.sanitized_kinds(name)     # our own escapeHtml(), toInt(): named as a sanitizer
            return result if safe is None else {} if ALL in safe else _with(result, safe=safe)
        return self.library_call(node, name, arg_nodes, arg_taints, receiver)

    def callback_sources(self, callee: Node | None, fn_node: Node) -> dict[int, Taint]:
        """`server.on('dvws.CheckUptime', function (err, params, callback) {...})` on an XML-RPC server: the
        library calls it with the client's data (rules: sources.callback_parameters)."""
        if callee is None or callee.type != "member_expression" or not self.a.js.callback_sources:
            return {}
        obj = unwrap(callee.child_by_field_name("object"))
        if obj.type != "identifier":
            return {}
        made_by = self.a.mods.instances(self.fn.rel, self.a.dotted).get(text(obj))
        method = text(callee.child_by_field_name("property"))
        out: dict[int, Taint] = {}
        for created_by, m, index in self.a.js.callback_sources:
            if made_by == created_by and m == method:
                label = f"{made_by}().{method} callback argument"
                out[index] = {REQ: Trace((self.a.step(self.fn.rel, fn_node, "source", label),))}
        return out

    def library_call(self, node: Node, name: str, arg_nodes: list[Node], arg_taints: list[Taint],
                     receiver: Taint) -> Taint:
        rules = self.rules
        for sink in rules.sinks_of(name):
            if sink.arg is None or sink.arg >= len(arg_nodes):
                continue
            arg = unwrap(arg_nodes[sink.arg])
            taint = arg_taints[sink.arg]
            if sink.kind == "sql" and arg.type == "object":
                taint = self.object_taint(arg, SQL_TEXT_KEYS)
            if sink.when == "shell" and not self._option(arg_nodes, "shell") \
                    or sink.when == "no_root" and self._option(arg_nodes, "root"):
                continue
            self.sink(arg, sink.kind, name, taint, needs_built=sink.when == "built")
        safe = rules.sanitized_kinds(name)
        everything = _union(receiver, *arg_taints)
        if safe is not None:
            return {} if ALL in safe else _with(everything, safe=safe)
        if rules.database_result(name):
            return {}
        if self.a.js.format_calls.match(name):
            return _with(everything, built=True)
        return everything

    def _option(self, arg_nodes: list[Node], key: str) -> bool:
        """An options object among the arguments sets `key` (`{ shell: true }`, `{ root: dir }`)."""
        for a in arg_nodes:
            a = unwrap(a)
            if a.type == "object":
                for prop in a.named_children:
                    if prop.type == "pair" and text(prop.child_by_field_name("key")).strip("'\"") == key:
                        return text(prop.child_by_field_name("value")) not in ("false", "undefined", "null")
                    if prop.type == "shorthand_property_identifier" and text(prop) == key:
                        return True
        return False

    def sink(self, node: Node, kind: str, label: str, taint: Taint, needs_built: bool,
             before: tuple[FlowStep, ...] = (), after: tuple[FlowStep, ...] | None = None) -> None:
        final = after if after is not None else (self.a.step(self.fn.rel, node, "sink", label),)
        for origin, tr in taint.items():
            if kind in tr.safe or ALL in tr.safe or (kind == "url" and tr.hosted):
                continue
            if needs_built and not tr.built and origin == REQ:
                continue
            steps = (tr.steps + before + final)[-MAX_STEPS:] if origin != REQ else \
                (tr.steps[:1] + (tr.steps[1:] + before + final)[-(MAX_STEPS - 1):])
            if origin == REQ:
                self.a.add_flow(kind, self.fn.fid, steps)
                continue
            key = (origin, kind)
            old = self.summary.param_sinks.get(key)
            pending = needs_built and not tr.built
            if old is None:
                self.summary.param_sinks[key] = ParamSink(steps, pending, tr.built)
            elif (old.needs_built and not pending) or (tr.built and not old.built_here):
                self.summary.param_sinks[key] = ParamSink(steps if old.needs_built and not pending else old.steps,
                                                          old.needs_built and pending, old.built_here or tr.built)

    def apply(self, node: Node, name: str, fid: str, arg_taints: list[Taint]) -> Taint:
        """A call to one of our functions: its summary says which arguments reach which sink, and what it returns."""
        summary = self.a.summaries.get(fid)
        if summary is None:
            return {}
        call = self.a.step(self.fn.rel, node, "call", f"calls {name or 'function'}()")
        for (index, kind), ps in summary.param_sinks.items():
            if index < len(arg_taints) and arg_taints[index]:
                self.sink(node, kind, ps.steps[-1].label if ps.steps else name, arg_taints[index],
                          needs_built=ps.needs_built, before=(call,), after=ps.steps)
        out: Taint = {}
        for origin, rt in summary.returns.items():
            if origin == REQ:          # request data read inside the callee comes back here
                back = self.a.step(self.fn.rel, node, "return", f"{name or 'function'}() returns it")
                _merge(out, {REQ: Trace(rt.steps[:1] + (rt.steps[1:] + (back,))[-(MAX_STEPS - 1):], rt.built,
                                        rt.hosted, rt.safe)})
            elif isinstance(origin, int) and origin < len(arg_taints):
                for o, tr in arg_taints[origin].items():
                    _merge(out, {o: Trace((tr.steps + (call,) + rt.steps)[-MAX_STEPS:], tr.built or rt.built,
                                          tr.hosted or rt.hosted, tr.safe | rt.safe)})
        return out


class JsTaint:
    def __init__(self, modules: dict[str, JsModule], functions: dict[str, JsFunction], resolver: Resolver):
        self.program_modules = modules
        self.functions = functions
        self.resolver = resolver
        self.js = load_js_rules()
        self.rules = self.js.base
        self.mods = _Modules(modules, self.js.factories)
        self.summaries: dict[str, JsSummary] = {}
        self.flows: dict[tuple, TaintFlow] = {}
        self._own = {(f.rel, f.node.start_byte, f.node.end_byte): f for f in functions.values()
                     if f.node is not None and not f.module_code}
        self._resolved: dict[tuple[str, int, int], str | None] = {}
        self.callers: dict[str, set[str]] = {}
        self.skipped: set[str] = set()     # files with a function too deeply nested to read

    def own_function(self, node: Node) -> bool:
        """A function the model keeps as its own (read in its own pass), not a callback run inline."""
        return node.type in FUNCTIONS + ("function_declaration", "generator_function_declaration") and \
            (self._current_rel, node.start_byte, node.end_byte) in self._own

    def anonymous_argument(self, node: Node) -> bool:
        """A function the model keeps apart only because it sits in no binding position (`new Promise((resolve)
        => ...)`): passed to a call, it runs there with the names around it."""
        fn = self._own.get((self._current_rel, node.start_byte, node.end_byte))
        return fn is not None and not fn.route and fn.name.endswith("<anonymous>")

    _current_rel: str | None = None

    def step(self, rel: str, node: Node, kind: str, label: str) -> FlowStep:
        return FlowStep(rel, line(node), self.mods.snippet(rel, node), kind, label)

    def dotted(self, rel: str, node: Node | None, resolve: bool = True) -> str:
        parts: list[str] = []
        while node is not None:
            node = unwrap(node)
            if node.type == "member_expression":
                parts.append(text(node.child_by_field_name("property")))
                node = node.child_by_field_name("object")
            elif node.type in ("identifier", "this"):
                parts.append(text(node))
                break
            elif node.type == "call_expression" and resolve:     # `this.createQueryBuilder().where` reads
                node = node.child_by_field_name("function")      # as this.createQueryBuilder.where
            else:
                return ""
        if not parts:
            return ""
        parts.reverse()
        if resolve:
            pkg = self.mods.packages(rel).get(parts[0])
            if pkg is not None:
                parts[0] = pkg
        return ".".join(parts)

    def resolve(self, mod: JsModule, fn: JsFunction, callee: Node) -> str | None:
        key = (mod.rel, callee.start_byte, callee.end_byte)
        if key not in self._resolved:
            found = self.resolver.callee(mod, fn.cls, callee)
            chain = text(callee)
            if found is None and chain.startswith(("module.exports.", "exports.")) and chain.count(".") <= 2:
                value = self.resolver.export(mod.rel, chain.rsplit(".", 1)[-1])    # module.exports.get(url)
                found = value[1] if value is not None and value[0] == "fn" else None
            found = found if found in self.functions else None
            self._resolved[key] = found
            if found is not None:
                self.callers.setdefault(found, set()).add(fn.fid)
        return self._resolved[key]

    def add_flow(self, kind: str, fid: str, steps: tuple[FlowStep, ...]) -> None:
        sink, source = steps[-1], steps[0]
        key = (kind, sink.file, sink.line, source.file, source.line)
        if key not in self.flows:
            self.flows[key] = TaintFlow(kind, fid, steps)

    def run(self) -> None:
        todo = list(self.functions)
        queued = set(todo)
        passes: dict[str, int] = {}
        while todo:
            fid = todo.pop()
            queued.discard(fid)
            passes[fid] = passes.get(fid, 0) + 1
            if passes[fid] > MAX_PASSES_PER_FUNCTION:
                continue
            fn = self.functions[fid]
            self._current_rel = fn.rel
            before = self.summaries.get(fid)
            try:
                after = _FunctionPass(self, fn).run()
            except RecursionError:
                self.skipped.add(fn.rel)
                after = JsSummary()
            if before is None or after.signature() != before.signature():
                self.summaries[fid] = after
                for caller in self.callers.get(fid, ()):
                    if caller not in queued:
                        queued.add(caller)
                        todo.append(caller)
            else:
                self.summaries[fid] = after

    def open_flows(self) -> list[TaintFlow]:
        """A parameter built into the text of a sink by a function nobody in the repository calls (nor a route):
        its callers are not known, so its input cannot be shown to be safe (`findByUserIds(ids)` interpolating
        each id into a WHERE clause, for a data loader that is not wired yet)."""
        out = []
        reached = {(f.kind, f.sink.file, f.sink.line) for f in self.flows.values()}
        for fid, summary in self.summaries.items():
            fn = self.functions[fid]
            if fn.module_code or fn.route or self.callers.get(fid):
                continue
            for (index, kind), ps in summary.param_sinks.items():
                if not ps.built_here or kind not in ("sql", "shell", "code") or \
                        (kind, ps.steps[-1].file, ps.steps[-1].line) in reached:
                    continue
                params = _parameter_nodes(fn.node)
                where = params[index] if index < len(params) else fn.node
                label = f"parameter {text(where)[:40]} of {fn.name} (no caller in the repository)"
                out.append(TaintFlow(kind, fid, (self.step(fn.rel, where, "source", label),) + ps.steps))
        return out


def _parameter_nodes(node: Node | None) -> list[Node]:
    if node is None:
        return []
    params = node.child_by_field_name("parameters")
    one = node.child_by_field_name("parameter")
    if one is not None:
        return [one]
    return [p for p in (params.named_children if params is not None else []) if p.type != "comment"]


def js_taint_flows(modules: dict[str, JsModule], functions: dict[str, JsFunction], resolver: Resolver
                   ) -> tuple[list[TaintFlow], list[TaintFlow], dict[str, JsSummary], list[str]]:
    """(request flows, open flows of uncalled helpers, summaries, files the pass could not read)."""
    analysis = JsTaint(modules, functions, resolver)
    analysis.run()
    return list(analysis.flows.values()), analysis.open_flows(), analysis.summaries, sorted(analysis.skipped)
