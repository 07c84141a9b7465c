"""TypeORM migrations: found by their shape, read as QueryRunner calls, replayed and judged (MIG-REVERSIBLE,
MIG-ROLLBACK-CORRECT, MIG-SCHEMA-SYNC with foreign keys and their ON DELETE action) on the lending-library
twins; and the parser on hand-written migrations (query() SQL, columns, renames, opaque calls)."""
from __future__ import annotations

from pathlib import Path

from auditor.collectors.migrations import MIGRATIONS
from auditor.collectors.orm_models import ORM_MODELS, collect_orm_models
from auditor.context import AuditContext
from auditor.inventory import build_inventory
from auditor.migrations import operations as ops
from auditor.migrations.inventory import parse_repository
from auditor.migrations.typeorm import is_typeorm_migration, parse_typeorm
from auditor.repo import Repository
from helpers import judge as verdict

APPS = Path(__file__).parent / "fixtures" / "apps"


def context(app: str) -> AuditContext:
    repo = Repository.scan(APPS / app)
    inventory = build_inventory(repo)
    ctx = AuditContext(repo=repo, inventory=inventory)
    migrations = parse_repository(repo)
    ctx.collected[MIGRATIONS.name] = migrations
    folders = {f for fs in migrations.systems.values() for f in fs}
    ctx.collected[ORM_MODELS.name] = collect_orm_models(repo, folders, migrations.dialect)
    return ctx


def test_found_by_shape_and_replayed():
    ctx = context("routing-controllers-compliant")
    inv = ctx.collected[MIGRATIONS.name]
    assert inv.systems == {"typeorm": ["src/migrations"]}
    assert [(m.version, m.name) for m in inv.migrations] == [("1700000000000", "CreateBooks"),
                                                            ("1700000100000", "CreateLoans")]
    assert all(m.rollback_class == "verified" for m in inv.migrations)
    loan = inv.final_schema.tables["loan"]
    assert [(fk.columns, fk.ref_table, fk.on_delete) for fk in loan.foreign_keys] == [(("book_id",), "book", "cascade")]
    assert loan.is_indexed(("book_id",))


def test_compliant_migrations_pass_and_the_twin_fails():
    good, bad = context("routing-controllers-compliant"), context("routing-controllers-noncompliant")
    for item in ("MIG-PRESENT", "MIG-REVERSIBLE", "MIG-ROLLBACK-CORRECT", "MIG-NAMING", "MIG-SCHEMA-SYNC"):
        assert verdict(good, item).verdict == "pass", item
    assert verdict(bad, "MIG-REVERSIBLE").verdict in ("fail", "partial")
    drift = verdict(bad, "MIG-SCHEMA-SYNC")
    assert drift.verdict == "fail"
    assert "ON DELETE NO ACTION in the model but ON DELETE CASCADE in the migrations" in drift.evidence[0].message


def test_query_runner_calls_and_sql():
    text = '''import { MigrationInterface, QueryRunner, TableColumn } from "typeorm";

export class AddShelf1710000000000 implements MigrationInterface {
    name = 'AddShelf1710000000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "shelf" ("id" SERIAL NOT NULL, "label" character varying NOT NULL, CONSTRAINT "PK_shelf" PRIMARY KEY ("id"))`);
        await queryRunner.addColumn('book', new TableColumn({ name: 'shelf_id', type: 'int', isNullable: true }));
        await queryRunner.renameColumn('book', 'title', 'name');
        await queryRunner.manager.increment(Object, {}, 'x', 1);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.renameColumn('book', 'name', 'title');
        await queryRunner.dropColumn('book', 'shelf_id');
        await queryRunner.query(`DROP TABLE "shelf"`);
    }
}
'''
    assert is_typeorm_migration(text)
    mig = parse_typeorm(text, "src/db/migrations/1710000000000-AddShelf.ts", "postgres")
    assert (mig.system, mig.version, mig.name) == ("typeorm", "1710000000000", "AddShelf")
    kinds = [o.kind for o in mig.forward]
    assert kinds[:3] == [ops.CREATE_TABLE, ops.ADD_COLUMN, ops.RENAME_COLUMN]
    assert mig.forward[-1].opaque   # queryRunner.manager... is not a schema call it knows
    assert [o.kind for o in mig.rollback] == [ops.RENAME_COLUMN, ops.DROP_COLUMN, ops.DROP_TABLE]


def test_a_plain_class_with_up_is_not_a_migration():
    assert not is_typeorm_migration("export class Counter {\n  up(step: number) { return step + 1; }\n}\n")
