"""General rules for Flask + SQLAlchemy + Alembic projects, on a small lending app written for them in two
twins (tests/fixtures/pyschema/lending_flawed and lending_safe):

- MIG-SCHEMA-SYNC: a column's `unique=True` is the same constraint as a single-column `UniqueConstraint`
  in the migration; a unique column the migrations never make unique is still drift.
- DB-CONSTRAINTS: a unique sign-in key (email, username) left nullable is a missing NOT NULL (a SQLAlchemy
  Column is nullable unless told otherwise).
- DB-TRANSACTIONS: a helper reached only from a CLI command or a test serves no request; the same kind of
  helper reached from a handler is counted. A handler that writes itself and through a helper that adds to
  the session without committing, then commits once, is one unit of work.
- PERF-ASYNC: mail sent on a thread a helper starts is offloaded work; mail sent inline by the helper is not.
- PERF-CACHING: a cache constructed and bound to the app but never read or written is not caching.
- API-FILTERING: page and items_per_page choose a slice, they filter nothing.
- SEC-XSS: `{{ review.text_html | safe }}` is sanitised when an ORM 'set' listener fills text_html from
  bleach.clean; linkify alone sanitises nothing.
"""
import ast
import textwrap
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.probes.orm_sanitisers import safe_outputs_all_sanitised, sanitised_by_listener
from helpers import line_of, places

ROOT = Path(__file__).parent / "fixtures" / "pyschema"
IDS = ("MIG-SCHEMA-SYNC", "DB-CONSTRAINTS", "DB-TRANSACTIONS", "PERF-ASYNC", "PERF-CACHING", "API-FILTERING",
       "SEC-XSS")
MIGRATION = "migrations/versions/a1b2c3d4e5f6_start.py"


def _audit(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=IDS))
    return {item["id"]: item for item in report["items"]}


@pytest.fixture(scope="module")
def flawed():
    return _audit("lending_flawed")


@pytest.fixture(scope="module")
def safe():
    return _audit("lending_safe")


def test_unique_column_equals_single_column_unique_constraint(flawed, safe):
    assert safe["MIG-SCHEMA-SYNC"]["verdict"] == "pass"
    drift = flawed["MIG-SCHEMA-SYNC"]["details"]["drift"]
    # branches.code: unique=True in the model, sa.UniqueConstraint("code") in the migration: the same constraint
    assert not any("branches" in d for d in drift)
    # loans.genre: unique=True in the model, plain in the migration: real drift
    assert drift == ["column loans.genre is unique in the model but not unique in the migrations"]
    assert flawed["MIG-SCHEMA-SYNC"]["verdict"] == "fail"


def test_nullable_unique_sign_in_keys_are_missing_not_null(flawed, safe):
    item = flawed["DB-CONSTRAINTS"]
    assert item["verdict"] == "partial"
    root = ROOT / "lending_flawed"
    assert places(item, "violation") == {(MIGRATION, line_of(root, MIGRATION, '"email", sa.String')),
                                         (MIGRATION, line_of(root, MIGRATION, '"username", sa.String'))}
    assert item["details"]["by_rule"]["sign-in-key-nullable"] == 2
    assert "loans.reader_id" in item["rationale"]          # nullable foreign keys are named, not scored
    good = safe["DB-CONSTRAINTS"]
    assert good["verdict"] == "pass" and good["details"]["by_rule"]["sign-in-key-not-null"] == 2


def test_helpers_reached_only_from_cli_and_tests_serve_no_request(flawed, safe):
    safe_root, flawed_root = ROOT / "lending_safe", ROOT / "lending_flawed"
    seed_readers = f"app/seed.py:{line_of(safe_root, 'app/seed.py', 'def readers')}"
    seed_renew = f"app/seed.py:{line_of(safe_root, 'app/seed.py', 'def renew_all')}"
    a_test = f"tests/test_seed.py:{line_of(safe_root, 'tests/test_seed.py', 'def test_readers')}"
    item = safe["DB-TRANSACTIONS"]
    # seed.readers/renew_all: reached from `flask demo`/`flask deploy` only; fakes.loans: from a test only,
    # in a module no application module imports
    assert set(item["details"]["not_serving_requests"]) == {
        seed_readers, seed_renew, a_test, f"app/fakes.py:{line_of(safe_root, 'app/fakes.py', 'def loans')}"}
    # join() adds the reader and, through Reader.__init__, its first loan, then commits once: one unit of work
    assert item["verdict"] == "pass"
    assert places(item, "practice") == {("app/views.py", line_of(safe_root, "app/views.py", "db.session.commit()"))}
    assert "Reader.__init__()" in item["evidence"][0]["message"]
    bad = flawed["DB-TRANSACTIONS"]
    assert bad["verdict"] == "fail"
    # renew_all is also reached from POST /renewals; archive_all is called only by a test, but app/views.py
    # imports its module: a test calling application code proves nothing, so both are counted
    archive = f"app/archive.py:{line_of(flawed_root, 'app/archive.py', 'def archive_all')}"
    assert set(bad["details"]["not_atomic"]) == {f"{seed_renew} renew_all", f"{archive} archive_all",
                                                  "app/views.py:20 borrow"}
    assert set(bad["details"]["not_serving_requests"]) == {seed_readers, a_test}


