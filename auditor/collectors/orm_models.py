"""Collector "orm_models": the schema declared by ORM models (SQLAlchemy, Django, Sequelize, TypeORM, GORM, Prisma),
SQL schema files and CREATE TABLE statements written in code.

Data: OrmModels with `.schema` (auditor.dbschema.Schema), `.model_files`, `.problems` (files or statements
that could not be read), `.sql` (statement counts: understood / opaque / unparsed), `.django` (settings
that shape the schema: USE_TZ, AUTH_USER_MODEL, ATOMIC_REQUESTS, each with its file:line).
SQL files inside a detected migration folder belong to the "migrations" collector and are skipped here.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import walk
from auditor.context import AuditContext, Key
from auditor.dbschema import Schema
from auditor.inventory import TEST_FILE
from auditor.orm.code_ddl import ddl_literals_python, ddl_literals_text, read_code_ddl
from auditor.orm.dbx_models import read_dbx_rows
from auditor.orm.django_models import DjangoSettings, looks_like_django_models, read_django
from auditor.orm.gorm_models import looks_like_gorm, read_gorm
from auditor.orm.prisma_models import read_prisma
from auditor.orm.pyast import literal
from auditor.orm.result import ParseProblem, ReadResult, SqlStats
from auditor.orm.sequelize_models import looks_like_sequelize, read_sequelize
from auditor.orm.sql_ddl import looks_like_ddl, read_ddl
from auditor.orm.sqlalchemy_models import looks_like_sqlalchemy, read_sqlalchemy
from auditor.orm.typeorm_models import looks_like_typeorm, read_typeorm
from auditor.registry import collector
from auditor.repo import Repository


@dataclass
class OrmModels:
    schema: Schema = field(default_factory=Schema)
    model_files: list[str] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    sql: SqlStats = field(default_factory=SqlStats)
    django: DjangoSettings = field(default_factory=DjangoSettings)
    kinds: list[str] = field(default_factory=list)   # sqlalchemy, django, sql, sequelize, typeorm, gorm, prisma, code-ddl
    code_ddl: list[tuple[str, int]] = field(default_factory=list)   # where code executes CREATE TABLE
    # structs a reflection mapper reads and writes as rows (ozzo-dbx): names and types only, so they are kept
    # out of `schema`, which the DB-* items judge, and only MIG-SCHEMA-SYNC reads them
    mapped_rows: Schema = field(default_factory=Schema)


def is_migration_file(rel: str, migration_folders: set[str]) -> bool:
    folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
    return folder in migration_folders or "/migrations/" in f"/{rel}" or "/versions/" in f"/{rel}"


def is_detected_migration_file(rel: str, migration_folders: set[str]) -> bool:
    """In a folder a migration system was detected in: a `.sql` file in a `migrations/` folder that no system
    claims (applied by a script or a container's init folder) is a schema file like any other."""
    return (rel.rsplit("/", 1)[0] if "/" in rel else ".") in migration_folders


def read_django_settings(repo: Repository, python_files: list[str]) -> DjangoSettings:
    """USE_TZ / AUTH_USER_MODEL / DATABASES ATOMIC_REQUESTS from settings modules (parsed, not imported)."""
    settings = DjangoSettings()
    for rel in python_files:
        name = rel.rsplit("/", 1)[-1]
        if ("settings" not in rel and name not in ("config.py", "base.py", "production.py", "prod.py")) \
                or name.startswith("test"):
            continue
        text = repo.read_text(rel) or ""
        if "USE_TZ" not in text and "AUTH_USER_MODEL" not in text and "ATOMIC_REQUESTS" not in text:
            continue
        tree = repo.python_ast(rel)
        if tree is None:
            continue
        for node in walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target, value = node.targets[0].id, literal(node.value)
                if target == "USE_TZ" and isinstance(value, bool):
                    if settings.use_tz_at is None or value is False:
                        settings.use_tz, settings.use_tz_at = value, (rel, node.lineno)
                elif target == "AUTH_USER_MODEL" and isinstance(value, str):
                    settings.auth_user_model = value
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if literal(key) == "ATOMIC_REQUESTS" and literal(value) is True:
                        settings.atomic_requests_at.append((rel, key.lineno))
    return settings


def collect_orm_models(repo: Repository, migration_folders: set[str], dialect_hint: str | None = None) -> OrmModels:
    python_files = [p for p in repo.paths(language="python") if not TEST_FILE.search(p)]
    settings = read_django_settings(repo, python_files)
    sqlalchemy_modules, django_modules = [], []
    combined = ReadResult()
    for rel in python_files:
        if is_migration_file(rel, migration_folders):
            continue
        text = repo.read_text(rel) or ""
        is_sa, is_dj = looks_like_sqlalchemy(text), looks_like_django_models(text)
        if not (is_sa or is_dj):
            continue
        tree = repo.python_ast(rel)
        if tree is None:
            combined.problems.append(ParseProblem(rel, None, "does not parse as Python: its models (if any) were not read"))
            continue
        if is_sa:
            sqlalchemy_modules.append((rel, tree))
        if is_dj:
            django_modules.append((rel, tree))
    code_ddl: list[tuple[str, int]] = []
    code_part = ReadResult()
    for rel in python_files:
        if is_migration_file(rel, migration_folders) or "create table" not in (repo.read_text(rel) or "").lower():
            continue
        tree = repo.python_ast(rel)
        part = read_code_ddl(rel, ddl_literals_python(tree), dialect_hint) if tree is not None else ReadResult()
        code_ddl += [(rel, t.line or 1) for t in part.schema.tables.values()]
        code_part.extend(part)
    script_files = [(rel, repo.read_text(rel) or "") for language in ("javascript", "typescript", "go")
                    for rel in repo.paths(language=language)
                    if not TEST_FILE.search(rel) and not is_migration_file(rel, migration_folders)]
    for rel, text in script_files:
        part = read_code_ddl(rel, ddl_literals_text(text), dialect_hint)
        code_ddl += [(rel, t.line or 1) for t in part.schema.tables.values()]
        code_part.extend(part)
    js = [(rel, text) for rel, text in script_files if not rel.endswith(".go")]
    sequelize = read_sequelize([(rel, text) for rel, text in js if looks_like_sequelize(text)])
    typeorm = read_typeorm([(rel, text) for rel, text in js if rel.endswith(".ts") and looks_like_typeorm(text)])
    gorm = read_gorm([(rel, text) for rel, text in script_files if rel.endswith(".go") and looks_like_gorm(text)])
    mapped_rows = read_dbx_rows([(rel, text) for rel, text in script_files if rel.endswith(".go")])
    kinds = []
    if sqlalchemy_modules:
        part = read_sqlalchemy(sqlalchemy_modules)
        if part.schema.tables:
            kinds.append("sqlalchemy")
        combined.extend(part)
    if django_modules:
        part = read_django(django_modules, settings)
        if part.schema.tables:
            kinds.append("django")
        combined.extend(part)
    prisma = ReadResult()
    for f in repo.files:
        if f.path.endswith(".prisma") and not TEST_FILE.search(f.path):
            prisma.extend(read_prisma(f.path, repo.read_text(f.path) or ""))
    for kind, part in (("sequelize", sequelize), ("typeorm", typeorm), ("gorm", gorm), ("prisma", prisma)):
        if part.schema.tables:
            kinds.append(kind)
            combined.extend(part)
    for rel in repo.paths(language="sql"):
        if TEST_FILE.search(rel) or is_detected_migration_file(rel, migration_folders):
            continue
        text = repo.read_text(rel)
        if text is None or not looks_like_ddl(text):
            continue
        part = read_ddl(rel, text, dialect_hint)
        if part.schema.tables and "sql" not in kinds:
            kinds.append("sql")
        combined.schema.dialect = combined.schema.dialect or part.schema.dialect
        combined.extend(part)
    if code_part.schema.tables:
        kinds.append("code-ddl")
        combined.schema.dialect = combined.schema.dialect or code_part.schema.dialect
        combined.extend(code_part)
    return OrmModels(combined.schema, combined.model_files, combined.problems, combined.sql, settings, kinds,
                     code_ddl, mapped_rows)


def dialect_from_inventory(ctx: AuditContext) -> str | None:
    evidence = " ".join(ctx.inventory.database_evidence).lower()
    if any(k in evidence for k in ("psycopg", "asyncpg", "github.com/lib/pq", "pgx", " pg")):
        return "postgres"
    if any(k in evidence for k in ("mysql", "pymysql")):
        return "mysql"
    if "sqlite" in evidence:
        return "sqlite"
    return None


ORM_MODELS: Key[OrmModels] = Key("orm_models")


@collector(ORM_MODELS)
def orm_models(ctx: AuditContext) -> OrmModels:
    folders = {folder for folders in ctx.inventory.migration_systems.values() for folder in folders}
    return collect_orm_models(ctx.repo, folders, dialect_from_inventory(ctx))
