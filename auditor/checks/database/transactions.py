"""DB-TRANSACTIONS: functions that write two or more times do so atomically."""
from __future__ import annotations

import ast

from auditor.catalog import CatalogItem
from auditor.checks.shared.effects import called_at_startup, commits_per_write, serves_no_request
from auditor.checks.shared.go_transactions import go_transactions
from auditor.checks.shared.js_transactions import (
    JS_LANGUAGES,
    JsTransactions,
    javascript_evidence,
    javascript_writing_functions,
)
from auditor.checks.shared.schema import MAX_PRACTICE_EVIDENCE, application_modules, document_store_unanalysed
from auditor.collectors.orm_models import ORM_MODELS
from auditor.collectors.program import PROGRAM
from auditor.context import AuditContext, Key, Unavailable
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.orm.transactions import UNIT_OF_WORK, WritingFunction, direct_writes, scan_functions
from auditor.program import ProgramModel
from auditor.registry import check, collector

WRITING_FUNCTIONS: Key[tuple[list[WritingFunction], int]] = Key("writing_functions")


@collector(WRITING_FUNCTIONS, after=(ORM_MODELS,), serves=("DB-TRANSACTIONS",))
def collect_writing_functions(ctx: AuditContext) -> tuple[list[WritingFunction], int]:
    """(functions that write two or more times, Python files read): the ast scan behind DB-TRANSACTIONS."""
    models = ctx.get_optional(ORM_MODELS)
    atomic_at = None
    if models is not None and models.django.atomic_requests_at:
        f, line = models.django.atomic_requests_at[0]
        atomic_at = f"{f}:{line}"
    functions = []
    scanned = 0
    for rel, tree in application_modules(ctx):
        scanned += 1
        functions += scan_functions(rel, tree, atomic_at)
    return functions, scanned


def _modules(ctx: AuditContext):
    for rel in ctx.repo.paths(language="python"):
        tree = ctx.repo.python_ast(rel)
        if tree is not None:
            yield rel, tree


def _session_write(path) -> bool:
    """The write an effect path ends at is an ORM session write (session.add/delete/merge...), not a cache
    or file `.delete()`."""
    return bool(path) and "session." in (path[-1].label or path[-1].snippet)


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _callee_name(qualname: str) -> str:
    """The name a call site uses for a function: the class for a constructor (`User(...)` runs User.__init__)."""
    parts = qualname.split(".")
    return parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]


def units_through_helpers(model: ProgramModel, counted: set[tuple[str, str]]) -> list[tuple[WritingFunction, list[str]]]:
    """Request handlers that write once themselves and again through helpers that add to the session without
    committing (a model constructor that adds a related row, a method that calls session.add), then commit once:
    two or more writes in one unit of work, atomic. (handler's direct scan, the helpers' names.)"""
    out = []
    for fid in sorted(model.program.entries):
        info = model.program.functions.get(fid)
        summary = model.summaries.get(fid)
        if info is None or summary is None or (info.rel, info.name) in counted or summary.committing_calls:
            continue
        fn = direct_writes(info.rel, info.node)
        if (not fn.writes or fn.protected_writes or any(w.kind != UNIT_OF_WORK or w.in_loop for w in fn.writes)
                or len(fn.commits) != 1 or fn.commits[0][1] or fn.commits[0][0] < max(w.line for w in fn.writes)):
            continue
        called_before_commit = {_called_name(c) for c in ast.walk(info.node)
                                if isinstance(c, ast.Call) and c.lineno < fn.commits[0][0]}
        helpers = sorted(qualname for callee in model.program.calls.get(fid, ())
                         if (s := model.summaries.get(callee)) is not None and _session_write(s.effects.get("write"))
                         and "commit" not in s.effects
                         and _callee_name(qualname := callee.split("::")[-1]) in called_before_commit)
        if not helpers:
            continue
        fn.atomic = True
        fn.protection = f"one unit of work with the writes of {', '.join(h + '()' for h in helpers[:3])}, " \
                        f"committed once at line {fn.commits[0][0]}"
        fn.protection_line = fn.commits[0][0]
        out.append((fn, helpers))
    return out


