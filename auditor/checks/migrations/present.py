"""MIG-PRESENT: models or a schema imply a migration system, and every Django app with models has migrations."""
from __future__ import annotations

import ast
import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.migrations import MAX_MIGRATION_EVIDENCE, migration_evidence
from auditor.collectors.orm_models import ORM_MODELS
from auditor.context import AuditContext
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, ItemResult, partial_result
from auditor.paths import TEST_FOLDER
from auditor.registry import check
from auditor.text import line_of

_MODEL_PATTERNS = re.compile(
    r"^[ \t]*class\s+\w+\([ \t]*(models\.Model|db\.Model|Base|DeclarativeBase|SQLModel)\b.*\)\s*:|"
    r"\bdeclarative_base\s*\(|\bsequelize\.define\(|@Entity\(",
    re.M)
_CREATE_TABLE = re.compile(r"^\s*create\s+table\b", re.I | re.M)
# The schema built by the application itself at start-up: Sequelize sync, gorm AutoMigrate, SQLAlchemy
# create_all, TypeORM synchronize.
_SCHEMA_BY_CODE = re.compile(r"\.sync\(\s*(?:/\*.*?\*/\s*)?(?:\{[^}]*\}\s*)?\)|\.AutoMigrate\(|\.create_all\(|"
                             r"\bsynchronize\s*:\s*true\b|\bmetadata\.create_all\b(?!\()")


def model_files(ctx: AuditContext) -> list[tuple[str, int]]:
    orm = ctx.get_optional(ORM_MODELS)
    files = getattr(orm, "model_files", None)
    if files:
        return [(f, 1) for f in files]
    out = []
    for f in ctx.repo.files:
        if f.language not in ("python", "javascript", "typescript") or "/migrations/" in f"/{f.path}" \
                or TEST_FOLDER.search(f.path):
            continue
        text = ctx.repo.read_text(f.path) or ""
        m = _MODEL_PATTERNS.search(text)
        if m:
            out.append((f.path, line_of(text, m.start())))
    return out


def concrete_django_model(ctx: AuditContext, path: str) -> int | None:
    """Line of the first concrete (not abstract) `models.Model` subclass in a file, from its AST."""
    tree = ctx.repo.python_ast(path) if path.endswith(".py") else None
    for node in tree.body if tree else []:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(isinstance(b, ast.Attribute) and b.attr == "Model" and isinstance(b.value, ast.Name)
                   and b.value.id == "models" for b in node.bases):
            continue
        abstract = any(isinstance(s, ast.ClassDef) and s.name == "Meta" and any(
            isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "abstract" for t in a.targets)
            and isinstance(a.value, ast.Constant) and a.value.value is True for a in s.body) for s in node.body)
        if not abstract:
            return node.lineno
    return None


def schema_files(ctx: AuditContext) -> list[tuple[str, int]]:
    out = []
    for f in ctx.repo.files:
        name = f.path.rsplit("/", 1)[-1]
        if name == "schema.prisma":
            out.append((f.path, 1))
        elif f.language == "sql" and not re.search(r"migrat", f.path, re.I):
            text = ctx.repo.read_text(f.path) or ""
            m = _CREATE_TABLE.search(text)
            if m:
                out.append((f.path, line_of(text, m.start())))
    return out


def schema_created_by_code(ctx: AuditContext) -> list[tuple[str, int, str]]:
    """(file, line, what) where the application creates its own schema: CREATE TABLE executed from code,
    `sequelize.sync()`, gorm `AutoMigrate`, `create_all`, TypeORM `synchronize: true`."""
    orm = ctx.get_optional(ORM_MODELS)
    out = [(f, line, "CREATE TABLE executed from code") for f, line in getattr(orm, "code_ddl", [])]
    for f in ctx.repo.files:
        if f.language not in ("python", "javascript", "typescript", "go") or TEST_FOLDER.search(f.path) \
                or TEST_FILE.search(f.path):
            continue
        text = ctx.repo.read_text(f.path) or ""
        for m in _SCHEMA_BY_CODE.finditer(text):
            call = m.group(0)
            if ".sync(" in call and "sequelize" not in text.lower():
                continue
            out.append((f.path, line_of(text, m.start()), f"schema created at start-up by {' '.join(call.split())}"))
    return out


# code that is not the running application: tests, migrations themselves, one-off scripts and seeders
_NOT_START_UP = re.compile(r"(^|/)(migrations?|alembic|scripts?|bin|tools|fixtures|tests?|seeds?|seeders)/|"
                           r"(^|/)(manage|setup|conftest|cli|fabfile|noxfile|seed\w*|init_db\w*)\.py$", re.I)
# a function that also runs or stamps the migrations uses create_all as their fallback (SQLite, plugin tables)
_MIGRATION_AWARE = re.compile(r"\b(upgrade|stamp|migrat\w*|alembic)\b", re.I)
_SCHEMA_CALLS = ("create_all", "drop_all")
_SEQUELIZE_FORCED = re.compile(r"\.sync\(\s*\{[^}]*\b(force|alter)\s*:\s*true", re.I)


