"""Which migration systems a repository uses, from file layout and a glance at file heads."""
from __future__ import annotations

import re

from auditor.repo import Repository

_SQL_PAIR = re.compile(r"(^|/)\d+[_-][^/]*\.(up|down)\.sql$")
_FLYWAY = re.compile(r"(^|/)[VUR]\d+(_\d+)*__[^/]+\.sql$|(^|/)R__[^/]+\.sql$")
_DJANGO = re.compile(r"(^|/)migrations/\d{4}_[^/]+\.py$")
_RAILS = re.compile(r"(^|/)db/migrate/\d+_[^/]+\.rb$")
_PRISMA = re.compile(r"(^|/)prisma/migrations/[^/]+/migration\.sql$")


def _typeorm_shaped(repo: Repository, path: str) -> bool:
    """A TypeORM migration is found by its shape wherever it is: a class implementing MigrationInterface
    with an up(queryRunner) method (the folder the ormconfig's `migrations` globs name holds exactly these)."""
    from auditor.migrations.typeorm import is_typeorm_migration
    from auditor.paths import TEST_FILE
    if TEST_FILE.search(path):
        return False
    text = repo.read_text(path) or ""
    return "QueryRunner" in text and is_typeorm_migration(text)


def detect_migration_systems(repo: Repository) -> dict[str, list[str]]:
    systems: dict[str, set[str]] = {}

    def add(system: str, path: str) -> None:
        systems.setdefault(system, set()).add(path.rsplit("/", 1)[0] if "/" in path else ".")

    for f in repo.files:
        p = f.path
        if _DJANGO.search(p):
            add("django", p)
        elif p.endswith(".py") and "/versions/" in f"/{p}":
            head = (repo.read_text(p) or "")[:4000]
            if re.search(r"^down_revision\s*[:=]", head, re.M) or re.search(r"^revision\s*[:=]", head, re.M):
                add("alembic", p)
        elif _PRISMA.search(p):
            add("prisma", p)
        elif _SQL_PAIR.search(p):
            add("golang-migrate", p)
        elif _FLYWAY.search(p):
            add("flyway", p)
        elif p.endswith(".sql") and "migrat" in p.lower():
            head = (repo.read_text(p) or "")[:2000]
            if "-- migrate:up" in head:
                add("dbmate", p)
            elif "-- +migrate Up" in head:
                add("sql-migrate", p)
        elif _RAILS.search(p):
            add("rails", p)
        elif p.endswith((".js", ".ts")) and "node_modules/" not in p and not p.endswith(".d.ts") and \
                _typeorm_shaped(repo, p):
            add("typeorm", p)
        elif p.endswith((".js", ".ts")) and "migrations/" in p:
            head = (repo.read_text(p) or "")[:4000]
            if re.search(r"exports\.up\s*=|export\s+(async\s+)?function\s+up\b", head):
                add("knex", p)
            elif re.search(r"\bup\s*[:(]", head) and "queryInterface" in head:
                add("sequelize", p)
    return {name: sorted(folders) for name, folders in sorted(systems.items())}
