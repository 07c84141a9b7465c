"""QA-LOAD-TESTS: load or performance test scenarios present ("Load testing verification").

A scenario is a file a load tool runs as it stands: a Locust user class, a k6 script, a JMeter plan, a
Gatling simulation, an Artillery script with a target and scenarios, a vegeta attack command, an
autocannon script, pytest-benchmark's `benchmark` fixture in a test, a Go `Benchmark` function. Each
is found by its file's own words (a cheap substring test first, then a pattern), tests included.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.catalog import CatalogItem
from auditor.collectors.imports import IMPORTS
from auditor.context import AuditContext, Key
from auditor.model import PRACTICE, Evidence, ItemResult
from auditor.probes.presence import Imports
from auditor.registry import check, collector

ITEM = "QA-LOAD-TESTS"


@dataclass(frozen=True)
class Scenario:
    tool: str
    file: str
    line: int


# tool -> (file suffixes, a word every such file holds, the pattern that makes it a scenario)
SCENARIO_SIGNATURES: tuple[tuple[str, tuple[str, ...], str, re.Pattern], ...] = (
    ("Locust", (".py",), "locust", re.compile(r"^\s*class\s+\w+\(\s*(?:locust\.)?(?:Fast)?HttpUser\s*\)|^\s*class\s+\w+\(\s*(?:locust\.)?(?:User|TaskSet)\s*\)", re.M)),
    ("pytest-benchmark", (".py",), "benchmark", re.compile(r"^\s*(?:async\s+)?def\s+test_\w*\s*\([^)]*\bbenchmark\b", re.M)),
    ("k6", (".js", ".ts", ".mjs"), "k6", re.compile(r"""(?:from\s+|require\(\s*)['"]k6(?:/http)?['"]""")),
    ("autocannon", (".js", ".ts", ".mjs", ".cjs"), "autocannon", re.compile(r"""(?:from\s+|require\(\s*)['"]autocannon['"]""")),
    ("JMeter", (".jmx",), "jmeterTestPlan", re.compile(r"<jmeterTestPlan\b")),
    ("Gatling", (".scala", ".kt", ".java"), "Simulation", re.compile(r"\bextends\s+Simulation\b|\bio\.gatling\b")),
    ("Artillery", (".yml", ".yaml"), "scenarios", re.compile(r"^config:\s*$(?:.|\n)*?^\s+target:|^scenarios:\s*$", re.M)),
    ("vegeta", (".sh", "Makefile", ".mk", ".yml", ".yaml", ".bash"), "vegeta", re.compile(r"\bvegeta\s+attack\b")),
    ("Go benchmark", ("_test.go",), "testing.B", re.compile(r"^func\s+Benchmark\w*\s*\(\s*\w+\s+\*testing\.B\s*\)", re.M)),
)
# manifest names of load tools: declared but with no scenario is a partial answer
LOAD_TOOL_PACKAGES = ("locust", "pytest-benchmark", "k6", "artillery", "autocannon", "loadtest", "molotov",
                      "gatling", "vegeta")


def scenarios_in(path: str, text: str) -> list[Scenario]:
    """The scenarios one file holds (at most one per tool: the first place)."""
    out = []
    for tool, suffixes, word, pattern in SCENARIO_SIGNATURES:
        if not path.endswith(suffixes) or word not in text:
            continue
        if tool == "Artillery" and not ("target:" in text and "scenarios:" in text):
            continue
        m = pattern.search(text)
        if m:
            out.append(Scenario(tool, path, text.count("\n", 0, m.start()) + 1))
    return out


LOAD_TESTS: Key[list[Scenario]] = Key("load_tests")


@collector(LOAD_TESTS, serves=(ITEM,))
def collect_load_tests(ctx: AuditContext) -> list[Scenario]:
    suffixes = tuple({s for _, sfx, _, _ in SCENARIO_SIGNATURES for s in sfx})
    found = []
    for path in ctx.repo.paths():
        if path.endswith(suffixes):
            found += scenarios_in(path, ctx.repo.read_text(path) or "")
    return found


def evaluate_load_tests(item_id: str, scenarios: list[Scenario], declared: list[Evidence],
                        snippet=lambda f, text: "") -> ItemResult:
    """Pass with a scenario; partial when a load tool is only declared in a manifest; fail with neither."""
    if scenarios:
        tools = sorted({s.tool for s in scenarios})
        files = sorted({s.file for s in scenarios})
        evidence = [Evidence(s.file, s.line, snippet(s.file, s.line), rule_id=f"load-test:{s.tool}", engine="text",
                             message=f"{s.tool} scenario", kind=PRACTICE) for s in scenarios[:20]]
        return ItemResult(item_id, "pass",
                          f"Heuristic: {len(scenarios)} load or performance scenario(s) ({', '.join(tools)}) in "
                          f"{len(files)} file(s): {', '.join(files[:5])}.", evidence,
                          details={"tools": tools, "files": files})
    looked = ("Looked for Locust user classes, k6 and autocannon scripts, JMeter .jmx plans, Gatling simulations, "
              "Artillery scripts, vegeta attack commands, pytest-benchmark's benchmark fixture and Go Benchmark "
              "functions.")
    if declared:
        names = sorted({e.message for e in declared})
        return ItemResult(item_id, "partial",
                          f"Heuristic: a load tool is declared ({', '.join(names)}) but no scenario uses it. {looked}",
                          declared, partial_score=3)
    return ItemResult(item_id, "fail", f"Heuristic: no load or performance test found. {looked}")


@check("QA-LOAD-TESTS")
def check_load_tests(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    imports: Imports = ctx.get(IMPORTS)
    declared = [Evidence(u.file, u.line, ctx.repo.snippet(u.file, u.line), rule_id="load-tool-declared",
                         engine="manifest", message=u.name, kind=PRACTICE) for u in imports.declared(*LOAD_TOOL_PACKAGES)]
    return evaluate_load_tests(item.id, ctx.get(LOAD_TESTS), declared, ctx.repo.snippet)
