"""What the repository is made of: languages, frameworks, manifests, tests, config, database use.

Read from file names, dependency manifests and import lines; nothing is imported or executed.
The inventory decides applicability: no database means MIG/DB items are not applicable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.migrations.detect import detect_migration_systems
from auditor.paths import TEST_FILE  # noqa: F401  (re-exported: most readers take it from here)
from auditor.repo import CODE_LANGUAGES, Repository
from auditor.text import line_of

# framework name -> (dependency names in manifests, import/require patterns in code)
FRAMEWORK_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "flask": (("flask",), (r"^\s*from flask import|^\s*import flask\b",)),
    "fastapi": (("fastapi",), (r"^\s*from fastapi\b|^\s*import fastapi\b",)),
    "django": (("django",), (r"^\s*from django\b|^\s*import django\b",)),
    "drf": (("djangorestframework",), (r"^\s*from rest_framework\b|^\s*import rest_framework\b",)),
    "aiohttp": (("aiohttp",), (r"^\s*from aiohttp import web|^\s*aiohttp\.web\b",)),
    "connexion": (("connexion",), (r"^\s*from connexion\b|^\s*import connexion\b",)),
    "starlette": (("starlette",), (r"^\s*from starlette\.applications\b",)),
    "express": (("express",), (r"require\(['\"]express['\"]\)|from ['\"]express['\"]",)),
    "apollo-server": (("apollo-server", "@apollo/server", "graphql-yoga"),
                      (r"require\(['\"](?:apollo-server|@apollo/server|graphql-yoga)['\"]\)|from ['\"](?:apollo-server|@apollo/server|graphql-yoga)['\"]",)),
    "koa": (("koa",), (r"require\(['\"]koa['\"]\)|from ['\"]koa['\"]",)),
    "nestjs": (("@nestjs/core",), (r"from ['\"]@nestjs/",)),
    "routing-controllers": (("routing-controllers",), (r"from ['\"]routing-controllers['\"]",)),
    "go-nethttp": ((), (r"\"net/http\"",)),
    "gin": (("github.com/gin-gonic/gin",), (r"\"github.com/gin-gonic/gin\"",)),
    "chi": (("github.com/go-chi/chi",), (r"\"github.com/go-chi/chi",)),
    "gorilla-mux": (("github.com/gorilla/mux",), (r"\"github.com/gorilla/mux\"",)),
    "echo": (("github.com/labstack/echo",), (r"\"github.com/labstack/echo",)),
    "ozzo-routing": (("github.com/go-ozzo/ozzo-routing",), (r"\"github.com/go-ozzo/ozzo-routing",)),
    "httprouter": (("github.com/julienschmidt/httprouter",), (r"\"github.com/julienschmidt/httprouter\"",)),
    "spring": (("spring-boot", "spring-web"), (r"^import org\.springframework\.",)),
    "rails": (("rails",), ()),
}
WEB_FRAMEWORKS = frozenset(FRAMEWORK_SIGNATURES)
RELATIONAL = "relational"
DOCUMENT = "document"
# dependency name -> the kind of database it talks to. A cache or broker (redis, memcached) is not a database.
# Names with a "/" also match their sub-packages (github.com/jackc/pgx/v5, @mikro-orm/postgresql).
DATABASE_DEPENDENCY_KINDS: dict[str, str] = {
    **dict.fromkeys((
        "sqlalchemy", "django", "psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "asyncpg", "pymysql",
        "mysqlclient", "aiosqlite", "aiomysql", "peewee", "tortoise-orm", "sqlmodel", "flask-sqlalchemy",
        "alembic", "pony", "databases", "records",
        "pg", "pg-promise", "postgres", "mysql", "mysql2", "sqlite3", "better-sqlite3", "knex", "sequelize",
        "typeorm", "drizzle-orm", "@mikro-orm/core", "@mikro-orm", "mikro-orm", "objection", "kysely", "mssql",
        "tedious", "oracledb",
        "gorm.io/gorm", "gorm.io/driver", "github.com/jinzhu/gorm", "github.com/jmoiron/sqlx", "github.com/lib/pq", "github.com/jackc/pgx",
        "github.com/go-sql-driver/mysql", "github.com/mattn/go-sqlite3", "modernc.org/sqlite", "entgo.io/ent",
        "github.com/uptrace/bun", "activerecord", "rails"), RELATIONAL),
    **dict.fromkeys((
        "pymongo", "motor", "mongoengine", "beanie", "odmantic", "mongodb", "mongoose",
        "go.mongodb.org/mongo-driver", "mongoid"), DOCUMENT),
    # Prisma talks to relational databases unless its schema says `provider = "mongodb"` (see _prisma_kind)
    "prisma": RELATIONAL, "@prisma/client": RELATIONAL,
}
DATABASE_DEPENDENCIES = tuple(DATABASE_DEPENDENCY_KINDS)
# import/require lines of database libraries: (kind, pattern); the group named lib is the library
DATABASE_IMPORTS: tuple[tuple[str, str], ...] = (
    (RELATIONAL, r"^\s*(?:from|import)\s+(?P<lib>sqlalchemy|sqlite3|psycopg2?|asyncpg|aiomysql|pymysql|peewee|"
                 r"sqlmodel|flask_sqlalchemy|tortoise|django\.db)\b"),
    (DOCUMENT, r"^\s*(?:from|import)\s+(?P<lib>pymongo|motor|mongoengine|beanie|odmantic)\b"),
    (RELATIONAL, r"(?:require\(\s*|\bfrom\s+)['\"](?P<lib>pg|pg-promise|postgres|mysql2?|mysql2/promise|knex|"
                 r"sequelize|typeorm|better-sqlite3|sqlite3|mssql|kysely|@prisma/client|drizzle-orm(?:/[\w-]+)?|"
                 r"@mikro-orm/[\w-]+)['\"]"),
    (DOCUMENT, r"(?:require\(\s*|\bfrom\s+)['\"](?P<lib>mongodb|mongoose)['\"]"),
    (RELATIONAL, r"\"(?P<lib>database/sql|gorm\.io/gorm|github\.com/jinzhu/gorm|github\.com/jackc/pgx[\w/.-]*|github\.com/lib/pq|"
                 r"github\.com/jmoiron/sqlx|entgo\.io/ent)\""),
    (DOCUMENT, r"\"(?P<lib>go\.mongodb\.org/mongo-driver[\w/.-]*)\""),
)
DATABASE_IMPORT = re.compile("|".join(f"(?:{pattern})".replace("?P<lib>", "?:") for _, pattern in DATABASE_IMPORTS),
                             re.M)
_DATABASE_IMPORT_KINDS = tuple((kind, re.compile(pattern, re.M)) for kind, pattern in DATABASE_IMPORTS)
MANIFEST_NAMES = ("requirements.txt", "requirements-dev.txt", "pyproject.toml", "Pipfile", "setup.py",
                  "setup.cfg", "package.json", "go.mod", "Gemfile", "pom.xml", "build.gradle",
                  "build.gradle.kts", "Cargo.toml", "composer.json")
LOCK_NAMES = ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "package-lock.json", "yarn.lock",
              "pnpm-lock.yaml", "bun.lock", "bun.lockb", "go.sum", "Gemfile.lock", "Cargo.lock", "composer.lock")
CONFIG_PATTERNS = (".env", ".env.*", "*.env", "settings.py", "*/settings.py", "*/settings/*.py", "config.py",
                   "*/config.py", "config/*", "*.ini", "*.cfg", "docker-compose*.yml", "Dockerfile",
                   "*.toml", "app.yaml", "application.yml", "application.properties", "nginx*.conf")
# tests.py: a root test module, and the file Django's startapp creates in every app


@dataclass
class Framework:
    name: str
    file: str
    line: int | None

    def to_json(self) -> dict:
        return {"name": self.name, "file": self.file, "line": self.line}


@dataclass
class Inventory:
    languages: dict[str, dict[str, int]] = field(default_factory=dict)   # language -> {files, lines}
    frameworks: list[Framework] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    lock_files: list[str] = field(default_factory=list)
    test_files: list[str] = field(default_factory=list)
    test_dirs: list[str] = field(default_factory=list)
    config_files: list[str] = field(default_factory=list)
    migration_systems: dict[str, list[str]] = field(default_factory=dict)  # system -> folders
    database_evidence: list[str] = field(default_factory=list)             # "file:line what"
    database_kinds: dict[str, list[str]] = field(default_factory=dict)     # relational|document -> libraries
    # languages of generated source files (left out of `languages`): the security items read those files
    generated_languages: set[str] = field(default_factory=set)

    @property
    def framework_names(self) -> set[str]:
        return {f.name for f in self.frameworks}

    @property
    def code_languages(self) -> set[str]:
        """Code languages present, generated files included: a generator's marker on every file must not make
        the security items not applicable or leave their rules unrun."""
        return {lang for lang in (*self.languages, *self.generated_languages) if lang in CODE_LANGUAGES}

    @property
    def has_code(self) -> bool:
        return bool(self.code_languages)

    @property
    def has_web_framework(self) -> bool:
        return bool(self.framework_names & WEB_FRAMEWORKS)

    @property
    def uses_database(self) -> bool:
        return bool(self.database_evidence or self.migration_systems)

    @property
    def uses_relational_database(self) -> bool:
        """A SQL database: a relational driver/ORM, SQL files, or a migration system (all of which are SQL)."""
        return bool(self.database_kinds.get(RELATIONAL) or self.migration_systems
                    or (self.database_evidence and not self.database_kinds))

    @property
    def document_database_only(self) -> bool:
        """Every database library found talks to a document store (MongoDB), none to a SQL database."""
        return bool(self.database_kinds.get(DOCUMENT)) and not self.uses_relational_database

    def to_json(self) -> dict:
        return {
            "languages": self.languages,
            "frameworks": [f.to_json() for f in self.frameworks],
            "manifests": self.manifests, "lock_files": self.lock_files,
            "test_dirs": self.test_dirs, "test_files": len(self.test_files),
            "config_files": self.config_files,
            "migration_systems": self.migration_systems,
            "database_evidence": self.database_evidence[:20],
            "database_kinds": self.database_kinds,
        }


def build_inventory(repo: Repository) -> Inventory:
    inv = Inventory()
    inv.generated_languages = {f.language for f in repo.generated if f.language in CODE_LANGUAGES}
    for f in repo.files:
        if f.language is None:
            continue
        stats = inv.languages.setdefault(f.language, {"files": 0, "lines": 0})
        stats["files"] += 1
        if f.language in CODE_LANGUAGES or f.language == "sql":
            text = repo.read_text(f.path)
            stats["lines"] += text.count("\n") + (1 if text and not text.endswith("\n") else 0) if text else 0
    names = {f.path: f.path.rsplit("/", 1)[-1] for f in repo.files}
    inv.manifests = sorted(p for p, n in names.items() if n in MANIFEST_NAMES or _is_requirements(n))
    inv.lock_files = sorted(p for p, n in names.items() if n in LOCK_NAMES)
    inv.test_files = sorted(p for p in names if TEST_FILE.search(p) and repo_language(repo, p))
    inv.test_dirs = sorted({_test_dir(p) for p in inv.test_files})
    inv.config_files = sorted(p for p in names if _is_config(p))
    _detect_frameworks(repo, inv)
    _detect_database(repo, inv)
    inv.migration_systems = detect_migration_systems(repo)
    return inv


def repo_language(repo: Repository, path: str) -> str | None:
    for f in repo.files:
        if f.path == path:
            return f.language if f.language in CODE_LANGUAGES else None
    return None


def _is_requirements(name: str) -> bool:
    return name.startswith("requirements") and name.endswith((".txt", ".in"))


def _is_config(path: str) -> bool:
    from fnmatch import fnmatch
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch(path, pat) or fnmatch(name, pat) for pat in CONFIG_PATTERNS) and not TEST_FILE.search(path)


def _test_dir(path: str) -> str:
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in ("tests", "test", "__tests__", "spec", "specs"):
            return "/".join(parts[:i + 1])
    return "/".join(parts[:-1]) or "."


def manifest_dependencies(repo: Repository, manifest: str) -> list[tuple[str, int, str]]:
    """(dependency name lowercased, line, the line's text) for each dependency line of a manifest."""
    text = repo.read_text(manifest) or ""
    name = manifest.rsplit("/", 1)[-1]
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        if name == "package.json":
            m = re.match(r'"(@?[\w./-]+)"\s*:\s*"', line)
        elif name == "go.mod":
            m = re.match(r"(?:require\s+)?([\w.-]+\.[\w]+/[\w./-]+)\s+v", line)
        elif name in ("Gemfile",):
            m = re.match(r"gem\s+['\"]([\w-]+)", line)
        elif name in ("pom.xml",):
            m = re.search(r"<artifactId>([\w.-]+)</artifactId>", line)
        elif name.startswith("build.gradle"):
            m = re.search(r"['\"][\w.-]+:([\w.-]+)(?::[^'\"]*)?['\"]", line)
        else:  # requirements, pyproject, Pipfile, setup.py/cfg
            m = re.match(r"""['"]?([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?:[<>=!~;,'"\s]|$)""", line)
            if m and name in ("pyproject.toml", "Pipfile", "setup.cfg") and "=" in line and not line.startswith(('"', "'")) and name != "Pipfile":
                m = None  # a TOML/INI key, not a dependency string
        if m:
            out.append((m.group(1).lower().replace("_", "-"), lineno, raw.rstrip()))
    return out


def _detect_frameworks(repo: Repository, inv: Inventory) -> None:
    found: dict[str, Framework] = {}
    for manifest in inv.manifests:
        for dep, line, _ in manifest_dependencies(repo, manifest):
            for fw, (deps, _) in FRAMEWORK_SIGNATURES.items():
                if fw not in found and any(dep == d or dep.startswith(d + "/") for d in deps):
                    found[fw] = Framework(fw, manifest, line)
    compiled = {fw: re.compile("|".join(pats), re.M) for fw, (_, pats) in FRAMEWORK_SIGNATURES.items() if pats}
    for f in repo.files:
        if f.language not in ("python", "javascript", "typescript", "go", "java", "kotlin") or TEST_FILE.search(f.path):
            continue
        text = repo.read_text(f.path) or ""
        for fw, pattern in compiled.items():
            if fw in found:
                continue
            m = pattern.search(text)
            if m:
                found[fw] = Framework(fw, f.path, line_of(text, m.start()))
    if "go-nethttp" in found and found.keys() & {"gin", "chi", "gorilla-mux"}:
        pass  # both are real: routers sit on net/http
    if any(p.endswith("config/routes.rb") for p in (f.path for f in repo.files)):
        found.setdefault("rails", Framework("rails", "config/routes.rb", None))
    inv.frameworks = sorted(found.values(), key=lambda fw: fw.name)


def database_kind(dependency: str) -> str | None:
    """relational, document, or None when the dependency is not a database library."""
    if dependency in DATABASE_DEPENDENCY_KINDS:
        return DATABASE_DEPENDENCY_KINDS[dependency]
    for name, kind in DATABASE_DEPENDENCY_KINDS.items():
        if dependency.startswith(name + "/"):
            return kind
    return None


def _prisma_kind(repo: Repository) -> str:
    for f in repo.files:
        if f.path.endswith(".prisma"):
            if re.search(r"provider\s*=\s*[\"']mongodb[\"']", repo.read_text(f.path) or ""):
                return DOCUMENT
    return RELATIONAL


def _record_kind(inv: Inventory, kind: str, library: str) -> None:
    libraries = inv.database_kinds.setdefault(kind, [])
    if library not in libraries:
        libraries.append(library)


def _detect_database(repo: Repository, inv: Inventory) -> None:
    prisma_kind = None
    for manifest in inv.manifests:
        for dep, line, _ in manifest_dependencies(repo, manifest):
            kind = database_kind(dep)
            if kind is None:
                continue
            if dep in ("prisma", "@prisma/client"):
                prisma_kind = prisma_kind or _prisma_kind(repo)
                kind = prisma_kind
            inv.database_evidence.append(f"{manifest}:{line} depends on {dep}")
            _record_kind(inv, kind, dep)
    for f in repo.files:
        if f.language == "sql" and not TEST_FILE.search(f.path):
            inv.database_evidence.append(f"{f.path} SQL file")
            _record_kind(inv, RELATIONAL, "SQL files")
            continue
        if f.language not in ("python", "javascript", "typescript", "go") or TEST_FILE.search(f.path):
            continue
        text = repo.read_text(f.path) or ""
        first = None
        for kind, pattern in _DATABASE_IMPORT_KINDS:
            m = pattern.search(text)
            if m:
                library = m.group("lib")
                if library == "@prisma/client":
                    prisma_kind = prisma_kind or _prisma_kind(repo)
                    kind = prisma_kind
                _record_kind(inv, kind, library)
                first = m if first is None or m.start() < first.start() else first
        if first is not None:
            inv.database_evidence.append(f"{f.path}:{text.count(chr(10), 0, first.start()) + 1} imports a database library")
        if len(inv.database_evidence) > 50:
            break
