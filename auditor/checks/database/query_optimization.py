"""DB-QUERY-OPTIMIZATION: no SELECT *, no query per loop iteration, no unbounded list query."""
from __future__ import annotations

from collections import Counter

from auditor.catalog import CatalogItem
from auditor.checks.shared.schema import MAX_PRACTICE_EVIDENCE, application_modules, document_store_unanalysed
from auditor.checks.shared.verdicts import dedupe
from auditor.collectors.orm_models import is_migration_file
from auditor.context import AuditContext, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import Evidence, Finding, ItemResult
from auditor.orm.queries import select_star_in_sql, unbounded_handler_queries
from auditor.registry import check


@check("DB-QUERY-OPTIMIZATION")
def queries_bounded(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    findings: list[Finding] = list(ctx.violations(item.id))
    for rel, tree in application_modules(ctx):
        for q in unbounded_handler_queries(rel, tree):
            findings.append(_finding(ctx, item, q.file, q.line, q.message, "db-query/unbounded-handler-query", "ast"))
    folders = {f for fs in ctx.inventory.migration_systems.values() for f in fs}
    sql_files = [p for p in ctx.repo.paths(language="sql") if not TEST_FILE.search(p) and not is_migration_file(p, folders)]
    for rel in sql_files:
        text = ctx.repo.read_text(rel)
        for q in select_star_in_sql(rel, text or ""):
            findings.append(_finding(ctx, item, q.file, q.line, q.message, "db-query/select-star-sql-file", "sqlglot"))
    found = dedupe(findings)
    languages = ctx.inventory.code_languages
    unanalysed = sorted(languages - {"python", "javascript", "typescript"})
    note = f" Not analysed: {', '.join(unanalysed)} code." if unanalysed else ""
    scope = (f"Heuristic: SELECT * in SQL strings and {len(sql_files)} .sql file(s), queries inside loops, "
             "whole-table .all() in list handlers without limit or pagination.")
    if not found and not sql_files and not languages & {"python", "javascript", "typescript"}:
        raise Unavailable(f"query analysis reads Python, JavaScript/TypeScript and SQL files; this repository's code "
                          f"is {', '.join(sorted(languages))}")
    if not found:
        document_store_unanalysed(ctx, "the query rules read SQL strings, .sql files and Django/SQLAlchemy "
                                        "queries, not MongoDB queries (find() without limit, $where)")
    if found:
        by_rule = Counter(f.evidence.rule_id for f in found)
        return ItemResult(item.id, "fail", f"{len(found)} query problem(s) in {len({f.file for f in found})} file(s). "
                          f"{scope}{note}", [f.evidence for f in found], {"by_rule": dict(by_rule)})
    return ItemResult(item.id, "pass", f"no SELECT *, query in a loop or unbounded list query found. {scope}{note}",
                      [f.evidence for f in ctx.practices(item.id)][:MAX_PRACTICE_EVIDENCE])


def _finding(ctx: AuditContext, item: CatalogItem, file: str, line: int, message: str, rule: str, engine: str) -> Finding:
    return Finding(item.id, Evidence(file, line, ctx.repo.snippet(file, line), rule_id=rule, engine=engine,
                                     message=message), item.severity)