def test_mail_on_a_thread_started_by_a_helper_is_offloaded(flawed, safe):
    item = safe["PERF-ASYNC"]
    assert item["verdict"] == "pass"
    root = ROOT / "lending_safe"
    assert places(item, "practice") == {("app/email.py", line_of(root, "app/email.py", "Thread(target=deliver"))}
    message = item["evidence"][0]["message"]
    assert "POST /readers" in message and "Thread(" in message and "deliver" in message
    bad = flawed["PERF-ASYNC"]
    assert bad["verdict"] == "fail"
    assert places(bad, "violation") == {("app/views.py", line_of(ROOT / "lending_flawed", "app/views.py", "notify("))}


def test_cache_constructed_but_never_used_is_not_caching(flawed, safe):
    item = flawed["PERF-CACHING"]
    assert item["verdict"] == "fail"
    assert "app/__init__.py:10 shelf_cache (constructed and set up, never read or written)" in item["rationale"]
    good = safe["PERF-CACHING"]
    assert good["verdict"] == "pass"
    # the caching decorator of the view (the parse-tree reader that replaced cache-client-python names it, not
    # the view's first decorator as semgrep did)
    assert ("app/views.py", line_of(ROOT / "lending_safe", "app/views.py", "@shelf_cache.cached(")) \
        in places(good, "practice")


def test_pagination_parameters_are_not_filters(flawed, safe):
    item = flawed["API-FILTERING"]
    assert item["verdict"] == "fail"
    assert places(item, "violation") == {("app/views.py", line_of(ROOT / "lending_flawed", "app/views.py",
                                                                   'def loans():') - 1)}
    good = safe["API-FILTERING"]
    assert good["verdict"] == "pass" and "filters/sorts by genre" in good["evidence"][0]["message"]


def test_field_sanitised_in_an_orm_listener_may_be_marked_safe(flawed, safe):
    assert safe["SEC-XSS"]["verdict"] == "pass"
    assert safe["SEC-XSS"]["details"]["sanitised_by_orm_listener"] == ["app/templates/review.html:3"]
    bad = flawed["SEC-XSS"]
    assert bad["verdict"] == "fail" and places(bad, "violation") == {("app/templates/review.html", 3)}


def _modules(**sources: str) -> list[tuple[str, ast.Module]]:
    return [(rel.replace("__", "/") + ".py", ast.parse(textwrap.dedent(text))) for rel, text in sources.items()]


def test_listener_fields_need_every_declaring_model_sanitised():
    sanitised = """
        import bleach
        from sqlalchemy import Column, Text, event
        from .base import Base

        class Note(Base):
            body = Column(Text)
            body_html = Column(Text)

        @event.listens_for(Note.body, "set")
        def render(target, value, oldvalue, initiator):
            target.body_html = bleach.clean(value, tags=["p"])
        """
    fields = sanitised_by_listener(_modules(app__notes=sanitised))
    assert list(fields) == ["body_html"] and fields["body_html"][0].startswith("Note.body_html at app/notes.py:")
    assert safe_outputs_all_sanitised("<p>{{ note.body_html|safe }}</p>", fields) == ["body_html"]
    # another |safe on the same line that is not a sanitised field keeps the line counted
    assert safe_outputs_all_sanitised("{{ note.body_html|safe }} {{ note.title|safe }}", fields) == []
    assert safe_outputs_all_sanitised("{{ note.body_html|markdown|safe }}", fields) == []
    # a second model declares body_html without a listener: the template cannot tell which one it prints
    other = """
        from sqlalchemy import Column, Text
        from .base import Base

        class Page(Base):
            body_html = Column(Text)
        """
    assert sanitised_by_listener(_modules(app__notes=sanitised, app__pages=other)) == {}
