"""One function's taint analysis, given the summaries of the functions it calls.

A value's taint is a set of labels, each the origin of the data it may hold (`req` for request data, `p:<name>`
for the function's parameter `name`) with the sink kinds a sanitizer already made it safe for, and for each
label one witness path (the FlowSteps it took so far). Statements are read in order; branches are read
from copies of the state and merged, loop bodies twice. What reaches a sink from `req` is a flow; what reaches
it from a parameter goes into the function's summary, so its callers see through it."""
from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from auditor.astwalk import nodes_of
from auditor.model import FlowStep
from auditor.program.bindings import bind_arguments
from auditor.program.graph import Program, dotted
from auditor.program.providers import provided_class
from auditor.program.rules import ALL, SinkRule, TaintRules
from auditor.program.symbols import ClassInfo, FunctionInfo
from auditor.program.urls import target_fixed

REQ = "req"
ROW = "row"                # a row of a query result (or a relationship of one) in the loop that iterates it
DB = "db"                  # a value read back from the database: stored data, a source for HTML sinks only
STORED_KINDS = frozenset({"html"})
MAX_PATH = 16

Label = tuple[str, frozenset[str]]           # (origin, sanitized kinds)
Path = tuple[FlowStep, ...]
Taint = dict[Label, Path]
Snippet = Callable[[str, int], str]

# frameworks whose handlers return a response body: a string built from request data returned as-is is HTML
STRING_RESPONSE_FRAMEWORKS = frozenset({"flask", "flask-hook"})
# sinks whose result is the database's, a file's, a process's or a remote server's data, not the request's
RESULT_NOT_REQUEST = frozenset({"sql", "path", "url", "shell"})


@dataclass
class Summary:
    """What calling a function does, seen from its callers."""
    param_sinks: dict[tuple[str, str], Path] = field(default_factory=dict)   # (parameter, sink kind) -> path
    returns: dict[Label, Path] = field(default_factory=dict)                 # labels of the returned value
    effects: dict[str, Path] = field(default_factory=dict)                   # effect -> where (through calls)
    # lines of this function where a value from a parameter or the request is assigned or passed to a call:
    # an engine finding on another line of it uses neither
    tainted_lines: set[int] = field(default_factory=set)
    # line -> the sink kinds every parameter/request value on it was sanitised or proven safe for
    sanitized_lines: dict[int, frozenset[str]] = field(default_factory=dict)
    # parameters a query of this function (or of a function it calls) depends on: (parameter, how) -> path,
    # `how` "argument" (the value filters the query) or "relation" (the query follows a relationship of it)
    param_queries: dict[tuple[str, str], Path] = field(default_factory=dict)
    # a query per row: loop over query results -> call(s) -> a query depending on the row (this function's)
    row_queries: list[Path] = field(default_factory=list)
    # calls to functions that write and commit on their own, outside any transaction block of this function
    committing_calls: list[Path] = field(default_factory=list)
    committing_branches: list[tuple[tuple[int, int], ...]] = field(default_factory=list)   # where each one is
    # lines of this function's loops (and comprehensions) over query results, a helper's results included
    row_loops: set[int] = field(default_factory=set)
    # the function returns a query that loads related rows up front (`return qs.select_related("school")`)
    returns_eager: bool = False

    def exclusive(self, a: int, b: int) -> bool:
        """Committing calls a and b are in different branches of one if/try/match: they never both run."""
        inner = dict(self.committing_branches[a])
        return any(bid in inner and inner[bid] != i for bid, i in self.committing_branches[b])

    def key(self) -> tuple:
        return (frozenset(self.param_sinks), frozenset(self.returns), frozenset(self.effects),
                frozenset(self.param_queries), self.returns_eager)


@dataclass(frozen=True)
class TaintFlow:
    """Request data (or, for HTML sinks, stored data read from the database) reaching a sink: steps from the
    source to the sink, through same-repository calls."""
    kind: str
    function: str      # id of the function where source and sink met
    steps: Path

    @property
    def sink(self) -> FlowStep:
        return self.steps[-1]

    @property
    def source(self) -> FlowStep:
        return self.steps[0]


# calls that load related rows up front: a loop over their results follows relationships without a query
EAGER_CALLS = frozenset({"select_related", "prefetch_related", "joinedload", "selectinload", "subqueryload",
                         "contains_eager", "immediateload"})
# query methods that take no positional argument: with one, the call is something else (str.count, func.count)
ARGUMENTLESS_QUERIES = frozenset({"count", "all", "first", "one", "one_or_none", "exists"})
# `with` blocks and decorators that make their statements one transaction
TRANSACTION_NAMES = ("atomic", "begin", "begin_nested", "transaction")

# a file's content written to a path (an upload's `save(path)`), and the calls that open a path for reading:
# what a function saves from a request and opens again is request data, whatever the path's name
SAVES_TO_PATH = frozenset({"save"})
OPENS_PATH = frozenset({"open", "io.open", "codecs.open", "aiofiles.open", "builtins.open"})
# the methods of a client session that take the URL first (`when: url_method` in rules/taint.yml)
URL_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "stream", "ws_connect"})

_NONE: Taint = {}     # shared empty taint: never modified (every update builds a new dict)
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp})


def _union(a: Taint, b: Taint) -> Taint:
    if not b:
        return a
    if not a:
        return b
    out = dict(a)
    for label, path in b.items():
        out.setdefault(label, path)
    return out


def _merge_env(a: dict[str, Taint], b: dict[str, Taint]) -> dict[str, Taint]:
    out = dict(a)
    for key, taint in b.items():
        out[key] = _union(out.get(key, {}), taint)
    return out


