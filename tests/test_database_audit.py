"""End to end: run_audit on the database fixtures, asserting DB-* verdicts and their evidence lines."""
from pathlib import Path

import pytest

from auditor.collectors.orm_models import collect_orm_models
from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "database"
DB_ITEMS = ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "DB-TRANSACTIONS", "DB-QUERY-OPTIMIZATION",
            "DB-NORMALIZATION")


def audit(name: str) -> dict[str, dict]:
    report = run_audit(FIXTURES / name, AuditOptions(only=DB_ITEMS))
    return {item["id"]: item for item in report["items"]}


def line_of(fixture: str, rel: str, needle: str) -> int:
    lines = (FIXTURES / fixture / rel).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if needle in text)


def violations(item: dict) -> set[tuple[str, int, str]]:
    return {(e["file"], e["line"], e["rule_id"]) for e in item["evidence"] if e["kind"] == "violation"}


@pytest.fixture(scope="module")
def sa_good():
    return audit("sqlalchemy-compliant")


@pytest.fixture(scope="module")
def sa_bad():
    return audit("sqlalchemy-noncompliant")


@pytest.fixture(scope="module")
def dj_good():
    return audit("django-compliant")


@pytest.fixture(scope="module")
def dj_bad():
    return audit("django-noncompliant")


@pytest.fixture(scope="module")
def sql():
    return audit("sql-schema")


@pytest.mark.parametrize("report", ["sa_good", "dj_good"])
def test_compliant_apps_pass_with_positive_evidence(report, request):
    items = request.getfixturevalue(report)
    for item_id in ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "DB-TRANSACTIONS", "DB-QUERY-OPTIMIZATION"):
        assert items[item_id]["verdict"] == "pass", (item_id, items[item_id]["rationale"])
    for item_id in ("DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES", "DB-TRANSACTIONS"):
        assert items[item_id]["evidence"] and all(e["kind"] == "practice" for e in items[item_id]["evidence"])
    assert items["DB-NORMALIZATION"]["verdict"] == "manual"


def test_sqlalchemy_compliant_evidence_points_at_declarations(sa_good):
    fk = {(e["file"], e["line"]) for e in sa_good["DB-FK-INDEX"]["evidence"]}
    fixture = "sqlalchemy-compliant"
    assert ("shop/models.py", line_of(fixture, "shop/models.py", 'Index("ix_order_lines_order_id"')) in fk
    assert ("shop/models.py", line_of(fixture, "shop/models.py", "customer_id: Mapped[int]")) in fk
    atomic = {e["line"] for e in sa_good["DB-TRANSACTIONS"]["evidence"]}
    assert line_of(fixture, "shop/app.py", "with Session.begin()") in atomic


def test_django_compliant_knows_fk_indexes_are_implicit(dj_good):
    messages = [e["message"] for e in dj_good["DB-FK-INDEX"]["evidence"]]
    assert len(messages) == 3 and all("Django indexes ForeignKey by default" in m for m in messages)
    assert "models:django" in dj_good["DB-FK-INDEX"]["rationale"]


def test_sqlalchemy_noncompliant(sa_bad):
    f, models, views = "sqlalchemy-noncompliant", "app/models.py", "app/views.py"
    assert sa_bad["DB-FK-INDEX"]["verdict"] == "fail"
    assert violations(sa_bad["DB-FK-INDEX"]) == {(models, line_of(f, models, 'db.ForeignKey("user.id")'),
                                                  "db-fk-index/fk-not-indexed"),
                                                 # a reference by name (no FOREIGN KEY) with no index either
                                                 (models, line_of(f, models, 'db.Column("order_id"'),
                                                  "db-fk-index/reference-not-indexed")}
    assert sa_bad["DB-CONSTRAINTS"]["verdict"] == "partial"
    assert violations(sa_bad["DB-CONSTRAINTS"]) == {
        (models, line_of(f, models, '"audit_log",') - 1, "db-constraints/no-primary-key"),
        (models, line_of(f, models, 'db.Column("order_id"'), "db-constraints/undeclared-foreign-key"),
        # the user table's sign-in e-mail has no unique constraint
        (models, line_of(f, models, "email = db.Column"), "db-constraints/natural-key-not-unique")}
    assert sa_bad["DB-DATA-TYPES"]["verdict"] == "fail"
    assert {r for _, _, r in violations(sa_bad["DB-DATA-TYPES"])} == {
        "db-data-types/naive-timestamp", "db-data-types/json-in-text", "db-data-types/money-in-float",
        "db-data-types/json-dumps-into-text"}
    assert (views, line_of(f, views, "json.dumps"), "db-data-types/json-dumps-into-text") in violations(sa_bad["DB-DATA-TYPES"])
    assert sa_bad["DB-TRANSACTIONS"]["verdict"] == "fail"
    assert violations(sa_bad["DB-TRANSACTIONS"]) == {(views, line_of(f, views, "def create_order"),
                                                      "db-transactions/not-atomic")}
    assert "Heuristic" in sa_bad["DB-TRANSACTIONS"]["rationale"]
    assert sa_bad["DB-QUERY-OPTIMIZATION"]["verdict"] == "fail"
    assert violations(sa_bad["DB-QUERY-OPTIMIZATION"]) == {
        (views, line_of(f, views, "User.query.all()"), "db-query/unbounded-handler-query"),
        (views, line_of(f, views, "SELECT * FROM orders"), "sql-select-star"),
        (views, line_of(f, views, "User.query.get(row.user_id)"), "query-in-loop")}
    hints = {e["rule_id"] for e in sa_bad["DB-NORMALIZATION"]["evidence"]}
    assert sa_bad["DB-NORMALIZATION"]["verdict"] == "manual"
    assert hints == {"db-normalization/repeated-group", "db-normalization/list-in-text",
                     "db-normalization/duplicated-column"}


