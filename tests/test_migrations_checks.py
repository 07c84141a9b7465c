"""MIG-* verdicts from full audits of fixture repositories (real engines), and MIG-IMMUTABLE on real git history."""
import shutil
from pathlib import Path

import git
import pytest

from auditor.migrations.history import NoHistory, migration_edits
from auditor.pipeline import run_audit

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"


def items(report):
    return {i["id"]: i for i in report["items"]}


@pytest.fixture(scope="module")
def alembic_report():
    return items(run_audit(FIXTURES / "alembic_app"))


@pytest.fixture(scope="module")
def django_report():
    return items(run_audit(FIXTURES / "django_app"))


def test_alembic_reversible_counts_each_class(alembic_report):
    item = alembic_report["MIG-REVERSIBLE"]
    assert item["verdict"] == "partial"
    counts = item["details"]["counts"]
    assert counts == {"missing": 1, "empty": 1, "irreversible": 1, "irreversible_by_nature": 1, "verified": 2,
                      "mismatched": 1}
    flagged = {e["file"].rsplit("/", 1)[-1] for e in item["evidence"]}
    assert flagged == {"0002_add_nickname.py", "0003_add_age.py"}   # the reasoned raise and the drop are acceptable


def test_wrong_table_in_rollback_fails_with_both_lines(alembic_report):
    item = alembic_report["MIG-ROLLBACK-CORRECT"]
    assert item["verdict"] == "fail"
    lines = {(e["file"].rsplit("/", 1)[-1], e["line"]) for e in item["evidence"]}
    assert ("0004_create_orders.py", 14) in lines and ("0004_create_orders.py", 22) in lines


def test_two_alembic_heads_fail_naming(alembic_report):
    item = alembic_report["MIG-NAMING"]
    assert item["verdict"] == "fail" and "heads" in item["rationale"]


def test_dangerous_ops_evidence(alembic_report):
    item = alembic_report["MIG-DANGEROUS-OPS"]
    assert item["verdict"] == "partial"
    messages = " | ".join(e["message"] for e in item["evidence"])
    assert "NOT NULL column without a default" in messages and "CONCURRENTLY" in messages
    assert "rename" in messages and "drop loses data" in messages


def test_alembic_untested_and_documented(alembic_report):
    assert alembic_report["MIG-TESTED"]["verdict"] == "fail"
    assert alembic_report["MIG-DOCUMENTED"]["verdict"] == "partial"
    assert alembic_report["MIG-PRESENT"]["verdict"] == "pass"


def test_django_verdicts(django_report):
    assert django_report["MIG-NAMING"]["verdict"] == "fail"
    assert "conflicting Django migrations" in django_report["MIG-NAMING"]["rationale"]
    assert django_report["MIG-ROLLBACK-CORRECT"]["verdict"] == "fail"
    assert django_report["MIG-TESTED"]["verdict"] == "pass"
    assert any(e["file"] == "tests/test_migrations.py" for e in django_report["MIG-TESTED"]["evidence"])
    present = django_report["MIG-PRESENT"]
    assert present["verdict"] == "partial"        # the blog app has models and no migrations folder
    assert any(e["file"] == "blog/models.py" for e in present["evidence"])


def test_models_without_migrations_fail_present():
    report = items(run_audit(FIXTURES / "no_migrations_app"))
    assert report["MIG-PRESENT"]["verdict"] == "fail"
    evidence = report["MIG-PRESENT"]["evidence"]
    # where the schema is created (create_all at import time) comes first, then the models
    assert (evidence[0]["file"], evidence[0]["rule_id"]) == ("app/db.py", "schema-created-by-code")
    assert "schema created by code" in report["MIG-PRESENT"]["rationale"]
    assert any(e["file"] == "app/models.py" for e in evidence)
    assert report["MIG-REVERSIBLE"]["verdict"] == "not_applicable"


def test_report_carries_migration_rows():
    report = run_audit(FIXTURES / "knex_app")
    rows = report["inventory"]["migrations"]
    assert len(rows) == 4 and {r["reversible"] for r in rows} == {"verified", "missing", "empty", "mismatched"}
    verdicts = items(report)
    assert verdicts["MIG-TESTED"]["verdict"] == "pass"         # knex.migrate.rollback in a test


# ---- MIG-IMMUTABLE on a real git history ----------------------------------------------------------
def _commit(repo, root, rel, text, message, when):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    repo.index.add([rel])
    repo.index.commit(message, author_date=when, commit_date=when)


@pytest.fixture(scope="module")
def edited_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("edited")
    shutil.copytree(FIXTURES / "dbmate_app", root, dirs_exist_ok=True)
    repo = git.Repo.init(root)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Dev").set_value("user", "email", "dev@example.com")
    repo.index.add([".env.example", "main.go"])
    repo.index.commit("init", author_date="2024-01-01T00:00:00", commit_date="2024-01-01T00:00:00")
    first = "db/migrations/20240101000000_create_posts.sql"
    second = "db/migrations/20240104000000_tags.sql"
    text = (FIXTURES / "dbmate_app" / first).read_text()
    _commit(repo, root, first, text, "add posts", "2024-01-02T00:00:00")
    _commit(repo, root, first, text + "-- reviewed\n", "review fix while newest", "2024-01-02T01:00:00")
    _commit(repo, root, second, (FIXTURES / "dbmate_app" / second).read_text(), "add tags", "2024-01-03T00:00:00")
    tweaked = text.replace("title TEXT", "title VARCHAR(200)")
    _commit(repo, root, first, tweaked, "tweak posts", "2024-02-01T00:00:00")
    _commit(repo, root, first, "-- a note only\n" + tweaked, "comment only", "2024-03-01T00:00:00")
    return root


def test_edit_after_a_later_migration_is_reported(edited_repo):
    folders = {"db/migrations/20240101000000_create_posts.sql": "db/migrations",
               "db/migrations/20240104000000_tags.sql": "db/migrations"}
    edits, with_history, cosmetic = migration_edits(edited_repo, sorted(folders), folders)
    assert with_history == 2 and cosmetic == 1   # the comment-only edit
    assert [(e.file, e.summary, e.added, e.deleted) for e in edits] == [
        ("db/migrations/20240101000000_create_posts.sql", "tweak posts", 1, 2)]   # the tweak also dropped the review comment
    assert edits[0].date.startswith("2024-02-01")
    assert edits[0].line == 3 and "VARCHAR(200)" in edits[0].line_text and edits[0].changed_parts == ("up section",)


def test_immutable_verdict_from_git(edited_repo):
    item = items(run_audit(edited_repo))["MIG-IMMUTABLE"]
    assert item["verdict"] == "fail"
    assert item["evidence"][0]["file"] == "db/migrations/20240101000000_create_posts.sql"
    assert "tweak posts" in item["evidence"][0]["message"] and item["evidence"][0]["engine"] == "git"
    # the edited line, found again in today's file (a later comment-only commit moved it down by one)
    assert item["evidence"][0]["line"] == 4 and "VARCHAR(200)" in item["evidence"][0]["snippet"]
    assert "only up section (the forward migration) changed" in item["evidence"][0]["message"]


def test_no_git_history_is_unknown(tmp_path):
    shutil.copytree(FIXTURES / "dbmate_app", tmp_path / "app")
    with pytest.raises(NoHistory):
        migration_edits(tmp_path / "app", ["db/migrations/x.sql"], {"db/migrations/x.sql": "db/migrations"})
    item = items(run_audit(tmp_path / "app"))["MIG-IMMUTABLE"]
    assert item["verdict"] == "unknown" and "git" in item["rationale"]