@check("DB-TRANSACTIONS")
def multi_writes_atomic(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    languages = ctx.inventory.code_languages
    js = javascript_writing_functions(ctx) if languages & JS_LANGUAGES else None
    if "python" not in languages and "go" in languages and (js is None or not js.functions):
        return go_transactions(ctx, item)
    if "python" not in languages:
        if js is None:
            raise Unavailable("multi-write detection reads Python, JavaScript and TypeScript code; this repository "
                              "has " + ", ".join(sorted(languages)))
        return _javascript_only(ctx, item, js)
    if js is None or not js.functions:
        document_store_unanalysed(ctx, "multi-write detection reads Django, SQLAlchemy/SQLModel and SQL writes "
                                        "in Python, not MongoDB operations")
    functions, scanned = ctx.get(WRITING_FUNCTIONS)
    if not scanned and js is not None:   # Python only in tests or tooling: the application is the JavaScript
        return _javascript_only(ctx, item, js)
    others = sorted(languages - {"python"} - (JS_LANGUAGES if js is not None else set()))
    note = f" Not analysed: {', '.join(others)} code." if others else ""
    model = ctx.get_optional(PROGRAM)
    if model is None:
        note += f" The program model did not run ({ctx.error_of(PROGRAM) or 'not built'}): helpers not followed."
    through = commits_per_write(model) if model is not None else []
    direct = {(fn.file, fn.name) for fn in functions if not fn.atomic}
    through = [(found, calls) for found, calls in through
               if (model is not None and (model.program.functions[found.function].rel,
                                          model.program.functions[found.function].name) not in direct)]
    apart = sorted(model.program.functions[found.function].rel + ":" + str(model.program.functions[found.function].line)
                   for found, _ in through if not found.serves_requests) if model is not None else []
    through = [(found, calls) for found, calls in through if found.serves_requests]
    startup = called_at_startup(model, {rel: tree for rel, tree in _modules(ctx)}) if model is not None else set()
    apart += sorted(f"{fn.file}:{fn.line}" for fn in functions
                    if not fn.atomic and serves_no_request(model, startup, fn.file, fn.line))
    functions = [fn for fn in functions if not serves_no_request(model, startup, fn.file, fn.line)]
    if model is not None:
        counted = {(fn.file, fn.name) for fn in functions} | {
            (model.program.functions[found.function].rel, model.program.functions[found.function].name)
            for found, _ in through}
        functions += [fn for fn, _ in units_through_helpers(model, counted)]
    if js is not None:
        apart += js.apart
        note += f" JavaScript/TypeScript: {len(js.functions)} multi-write function(s) in {js.scanned} file(s)."
    if not functions and not through and (js is None or not js.functions):
        return ItemResult(item.id, "not_applicable",
                          f"no function performs two or more database writes, directly or through helpers that "
                          f"commit (heuristic ast scan of {scanned} Python file(s)).{note}",
                          details={"not_serving_requests": apart, "not_serving_requests_count": len(apart)})
    evidence = []
    for fn in functions:
        if fn.atomic:
            line = fn.protection_line or fn.line
            evidence.append(Evidence(fn.file, line, ctx.repo.snippet(fn.file, line), rule_id="db-transactions/atomic",
                                     engine="ast", kind=PRACTICE,
                                     message=f"{fn.name}(): {max(fn.write_count, 2)}+ writes, atomic by {fn.protection}"))
        else:
            lines = ", ".join(str(w.line) for w in fn.writes[:6])
            evidence.append(Evidence(fn.file, fn.line, ctx.repo.snippet(fn.file, fn.line),
                                     rule_id="db-transactions/not-atomic", engine="ast", kind=VIOLATION,
                                     message=f"{fn.name}(): writes at lines {lines} are not atomic: {fn.reason}"))
    for found, calls in through:
        first = found.flow[0]
        handlers = ", ".join(h.split("::")[-1] for h in found.handlers[:5]) or "no request handler found"
        steps = "; ".join(f"line {c[0].line} -> {c[-1].file}:{c[-1].line}" for c in calls[:6])
        evidence.append(Evidence(first.file, first.line, first.snippet, rule_id="db-transactions/commit-per-write",
                                 engine="program", kind=VIOLATION, flow=found.flow,
                                 message=f"{found.function.split('::')[-1]}(): {len(calls)} calls to helpers that "
                                         f"write and commit on their own, outside a transaction ({steps}): a "
                                         f"failure between them leaves a partial update; reached from {handlers}"))
    js_functions = js.functions if js is not None else []
    evidence += [javascript_evidence(ctx, fn) for fn in js_functions]
    good = sum(fn.atomic for fn in functions) + sum(fn.atomic for fn in js_functions)
    total = len(functions) + len(through) + len(js_functions)
    bad_first = sorted(evidence, key=lambda e: e.kind != VIOLATION)
    kept = [e for e in bad_first if e.kind == VIOLATION] + [e for e in bad_first if e.kind == PRACTICE][:MAX_PRACTICE_EVIDENCE]
    apart_note = (f" {len(apart)} function(s) in code that serves no request (migrations, commands, scripts, "
                  "tests) commit write by write; listed apart in details, not counted." if apart else "")
    return partial_result(item.id, good, total,
                          f"{good} of {total} function(s) that write two or more times do so atomically"
                          f"{f' ({len(through)} through helpers that commit after each write)' if through else ''}. "
                          f"Heuristic (ast): writes are .save()/.create()/.update()/.delete(), session.add/delete, "
                          f"execute(INSERT|UPDATE|DELETE); protection is atomic/begin blocks or decorators, "
                          f"ATOMIC_REQUESTS, or a single commit of one unit of work; helpers are followed through "
                          f"the call graph.{apart_note}{note}",
                          kept, {"functions": total, "atomic": good,
                                 "not_atomic": [f"{fn.file}:{fn.line} {fn.name}" for fn in functions if not fn.atomic]
                                 + [f"{found.where} {found.function.split('::')[-1]}" for found, _ in through]
                                 + [f"{fn.file}:{fn.line} {fn.name}" for fn in js_functions if not fn.atomic],
                                 "not_serving_requests": apart, "not_serving_requests_count": len(apart)})


def _javascript_only(ctx: AuditContext, item: CatalogItem, js: JsTransactions) -> ItemResult:
    apart = sorted(js.apart)
    apart_note = (f" {len(apart)} function(s) in scripts, migrations or seeders (serving no request) write several "
                  "times without a transaction; listed apart in details, not counted." if apart else "")
    details = {"not_serving_requests": apart, "not_serving_requests_count": len(apart),
               "js_files_not_parsed_cleanly": js.unparsed[:50]}
    if not js.functions:
        return ItemResult(item.id, "not_applicable",
                          f"no JavaScript/TypeScript function performs two or more database writes, directly or "
                          f"through helpers of the repository (program model of {js.scanned} file(s)).{apart_note}",
                          details=details)
    evidence = [javascript_evidence(ctx, fn) for fn in js.functions]
    kept = [e for e in evidence if e.kind == VIOLATION] + [e for e in evidence if e.kind == PRACTICE][:MAX_PRACTICE_EVIDENCE]
    good = sum(fn.atomic for fn in js.functions)
    total = len(js.functions)
    return partial_result(item.id, good, total,
                          f"{good} of {total} JavaScript/TypeScript function(s) that write two or more times do so "
                          "in a transaction. Program model (tree-sitter; helpers followed through require/import to a fixpoint): writes are Mongoose/MongoDB save/create/insert*/update*/"
                          "delete*/findOneAnd*, Sequelize create/update/destroy/bulkCreate/increment, TypeORM "
                          "save/insert/update/delete/remove, Prisma create/update/delete/upsert, knex and raw "
                          "INSERT/UPDATE/DELETE; a write in a loop counts twice; protection is sequelize.transaction, "
                          "startSession/withTransaction, prisma.$transaction, a TypeORM transaction or QueryRunner, "
                          "knex.transaction." + apart_note,
                          kept, {"functions": total, "atomic": good,
                                 "not_atomic": [f"{fn.file}:{fn.line} {fn.name}" for fn in js.functions if not fn.atomic],
                                 **details})
