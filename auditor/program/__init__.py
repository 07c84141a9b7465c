"""The program model: the repository's Python code as modules, functions, classes and resolved calls, with
function summaries computed to a fixpoint and the flows of request data to sinks. Built once per audit
(auditor/collectors/program.py) and shared by every check that judges what the code does rather than what
it is called.

    modules.py    module names from paths; absolute and relative import resolution
    symbols.py    what one module defines and imports
    graph.py      the Program: names, re-exports, classes and calls resolved to our own functions
    bindings.py   functions passed as decorators and callbacks
    providers.py  the classes dependency-injection frameworks provide to parameters (dependency-injector, FastAPI)
    entries.py    which functions serve requests (from the endpoint inventory)
    rules.py      sources, sanitizers, sinks and effects (rules/taint.yml)
    taint.py      one function's analysis, given its callees' summaries
    summaries.py  the fixpoint over the call graph
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from auditor.model import Endpoint, FlowStep
from auditor.program.bindings import bind_decorators
from auditor.program.credentials import credential_models
from auditor.program.entries import mark_entries
from auditor.program.graph import Program
from auditor.program.modules import ModuleIndex
from auditor.program.rules import TaintRules, load_rules
from auditor.program.summaries import compute_summaries
from auditor.program.symbols import FunctionInfo, ModuleSymbols, collect_symbols
from auditor.program.taint import Summary, TaintFlow
from auditor.repo import Repository

__all__ = ["ProgramModel", "TaintFlow", "Summary", "build_program", "FunctionInfo"]


@dataclass
class ProgramModel:
    program: Program
    summaries: dict[str, Summary]
    flows: list[TaintFlow]
    unparsed: list[str] = field(default_factory=list)       # Python files that did not parse
    stats: dict[str, float] = field(default_factory=dict)

    def flows_of(self, *kinds: str) -> list[TaintFlow]:
        return [f for f in self.flows if f.kind in kinds]

    def function_at(self, rel: str, line: int) -> FunctionInfo | None:
        """The innermost function whose span holds `rel:line`, or None (module-level code, or not ours)."""
        best = None
        for fn in self.functions_in(rel):
            if fn.line <= line <= fn.end_line and (best is None or fn.line >= best.line):
                best = fn
        return best

    def functions_in(self, rel: str) -> list[FunctionInfo]:
        index = self.__dict__.setdefault("_by_file", {})
        if not index:
            for fn in self.program.functions.values():
                index.setdefault(fn.rel, []).append(fn)
        return index.get(rel, [])

    def analysed(self, rel: str) -> bool:
        return rel in self.program.modules

    def serves_requests(self) -> set[str]:
        """Ids of the functions a request handler reaches through calls (handlers included)."""
        reached: set[str] = set()
        todo = list(self.program.entries)
        while todo:
            fid = todo.pop()
            if fid in reached:
                continue
            reached.add(fid)
            todo.extend(self.program.calls.get(fid, ()))
        return reached


def build_program(repo: Repository, endpoints: list[Endpoint], rules: TaintRules | None = None) -> ProgramModel:
    started = time.perf_counter()
    rules = rules or load_rules()
    rels = [p for p in repo.paths("python") if p.endswith(".py")]
    index = ModuleIndex(rels)
    modules: dict[str, ModuleSymbols] = {}
    functions: dict[str, FunctionInfo] = {}
    unparsed = []
    for rel in rels:
        tree = repo.python_ast(rel)
        if tree is None:
            unparsed.append(rel)
            continue
        modules[rel] = collect_symbols(rel, tree, functions)
    program = Program(index, modules, functions)
    rules = rules.with_query_objects(query_objects(repo, index, rels)).with_credential_models(
        credential_models(repo, rels)).with_lazy_relations(lazy_relations(repo, rels))
    bind_decorators(program)
    mark_entries(program, endpoints)
    built = time.perf_counter()

    def snippet(rel: str, line: int) -> str:
        lines = repo.lines(rel)
        return lines[line - 1].strip()[:200] if 0 < line <= len(lines) else ""

    summaries, flows, analyses = compute_summaries(program, rules, snippet)
    done = time.perf_counter()
    stats = {"modules": len(modules), "functions": len(functions), "entries": len(program.entries),
             "analyses": analyses, "flows": len(flows), "build_seconds": round(built - started, 3),
             "summary_seconds": round(done - built, 3)}
    return ProgramModel(program, summaries, flows, unparsed, stats)


def lazy_relations(repo: Repository, rels: list[str]) -> set[str]:
    """Names of the relationships our ORM models declare without eager loading (auditor/probes/nplusone.py)."""
    from auditor.probes.nplusone import Relations, collect_relations
    found = Relations()
    for rel in rels:
        text = repo.read_text(rel) or ""
        if not any(word in text for word in ("relationship", "ForeignKey", "OneToOne", "ManyToMany", "ParentalKey")):
            continue
        tree = repo.python_ast(rel)
        if tree is not None:
            collect_relations(rel, tree, found)
    return found.lazy - found.eager


# loaders that turn .sql files into an object whose every method runs one of the queries
QUERY_LOADERS = ("aiosql.from_path", "aiosql.from_str")


def query_objects(repo: Repository, index: ModuleIndex, rels: list[str]) -> list[str]:
    """Dotted names of module-level objects built by a SQL-file query loader (`queries = aiosql.from_path(...)`):
    calling any of their methods is a query that returns rows."""
    import ast
    found = []
    for rel in rels:
        text = repo.read_text(rel) or ""
        if "aiosql" not in text:
            continue
        tree = repo.python_ast(rel)
        module = index.name_of.get(rel)
        if tree is None or not module:
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) \
                    and ast.unparse(stmt.value.func).endswith(QUERY_LOADERS + ("from_path", "from_str")):
                found += [f"{module}.{t.id}" for t in stmt.targets if isinstance(t, ast.Name)]
    return found


def flow_text(steps: tuple[FlowStep, ...]) -> str:
    """One line: `request.args -> items.py:28 -> db.py:24 cursor.execute`."""
    parts = []
    for i, step in enumerate(steps):
        where = f"{step.file.rsplit('/', 1)[-1]}:{step.line}"
        if i == 0 and step.step == "source":
            parts.append(step.label or where)
        elif i == len(steps) - 1:
            parts.append(f"{where} {step.label}".strip())
        else:
            parts.append(where)
    return " -> ".join(parts)
