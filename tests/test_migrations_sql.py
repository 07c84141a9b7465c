"""SQL splitting and parsing with sqlglot: statements, lines, opaque Commands, and robustness (hypothesis)."""
from hypothesis import given, settings, strategies as st

from auditor.migrations import operations as ops
from auditor.migrations.sql import guess_dialect, parse_sql, split_statements


def test_split_respects_quotes_comments_and_dollar_quotes():
    sql = ("-- header; not a statement\n"
           "INSERT INTO t VALUES ('a;b');\n"
           "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
           "/* block; comment */ SELECT \"x;y\" FROM t;\n")
    stmts = split_statements(sql)
    assert [s.line for s in stmts] == [2, 3, 4]
    assert stmts[0].text == "INSERT INTO t VALUES ('a;b')"
    assert "$body$ SELECT 1; $body$" in stmts[1].text


def test_only_comments_gives_no_statement():
    assert split_statements("-- nothing\n/* at all */\n") == []


def test_parse_maps_statements_to_operations_with_lines():
    sql = ("CREATE TABLE users (id SERIAL PRIMARY KEY, org_id INT REFERENCES orgs (id), email TEXT NOT NULL);\n"
           "CREATE INDEX CONCURRENTLY users_email ON users (email);\n"
           "ALTER TABLE users ADD COLUMN age INT NOT NULL DEFAULT 0, DROP COLUMN email;\n"
           "ALTER TABLE users RENAME COLUMN age TO years;\n"
           "ALTER TABLE users ALTER COLUMN years TYPE BIGINT;\n"
           "ALTER TABLE users ADD CONSTRAINT users_org FOREIGN KEY (org_id) REFERENCES orgs (id);\n"
           "DROP INDEX users_email;\n"
           "CREATE TYPE mood AS ENUM ('a', 'b');\n"
           "UPDATE users SET years = 1;\n")
    operations, problems = parse_sql(sql, "m.sql", "postgres")
    assert problems == []
    kinds = [(o.kind, o.line) for o in operations]
    assert kinds == [(ops.CREATE_TABLE, 1), (ops.CREATE_INDEX, 2), (ops.ADD_COLUMN, 3), (ops.DROP_COLUMN, 3),
                     (ops.RENAME_COLUMN, 4), (ops.ALTER_COLUMN, 5), (ops.ADD_CONSTRAINT, 6), (ops.DROP_INDEX, 7),
                     (ops.CREATE_ENUM, 8), (ops.DATA, 9)]
    table = operations[0]
    assert [c.name for c in table.column_defs] == ["id", "org_id", "email"]
    assert table.column_defs[0].primary_key and not table.column_defs[2].nullable
    assert table.foreign_keys[0].ref_table == "orgs"
    assert operations[1].concurrently and operations[1].columns == ("email",)
    assert operations[2].column_defs[0].default == "0"
    assert operations[5].new_type == "bigint"


def test_opaque_command_is_unparsed_never_understood():
    operations, problems = parse_sql("DO $$ BEGIN RAISE NOTICE 'x'; END $$;", "m.sql", "postgres")
    assert [o.kind for o in operations] == [ops.RAW_SQL]
    assert all(o.opaque for o in operations)
    assert len(problems) == 1 and "opaque Command" in problems[0].message


def test_an_opaque_statement_that_changes_no_table_is_understood_as_such():
    """sqlglot leaves CREATE EXTENSION opaque, but an extension adds no table, column, index or constraint."""
    operations, problems = parse_sql("CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE SEQUENCE s;", "m.sql", "postgres")
    assert ops.OTHER in [o.kind for o in operations] and not any(o.opaque for o in operations)
    assert problems == []


def test_syntax_error_is_reported_not_skipped():
    operations, problems = parse_sql("CREATE TABLE (;", "bad.sql", "postgres")
    assert operations and operations[0].opaque
    assert problems and problems[0].file == "bad.sql" and problems[0].line == 1


def test_dialect_guess():
    assert guess_dialect(["psycopg2-binary==2.9"]) == "postgres"
    assert guess_dialect(["gem 'mysql2'"]) == "mysql"
    assert guess_dialect(["flask==3"]) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_splitter_and_parser_never_raise_on_arbitrary_text(text):
    split_statements(text)
    parse_sql(text, "x.sql", "postgres")


_SQLISH = st.lists(st.sampled_from(["CREATE", "TABLE", "t", "(", ")", ";", "'", '"', "$$", "$a$", "--", "/*", "*/",
                                    "\n", "ALTER", "DROP", "INDEX", "ON", ",", "id", "INT", "NOT", "NULL", "`"]),
                   max_size=40).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_SQLISH)
def test_parser_never_raises_on_sql_like_fragments(text):
    operations, problems = parse_sql(text, "x.sql", "postgres")
    for o in operations:
        assert o.kind
