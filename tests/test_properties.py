"""Property tests (hypothesis): arbitrary input never raises out of the parsers that read scanned files.

Text alone mostly fails to parse early, so most strategies build *code-shaped* input from the tokens these
parsers look for (decorators, route calls, migration operations, SQL keywords, suppression markers): that
reaches the deep paths. Repositories are built in memory (file texts pre-loaded), so no disk is touched.
"""
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from auditor.endpoints import extract_endpoints
from auditor.migrations.alembic import parse_alembic
from auditor.migrations.django import parse_django
from auditor.migrations.inventory import parse_repository
from auditor.migrations.sql import parse_sql, split_statements
from auditor.migrations.sqlfiles import parse_flyway, parse_golang_pairs, parse_prisma
from auditor.orm.sql_ddl import read_ddl
from auditor.repo import Repository, SourceFile, language_of
from auditor.secrets.scanner import CODE, CONFIG, scan_text
from auditor.suppressions import parse_suppressions

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KNOWN_ITEMS = {"SEC-SQLI", "SEC-XSS", "API-PAGINATION"}


def fragments(*tokens: str, size: int = 60):
    return st.lists(st.sampled_from(tokens), max_size=size).map("".join)


PY_TOKENS = ("\n", "    ", "@app.route(", "@router.get(", "@bp.post(", "'/x/<int:id>'", "\"/{id}\"", ")", "(", ",",
             "def f", "async def g", "class V(APIView):", "class M(migrations.Migration):", ":", "pass", "return 1",
             "methods=['GET', 'POST']", "app = Flask(__name__)", "router = APIRouter(prefix='/v1')",
             "app.include_router(router)", "urlpatterns = [", "path('a/', views.x)", "include('app.urls')", "]",
             "from flask import Flask", "from fastapi import FastAPI, Depends", "import django", "Depends(auth)",
             "permission_classes = [IsAuthenticated]", "op.create_table('t', sa.Column('id', sa.Integer()))",
             "op.drop_column('t', 'c')", "def upgrade():", "def downgrade():", "revision = 'a'", "down_revision = None",
             "operations = [", "migrations.AddField(model_name='m', name='f', field=models.IntegerField())",
             "migrations.RunSQL('DROP TABLE x')", "dependencies = [('app', '0001')]", "*", "**", "lambda: 0", "'",
             "\"\"\"", "#", "except A, B:", "try:", "x = ", "None", "[", "{", "}", "1", "web.get('/p', h)")
JS_TOKENS = ("\n", "const express = require('express');", "const app = express();", "const r = express.Router();",
             "app.get(", "r.post(", "app.use(", "'/a/:id'", "`/t/${x}`", ", ", "(req, res) => {", "}", ")", ";", "{",
             "auth", "async function h(req, res) {", "module.exports = r;", "require('./routes')", "/*", "*/",
             "//", "'", "\"", "`", "\\", "app.listen(3000)", "router.route('/x').get(h).put(h)")
GO_TOKENS = ("\n", "package main\n", "import \"net/http\"\n", "r := gin.Default()\n", "r.GET(", "r.Group(", "\"/a/:id\"",
             ", ", "h", ")", "{", "}", "http.HandleFunc(", "mux.HandleFunc(", "func h(w http.ResponseWriter, r *http.Request)",
             "r.Use(auth)", "`", "\"", "//", "chi.NewRouter()", ".Methods(\"GET\")")
SQL_TOKENS = ("CREATE TABLE ", "t", " (", "id ", "INT", " PRIMARY KEY", ", ", "name TEXT NOT NULL", ")", ";", "\n",
              "ALTER TABLE t ", "ADD COLUMN c INT", "DROP COLUMN c", "CREATE INDEX i ON t (c)", "REFERENCES u(id)",
              "'", "\"", "$$", "$fn$", "--", "/*", "*/", "BEGIN", "COMMIT", "-- +migrate Up", "-- +migrate Down",
              "-- migrate:up", "-- migrate:down", "DO $$ BEGIN", "END $$", "`", "\\", "\x00", "É")
