"""QA-TESTS: unit and integration tests both exist."""
from __future__ import annotations

import ast
from dataclasses import replace

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Unavailable
from auditor.model import PRACTICE, Evidence, ItemResult
from auditor.probes import testkinds
from auditor.probes.dbtouch import javascript_database_touch, python_database_touch
from auditor.registry import check

TEST_LANGUAGES = ("python", "javascript", "typescript", "go")


def languages_of(repo) -> dict[str, str]:
    return {f.path: f.language for f in repo.files}


def collect_tests(ctx: AuditContext) -> list[testkinds.TestFunction]:
    repo = ctx.repo
    languages = languages_of(repo)
    conftest_fixtures: set[str] = set()
    http_helpers: set[str] = set()
    for path in repo.paths("python"):
        if path.rsplit("/", 1)[-1] == "conftest.py":
            tree = repo.python_ast(path)
            if tree is not None:
                conftest_fixtures |= testkinds.integration_fixtures(tree)
    for path in ctx.inventory.test_files:
        if languages.get(path) == "python" and not path.rsplit("/", 1)[-1].startswith("test"):
            tree = repo.python_ast(path)      # a support module beside the tests (tests/common.py)
            if tree is not None:
                http_helpers |= testkinds.http_helpers(tree)
    python_trees = [tree for path in ctx.inventory.test_files if languages.get(path) == "python"
                    and (tree := repo.python_ast(path)) is not None]
    inherited = testkinds.integration_classes(python_trees)
    found: list[testkinds.TestFunction] = []
    for path in ctx.inventory.test_files:
        lang = languages.get(path)
        name = path.rsplit("/", 1)[-1]
        if lang == "python":
            if name == "conftest.py":
                continue
            tree = repo.python_ast(path)
            if tree is not None:
                found += testkinds.python_tests(path, tree, frozenset(conftest_fixtures), frozenset(http_helpers),
                                                inherited)
        elif lang in ("javascript", "typescript"):
            found += testkinds.javascript_tests(path, repo.read_text(path) or "")
        elif lang == "go" and name.endswith("_test.go"):
            found += testkinds.go_tests(path, repo.read_text(path) or "")
    return [with_database_touch(ctx, t) for t in found]


def with_database_touch(ctx: AuditContext, t: testkinds.TestFunction) -> testkinds.TestFunction:
    """A unit test by its fixtures and clients is an integration test when it reads or writes through a
    database: an ORM session or manager, a connection or a cursor (an in-memory SQLite counts)."""
    if t.kind != testkinds.UNIT:
        return t
    why = None
    if t.file.endswith(".py"):
        tree = ctx.repo.python_ast(t.file)
        fn = next((n for n in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef))
                   if n.lineno == t.line and n.name == t.name), None) if tree is not None else None
        why = python_database_touch(fn) if fn is not None else None
        if why is None and fn is not None and tree is not None:   # a TestCase whose setUp opens the database
            cls = next((c for c in nodes_of(tree, ast.ClassDef) if fn in c.body), None)
            setups = [m for m in (cls.body if cls else []) if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and m.name in ("setUp", "setUpClass", "asyncSetUp", "setup_method", "setup_class")]
            why = next((f"{m.name}: {w}" for m in setups if (w := python_database_touch(m))), None)
    elif t.file.endswith((".js", ".ts", ".mjs", ".cjs")):
        why = javascript_database_touch(ctx.repo.read_text(t.file) or "")
    return replace(t, kind=testkinds.INTEGRATION, why=why) if why else t


def _test_evidence(ctx: AuditContext, t: testkinds.TestFunction, count: int) -> Evidence:
    why = f" ({t.why})" if t.why else " (no client or database)"
    return Evidence(t.file, t.line, ctx.repo.snippet(t.file, t.line), rule_id=f"{t.kind}-test", engine="ast",
                    message=f"{t.kind} test {t.name}{why}; {count} {t.kind} test(s) in total", kind=PRACTICE)


@check("QA-TESTS")
def tests_by_kind(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    tests = collect_tests(ctx)
    unit = [t for t in tests if t.kind == testkinds.UNIT]
    integration = [t for t in tests if t.kind == testkinds.INTEGRATION]
    details = {"unit": len(unit), "integration": len(integration),
               "test_files": len({t.file for t in tests}),
               "by_file": {f: sum(1 for t in tests if t.file == f) for f in sorted({t.file for t in tests})}}
    if not tests:
        other = [p for p in ctx.inventory.test_files
                 if next((f.language for f in ctx.repo.files if f.path == p), None) not in TEST_LANGUAGES]
        if other and not set(ctx.inventory.code_languages) & set(TEST_LANGUAGES):
            raise Unavailable(f"test files found ({', '.join(other[:3])}) in a language whose tests are not read")
        looked = (f"{len(ctx.inventory.test_files)} test file(s) ({', '.join(ctx.inventory.test_files[:5])}) "
                  "hold no test function" if ctx.inventory.test_files else
                  "no test files (tests/, test_*.py, *_test.py, *_test.go, *.test.js/ts, *.spec.js/ts)")
        return ItemResult(item.id, "fail",
                          f"No tests: {looked}. Looked for pytest test_ functions, unittest TestCase methods, "
                          "jest/mocha it()/test() and Go TestX(t *testing.T).", details=details)
    evidence = []
    if unit:
        evidence.append(_test_evidence(ctx, unit[0], len(unit)))
    if integration:
        evidence.append(_test_evidence(ctx, integration[0], len(integration)))
    counts = f"{len(unit)} unit and {len(integration)} integration test(s) in {details['test_files']} file(s)"
    if unit and integration:
        return ItemResult(item.id, "pass", f"Both kinds present: {counts}.", evidence, details=details)
    missing = "integration tests (none drives the app through a test client or reads or writes through a database)" \
        if unit else "unit tests (every test uses a client or a database)"
    return ItemResult(item.id, "partial", f"Only one kind: {counts}; missing {missing}.", evidence,
                      partial_score=5, details=details)