def test_django_noncompliant(dj_bad):
    f, models, views = "django-noncompliant", "billing/models.py", "billing/views.py"
    assert dj_bad["DB-FK-INDEX"]["verdict"] == "fail"
    assert violations(dj_bad["DB-FK-INDEX"]) == {(models, line_of(f, models, "db_index=False"), "db-fk-index/fk-not-indexed"),
                                                 (models, line_of(f, models, "account_id"), "db-fk-index/reference-not-indexed")}
    assert violations(dj_bad["DB-CONSTRAINTS"]) == {(models, line_of(f, models, "account_id"),
                                                     "db-constraints/undeclared-foreign-key")}
    data_types = violations(dj_bad["DB-DATA-TYPES"])
    assert ("config/settings.py", 4, "db-data-types/django-use-tz-false") in data_types
    assert (models, line_of(f, models, "FloatField"), "db-data-types/money-in-float") in data_types
    assert (models, line_of(f, models, "issued_at"), "db-data-types/naive-timestamp") in data_types
    assert violations(dj_bad["DB-TRANSACTIONS"]) == {(views, line_of(f, views, "def pay_invoice"),
                                                      "db-transactions/not-atomic")}
    assert violations(dj_bad["DB-QUERY-OPTIMIZATION"]) == {
        (views, line_of(f, views, "Invoice.objects.all()"), "db-query/unbounded-handler-query"),
        (views, line_of(f, views, "SELECT * FROM billing_invoice"), "sql-select-star")}


def test_sql_schema_file(sql):
    f, ddl = "sql-schema", "db/schema.sql"
    assert sql["DB-FK-INDEX"]["verdict"] == "partial"
    assert violations(sql["DB-FK-INDEX"]) == {(ddl, line_of(f, ddl, "order_id INTEGER REFERENCES"),
                                               "db-fk-index/fk-not-indexed")}
    assert all(e["engine"] == "sqlglot" for e in sql["DB-FK-INDEX"]["evidence"])
    assert "sql:db/schema.sql" in sql["DB-FK-INDEX"]["rationale"]
    assert "not understood" in sql["DB-FK-INDEX"]["rationale"]           # the DO block is counted
    assert sql["DB-FK-INDEX"]["details"]["sql_statements"]["opaque"] == 1
    assert violations(sql["DB-CONSTRAINTS"]) == {(ddl, line_of(f, ddl, "CREATE TABLE shipments"),
                                                  "db-constraints/no-primary-key")}
    assert violations(sql["DB-DATA-TYPES"]) == {(ddl, line_of(f, ddl, "placed_at TIMESTAMP"),
                                                 "db-data-types/naive-timestamp")}
    assert sql["DB-TRANSACTIONS"]["verdict"] == "fail"
    assert violations(sql["DB-QUERY-OPTIMIZATION"]) == {("db/reports.sql", 2, "db-query/select-star-sql-file")}


def test_collector_reads_all_three_sources_and_skips_migration_folders(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001.sql").write_text("CREATE TABLE from_migration (id int PRIMARY KEY);")
    (tmp_path / "schema.sql").write_text("CREATE TABLE plain (id int PRIMARY KEY);")
    (tmp_path / "broken.py").write_text("from django.db import models\nclass X(models.Model:\n")
    data = collect_orm_models(Repository.scan(tmp_path), {"migrations"})
    assert set(data.schema.tables) == {"plain"}
    assert data.model_files == ["schema.sql"]
    assert any(p.file == "broken.py" for p in data.problems)
