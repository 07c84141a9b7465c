"""Schemas declared outside SQLAlchemy/Django/.sql files: Sequelize models, CREATE TABLE in code strings.
End to end on small fixtures: the DB-* verdicts, their evidence lines and MIG-PRESENT."""
from pathlib import Path

import pytest

from auditor.collectors.orm_models import collect_orm_models
from auditor.options import AuditOptions
from auditor.orm.code_ddl import ddl_literals_text, read_code_ddl
from auditor.orm.jsobject import parse_object
from auditor.orm.sequelize_models import read_sequelize
from auditor.pipeline import run_audit
from auditor.repo import Repository

import helpers

FIXTURES = Path(__file__).parent / "fixtures" / "database"
ITEMS = ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "MIG-PRESENT")


def audit(name: str) -> dict[str, dict]:
    report = run_audit(FIXTURES / name, AuditOptions(only=ITEMS))
    return {item["id"]: item for item in report["items"]}


def line_of(fixture: str, rel: str, needle: str) -> int:
    return helpers.line_of(FIXTURES / fixture, rel, needle)


violations = helpers.rule_places


@pytest.fixture(scope="module")
def seq_good():
    return audit("sequelize-compliant")


@pytest.fixture(scope="module")
def seq_bad():
    return audit("sequelize-noncompliant")


@pytest.fixture(scope="module")
def py_ddl():
    return audit("code-ddl-python")


@pytest.fixture(scope="module")
def go_ddl():
    return audit("code-ddl-go")


# ---- readers -------------------------------------------------------------------------------------------
def test_object_literal_reader_skips_strings_comments_and_methods():
    text = "x = { a: 'x,}', // b: 1,\n c: { d: [1, 2], e: true }, set (v) { this.a = v }, 'f': F.G }"
    obj = parse_object(text, text.index("{"))
    assert [e.key for e in obj.entries] == ["a", "c", "f"]
    assert obj.get("c").child("e").value == "true" and obj.get("c").line == 2


def test_sequelize_implicit_id_timestamps_plural_and_association_column():
    files = [("models/author.js", "module.exports = (sequelize, DataTypes) => {\n"
              "  const Author = sequelize.define('Author', { name: DataTypes.STRING });\n"
              "  Author.hasMany(models.Book);\n  return Author;\n};\n"),
             ("models/book.js", "module.exports = (sequelize, DataTypes) => {\n"
              "  const Book = sequelize.define('Book', { title: DataTypes.STRING }, { tableName: 'book', timestamps: false });\n"
              "  return Book;\n};\n")]
    schema = read_sequelize(files).schema
    authors, book = schema.tables["authors"], schema.tables["book"]
    assert authors.primary_key == ("id",) and {"createdAt", "updatedAt"} <= set(authors.columns)
    assert "createdAt" not in book.columns
    assert [(fk.columns, fk.ref_table) for fk in book.foreign_keys] == [(("AuthorId",), "Authors")]


def test_code_ddl_keeps_file_lines_and_skips_interpolated_names():
    go = 'package db\n\nconst a = `CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  n TEXT\n)`\n' \
         'const b = "CREATE INDEX t_n ON t (n)"\nconst c = `CREATE TABLE ${x} (id int)`\n'
    literals = ddl_literals_text(go)
    assert [line for line, _ in literals] == [3, 7]
    table = read_code_ddl("db.go", literals, None).schema.tables["t"]
    assert table.line == 3 and table.columns["n"].line == 5 and table.indexes[0].line == 7


def test_code_ddl_source_kind_and_sites():
    models = collect_orm_models(Repository.scan(FIXTURES / "code-ddl-python"), set())
    assert models.kinds == ["code-ddl"] and set(models.schema.tables) == {"accounts", "comments"}   # not the f-string
    assert models.code_ddl == [("setup_db.py", 7), ("setup_db.py", 9)]


def test_sql_files_in_an_unclaimed_migrations_folder_are_schema_files(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "000-schema.sql").write_text("CREATE TABLE users (id SERIAL PRIMARY KEY);\n")
    assert set(collect_orm_models(Repository.scan(tmp_path), set()).schema.tables) == {"users"}
    # the same folder claimed by a migration system belongs to the migrations collector
    assert not collect_orm_models(Repository.scan(tmp_path), {"migrations"}).schema.tables


# ---- items ---------------------------------------------------------------------------------------------
def test_sequelize_compliant(seq_good):
    for item in ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES"):
        assert seq_good[item]["verdict"] == "pass", item
    assert "sequelize:models/order.js" in seq_good["DB-FK-INDEX"]["rationale"]


def test_sequelize_noncompliant(seq_bad):
    f, rel = "sequelize-noncompliant", "src/db.js"
    assert violations(seq_bad["DB-CONSTRAINTS"]) == {
        (rel, line_of(f, rel, "username:"), "db-constraints/natural-key-not-unique"),
        (rel, line_of(f, rel, "memberId:"), "db-constraints/undeclared-foreign-key")}
    assert violations(seq_bad["DB-FK-INDEX"]) == {(rel, line_of(f, rel, "memberId:"), "db-fk-index/reference-not-indexed")}
    assert seq_bad["DB-FK-INDEX"]["verdict"] == "fail"
    assert (rel, line_of(f, rel, "price:"), "db-data-types/money-in-float") in violations(seq_bad["DB-DATA-TYPES"])
    present = seq_bad["MIG-PRESENT"]
    assert present["verdict"] == "fail" and "schema created by code" in present["rationale"]
    assert (rel, line_of(f, rel, "sequelize.sync"), "schema-created-by-code") in violations(present)