def _clip(path: Path) -> Path:
    return path if len(path) <= MAX_PATH else path[:MAX_PATH - 1] + path[-1:]


def _safe_for(label: Label, kind: str) -> bool:
    return ALL in label[1] or kind in label[1]


def _string_built(node: ast.expr) -> bool:
    """A string assembled at run time: f-string, `%` or `+` with a string, `.format(...)`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return any(isinstance(s, ast.Constant) and isinstance(s.value, str) or _string_built(s)
                   for s in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
    return False


# str methods whose truth proves a value has no character a sink could misread (digits, letters, an identifier)
CHARACTER_CLASS_TESTS = frozenset({"isidentifier", "isalnum", "isdigit", "isnumeric", "isdecimal", "isalpha"})
QUOTE_CHARACTERS = frozenset("'\"`")
MATCH_CALLS = frozenset({"fullmatch", "match"})


def _quote_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value) and \
        set(node.value) <= QUOTE_CHARACTERS


def _merge_proofs(parts: list[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for name, kinds in part.items():
            out[name] = out.get(name, frozenset()) | kinds
    return out


# a pattern that admits any character proves nothing about the value: `.`, negated classes, \S \W \D
OPEN_PATTERN = re.compile(r"(?<!\\)\.|\[\^|\\[SWD]")
QUOTES_KEPT_OUT = "quotes:"   # an interim proof: these quote characters are not in the value


def _proofs(test: ast.expr) -> dict[str, frozenset[str]]:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return _merge_proofs([_proofs(v) for v in test.values])
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.In) and isinstance(test.left, ast.Name):
            return {test.left.id: frozenset({ALL})}
        if isinstance(op, ast.NotIn) and _quote_literal(test.left) and isinstance(right, ast.Name):
            return {right.id: frozenset(QUOTES_KEPT_OUT + c for c in test.left.value)}
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute):
        if test.func.attr in CHARACTER_CLASS_TESTS and isinstance(test.func.value, ast.Name) and not test.args:
            return {test.func.value.id: frozenset({ALL})}
        # re.fullmatch(r"[a-z_]+", name) / re.match(r"^[a-z_]+$", name), with the pattern written there
        if test.func.attr in MATCH_CALLS and len(test.args) == 2 and isinstance(test.args[1], ast.Name) and \
                isinstance(test.args[0], ast.Constant) and isinstance(test.args[0].value, str):
            pattern = test.args[0].value
            if (test.func.attr == "fullmatch" or pattern.endswith("$")) and not OPEN_PATTERN.search(pattern):
                return {test.args[1].id: frozenset({ALL})}
    return {}


def _finish(proofs: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Quote characters prove a value safe for SQL text only when both quotes are kept out: a value without
    `"` still closes a `'...'` literal."""
    out: dict[str, frozenset[str]] = {}
    for name, kinds in proofs.items():
        quotes = {k[len(QUOTES_KEPT_OUT):] for k in kinds if k.startswith(QUOTES_KEPT_OUT)}
        kept = frozenset(k for k in kinds if not k.startswith(QUOTES_KEPT_OUT)) | \
            (frozenset({"sql"}) if {"'", '"'} <= quotes else frozenset())
        if kept:
            out[name] = kept
    return out


def _proven_safe(test: ast.expr) -> dict[str, frozenset[str]]:
    """name -> sink kinds a true `test` proves the name safe for: an allow-list (`name in ALLOWED`), a character
    class (`name.isidentifier()`, `re.fullmatch(r"[a-z_]+", name)`: every kind), or both quote characters kept
    out (`'"' not in name and "'" not in name`: SQL text, where the value sits between quotes)."""
    return _finish(_proofs(test))


def _refutations(test: ast.expr) -> dict[str, frozenset[str]]:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _proofs(test.operand)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return _merge_proofs([_refutations(v) for v in test.values])
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In) and \
            _quote_literal(test.left) and isinstance(test.comparators[0], ast.Name):
        return {test.comparators[0].id: frozenset(QUOTES_KEPT_OUT + c for c in test.left.value)}
    return {}


def _refuted_safe(test: ast.expr) -> dict[str, frozenset[str]]:
    """What is proven safe after `if test: <leave>`: the negation of a proof (`if not name.isidentifier():
    raise`), or quote characters found (`if "'" in name or '"' in name: abort(400)`)."""
    return _finish(_refutations(test))


def _leaves(block: list[ast.stmt]) -> bool:
    """The block ends the path: return, raise, continue, break, or an abort() call."""
    if not block:
        return False
    last = block[-1]
    if isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    return isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and \
        (dotted(last.value.func) or "").rsplit(".", 1)[-1] == "abort"


