"""What functions do, found through helpers by the program model's summaries (a query per row, writes
committed one by one), attributed to the request handlers that reach them. Code that serves no request
(auditor/paths.py NO_REQUEST_PATH) is kept apart: it is not held to the request-path items."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.endpoints.branches import post_only_lines
from auditor.model import Endpoint, FlowStep
from auditor.paths import NO_REQUEST_PATH
from auditor.program import FunctionInfo, ProgramModel, flow_text
from auditor.program.rules import load_rules

MAX_HANDLERS = 5   # handlers named per finding
# tests among NO_REQUEST_PATH: they call request code too, so their calls alone do not put code outside requests
TEST_PATH = re.compile(r"(^|/)(tests?|fixtures)/|(^|/)(test_[^/]+|conftest|[^/]+_test)\.py$", re.IGNORECASE)


@dataclass(frozen=True)
class EffectFinding:
    function: str                    # id of the function where the loop (or the writes) are
    flow: tuple[FlowStep, ...]       # loop or first call -> calls -> the query or commit
    handlers: tuple[str, ...]        # request handlers that reach the function (itself included)
    serves_requests: bool            # False: migration, command, script, test

    @property
    def where(self) -> str:
        return f"{self.flow[0].file}:{self.flow[0].line}"

    @property
    def text(self) -> str:
        return flow_text(self.flow)


def transitive_callers(model: ProgramModel, fid: str) -> set[str]:
    """`fid` and every function whose calls reach it."""
    callers: dict[str, set[str]] = model.__dict__.setdefault("_callers", {})
    if not callers:
        for caller, callees in model.program.calls.items():
            for callee in callees:
                callers.setdefault(callee, set()).add(caller)
    seen = {fid}
    todo = [fid]
    while todo:
        current = todo.pop()
        for caller in callers.get(current, ()):
            if caller not in seen:
                seen.add(caller)
                todo.append(caller)
    return seen


def handlers_reaching(model: ProgramModel, fid: str) -> tuple[str, ...]:
    """The request handlers whose calls reach `fid` (fid itself when it is one)."""
    return tuple(sorted(f for f in transitive_callers(model, fid) if f in model.program.entries))


# decorators that make a function a command-line command: Click/Flask `@app.cli.command()`, `@click.command()`,
# `@<group>.command()`, `@click.group()`, Typer `@app.command()`, Flask-Script `@manager.command`/`.option`
CLI_DECORATOR_TAILS = ("command", "group")
CLI_DECORATORS = ("manager.option",)


def is_cli_command(fn: FunctionInfo) -> bool:
    """A function a command line runs (a Click, Flask CLI, Typer or Flask-Script command), not a request."""
    for deco in fn.node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = ast.unparse(target)
        if name.rsplit(".", 1)[-1] in CLI_DECORATOR_TAILS or name in CLI_DECORATORS:
            return True
    return False


def imported_by_application(model: ProgramModel, rel: str) -> bool:
    """Some module outside tests, scripts and commands imports `rel` (`from app import fake` counts for
    app/fake.py, as an import of the package's attribute of that name)."""
    cache: dict[str, bool] = model.__dict__.setdefault("_imported_by_application", {})
    if rel not in cache:
        stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
        package = rel.rsplit("/", 1)[0] + "/__init__.py" if "/" in rel else "__init__.py"
        cache[rel] = any(
            (target.rel == rel or (target.rel == package and target.attr == stem))
            for other, module in model.program.modules.items()
            if other != rel and not NO_REQUEST_PATH.search(other)
            for target in module.imports.values())
    return cache[rel]


def outside_requests_only(model: ProgramModel, fid: str) -> bool:
    """True when no request handler reaches `fid` but a command-line command, a migration or a script does,
    or a test does and no application module imports `fid`'s module (a fake-data module only tests use).
    Such code runs on an operator's command or in the test suite, not in a request. A test calling a function
    of an imported module proves nothing (tests call request code, and handlers may reach it by dynamic
    dispatch the call graph misses); a function nothing in the model calls is not assumed outside requests."""
    if not model.program.entries:
        return False
    reach = transitive_callers(model, fid)
    if any(f in model.program.entries for f in reach):
        return False
    functions = model.program.functions
    tests_only = not imported_by_application(model, functions[fid].rel) if fid in functions else False
    for f in reach:
        info = functions.get(f)
        if info is None:
            continue
        if is_cli_command(info):
            return True
        if NO_REQUEST_PATH.search(info.rel) and (tests_only or not TEST_PATH.search(info.rel)):
            return True
    return False


def _finding(model: ProgramModel, fid: str, flow: tuple[FlowStep, ...]) -> EffectFinding:
    rel = model.program.functions[fid].rel
    return EffectFinding(fid, flow, handlers_reaching(model, fid),
                         not NO_REQUEST_PATH.search(rel) and not outside_requests_only(model, fid))


def queries_per_row(model: ProgramModel) -> list[EffectFinding]:
    """Loops over query results that call a helper (of a helper...) running a query that depends on the row."""
    return [_finding(model, fid, flow) for fid, summary in sorted(model.summaries.items())
            for flow in summary.row_queries]


def request_row_loops(model: ProgramModel) -> list[tuple[str, int]]:
    """(file, line) of the loops over query results (a helper's results included) in functions that request
    handlers reach, outside migrations, commands, scripts and tests: what the N+1 item judges when the direct
    scan of loops over queries finds none (the query is behind a repository or service class, or is a call
    that scan does not read)."""
    reached = model.serves_requests()
    return sorted({(model.program.functions[fid].rel, line) for fid, summary in model.summaries.items()
                   if fid in reached and not NO_REQUEST_PATH.search(model.program.functions[fid].rel)
                   for line in summary.row_loops})


def commits_per_write(model: ProgramModel) -> list[tuple[EffectFinding, list[tuple[FlowStep, ...]]]]:
    """Functions that call two or more helpers which write and commit on their own, outside a transaction
    block: (the finding with the first such call's flow, every such call's flow)."""
    out = []
    for fid, summary in sorted(model.summaries.items()):
        calls = summary.committing_calls
        pair = next(((a, b) for a in range(len(calls)) for b in range(a + 1, len(calls))
                     if calls[a][0].line != calls[b][0].line and not summary.exclusive(a, b)), None)
        if pair is not None:   # the first two commit points that both run
            out.append((_finding(model, fid, calls[pair[0]] + calls[pair[1]]), calls))
    return out


def called_at_startup(model: ProgramModel, trees: dict[str, ast.Module]) -> set[str]:
    """Names of functions called by module-level code (run once at import or start-up: seeding, setup,
    `if __name__ == "__main__":`), which serves no request unless a handler reaches them too."""
    names: set[str] = set()
    for tree in trees.values():
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                    if name:
                        names.add(name)
    return names


def serves_no_request(model: ProgramModel | None, startup: set[str], rel: str, line: int) -> bool:
    """Code in a migration, command, script or test, a function run at start-up that no request handler
    reaches, or one reached only from command-line commands, tests and scripts (outside_requests_only)."""
    if NO_REQUEST_PATH.search(rel):
        return True
    if model is None or not model.program.entries:
        return False
    fn = model.function_at(rel, line)
    if fn is None or handlers_reaching(model, fn.id):
        return False
    return fn.name in startup or outside_requests_only(model, fn.id)


# writes that persist on their own (Django's save/create, document stores), with no commit to follow
SELF_PERSISTING = ("save", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
                   "insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many")


def handler_function(model: ProgramModel, ep: Endpoint) -> FunctionInfo | None:
    """The function of the program model that serves `ep` (a class-based view's method for its HTTP method)."""
    name = ep.handler.split(":")[-1].split(".")[-1] if ep.handler else ""
    entries = model.program.entries
    fns = [f for f in model.functions_in(ep.file) if f.id in entries]
    named = [f for f in fns if f.name == name and f.cls is None]
    if not named:
        named = [f for f in fns if f.cls is not None and f.cls.name == name and f.name == ep.method.lower()]
    return min(named, key=lambda f: abs(f.line - ep.line)) if named else None


def writes_on_get(model: ProgramModel, ep: Endpoint, snippet) -> tuple[FlowStep, ...]:
    """The first write a GET request makes: a commit (or a write that persists on its own) in the handler
    outside its POST-only branches, or in a same-repository function it calls (through the summaries).
    The flow runs from the route to the write; () when the GET reads only. Hooks that run before every
    request (`before_request`) are not the handler and are not followed."""
    fn = handler_function(model, ep)
    if fn is None:
        return ()
    rules = load_rules()
    post_only = post_only_lines(fn.node)
    route = FlowStep(ep.file, ep.line, snippet(ep.file, ep.line), "source", f"{ep.method.upper()} {ep.path}")
    nested = model.program.nested(fn)
    calls = sorted((n for n in ast.walk(fn.node) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for call in calls:
        if call.lineno in post_only:
            continue
        target = model.program.resolve_call(fn, call, {}, nested)
        here = snippet(fn.rel, call.lineno)
        for name in target.names:
            effects = rules.effects_of(name)
            if "commit" in effects or "write" in effects and name.rsplit(".", 1)[-1] in SELF_PERSISTING:
                return route, FlowStep(fn.rel, call.lineno, here, "sink", name)
        for callee, _ in target.functions:
            summary = model.summaries.get(callee.id)
            if summary is None:
                continue
            path = summary.effects.get("commit")
            if path is None:
                path = next((p for e, p in summary.effects.items() if e == "write"
                             and p[-1].label.rsplit(".", 1)[-1] in SELF_PERSISTING), None)
            if path is not None:
                return (route, FlowStep(fn.rel, call.lineno, here, "call", f"calls {callee.qualname}")) + tuple(path)
    return ()
