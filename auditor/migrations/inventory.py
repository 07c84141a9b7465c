"""Find and parse every migration of a repository, then replay and classify: the MigrationInventory."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.dbschema import Schema
from auditor.migrations import model as M
from auditor.migrations import sqlfiles
from auditor.migrations.alembic import parse_alembic
from auditor.migrations.analyse import apply_order, replay_history, unnamed_constraint_drops
from auditor.migrations.detect import detect_migration_systems
from auditor.migrations.django import parse_django
from auditor.migrations.knex import parse_knex
from auditor.migrations.model import Migration, ParseProblem
from auditor.migrations.naming import naming_problems
from auditor.migrations.rails import parse_rails
from auditor.migrations.sequelize import parse_sequelize
from auditor.migrations.sql import guess_dialect, possible_dialects
from auditor.migrations.typeorm import parse_typeorm
from auditor.repo import Repository

_DIALECT_SOURCES = re.compile(r"(^|/)(requirements[^/]*\.(txt|in)|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|"
                              r"package\.json|go\.mod|Gemfile|alembic\.ini|settings\.py|database\.yml|"
                              r"docker-compose[^/]*\.ya?ml|schema\.prisma|\.env\.example|config\.py|"
                              r"application\.(yml|properties)|pom\.xml|build\.gradle(\.kts)?|knexfile\.(js|ts))$")


@dataclass
class MigrationInventory:
    migrations: list[Migration] = field(default_factory=list)     # in apply order
    final_schema: Schema = field(default_factory=Schema)
    parse_errors: list[ParseProblem] = field(default_factory=list)
    naming: list[tuple[str, str, int | None]] = field(default_factory=list)
    systems: dict[str, list[str]] = field(default_factory=dict)
    dialect: str | None = None

    def by_class(self) -> dict[str, list[Migration]]:
        out: dict[str, list[Migration]] = {c: [] for c in M.ROLLBACK_CLASSES}
        for m in self.migrations:
            out.setdefault(m.rollback_class or M.UNVERIFIABLE, []).append(m)
        return out

    def unparsed(self) -> list[Migration]:
        """Migrations with at least one statement or call that was not understood."""
        return [m for m in self.migrations if m.problems]

    def to_json_rows(self) -> list[dict]:
        return [m.to_json_row() for m in self.migrations]

    def to_json(self) -> dict:
        return {
            "systems": self.systems, "dialect": self.dialect,
            "count": len(self.migrations),
            "rollback_classes": {k: len(v) for k, v in self.by_class().items()},
            "migrations": self.to_json_rows(),
            "parse_errors": [p.to_json() for p in self.parse_errors],
            "naming_problems": [{"message": msg, "file": f, "line": line} for msg, f, line in self.naming],
            "final_schema": self.final_schema.to_json(),
        }


def _dialect_texts(repo: Repository) -> list[str]:
    return [(repo.read_text(f.path) or "")[:200_000] for f in repo.files if _DIALECT_SOURCES.search(f.path)]


def project_dialect(repo: Repository) -> str | None:
    return guess_dialect(_dialect_texts(repo))


def parse_repository(repo: Repository, systems: dict[str, list[str]] | None = None) -> MigrationInventory:
    systems = systems if systems is not None else detect_migration_systems(repo)
    dialect = project_dialect(repo)
    inv = MigrationInventory(systems=systems, dialect=dialect)
    files_by_system = _files(repo, systems)
    migs: list[Migration] = []
    for path in files_by_system.get("alembic", []):
        migs.append(parse_alembic(repo.read_text(path) or "", path, dialect))
    for path in files_by_system.get("django", []):
        if not path.endswith("/__init__.py"):
            migs.append(parse_django(repo.read_text(path) or "", path, dialect))
    for path in files_by_system.get("rails", []):
        migs.append(parse_rails(repo.read_text(path) or "", path, dialect))
    for path in files_by_system.get("knex", []):
        migs.append(parse_knex(repo.read_text(path) or "", path, dialect))
    for path in files_by_system.get("sequelize", []):
        migs.append(parse_sequelize(repo.read_text(path) or "", path, dialect))
    for path in files_by_system.get("typeorm", []):
        migs.append(parse_typeorm(repo.read_text(path) or "", path, dialect))
    golang = {p: repo.read_text(p) or "" for p in files_by_system.get("golang-migrate", [])}
    migs += sqlfiles.parse_golang_pairs(golang, dialect)
    flyway = {p: repo.read_text(p) or "" for p in files_by_system.get("flyway", [])}
    migs += sqlfiles.parse_flyway(flyway, dialect)
    for system in ("dbmate", "sql-migrate"):
        for path in files_by_system.get(system, []):
            migs.append(sqlfiles.parse_sectioned(system, path, repo.read_text(path) or "", dialect))
    for path in files_by_system.get("prisma", []):
        down = path.rsplit("/", 1)[0] + "/down.sql"
        down_text = repo.read_text(down) if repo.exists(down) else None
        migs.append(sqlfiles.parse_prisma(path, repo.read_text(path) or "", down_text,
                                          down if down_text is not None else None, _prisma_dialect(repo, path) or dialect))
    inv.migrations = apply_order(migs)
    server_database = bool(possible_dialects(_dialect_texts(repo)) & {"postgres", "mysql"})
    inv.final_schema = replay_history(inv.migrations, dialect, server_database)
    unnamed_constraint_drops(migs, lambda: _declares_naming_convention(repo))
    inv.naming = naming_problems(migs)
    inv.parse_errors = [p for m in migs for p in m.problems]
    return inv


def _declares_naming_convention(repo: Repository) -> bool:
    """Whether any Python file sets a SQLAlchemy naming convention (MetaData(naming_convention=...))."""
    return any("naming_convention" in (repo.read_text(path) or "") for path in repo.paths("python"))


def _prisma_dialect(repo: Repository, path: str) -> str | None:
    lock = path.rsplit("/", 2)[0] + "/migration_lock.toml"
    text = repo.read_text(lock) if repo.exists(lock) else None
    if text:
        m = re.search(r'provider\s*=\s*"(\w+)"', text)
        if m:
            return {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}.get(m.group(1))
    return None


def _files(repo: Repository, systems: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each system's migration files, from the folders detection found them in."""
    out: dict[str, list[str]] = {}
    for system, folders in systems.items():
        wanted = set(folders)
        for f in repo.files:
            folder = f.path.rsplit("/", 1)[0] if "/" in f.path else "."
            if folder not in wanted:
                continue
            if _belongs(system, f.path, repo):
                out.setdefault(system, []).append(f.path)
    return {k: sorted(set(v)) for k, v in out.items()}


def _belongs(system: str, path: str, repo: Repository) -> bool:
    name = path.rsplit("/", 1)[-1]
    if system == "django":
        return bool(re.match(r"^\d{4}_.*\.py$", name))
    if system == "alembic":
        head = (repo.read_text(path) or "")[:4000] if name.endswith(".py") else ""
        return bool(re.search(r"^(down_)?revision\s*[:=]", head, re.M))
    if system == "prisma":
        return name == "migration.sql"
    if system == "golang-migrate":
        return bool(sqlfiles.GOLANG.search(path))
    if system == "flyway":
        return bool(sqlfiles.FLYWAY.search(path))
    if system in ("dbmate", "sql-migrate"):
        return name.endswith(".sql")
    if system == "rails":
        return bool(re.match(r"^\d+_.*\.rb$", name))
    if system == "typeorm":
        from auditor.migrations.typeorm import is_typeorm_migration
        return name.endswith((".js", ".ts")) and not name.endswith(".d.ts") and is_typeorm_migration(repo.read_text(path) or "")
    if system in ("knex", "sequelize"):
        return bool(re.search(r"\.(js|ts|cjs|mjs)$", name)) and not name.endswith(".d.ts")
    return False