SUPPRESSION_TOKENS = ("# ", "// ", "-- ", "/* ", "*/", "<!-- ", "-->", "{# ", "#}", "auditor:", " ignore", "[", "]",
                      "SEC-SQLI", "sec-xss", ",", "NOPE-1", " because", "\n", ":", "–", " ", "ignore[")


def memory_repo(files: dict[str, str]) -> Repository:
    repo = Repository(root=Path("/nonexistent-hypothesis-repo"))
    for rel, text in files.items():
        repo.files.append(SourceFile(rel, language_of(rel), len(text)))
        repo._texts[rel] = text
    return repo


class AllFrameworks:
    framework_names = {"flask", "fastapi", "django", "drf", "aiohttp", "express", "go-nethttp", "gin", "chi",
                       "gorilla-mux", "starlette", "koa"}


@SETTINGS
@given(st.one_of(st.text(), fragments(*SUPPRESSION_TOKENS)))
def test_suppression_parser_never_raises(text):
    for s in parse_suppressions(text, "a.py", KNOWN_ITEMS):
        assert s.line >= 1
        assert set(s.items) <= KNOWN_ITEMS or s.problem
        s.to_json()


@SETTINGS
@given(fragments(*PY_TOKENS), fragments(*PY_TOKENS), fragments(*JS_TOKENS), fragments(*GO_TOKENS), st.text(max_size=200))
def test_route_extractors_never_raise(py1, py2, js, go, noise):
    repo = memory_repo({"app/main.py": py1, "app/urls.py": py2, "app/views.py": noise, "app/__init__.py": "",
                        "web/server.js": js, "web/routes/index.js": noise, "cmd/main.go": go})
    result = extract_endpoints(repo, AllFrameworks())
    for ep in result.endpoints:
        assert ep.method and isinstance(ep.path, str)
    result.to_json()


@SETTINGS
@given(fragments(*PY_TOKENS))
def test_python_migration_parsers_never_raise_on_code_shaped_input(text):
    parse_alembic(text, "alembic/versions/a1_x.py", "postgres")
    parse_django(text, "app/migrations/0002_x.py", None)


@SETTINGS
@given(fragments(*SQL_TOKENS), fragments(*SQL_TOKENS), st.sampled_from(["postgres", "mysql", "sqlite", None]))
def test_sql_splitter_parsers_and_ddl_reader_never_raise(up, down, dialect):
    for stmt in split_statements(up):
        assert stmt.line >= 1
    parse_sql(up, "m.sql", dialect)
    parse_golang_pairs({"db/migrations/000001_x.up.sql": up, "db/migrations/000001_x.down.sql": down}, dialect)
    parse_flyway({"db/migration/V1__x.sql": up, "db/migration/U1__x.sql": down}, dialect)
    parse_prisma("prisma/migrations/1_x/migration.sql", up, down, "prisma/migrations/1_x/down.sql", dialect)
    read_ddl("schema.sql", up, dialect)


@SETTINGS
@given(fragments(*SQL_TOKENS), fragments(*PY_TOKENS))
def test_migration_inventory_never_raises(sql, py):
    repo = memory_repo({"requirements.txt": "alembic\ndjango\n", "db/migrations/000001_a.up.sql": sql,
                        "db/migrations/000001_a.down.sql": sql[::-1], "alembic/versions/a1_x.py": py,
                        "alembic.ini": "[alembic]\n", "app/migrations/0001_initial.py": py,
                        "app/migrations/__init__.py": ""})
    inventory = parse_repository(repo)
    inventory.to_json_rows()


SECRET_TOKENS = ("password", "=", " ", ":", "\"", "'", "secret_key", "token", "AKIA", "ABCDEFGHIJKLMNOP",
                 "-----BEGIN RSA PRIVATE KEY-----", "\n", "postgres://u:", "@host/db", "xoxb-", "ghp_", "${X}",
                 "changeme", "0123456789abcdef" * 2, "=", "\\", "é", "\x00")


@SETTINGS
@given(st.one_of(st.text(), fragments(*SECRET_TOKENS)), st.sampled_from([CODE, CONFIG]))
def test_secrets_scanner_never_raises(text, mode):
    for match in scan_text(text, mode):
        assert match.line >= 1
