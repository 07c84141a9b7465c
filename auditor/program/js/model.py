"""The JavaScript/TypeScript program model: the server-side modules of the repository parsed with tree-sitter,
their definitions and resolved calls, and the function summaries (auditor/program/js/summaries.py)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from auditor.inventory import TEST_FILE
from auditor.program.js.parse import EXTENSIONS, parse
from auditor.program.js.resolve import Resolver
from auditor.program.js.summaries import Edges, Reached, summarise
from auditor.program.js.symbols import JsFunction, JsModule, module_of
from auditor.program.js.taint import JsSummary, js_taint_flows
from auditor.program.taint import TaintFlow
from auditor.repo import Repository

# code that never runs in the server: dependencies, front-end trees, built output
NOT_SERVER = re.compile(r"(?:^|/)(?:node_modules|frontend|client|public|static|assets|dist|build|vendor|www|"
                        r"bower_components)/|\.min\.js$|\.d\.ts$")


@dataclass
class JsProgram:
    modules: dict[str, JsModule] = field(default_factory=dict)
    functions: dict[str, JsFunction] = field(default_factory=dict)
    edges: Edges = field(default_factory=dict)
    summaries: dict[str, dict[tuple[str, int, str], Reached]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)     # (file, why): skipped or recovered
    # request data reaching a sink through calls; a parameter a function nobody calls builds into a sink's text
    flows: list[TaintFlow] = field(default_factory=list)
    open_flows: list[TaintFlow] = field(default_factory=list)
    taint: dict[str, JsSummary] = field(default_factory=dict)
    seconds: float = 0.0
    taint_seconds: float = 0.0

    def flows_of(self, *kinds: str) -> list[TaintFlow]:
        return [f for f in self.flows + self.open_flows if f.kind in kinds]

    def calls_resolved(self) -> int:
        return sum(len(e) for e in self.edges.values())


def server_files(repo: Repository) -> list[str]:
    return sorted(p for lang in ("javascript", "typescript") for p in repo.paths(language=lang)
                  if p.endswith(EXTENSIONS) and not TEST_FILE.search(p) and not NOT_SERVER.search(p))


def build_js_program(repo: Repository, files: list[str] | None = None) -> JsProgram:
    started = time.process_time()
    program = JsProgram()
    for rel in (server_files(repo) if files is None else files):
        text = repo.read_text(rel)
        if text is None:
            program.errors.append((rel, "unreadable"))
            continue
        tree, problem = parse(rel, text)
        if problem:
            program.errors.append((rel, problem))
        if tree is None:
            continue
        try:
            mod = module_of(rel, tree.root_node)
        except RecursionError:
            program.errors.append((rel, "too deeply nested to model"))
            continue
        program.modules[rel] = mod
        for fn in mod.functions:
            program.functions[fn.fid] = fn
    resolver = Resolver(program.modules)
    for fid, fn in program.functions.items():
        mod = program.modules[fn.rel]
        for site in fn.calls:
            target = resolver.callee(mod, fn.cls, site.callee)
            if target is not None and target in program.functions:
                program.edges.setdefault(fid, []).append((site, target))
        resolved = {site.line for site, _ in program.edges.get(fid, ())}
        fn.ops = [op for op in fn.ops if not (op.guessed and op.line in resolved)]
    program.summaries = summarise(program.functions, program.edges)
    taint_started = time.process_time()
    program.flows, program.open_flows, program.taint, skipped = js_taint_flows(program.modules, program.functions,
                                                                               resolver)
    program.errors += [(rel, "too deeply nested for the taint pass") for rel in skipped]
    program.taint_seconds = time.process_time() - taint_started
    program.seconds = time.process_time() - started
    return program