def _sets_plain_content_type(fn: ast.AST) -> bool:
    """`resp.mimetype = "text/plain"` (or content_type) somewhere in the function: its response is not HTML."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr in ("mimetype", "content_type")
                        and "html" not in node.value.value):
                    return True
    return False


class FunctionAnalysis:
    def __init__(self, program: Program, rules: TaintRules, fn: FunctionInfo, summaries: dict[str, Summary],
                 snippet: Snippet, entry_framework: str | None = None) -> None:
        self.program = program
        self.rules = rules
        self.fn = fn
        self.summaries = summaries
        self.snippet = snippet
        self.entry = entry_framework
        self.summary = Summary()
        self.flows: list[TaintFlow] = []
        self.callees: set[str] = set()
        self.rebound: list[FunctionInfo] = []   # callees given a new callback binding: to be analysed again
        self.env: dict[str, Taint] = {}
        self.types: dict[str, ClassInfo] = {}
        self.clients: dict[str, str] = {}    # local names holding an HTTP client session: name -> its class
        self.nested = program.nested(fn)
        self.loops: list[ast.stmt] = []      # the for loops the statement being read is in
        self.eager_loops: set[int] = set()   # lines of loops over results that were loaded eagerly
        self.eager_names: set[str] = set()   # names holding a query with eager loading
        self.in_transaction = _transactional(fn.node)
        self.branch: tuple[tuple[int, int], ...] = ()   # (branches read, which one) the statement is in
        self._branch_count = 0
        self._plain: bool | None = None

    @property
    def plain_response(self) -> bool:
        if self._plain is None:
            self._plain = _sets_plain_content_type(self.fn.node)
        return self._plain

    # ---- set-up -----------------------------------------------------------------------------------
    def _initial_env(self) -> None:
        fn = self.fn
        node = fn.node
        args = node.args
        all_args = args.posonlyargs + args.args + args.kwonlyargs
        defaults: dict[str, ast.expr] = {}
        positional = args.posonlyargs + args.args
        for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            defaults[arg.arg] = default
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
            if kw_default is not None:
                defaults[arg.arg] = kw_default
        skip_first = fn.kind in ("method", "classmethod")
        for i, arg in enumerate(all_args):
            if skip_first and i == 0:
                continue
            self.env[arg.arg] = {(f"p:{arg.arg}", frozenset()): ()}
            cls = provided_class(self.program, fn.rel, defaults.get(arg.arg), arg.annotation)
            if cls is None and arg.annotation is not None:
                cls = self._annotated_class(arg.annotation)
            if cls is not None:
                self.types[arg.arg] = cls
            if self.entry in self.rules.handler_frameworks and self._request_parameter(arg, defaults.get(arg.arg)):
                step = FlowStep(fn.rel, arg.lineno, self.snippet(fn.rel, arg.lineno), "source",
                                f"parameter {arg.arg} of {fn.name}")
                self.env[arg.arg][(REQ, frozenset())] = (step,)
        for star in (args.vararg, args.kwarg):
            if star is not None:
                self.env[star.arg] = {(f"p:{star.arg}", frozenset()): ()}

    def _annotated_class(self, annotation: ast.expr) -> ClassInfo | None:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        return self.program.annotated_class(self.fn.rel, annotation)

    def _request_parameter(self, arg: ast.arg, default: ast.expr | None) -> bool:
        name = arg.arg
        if name in self.rules.not_parameters and not self._body_model(arg.annotation) \
                or self.entry in ("graphql", "graphene") and name in self.rules.resolver_context:
            return False
        if default is not None and isinstance(default, ast.Call) and dotted(default.func).split(".")[-1] in (
                "Depends", "Security", "BackgroundTasks"):
            return False
        if isinstance(default, ast.Subscript) and dotted(default.value).split(".")[-1] in ("Provide", "Closing"):
            return False   # dependency-injector fills it in
        ann = arg.annotation
        if ann is not None:
            text = dotted(ann) if isinstance(ann, (ast.Name, ast.Attribute)) else ""
            if text in self.rules.scalar_annotations or text.split(".")[-1] in ("Request", "Session", "AsyncSession",
                                                                                 "Response", "BackgroundTasks"):
                return False
        return True

    def _body_model(self, annotation: ast.expr | None) -> bool:
        """`request: CreateUserRequest`: annotated with a class of ours that is no ORM model, the parameter is
        the request body whatever it is called."""
        cls = self.program.annotated_class(self.fn.rel, annotation) if annotation is not None else None
        return cls is not None and not self.program.is_model(cls)

    # ---- running ----------------------------------------------------------------------------------
    def run(self) -> "FunctionAnalysis":
        self._initial_env()
        self.block(self.fn.node.body)
        return self

    def block(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            self.statement(stmt)

    def branches(self, blocks: list[list[ast.stmt]]) -> None:
        start = self.env
        merged = dict(start)
        self._branch_count += 1
        branch_id = self._branch_count
        outer = self.branch
        for i, stmts in enumerate(blocks):
            self.env = dict(start)
            self.branch = outer + ((branch_id, i),)
            self.block(stmts)
            merged = _merge_env(merged, self.env)
        self.branch = outer
        self.env = merged

    def loop_body(self, body: list[ast.stmt], orelse: list[ast.stmt]) -> None:
        """A loop body, read again when the first reading changed what a name may hold (a value carried
        from one iteration to the next); the else block as a branch."""
        before = {k: frozenset(v) for k, v in self.env.items()}
        self.branches([body, orelse])
        if {k: frozenset(v) for k, v in self.env.items()} != before:
            self.branches([body])

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            taint = self.expr(stmt.value)
            if self._eager(stmt.value):
                self.eager_names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            for target in stmt.targets:
                self.assign(target, taint, stmt.value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.expr(stmt.value), stmt.value)
            if isinstance(stmt.target, ast.Name):
                cls = self._annotated_class(stmt.annotation)
                if cls is not None:
                    self.types[stmt.target.id] = cls
        elif isinstance(stmt, ast.AugAssign):
            taint = self.expr(stmt.value)
            key = self._key(stmt.target)
            if key is not None:
                self.env[key] = _union(self.env.get(key, {}), taint)
        elif isinstance(stmt, ast.Expr):
            self.expr(stmt.value)
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None:
                if not self.summary.returns_eager and self._eager(stmt.value):
                    self.summary.returns_eager = True
                body, body_taint, taint = self._returned(stmt.value)
                for label, path in taint.items():
                    self.summary.returns.setdefault(label, path)
                if self.entry in STRING_RESPONSE_FRAMEWORKS and _string_built(body):
                    self._sink("html", body_taint, body, "returned as the response body")
        elif isinstance(stmt, ast.If):
            self.expr(stmt.test)
            proven = _proven_safe(stmt.test)
            if not proven:
                self.branches([stmt.body, stmt.orelse])
            else:   # `if name in ALLOWED:`, `if name.isidentifier():` the body sees only checked values
                start = self.env
                self.env = dict(start)
                self._prove(proven)
                self.block(stmt.body)
                inside = self.env
                self.env = dict(start)
                self.block(stmt.orelse)
                self.env = _merge_env(inside, self.env)
            if _leaves(stmt.body) and not stmt.orelse:
                self._prove(_refuted_safe(stmt.test))
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.assign(stmt.target, self._rows(stmt, stmt.iter, self.expr(stmt.iter)), stmt.iter)
            self.loops.append(stmt)
            self.loop_body(stmt.body, stmt.orelse)
            self.loops.pop()
        elif isinstance(stmt, ast.While):
            self.expr(stmt.test)
            self.loop_body(stmt.body, stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                taint = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, taint, item.context_expr)
            outer = self.in_transaction
            self.in_transaction = outer or any(_names_transaction(item.context_expr) for item in stmt.items)
            self.block(stmt.body)
            self.in_transaction = outer
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.block(stmt.body)
            self.branches([h.body for h in stmt.handlers] + [stmt.orelse])
            self.block(stmt.finalbody)
        elif isinstance(stmt, ast.Match):
            self.expr(stmt.subject)
            self.branches([case.body for case in stmt.cases])
        elif isinstance(stmt, (ast.Raise, ast.Assert, ast.Delete)):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def _returned(self, value: ast.expr) -> tuple[ast.expr, Taint, Taint]:
        """The response body a return statement gives (the first element of `return body, 404`), its taint,
        and the taint of the whole value."""
        if isinstance(value, ast.Tuple) and value.elts and not isinstance(value.elts[0], ast.Starred):
            parts = [self.expr(e) for e in value.elts]
            whole: Taint = {}
            for part in parts:
                whole = _union(whole, part)
            return value.elts[0], parts[0], whole
        taint = self.expr(value)
        return value, taint, taint

    def _prove(self, proven: dict[str, frozenset[str]]) -> None:
        """What a test proved of a name: safe for every kind (its taint dropped) or for some kinds."""
        for name, kinds in proven.items():
            if ALL in kinds:
                self.env[name] = {}
            elif name in self.env:
                self.env[name] = {(origin, sanitized | kinds): path for (origin, sanitized), path in self.env[name].items()}

    def _key(self, target: ast.expr) -> str | None:
        if isinstance(target, ast.Name):
            return target.id
        if isinstance(target, ast.Attribute):
            text = dotted(target)
            if text and text.count(".") == 1 and text.split(".")[0] == (self.fn.params[0] if self.fn.params else ""):
                return text
            return self._key(target.value)
        if isinstance(target, ast.Subscript):
            return self._key(target.value)
        return None

    def _mark_lines(self, node: ast.AST, taint: Taint) -> None:
        raw = [sanitized for origin, sanitized in taint if origin != DB]
        start = getattr(node, "lineno", None)
        if not raw or start is None:
            return
        lines = range(start, (getattr(node, "end_lineno", None) or start) + 1)
        if any(not sanitized for sanitized in raw):
            self.summary.tainted_lines.update(lines)
            return
        safe = frozenset.intersection(*raw)
        for line in lines:
            self.summary.sanitized_lines[line] = self.summary.sanitized_lines.get(line, safe) & safe

    def assign(self, target: ast.expr, taint: Taint, value: ast.expr | None) -> None:
        if value is not None and taint:
            self._mark_lines(value, taint)
        if isinstance(target, ast.Name):
            self.env[target.id] = taint
            cls = self.program.class_of_call(self.fn.rel, value, self.nested) if value is not None else None
            if cls is not None:
                self.types[target.id] = cls
            else:
                self.types.pop(target.id, None)
            client = self._client_class(self.fn.rel, value) if value is not None else None
            if client is not None:
                self.clients[target.id] = client
            else:
                self.clients.pop(target.id, None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.assign(element, taint, None)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, taint, None)
        else:
            key = self._key(target)
            if key is None:
                return
            if isinstance(target, ast.Attribute) and key == dotted(target):
                self.env[key] = taint
            else:
                self.env[key] = _union(self.env.get(key, {}), taint)

    # ---- expressions ------------------------------------------------------------------------------
    def _step(self, node: ast.AST, label: str, step: str) -> FlowStep:
        line = getattr(node, "lineno", None) or self.fn.line
        return FlowStep(self.fn.rel, line, self.snippet(self.fn.rel, line), step, label)

    def _source(self, node: ast.Attribute) -> Taint | None:
        receiver = dotted(node.value)
        if node.attr in self.rules.attributes and receiver in self.rules.receivers:
            self.summary.effects.setdefault("request", (self._step(node, f"{receiver}.{node.attr}", "source"),))
            return {(REQ, frozenset()): (self._step(node, f"{receiver}.{node.attr}", "source"),)}
        return None

    def expr(self, expr_node: ast.expr | None) -> Taint:
        if expr_node is None:
            return {}
        node: Any = expr_node     # dispatched on its exact class below (faster than isinstance chains)
        cls = node.__class__
        if cls is ast.Constant:
            return {}
        if cls is ast.Name:
            return self.env.get(node.id, _NONE)
        if cls is ast.Attribute:
            if node.attr in self.rules.attributes:
                found = self._source(node)
                if found is not None:
                    return found
            value = node.value
            if value.__class__ is ast.Name:
                if node.attr in self.rules.lazy_relations:
                    self._lazy_read(node, value.id)
                text = f"{value.id}.{node.attr}"
                if text in self.env:
                    return self.env[text]
            return self.expr(value)
        if cls is ast.Call:
            return self.call(node)
        if cls is ast.Subscript:
            self.expr(node.slice)
            return self.expr(node.value)
        if cls is ast.Compare:
            self.expr(node.left)
            for c in node.comparators:
                self.expr(c)
            return {}
        if cls is ast.Lambda:
            return {}
        if cls is ast.NamedExpr:
            taint = self.expr(node.value)
            self.assign(node.target, taint, node.value)
            return taint
        if cls in _COMPREHENSIONS:
            self.loops.append(node)
            for gen in node.generators:   # the element holds what its targets took from the iterables
                self.assign(gen.target, self._rows(node, gen.iter, self.expr(gen.iter)), None)
                for test in gen.ifs:
                    self.expr(test)
            if cls is ast.DictComp:
                result = _union(self.expr(node.key), self.expr(node.value))
            else:
                result = self.expr(node.elt)
            self.loops.pop()
            return {label: path for label, path in result.items() if label[0] != ROW}
        out: Taint = {}
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                out = _union(out, self.expr(child))
        return out

    def _call_names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n in names if n)

    def _client_class(self, rel: str, value: ast.expr | None) -> str | None:
        """The HTTP client class `value` constructs (`requests.Session()`, `httpx.AsyncClient(...)`, imports
        resolved), when it is one the rules list under `clients`."""
        if not isinstance(value, ast.Call) or not self.rules.clients:
            return None
        written = dotted(value.func)
        if written.rsplit(".", 1)[-1] not in self.rules.client_names:
            return None
        sym = self.program.resolve_expr(rel, value.func)
        name = sym.external if sym is not None and sym.kind == "external" else written
        return name if name in self.rules.clients else None

    def _client_method(self, func: ast.Attribute) -> str | None:
        """`session.get` as `requests.Session.get` when `session` holds a client session: a local name, a
        session made inline, or `self.<attr>` set to one in any method of the class."""
        value = func.value
        client: str | None = None
        if isinstance(value, ast.Name):
            client = self.clients.get(value.id)
        elif isinstance(value, ast.Call):
            client = self._client_class(self.fn.rel, value)
        elif (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and self.fn.cls is not None
              and self.fn.params and value.value.id == self.fn.params[0]):
            client = self._client_class(self.fn.cls.rel, self.fn.cls.attributes.get(value.attr))
        return f"{client}.{func.attr}" if client else None

    def call(self, call: ast.Call) -> Taint:
        target = self.program.resolve_call(self.fn, call, self.types, self.nested)
        names = self._call_names(target.names)
        if isinstance(call.func, ast.Attribute) and self.rules.clients:
            method = self._client_method(call.func)
            if method is not None:
                names += (method,)
        receiver: Taint = {}
        own: Taint = {}   # what the object a method is called on holds (for the method's `self`)
        if isinstance(call.func, ast.Attribute):
            receiver = own = self._source(call.func) or self.expr(call.func.value)   # request.get_json()
            if isinstance(call.func.value, ast.Name) and call.func.value.id == self._self_name():
                own = _union(own, {(f"p:{call.func.value.id}", frozenset()): ()})   # self.count_posts()
            if not target.functions and self._row_in_loop(own):
                # a row of unknown class: the method of that name of any of our models may run
                target = dataclasses.replace(target, functions=[(m, True) for m in
                                                                self.program.model_methods(call.func.attr)])
            if receiver and not target.functions and call.func.attr not in self.rules.propagating_methods \
                    and self._source(call.func) is None:
                receiver = {}   # obj.get_absolute_url(): a method of an object, not the data it was built from
        elif not isinstance(call.func, ast.Name):
            receiver = self.expr(call.func)
        args = [self.expr(a.value if isinstance(a, ast.Starred) else a) for a in call.args]
        kwargs = {kw.arg: self.expr(kw.value) for kw in call.keywords if kw.arg is not None}
        spread = [self.expr(kw.value) for kw in call.keywords if kw.arg is None]
        for taint in args + list(kwargs.values()) + spread:
            self._mark_lines(call, taint)
        if own and isinstance(call.func, ast.Attribute) and call.func.attr in SAVES_TO_PATH:
            self._saved(call, own)
        for name in names:
            for rule in self.rules.sinks_of(name):
                self._apply_sink(rule, call, args, kwargs, name)
            for effect in self.rules.effects_of(name):
                self._effect(effect, call, name)
                if effect == "query":
                    self._query_depends(call, name)
                if effect == "outbound" and not any(kw.arg == "timeout" for kw in call.keywords):
                    self._effect("outbound_no_timeout", call, name)
        if any(isinstance(a, ast.JoinedStr) for a in call.args) and self._runs_shell(names, target.functions):
            self._fetched_urls(call, args)
        if target.functions:
            if call.args or call.keywords:
                self.rebound += bind_arguments(self.program, self.fn, call, target.functions, self.nested)
            result: Taint = {}
            for callee, bound in target.functions:
                result = _union(result, self._through(callee, bound, call, args, kwargs, spread, own))
            if target.instantiates is not None:   # the instance holds what it was built from (`Cls(**data)` too)
                for taint in args + list(kwargs.values()) + spread:
                    result = _union(result, taint)
            return result
        if any(name in OPENS_PATH for name in names):
            stored = self._read_back(call)
            if stored:
                return stored
        for name in names:
            kinds = self.rules.sanitized_kinds(name)
            if kinds is not None:
                if ALL in kinds:
                    return {}
                merged = self._all(receiver, args, kwargs, spread)
                return {(origin, sanitized | kinds): path for (origin, sanitized), path in merged.items()}
            if self.rules.database_result(name) or any(r.kind == "sql" for r in self.rules.sinks_of(name)):
                return {(DB, frozenset()): (self._step(call, f"{name} (database value)", "source"),)}
            if any(r.kind in RESULT_NOT_REQUEST for r in self.rules.sinks_of(name)):
                return {}
        if isinstance(call.func, ast.Name) and call.func.id in ("str", "repr", "format") and not args:
            return {}
        return self._all(receiver, args, kwargs, spread)

    def _runs_shell(self, names: tuple[str, ...], callees: list[tuple[FunctionInfo, bool]]) -> bool:
        """The call runs its argument as a shell command, itself or through a helper of ours."""
        if any(rule.kind == "shell" for name in names for rule in self.rules.sinks_of(name)):
            return True
        return any(kind == "shell" for callee, _ in callees
                   for _, kind in getattr(self.summaries.get(callee.id), "param_sinks", {}))

    def _fetched_urls(self, call: ast.Call, args: list[Taint]) -> None:
        """`run(f"curl {url}")`: a command line that fetches a URL is an outbound request to it, so request data
        choosing the URL's host reaches a `url` sink as well as a shell one."""
        for node, taint in zip(call.args, args):
            url = _fetch_command_url(node) if taint else None
            if url is not None and not target_fixed(url, self._carries_request_data):
                self._sink("url", taint, node, "shell command fetching a URL")

    def _saved(self, call: ast.Call, content: Taint) -> None:
        """`upload.save(file_path)`: the file at that path now holds the upload's data (a local key per
        path expression, kept in the environment so branches merge it like a name)."""
        target = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg in ("dst", "fp")), None)
        key = _file_key(target)
        if key is not None:
            step = self._step(call, f"saved to {ast.unparse(target)}" if target is not None else "saved", "assign")
            self.env[key] = _union(self.env.get(key, {}), {label: _clip(path + (step,)) for label, path in content.items()})

    def _read_back(self, call: ast.Call) -> Taint:
        """`open(file_path)` of a path this function saved request data to: the file's content is that data."""
        target = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg in ("file", "path")), None)
        key = _file_key(target)
        stored = self.env.get(key, _NONE) if key is not None else _NONE
        if not stored:
            return {}
        step = self._step(call, "read back", "assign")
        return {label: _clip(path + (step,)) for label, path in stored.items()}

    @staticmethod
    def _all(receiver: Taint, args: list[Taint], kwargs: dict[str | None, Taint], spread: list[Taint]) -> Taint:
        out = receiver
        for taint in args:
            out = _union(out, taint)
        for taint in kwargs.values():
            out = _union(out, taint)
        for taint in spread:
            out = _union(out, taint)
        return out

    def _effect(self, effect: str, node: ast.AST, name: str) -> None:
        self._record_effect(effect, (self._step(node, name, "sink"),))

    def _record_effect(self, effect: str, path: Path) -> None:
        self.summary.effects.setdefault(effect, path)

    def _rows(self, loop: ast.AST, iterable: ast.expr, taint: Taint) -> Taint:
        """What a loop's target holds: the iterable's labels, plus ROW when it iterates query results or a
        relationship of a row (ROW's path starts at the loop, which must enclose the query to count)."""
        if not any(origin in (DB, ROW) for origin, _ in taint):
            return taint
        if self._eager(iterable):
            self.eager_loops.add(getattr(loop, "lineno", 0))
        self.summary.row_loops.add(getattr(loop, "lineno", 0))
        return {**taint, (ROW, frozenset()): (self._step(loop, "loop over query results", "call"),)}

    def _in_loop(self, path: Path) -> bool:
        return bool(path) and any(path[0].line == getattr(loop, "lineno", None) and path[0].file == self.fn.rel
                                  for loop in self.loops)

    def _eager(self, node: ast.AST) -> bool:
        """The expression loads related rows up front: an eager-loading call, a name assigned one, or a call to
        a helper of ours that returns one."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                if getattr(sub.func, "attr", getattr(sub.func, "id", None)) in EAGER_CALLS:
                    return True
                target = self.program.resolve_call(self.fn, sub, self.types, self.nested)
                if any(getattr(self.summaries.get(f.id), "returns_eager", False) for f, _ in target.functions):
                    return True
            if isinstance(sub, ast.Name) and sub.id in self.eager_names:
                return True
        return False

    def _labels_in(self, nodes: list[ast.AST]) -> Taint:
        """The labels of every name the expressions read (comparisons included: `Comment.post_id == post.id`
        filters by the row even though the comparison's value carries no data)."""
        out: Taint = {}
        seen: set[str] = set()
        todo = list(nodes)
        while todo:
            for sub in ast.walk(todo.pop()):
                if isinstance(sub, ast.Name) and sub.id not in seen:
                    seen.add(sub.id)
                    out = _union(out, self.env.get(sub.id, _NONE))
                    if sub.id == self._self_name():   # a query that follows the object's own relationships
                        out = _union(out, {(f"p:{sub.id}", frozenset()): ()})
                    # a query built in steps (`q = select(...).select_from(self.posts.select())`) reads
                    # what each step read, even when the builder's calls carry no taint
                    todo += self._built_from().get(sub.id, [])
        return out

    def _self_name(self) -> str:
        """The name of a method's instance parameter (`self`), "" elsewhere."""
        return self.fn.params[0] if self.fn.kind == "method" and self.fn.params else ""

    def _built_from(self) -> dict[str, list[ast.expr]]:
        """Local name -> the values assigned to it in this function."""
        found = self.__dict__.get("_assigned")
        if found is None:
            found = {}
            for node in nodes_of(self.fn.node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
            self.__dict__["_assigned"] = found
        return found

    def _query_depends(self, call: ast.Call, name: str) -> None:
        """A query whose filter or receiver reads a parameter (into the summary) or the row of the loop it
        is in (`query_in_loop`, a query per row)."""
        if call.args and name.split(".")[-1] in ARGUMENTLESS_QUERIES:
            return    # str.count(" "), list.count(x), func.count(col): not a query of rows
        sink = self._step(call, name, "sink")
        receiver: list[ast.AST] = []
        if isinstance(call.func, ast.Attribute):
            receiver = [call.func.value]
        arguments: list[ast.AST] = list(call.args) + [kw.value for kw in call.keywords]
        for how, nodes in (("argument", arguments), ("relation", receiver)):
            for (origin, _), path in self._labels_in(nodes).items():
                if origin.startswith("p:"):
                    self.summary.param_queries.setdefault((origin[2:], how), (sink,))
                elif origin == ROW and self._in_loop(path):
                    self.summary.effects.setdefault("query_in_loop", _clip(path + (sink,)))

    def _lazy_read(self, node: ast.Attribute, name: str) -> None:
        """`self.user.username` with `user` a relationship loaded lazily: reading it runs a query that follows
        the object, so a method reading it on each row of a loop runs one query per row (`how` "lazy")."""
        labels = self.env.get(name, _NONE)
        if name == self._self_name():
            labels = _union(labels, {(f"p:{name}", frozenset()): ()})
        for (origin, _), _path in labels.items():
            if origin.startswith("p:"):
                self.summary.param_queries.setdefault(
                    (origin[2:], "lazy"), (self._step(node, f"{name}.{node.attr} loads lazily", "sink"),))

    def _apply_sink(self, rule: SinkRule, call: ast.Call, args: list[Taint], kwargs: dict[str | None, Taint],
                    name: str) -> None:
        if rule.when == "shell":
            shell = any(kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and not kw.value.value)
                        for kw in call.keywords)
            first = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "args"), None)
            if not shell and (first is None or isinstance(first, (ast.List, ast.Tuple, ast.ListComp))):
                return
            if not shell and not _string_built(first):
                return
        if rule.when == "url_method" and name.rsplit(".", 1)[-1] not in URL_METHODS:
            return
        if rule.when == "unsafe_yaml":
            loader = next((kw.value for kw in call.keywords if kw.arg == "Loader"), call.args[1] if len(call.args) > 1 else None)
            if loader is not None and "Safe" in dotted(loader):
                return
        if rule.kind == "html" and self.plain_response:
            return
        if rule.kind == "html" and any(kw.arg in ("content_type", "mimetype", "media_type")
                                       and isinstance(kw.value, ast.Constant) and "html" not in str(kw.value.value)
                                       for kw in call.keywords):
            return
        taint: Taint = {}
        node: ast.expr | None = None
        if rule.arg is not None and len(call.args) > rule.arg and not any(isinstance(a, ast.Starred) for a in call.args[:rule.arg + 1]):
            taint, node = args[rule.arg], call.args[rule.arg]
        else:
            for kw in call.keywords:
                if kw.arg in rule.keywords:
                    taint, node = kwargs.get(kw.arg, {}), kw.value
        if rule.kind == "url" and node is not None and self._fixed_url(node):
            return
        if taint and node is not None:
            self._sink(rule.kind, taint, node, name)

    def _fixed_url(self, node: ast.expr) -> bool:
        """The URL argument, or the local name every assignment of which, settles scheme, host and port before
        any request data (auditor/program/urls.py)."""
        if isinstance(node, ast.Name):
            values = [a.value for a in nodes_of(self.fn.node, ast.Assign)
                      if any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
            return bool(values) and all(target_fixed(v, self._carries_request_data) for v in values)
        return target_fixed(node, self._carries_request_data)

    def _carries_request_data(self, node: ast.expr) -> bool:
        """Whether a piece of a URL holds request data, read from the current bindings without evaluating it
        again (an evaluation would record its calls' flows twice)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                taint = self.env.get(sub.id)
            elif isinstance(sub, ast.Attribute):
                if sub.attr in self.rules.attributes and dotted(sub.value) in self.rules.receivers:
                    return True
                taint = self.env.get(dotted(sub)) if isinstance(sub.value, ast.Name) else None
            else:
                continue
            if taint and any(not _safe_for(label, "url") for label in taint):
                return True
        return False

    def _sink(self, kind: str, taint: Taint, node: ast.AST, label: str) -> None:
        sink = self._step(node, label, "sink")
        for (origin, sanitized), path in taint.items():
            if _safe_for((origin, sanitized), kind):
                continue
            full = _clip(path + (sink,))
            if origin == REQ or origin == DB and kind in STORED_KINDS:
                self.flows.append(TaintFlow(kind, self.fn.id, full))
            elif origin.startswith("p:"):
                self.summary.param_sinks.setdefault((origin[2:], kind), full)

    def _row_in_loop(self, taint: Taint) -> bool:
        return any(origin == ROW and self._in_loop(path) for (origin, _), path in taint.items())

    def _through(self, callee: FunctionInfo, bound: bool, call: ast.Call, args: list[Taint],
                 kwargs: dict[str | None, Taint], spread: list[Taint], own: Taint | None = None) -> Taint:
        """The taint a call to `callee` returns, with the sinks its parameters reach applied to the arguments."""
        self.callees.add(callee.id)
        summary = self.summaries.get(callee.id)
        if summary is None:
            return {}
        params = callee.params[1:] if bound and callee.params else list(callee.params)
        by_param: dict[str, Taint] = {}
        positional = [p for p in params if not p.startswith("*")]
        starred_args = any(isinstance(a, ast.Starred) for a in call.args)
        kw_only_start = callee.node.args.posonlyargs + callee.node.args.args
        n_positional = len(kw_only_start) - (1 if bound and kw_only_start else 0)
        for i, taint in enumerate(args):
            if i < min(len(positional), n_positional) and not starred_args:
                by_param[positional[i]] = _union(by_param.get(positional[i], {}), taint)
            else:
                star = next((p for p in params if p.startswith("*") and not p.startswith("**")), None)
                targets = [star[1:]] if star and not starred_args else [p.lstrip("*") for p in params]
                for p in targets:
                    by_param[p] = _union(by_param.get(p, {}), taint)
        for name, taint in kwargs.items():
            if name in params:
                by_param[name] = _union(by_param.get(name, {}), taint)
            else:
                star = next((p for p in params if p.startswith("**")), None)
                if star:
                    by_param[star[2:]] = _union(by_param.get(star[2:], {}), taint)
        for taint in spread:
            for p in params:
                by_param[p.lstrip("*")] = _union(by_param.get(p.lstrip("*"), {}), taint)
        call_label = f"calls {callee.qualname}"
        step = self._step(call, call_label, "call")
        for (param, kind), path in summary.param_sinks.items():
            for (origin, sanitized), before in by_param.get(param, {}).items():
                if _safe_for((origin, sanitized), kind):
                    continue
                full = _clip(before + (step,) + path)
                if origin == REQ or origin == DB and kind in STORED_KINDS:
                    self.flows.append(TaintFlow(kind, self.fn.id, full))
                elif origin.startswith("p:"):
                    self.summary.param_sinks.setdefault((origin[2:], kind), full)
        for effect, path in summary.effects.items():
            if effect == "query_in_loop" or effect == "request":
                continue
            self._record_effect(effect, _clip((step,) + path))
        if bound and own and callee.params and not callee.params[0].startswith("*"):
            # the queries of a method that follow `self` run per row when it is called on each row
            self._queries_through(summary, {**by_param, callee.params[0]: own}, step)
        else:
            self._queries_through(summary, by_param, step)
        if "commit" in summary.effects and "write" in summary.effects and not self.in_transaction:
            committing = _clip((step,) + summary.effects["commit"])
            if committing not in self.summary.committing_calls:
                self.summary.committing_calls.append(committing)
                self.summary.committing_branches.append(self.branch)
        result: Taint = {}
        for (origin, sanitized), path in summary.returns.items():
            if origin == ROW:
                continue
            if origin in (REQ, DB):
                result.setdefault((origin, sanitized), _clip(path + (self._step(call, f"returned by {callee.qualname}", "return"),)))
            elif origin.startswith("p:"):
                for (arg_origin, arg_sanitized), before in by_param.get(origin[2:].lstrip("*"), {}).items():
                    result.setdefault((arg_origin, arg_sanitized | sanitized), _clip(before + (step,)))
        return result

    def _queries_through(self, summary: Summary, by_param: dict[str, Taint], step: FlowStep) -> None:
        """A callee's query that depends on a parameter, given a value of the loop's row (a query per row,
        unless the loop's results were loaded eagerly and the query only follows a relationship), or a
        parameter of this function (into its summary)."""
        for (param, how), path in summary.param_queries.items():
            for (origin, _), before in by_param.get(param, {}).items():
                if origin.startswith("p:"):
                    self.summary.param_queries.setdefault((origin[2:], how), _clip((step,) + path))
                elif origin == ROW and self._in_loop(before):
                    if how in ("relation", "lazy") and before[0].line in self.eager_loops:
                        continue
                    flow = _clip(before[:1] + (step,) + path)
                    self.summary.effects.setdefault("query_in_loop", flow)
                    if not any(f[:2] == flow[:2] for f in self.summary.row_queries):   # one per loop and call
                        self.summary.row_queries.append(flow)


FETCH_COMMANDS = ("curl", "wget", "http", "https")   # HTTP clients run from a shell (http: HTTPie)


def _fetch_command_url(node: ast.expr) -> ast.JoinedStr | None:
    """The URL part of an f-string command line that runs an HTTP client (`f"curl --insecure {url}"` ->
    `f"{url}"`), or None when the command is something else."""
    if not isinstance(node, ast.JoinedStr) or not node.values or not isinstance(node.values[0], ast.Constant):
        return None
    prefix = str(node.values[0].value)
    if prefix.split(" ", 1)[0] not in FETCH_COMMANDS or " " not in prefix:
        return None
    # the URL is the word the first value is written into: what follows the prefix's last space
    return ast.JoinedStr(values=[ast.Constant(prefix.rsplit(" ", 1)[1])] + node.values[1:])


def _file_key(node: ast.expr | None) -> str | None:
    """The environment key of the file at a path expression (`<file>file_path`), for names, attributes,
    constants and paths joined from them; None for anything else."""
    if node is None or not all(isinstance(sub, (ast.Name, ast.Attribute, ast.Constant, ast.BinOp, ast.JoinedStr,
                                                ast.FormattedValue, ast.Call, ast.Load, ast.operator))
                               for sub in ast.walk(node)):
        return None
    return f"<file>{ast.unparse(node)}"


def _names_transaction(node: ast.AST) -> bool:
    name = dotted(node.func) if isinstance(node, ast.Call) else dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else ""
    return any(part in TRANSACTION_NAMES for part in name.split("."))


def _transactional(fn: ast.AST) -> bool:
    """A function decorated to run as one transaction (`@transaction.atomic`, `@atomic`)."""
    return any(_names_transaction(d) for d in getattr(fn, "decorator_list", ()))