def test_create_table_in_python_code(py_ddl):
    f, rel = "code-ddl-python", "setup_db.py"
    assert violations(py_ddl["DB-CONSTRAINTS"]) == {
        (rel, line_of(f, rel, "CREATE TABLE accounts"), "db-constraints/no-primary-key"),
        (rel, line_of(f, rel, "CREATE TABLE accounts"), "db-constraints/natural-key-not-unique"),
        (rel, line_of(f, rel, "account_id INTEGER"), "db-constraints/undeclared-foreign-key")}
    assert "sql:setup_db.py" in py_ddl["DB-CONSTRAINTS"]["rationale"]
    assert violations(py_ddl["DB-FK-INDEX"]) == {(rel, line_of(f, rel, "account_id INTEGER"), "db-fk-index/reference-not-indexed")}
    assert py_ddl["MIG-PRESENT"]["verdict"] == "fail"
    assert (rel, line_of(f, rel, "CREATE TABLE accounts"), "schema-created-by-code") in violations(py_ddl["MIG-PRESENT"])


def test_create_table_in_go_code_compliant(go_ddl):
    for item in ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES"):
        assert go_ddl[item]["verdict"] == "pass", item
    assert go_ddl["MIG-PRESENT"]["verdict"] == "fail"     # created at start-up, no versioned migrations


# ---- GORM, TypeORM -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gorm_v1():
    return audit("gorm-v1-noncompliant")


@pytest.fixture(scope="module")
def typeorm_bad():
    return audit("typeorm-noncompliant")


def test_gorm_v1_relations_are_undeclared_unindexed_references(gorm_v1):
    f, rel = "gorm-v1-noncompliant", "models/models.go"
    assert violations(gorm_v1["DB-CONSTRAINTS"]) == {
        (rel, line_of(f, rel, "Username string"), "db-constraints/natural-key-not-unique"),
        # unique_index without `not null`: GORM's AutoMigrate creates the column nullable
        (rel, line_of(f, rel, "Email    string"), "db-constraints/sign-in-key-nullable"),
        (rel, line_of(f, rel, "Slug     string"), "db-constraints/natural-key-not-unique"),
        (rel, line_of(f, rel, "WriterID uint"), "db-constraints/undeclared-foreign-key")}
    assert violations(gorm_v1["DB-FK-INDEX"]) == {
        (rel, line_of(f, rel, "WriterID uint"), "db-fk-index/reference-not-indexed"),
        (rel, line_of(f, rel, "Slug     string"), "db-fk-index/lookup-not-indexed")}
    assert "gorm:models/models.go" in gorm_v1["DB-CONSTRAINTS"]["rationale"]
    present = gorm_v1["MIG-PRESENT"]
    assert (rel, line_of(f, rel, "db.AutoMigrate(&Author"), "schema-created-by-code") in violations(present)


def test_gorm_v2_compliant():
    report = audit("gorm-v2-compliant")
    for item in ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES"):
        assert report[item]["verdict"] == "pass", item
    models = collect_orm_models(Repository.scan(FIXTURES / "gorm-v2-compliant"), set())
    assert set(models.schema.tables) == {"customers", "invoice"}      # TableName() wins
    assert [fk.ref_table for fk in models.schema.tables["invoice"].foreign_keys] == ["customers"]


def test_typeorm_noncompliant(typeorm_bad):
    f, rel = "typeorm-noncompliant", "src/post/post.entity.ts"
    writer = "src/post/writer.entity.ts"
    assert violations(typeorm_bad["DB-CONSTRAINTS"]) == {
        (rel, line_of(f, rel, "slug: string") - 1, "db-constraints/natural-key-not-unique"),     # its @Column()
        (writer, line_of(f, writer, "username: string") - 1, "db-constraints/natural-key-not-unique")}
    assert violations(typeorm_bad["DB-FK-INDEX"]) == {
        (rel, line_of(f, rel, "@ManyToOne"), "db-fk-index/fk-not-indexed"),
        (rel, line_of(f, rel, "slug: string") - 1, "db-fk-index/lookup-not-indexed")}
    assert violations(typeorm_bad["DB-DATA-TYPES"]) == {
        (rel, line_of(f, rel, "'simple-array'"), "db-data-types/list-in-text"),
        (rel, line_of(f, rel, "'simple-json'"), "db-data-types/json-in-text")}


def test_typeorm_compliant():
    report = audit("typeorm-compliant")
    for item in ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES"):
        assert report[item]["verdict"] == "pass", item


def test_prisma_schema():
    f, rel = "prisma-app", "prisma/schema.prisma"
    report = audit(f)
    assert violations(report["DB-CONSTRAINTS"]) == {(rel, line_of(f, rel, "username  String"),
                                                     "db-constraints/natural-key-not-unique")}
    assert violations(report["DB-FK-INDEX"]) == {(rel, line_of(f, rel, "@relation(fields"), "db-fk-index/fk-not-indexed")}
    assert {r for _, _, r in violations(report["DB-DATA-TYPES"])} == {"db-data-types/naive-timestamp",
                                                                      "db-data-types/money-in-float"}
    assert "prisma:prisma/schema.prisma" in report["DB-CONSTRAINTS"]["rationale"]
    assert report["MIG-PRESENT"]["verdict"] == "fail"        # a schema file, no prisma/migrations
