"""SEC-INJECTION: no eval/exec of data, shell commands built from data, unsafe deserialisation, request data as
template source, or path traversal.

Python: request data reaching those sinks through calls (the program model) decides; an engine finding whose
values never come from a request is a note. JavaScript/TypeScript: the JS model's flows (child_process, eval/
Function/vm, node-serialize, template compilers, fs paths and res.sendFile, through calls) fail the item beside
the engines' findings. Other languages: the engines.

Developer tooling (CLI commands, management commands, build configs) is left out: its input is the operator's."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import production_filter
from auditor.checks.shared.flows import flow_verdict
from auditor.checks.shared.verdicts import dedupe
from auditor.context import AuditContext
from auditor.model import Finding, ItemResult
from auditor.registry import check

# SEC-INJECTION: data from the operator's own command line, or a build tool's, is not attacker input. These
# paths are developer tooling as a whole: CLI modules, Django management commands, task runners and bundler
# configs, and scripts/ folders.
CLI_OR_BUILD_PATH = re.compile(
    r"(^|/)(cli|manage|__main__)\.py$|(^|/)management/commands/[^/]+\.py$|(^|/)scripts?/"
    r"|(^|/)(gruntfile|gulpfile|jakefile|webpack|rollup\.config|vite\.config|esbuild\.config)"
    r"([.-][\w-]+)*\.[cm]?[jt]s$",
    re.IGNORECASE)
# click/typer command decorators: @click.command(), @cli.command(), @app.cli.command(), @translate.group()
CLI_DECORATOR = re.compile(r"^(click|typer)\.|(^|\.)cli\.(command|group)$|^click$")
INJECTION_KINDS = ("shell", "code", "deserialisation", "template", "path")
CLI_GROUP_FACTORIES = frozenset({"click.group", "click.Group", "typer.Typer", "Typer", "AppGroup",
                                 "flask.cli.AppGroup", "cli.AppGroup"})


def cli_or_build_tooling(ctx: AuditContext, finding: Finding, cache: dict[str, frozenset[int]]) -> bool:
    """True when the finding sits in developer tooling whose input is the operator's own command line:
    a CLI or build-tool file (by path), a click/typer command, a Django management command, or a Python
    script's `if __name__ == "__main__":` block or argparse-driven module."""
    if CLI_OR_BUILD_PATH.search(finding.file):
        return True
    if not finding.file.endswith(".py") or finding.line is None:
        return False
    if finding.file not in cache:
        tree = ctx.repo.python_ast(finding.file)
        cache[finding.file] = frozenset(_cli_lines(tree)) if tree is not None else frozenset()
    return finding.line in cache[finding.file]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _span(node: ast.AST) -> range:
    return range(node.lineno, (getattr(node, "end_lineno", None) or node.lineno) + 1)


def _cli_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    groups = {t.id for n in nodes_of(tree, ast.Assign) if isinstance(n.value, ast.Call)
              and _dotted(n.value.func) in CLI_GROUP_FACTORIES for t in n.targets if isinstance(t, ast.Name)}
    functions = nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef))
    for fn in functions:   # functions decorated as groups are groups too: @cli.command() below @click.group()
        if any(_dotted(d).endswith("group") and CLI_DECORATOR.search(_dotted(d)) for d in fn.decorator_list):
            groups.add(fn.name)

    def is_command(fn) -> bool:
        for d in fn.decorator_list:
            name = _dotted(d)
            owner, _, last = name.rpartition(".")
            if CLI_DECORATOR.search(name) or (last in ("command", "group") and owner in groups):
                return True
        return False

    argparse_script = False
    for node in nodes_of(tree, ast.If):
        if _is_main_guard(node.test):
            lines.update(_span(node))
            argparse_script = True
    for node in nodes_of(tree, ast.ClassDef):
        if any(_dotted(b).endswith("BaseCommand") or _dotted(b) in ("LabelCommand", "AppCommand") for b in node.bases):
            lines.update(_span(node))   # a Django management command: handle() and its helpers
    for fn in functions:
        if is_command(fn):
            lines.update(_span(fn))
    # a module that parses its own argv with argparse and runs as a script is a script throughout
    if argparse_script and any(_dotted(n.func) in ("argparse.ArgumentParser", "ArgumentParser")
                               for n in nodes_of(tree, ast.Call)):
        lines.update(range(1, _last_line(tree) + 1))
    return lines


def _is_main_guard(test: ast.AST) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def _last_line(tree: ast.Module) -> int:
    return max((getattr(n, "end_lineno", 0) or 0 for n in tree.body), default=0)

# the engine rules whose question (does request data reach this sink?) the program model answers; file paths
# taken from the request are the model's alone (its `path` sinks: the semgrep rule was retired, issue 17)
DECIDED_BY_FLOWS = frozenset({"python-eval-of-data", "python-shell-command-from-data",
                       "python-unsafe-deserialisation", "B301", "B506", "B602", "B605"})


@check("SEC-INJECTION")
def code_and_command_injection(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    """Developer tooling is left out: a click/typer/argparse command, a Django management command or a
    Gruntfile runs what its operator typed, and that operator can already run any command."""
    keep = production_filter(ctx)
    cli_lines: dict[str, frozenset[int]] = {}
    tooling = [f for f in ctx.violations(item.id) if keep(f) and cli_or_build_tooling(ctx, f, cli_lines)]
    tooling_ids = {id(f) for f in tooling}
    result = flow_verdict(ctx, item, INJECTION_KINDS,
                          "No eval/exec of data, no shell command built from data, no unsafe deserialisation, "
                          "no request data as template source, no file path taken from the request.",
                          decidable=DECIDED_BY_FLOWS,
                          # the model's flows too: a Gruntfile's task reads the operator's options
                          where=lambda f: id(f) not in tooling_ids and not cli_or_build_tooling(ctx, f, cli_lines))
    if tooling:
        places = sorted({f"{f.file}:{f.line}" for f in dedupe(tooling)})
        result.rationale += (f" {len(places)} finding(s) in CLI/build tooling not counted (its input is the "
                             f"operator's own command line, not a request): {', '.join(places[:5])}"
                             f"{' and more' if len(places) > 5 else ''}.")
        result.details["cli_or_build_tooling"] = places
    result.details.setdefault("violations", sum(1 for e in result.evidence if e.kind == "violation"))
    return result
