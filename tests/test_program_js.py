"""The JavaScript/TypeScript program model (tree-sitter) on a small Express app: require/import resolution,
helpers in other modules, a helper of a helper, class methods through an exported instance and this.method(),
route callbacks, Promise.all(map(...)), recursion; each multi-write shape has a safe twin (a transaction, a bulk
write), and the per-row query a hoisted twin. DB-TRANSACTIONS judges on it with the flow through helpers."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.program.js import build_js_program
from auditor.program.js.loops import all_loop_queries
from auditor.program.js.modules import resolve
from auditor.program.js.parse import parse
from auditor.program.js.transactions import multi_writes
from auditor.repo import Repository

ROOT = Path(__file__).parent / "fixtures" / "program_js"


@pytest.fixture(scope="module")
def program():
    return build_js_program(Repository.scan(ROOT))


def _names(found):
    return {(m.file.split("/")[-1], m.fn.name): m for m in found}


def test_module_resolution():
    files = {"src/a.ts", "src/lib/index.js", "src/b.js"}
    assert resolve("src/x.ts", "./a", files) == "src/a.ts"
    assert resolve("src/x.ts", "./a.js", files) == "src/a.ts"        # TypeScript's ESM spelling
    assert resolve("src/x.ts", "./lib", files) == "src/lib/index.js"
    assert resolve("src/sub/x.js", "../b", files) == "src/b.js"
    assert resolve("src/x.ts", "express", files) is None


def test_a_file_that_does_not_parse_is_listed_not_raised():
    tree, problem = parse("src/broken.ts", "export function f( {{{ ")
    assert tree is not None and problem.startswith("syntax errors")


def test_multi_writes_through_helpers_and_their_safe_twins(program):
    found = _names(multi_writes(program))
    bad = {k for k, m in found.items() if not m.atomic}
    good = {k for k, m in found.items() if m.atomic}
    assert bad == {("article.service.ts", "updateArticle"),          # import + same-module helper
                   ("user.service.js", "UserService.register"),      # require, helper of a helper
                   ("user.service.js", "UserService.rename"),        # this.method()
                   ("user.service.js", "UserService.prune"),         # recursion in a loop
                   ("users.js", "POST /bulk")}                       # callback: Promise.all(names.map(...))
    assert good == {("article.service.ts", "updateArticleSafely"), ("article.service.ts", "renameBoth"),
                    ("user.service.js", "UserService.registerSafely")}
    register = found[("user.service.js", "UserService.register")]
    through = next(u for u in register.units if u.call)
    assert through.write.file == "src/services/audit.js" and [s.label for s in through.flow] == ["audit.record()", "store()"]


def test_handlers_that_call_one_writing_helper_are_not_multi_writes(program):
    found = _names(multi_writes(program))
    assert ("articles.ts", "PUT /:slug") not in found and ("users.js", "POST /") not in found
    assert ("users.js", "POST /bulk-safe") not in found


def test_calls_resolve_across_modules(program):
    edges = {(f.split("::")[1], t.split("::")[1]) for f, sites in program.edges.items() for _, t in sites}
    assert ("PUT /:slug", "updateArticle") in edges                  # import * as ns; ns.func()
    assert ("PUT /:slug/safe", "updateArticleSafely") in edges       # import { name }
    assert ("POST /", "UserService.register") in edges               # module.exports = new Service()
    assert ("UserService.rename", "UserService.reserve") in edges    # this.method()


def test_queries_per_row_directly_or_through_a_helper(program):
    found = {(q.fn.name, q.query.label) for q in all_loop_queries(program)}
    assert ("feed", "prisma.post.findMany") in found
    assert not any(name == "feedAtOnce" for name, _ in found)
    feed = next(q for q in all_loop_queries(program) if q.fn.name == "feed")
    assert [s.label for s in feed.flow] == ["postsOf()"]


def test_db_transactions_verdict_with_flow():
    report = run_audit(ROOT, AuditOptions(only=("DB-TRANSACTIONS",)))
    item = next(i for i in report["items"] if i["id"] == "DB-TRANSACTIONS")
    assert item["verdict"] in ("fail", "partial"), item["rationale"]
    update = next(e for e in item["evidence"] if e["kind"] == "violation" and "updateArticle()" in e["message"])
    assert "detachTags()" in update["message"]
    assert [s["file"] for s in update["flow"]][-1] == "src/services/article.service.ts"
    assert item["details"]["atomic"] == 3 and item["details"]["functions"] == 8