def schema_built_beside_migrations(ctx: AuditContext) -> list[tuple[str, int, str, bool]]:
    """(file, line, what, destructive) where the running application builds its schema from the models while a
    migration system exists: SQLAlchemy `metadata.create_all` / `drop_all` (also passed to `run_sync`),
    Flask-SQLAlchemy `db.create_all()`, Sequelize `sync({ force | alter: true })`. Tests, scripts, seeders and
    functions that also run the migrations (a SQLite fallback) are left out."""
    out: list[tuple[str, int, str, bool]] = []
    for f in ctx.repo.files:
        if TEST_FOLDER.search(f.path) or TEST_FILE.search(f.path) or _NOT_START_UP.search(f.path):
            continue
        if f.language == "python":
            tree = ctx.repo.python_ast(f.path)
            if tree is not None:
                out += _python_schema_calls(f.path, tree)
        elif f.language in ("javascript", "typescript"):
            text = ctx.repo.read_text(f.path) or ""
            if "sequelize" in text.lower():
                for m in _SEQUELIZE_FORCED.finditer(text):
                    out.append((f.path, line_of(text, m.start()), f"sequelize sync({{ {m.group(1)}: true }})",
                                m.group(1).lower() == "force"))
    return out


def _python_schema_calls(path: str, tree: ast.Module) -> list[tuple[str, int, str, bool]]:
    out = []
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in _SCHEMA_CALLS):
            continue
        owner = ast.unparse(node.value)
        if not (owner.endswith("metadata") or id(node) in called and owner.rsplit(".", 1)[-1] == "db"):
            continue
        enclosing = [fn for fn in functions if fn.lineno <= node.lineno <= (fn.end_lineno or fn.lineno)]
        if enclosing and _MIGRATION_AWARE.search(ast.unparse(enclosing[-1])):
            continue
        out.append((path, node.lineno, f"{owner}.{node.attr}", node.attr == "drop_all"))
    return out


@check("MIG-PRESENT")
def mig_present(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    systems = ctx.inventory.migration_systems
    models = model_files(ctx)
    schemas = schema_files(ctx)
    if systems:
        evidence = [migration_evidence(ctx, folder, None, f"{system} migrations in {folder}", "migration-system", PRACTICE)
                    for system, folders in systems.items() for folder in folders[:5]]
        beside = schema_built_beside_migrations(ctx)
        if beside:
            return _schema_beside_migrations(ctx, item, beside, evidence)
        django_dirs = {f.rsplit("/migrations", 1)[0] for f in systems.get("django", [])}
        orphan = []
        if "django" in systems:
            for f, _ in models:
                app = f.rsplit("/models", 1)[0] if "/models" in f else f.rsplit("/", 1)[0]
                concrete = concrete_django_model(ctx, f)
                if app not in django_dirs and concrete and not f.startswith(tuple(d + "/" for d in django_dirs)):
                    orphan.append((f, concrete))
        if orphan:
            bad = [migration_evidence(ctx, f, line, "Django models in an app without a migrations folder", "models-without-migrations")
                   for f, line in orphan]
            total = len(django_dirs) + len(orphan)
            return partial_result(item.id, len(django_dirs), total,
                                  f"{len(orphan)} Django app(s) define models but have no migrations folder.",
                                  bad + evidence)
        names = ", ".join(f"{s} ({len(f)} folder(s))" for s, f in systems.items())
        return ItemResult(item.id, "pass", f"Schema changes go through migrations: {names}.", evidence)
    found = models + schemas
    if not found:
        return ItemResult(item.id, "not_applicable",
                          "no ORM models or schema files found, so there is no schema to migrate")
    evidence = [migration_evidence(ctx, f, line, "ORM models / schema file without any migration system", "no-migrations")
                for f, line in found[:MAX_MIGRATION_EVIDENCE]]
    by_code = schema_created_by_code(ctx)
    if by_code:
        sites = [migration_evidence(ctx, f, line, what, "schema-created-by-code") for f, line, what in by_code[:10]]
        return ItemResult(item.id, "fail",
                          f"schema created by code, no versioned migrations: {len(by_code)} place(s) create tables "
                          f"({by_code[0][2]} at {by_code[0][0]}:{by_code[0][1]}); {len(models)} model file(s), "
                          f"{len(schemas)} schema file(s).", sites + evidence[:MAX_MIGRATION_EVIDENCE - len(sites)])
    return ItemResult(item.id, "fail",
                      f"{len(models)} model file(s) and {len(schemas)} schema file(s) but no migration system "
                      "(Alembic, Django, Knex, Sequelize, TypeORM, Flyway, golang-migrate, Prisma Migrate, Rails, dbmate).", evidence)


def _schema_beside_migrations(ctx: AuditContext, item: CatalogItem, beside: list[tuple[str, int, str, bool]],
                              evidence: list) -> ItemResult:
    """Migrations exist, but the application also builds (or wipes) the schema from its models: the running
    schema is not the one the migrations describe. Dropping tables at start-up fails; creating them is partial."""
    sites = [migration_evidence(ctx, f, line, f"schema built from the models at run time by {what}, beside the "
                                f"migrations", "schema-built-beside-migrations") for f, line, what, _ in beside[:10]]
    first = beside[0]
    text = (f"Migrations exist, but the application also builds its schema from the models: {len(beside)} place(s) "
            f"({first[2]} at {first[0]}:{first[1]}), so the running schema is not the one the migrations describe")
    details = {"schema_built_by_code": [f"{f}:{line}" for f, line, _, _ in beside]}
    if any(destructive for *_, destructive in beside):
        return ItemResult(item.id, "fail", text + "; it also drops tables (data lost on every run).",
                          sites + evidence, details=details)
    return ItemResult(item.id, "partial", text + ".", sites + evidence, partial_score=5, details=details)
