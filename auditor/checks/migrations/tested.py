"""MIG-TESTED: a test or CI step runs migrations backwards."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence
from auditor.context import AuditContext
from auditor.model import PRACTICE, ItemResult
from auditor.registry import check
from auditor.text import line_of

_TEST_SIGNS = re.compile(
    r"pytest[_-]alembic|command\.downgrade\(|alembic\s+downgrade|MigratorTestCase|django_test_migrations|"
    r"django-test-migrations|migrator\.apply_(initial|tested)_migration|call_command\(\s*['\"]migrate['\"][^)]*zero|"
    r"migrate\.(rollback|down)\(|db:rollback|db:migrate:redo|migrate\s+(-path\s+\S+\s+)?.*\bdown\b|"
    r"flyway\s+undo|dbmate\s+(rollback|down)|sql-migrate\s+down|test_migrations_stairway|migrate_backwards|"
    r"undoLastMigration\(|migration:revert")


@check("MIG-TESTED")
def mig_tested(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    places = list(ctx.inventory.test_files)
    places += [f.path for f in ctx.repo.files
               if re.search(r"(^|/)(\.github/workflows/|\.gitlab-ci|Makefile$|justfile$|noxfile\.py$|tox\.ini$|conftest\.py$)", f.path)]
    found = []
    for path in sorted(set(places)):
        text = ctx.repo.read_text(path) or ""
        m = _TEST_SIGNS.search(text)
        if m:
            line = line_of(text, m.start())
            found.append(migration_evidence(ctx, path, line, f"runs migrations backwards: {m.group(0)}", "migration-test", PRACTICE))
    if found:
        return ItemResult(item.id, "pass", f"{len(found)} place(s) exercise downgrade/rollback of migrations.",
                          found[:MAX_MIGRATION_EVIDENCE])
    return ItemResult(item.id, "fail",
                      f"no test or CI step runs a migration downgrade ({len(ctx.inventory.test_files)} test files searched "
                      "for pytest-alembic, command.downgrade, MigratorTestCase, django-test-migrations, knex "
                      "migrate.rollback, db:rollback, migrate down, TypeORM undoLastMigration / migration:revert).")
