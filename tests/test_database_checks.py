"""DB-* checks on hand-built schemas (no engines), and the code probes on source strings."""
import ast
import textwrap
from types import SimpleNamespace

import pytest

from auditor.catalog import load_catalog
from auditor.collectors.orm_models import OrmModels
from auditor.context import AuditContext, Unavailable
from auditor.dbschema import Column, ForeignKey, Index, Schema, Table
from auditor.inventory import Inventory
from auditor.orm.merge import merge_schemas
from auditor.orm.queries import select_star_in_sql, unbounded_handler_queries
from auditor.orm.schema_probes import data_type_places, normalization_hints
from auditor.orm.transactions import scan_functions
from auditor.registry import check_for
from auditor.repo import Repository


def table(name, *columns, fks=(), indexes=(), source="models:sqlalchemy", file="models.py", line=1):
    t = Table(name, file=file, line=line, source=source)
    for i, c in enumerate(columns):
        c.file, c.line = c.file or file, c.line or line + i + 1
        t.columns[c.name] = c
    t.foreign_keys = list(fks)
    t.indexes = list(indexes)
    return t


def schema(*tables, dialect=None):
    return Schema({t.name: t for t in tables}, dialect=dialect)


@pytest.fixture
def make_ctx(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")

    def build(models: Schema | None = None, migrations: Schema | None = None, **collected):
        ctx = AuditContext(repo=Repository.scan(tmp_path), inventory=Inventory(languages={"python": {"files": 1, "lines": 1}}))
        if models is not None:
            ctx.collected["orm_models"] = OrmModels(schema=models)
        if migrations is not None:
            ctx.collected["migrations"] = SimpleNamespace(final_schema=migrations)
        ctx.collected.update(collected)
        return ctx
    return build


ITEMS = load_catalog().by_id
PK = lambda: Column("id", "integer", nullable=False, primary_key=True)  # noqa: E731


def test_fk_index_partial_by_proportion_with_fk_lines(make_ctx):
    orders = table("orders", PK(), Column("user_id", "integer"), Column("shop_id", "integer"),
                   fks=[ForeignKey(("user_id",), "users", file="models.py", line=20),
                        ForeignKey(("shop_id",), "shops", file="models.py", line=21)],
                   indexes=[Index("ix_user", ("user_id",), file="models.py", line=30)])
    result = check_for("DB-FK-INDEX")(make_ctx(schema(orders)), ITEMS["DB-FK-INDEX"])
    assert result.verdict == "partial" and result.partial_score == 5
    bad = [e for e in result.evidence if e.kind == "violation"]
    good = [e for e in result.evidence if e.kind == "practice"]
    assert [(e.file, e.line) for e in bad] == [("models.py", 21)]
    assert [(e.file, e.line) for e in good] == [("models.py", 30)]     # the index declaration
    assert "models:sqlalchemy" in result.rationale


def test_fk_index_prefers_the_migrations_final_schema(make_ctx):
    unindexed = table("orders", PK(), Column("user_id", "integer"), fks=[ForeignKey(("user_id",), "users")])
    indexed = table("orders", PK(), Column("user_id", "integer"), fks=[ForeignKey(("user_id",), "users")],
                    indexes=[Index("ix", ("user_id",), file="migrations/0002.py", line=9)],
                    source="migrations:alembic", file="migrations/0001.py")
    result = check_for("DB-FK-INDEX")(make_ctx(schema(unindexed), schema(indexed)), ITEMS["DB-FK-INDEX"])
    assert result.verdict == "pass"
    assert result.evidence[0].file == "migrations/0002.py" and result.evidence[0].engine == "migrations"
    assert "migrations:alembic" in result.rationale


def test_no_schema_anywhere_is_unknown_not_pass(make_ctx):
    with pytest.raises(Unavailable, match="no schema was found"):
        check_for("DB-FK-INDEX")(make_ctx(Schema()), ITEMS["DB-FK-INDEX"])


def test_failed_migrations_collector_falls_back_to_models_and_says_so(make_ctx):
    ctx = make_ctx(schema(table("users", PK())))
    ctx.collector_errors["migrations"] = "boom"
    result = check_for("DB-CONSTRAINTS")(ctx, ITEMS["DB-CONSTRAINTS"])
    assert result.verdict == "pass" and "boom" in " ".join(result.details["notes"])


def test_constraints_missing_pk_and_undeclared_reference(make_ctx):
    users = table("users", PK())
    log = table("audit_log", Column("user_id", "integer"), Column("external_id", "integer"), line=10)
    result = check_for("DB-CONSTRAINTS")(make_ctx(schema(users, log)), ITEMS["DB-CONSTRAINTS"])
    messages = [e.message for e in result.evidence if e.kind == "violation"]
    assert any("audit_log has no primary key" in m for m in messages)
    assert any("audit_log.user_id refers to users" in m for m in messages)
    assert not any("external_id" in m for m in messages)   # no table named like it: not guessed
    assert result.verdict == "partial"


def test_data_types_flags_json_text_float_money_naive_time():
    t = table("orders", PK(), Column("payload", "text"), Column("price", "float"), Column("item_count", "float"),
              Column("placed_at", "timestamp"), Column("paid_at", "timestamptz"), Column("total", "numeric"))
    places = {p.rule for p in data_type_places(schema(t)) if not p.ok}
    assert places == {"json-in-text", "money-in-float", "naive-timestamp"}
    oks = {p.message.split(":")[0] for p in data_type_places(schema(t)) if p.ok}
    assert oks == {"orders.paid_at (timestamptz)", "orders.total (numeric)"}


def test_naive_timestamps_in_sqlite_ddl_are_not_judged():
    t = table("t", PK(), Column("at", "timestamp"), source="sql:schema.sql")
    assert data_type_places(schema(t, dialect="sqlite")) == []
    assert [p.rule for p in data_type_places(schema(t, dialect="postgres"))] == ["naive-timestamp"]
    # MySQL DATETIME (read as timestamp) stores no zone while its TIMESTAMP (read as timestamptz) is UTC
    assert [p.rule for p in data_type_places(schema(t, dialect="mysql"))] == ["naive-timestamp"]


def test_mysql_datetime_and_timestamp_from_ddl():
    from auditor.orm.sql_ddl import read_ddl
    ddl = "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, seen DATETIME, saved TIMESTAMP) ENGINE=InnoDB;"
    result = read_ddl("schema.sql", ddl)
    assert result.schema.dialect == "mysql"
    assert [(p.ok, p.rule) for p in data_type_places(result.schema)] == [(False, "naive-timestamp"),
                                                                          (True, "timestamp-aware")]


def test_data_types_not_applicable_without_candidate_columns(make_ctx):
    result = check_for("DB-DATA-TYPES")(make_ctx(schema(table("tags", PK(), Column("label", "varchar")))),
                                        ITEMS["DB-DATA-TYPES"])
    assert result.verdict == "not_applicable"


def test_normalization_is_manual_with_hints(make_ctx):
    users = table("users", PK(), Column("email", "varchar"), Column("phone1", "varchar"), Column("phone2", "varchar"))
    orders = table("orders", PK(), Column("user_id", "integer"), Column("user_email", "varchar"),
                   Column("tag_list", "text"), fks=[ForeignKey(("user_id",), "users")])
    hints = {h.rule for h in normalization_hints(schema(users, orders))}
    assert hints == {"repeated-group", "duplicated-column", "list-in-text"}
    result = check_for("DB-NORMALIZATION")(make_ctx(schema(users, orders)), ITEMS["DB-NORMALIZATION"])
    assert result.verdict == "manual" and len(result.evidence) == 3


def test_merge_keeps_model_tables_missing_from_migrations():
    judged = merge_schemas(schema(table("a", PK()), table("b", PK())),
                           schema(table("a", PK(), source="migrations:django")))
    assert judged.sources == {"migrations:django": ["a"], "models:sqlalchemy": ["b"]}


# ---- code probes -------------------------------------------------------------------------------------
def functions(source: str, atomic_requests: str | None = None, rel: str = "app/views.py"):
    return {f.name: f for f in scan_functions(rel, ast.parse(textwrap.dedent(source)), atomic_requests)}


def test_transactions_django_autocommit_and_atomic():
    found = functions('''
        from django.db import transaction

        def unsafe(request):
            order = Order.objects.create(total=1)
            order.items.create(sku="x")
            Stock.objects.filter(sku="x").update(count=F("count") - 1)

        @transaction.atomic
        def decorated(request):
            Order.objects.create(total=1)
            Stock.objects.filter(sku="x").update(count=0)

        def block(request):
            with transaction.atomic():
                for item in items:
                    item.save()

        def single(request):
            Order.objects.create(total=1)

        def not_db(data):
            data.update({"a": 1})
            data.update(b=2)
    ''')
    assert set(found) == {"unsafe", "decorated", "block"}
    assert not found["unsafe"].atomic and "autocommitted" in found["unsafe"].reason
    assert found["decorated"].atomic and found["decorated"].protection == "@transaction.atomic"
    assert found["block"].atomic


def test_transactions_sqlalchemy_unit_of_work_and_split_commits():
    found = functions('''
        def one_commit(session):
            session.add(a)
            session.add(b)
            session.commit()

        def split(session):
            session.add(a)
            session.commit()
            session.add(b)
            session.commit()

        def loop_commit(session, rows):
            for row in rows:
                session.add(row)
                session.commit()

        def begin(engine):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))
                conn.execute(text("UPDATE t SET a = 2"))

        def raw(conn):
            cur = conn.cursor()
            cur.execute("BEGIN")
            cur.execute("INSERT INTO t VALUES (1)")
            conn.commit()
            cur.execute("DELETE FROM t WHERE a = 1")
            conn.commit()
    ''')
    assert found["one_commit"].atomic and "one unit of work" in found["one_commit"].protection
    assert not found["split"].atomic and "line 9" in found["split"].reason
    assert not found["loop_commit"].atomic
    assert found["raw"].atomic and found["raw"].protection == "explicit BEGIN"
    assert found["begin"].atomic and found["begin"].protection.startswith("with engine.begin()")


def test_transactions_atomic_requests_covers_views_not_tasks():
    src = '''
        def pay(request):
            invoice.save()
            customer.save()
    '''
    assert functions(src, "config/settings.py:12")["pay"].atomic
    assert not functions(src, "config/settings.py:12", rel="billing/tasks.py")["pay"].atomic


def test_unbounded_handler_queries():
    src = textwrap.dedent('''
        @app.get("/users")
        def users():
            return jsonify([u.id for u in User.query.all()])

        @app.get("/active")
        def active():
            return jsonify([u.id for u in User.query.filter_by(active=True).all()])

        @app.get("/paged")
        def paged():
            return jsonify(User.query.paginate(page=1).items)

        @app.post("/users")
        def create():
            return User.query.all()

        def helper():
            return User.query.all()
    ''')
    found = unbounded_handler_queries("app.py", ast.parse(src))
    assert [f.line for f in found] == [4]


def test_select_star_in_sql_files():
    found = select_star_in_sql("q.sql", "SELECT count(*) FROM t;\nSELECT * FROM t;\n"
                                        "SELECT a FROM t WHERE EXISTS (SELECT * FROM u);\n")
    assert [f.line for f in found] == [2]


def _writers(src):
    return {f.name: f for f in scan_functions("app/models.py", ast.parse(textwrap.dedent(src)))}


def test_sqlalchemy_statement_builder_is_one_session_write_not_a_django_delete():
    found = _writers('''
        class Account:
            def replace_flag(self, name):
                db.session.execute(self.flags.delete().where(Flag.name == name))
                db.session.add(Flag(name=name, account=self))
    ''')
    fn = found["replace_flag"]
    assert fn.atomic and [w.kind for w in fn.writes] == ["unit_of_work", "unit_of_work"]
    assert "committed by the caller" in fn.protection


def test_sqlmodel_exec_of_delete_and_insert_are_writes():
    found = _writers('''
        def remove_owner(session, owner):
            stmt = delete(Book).where(Book.owner_id == owner.id)
            session.exec(stmt)
            session.exec(insert(AuditRow).values(action="remove", owner_id=owner.id))
            session.delete(owner)
            session.commit()

        def list_books(session):
            return session.exec(select(Book)).all()
    ''')
    assert set(found) == {"remove_owner"}
    assert found["remove_owner"].atomic and len(found["remove_owner"].writes) == 3


def test_django_queryset_delete_is_still_autocommit():
    found = _writers('''
        def purge(request, pk):
            Comment.objects.filter(post_id=pk).delete()
            Post.objects.filter(pk=pk).delete()
    ''')
    assert not found["purge"].atomic and "autocommitted" in found["purge"].reason


def test_sign_in_handle_must_be_unique_even_when_email_is(make_ctx):
    from auditor.orm.schema_probes import natural_key_places
    users = table("users", PK(), Column("username", "varchar"), Column("email", "varchar", unique=True),
                  Column("password", "varchar"))
    # the unique e-mail is also a sign-in key, and a Column is nullable unless declared otherwise
    assert [(p.ok, p.rule) for p in natural_key_places(users)] == [(False, "natural-key-not-unique"),
                                                                    (False, "sign-in-key-nullable")]
    # with a unique handle, the e-mail is not a sign-in key and need not be unique
    members = table("members", PK(), Column("login", "varchar", unique=True, nullable=False), Column("email", "varchar"))
    assert [(p.ok, p.rule) for p in natural_key_places(members)] == [(True, "natural-key-unique"),
                                                                      (True, "sign-in-key-not-null")]
    # a username in a table that is not an account table is a reference by name, not a key
    posts = table("posts", PK(), Column("username", "varchar"), Column("body", "text"))
    assert natural_key_places(posts) == []


def test_unique_sign_in_keys_must_be_not_null():
    from auditor.orm.schema_probes import natural_key_places
    # every unique sign-in key is judged, the e-mail too when a handle exists; a key that is not unique is
    # judged by the uniqueness rule alone, and a primary-key handle is NOT NULL by being the key
    accounts = table("accounts", PK(), Column("username", "varchar", unique=True, nullable=False),
                     Column("email", "varchar", unique=True), Column("login", "varchar"))
    rules = [(p.ok, p.rule, p.message.split(" ")[0]) for p in natural_key_places(accounts)
             if p.rule.startswith("sign-in")]
    assert rules == [(False, "sign-in-key-nullable", "accounts.email"), (True, "sign-in-key-not-null", "accounts.username")]
    handles = table("handles", Column("handle", "varchar", primary_key=True, nullable=False), Column("password", "text"))
    assert not [p for p in natural_key_places(handles) if p.rule.startswith("sign-in")]
    # not an account table: no sign-in key
    posts = table("posts", PK(), Column("email", "varchar", unique=True))
    assert natural_key_places(posts) == []


def test_camel_case_reference_names():
    from auditor.orm.schema_probes import reference_stem
    assert [reference_stem(n) for n in ("user_id", "userId", "AuthorID", "followed_by_id", "uuid", "valid", "ID")] == \
        ["user", "user", "author", "followed_by", None, None, None]


def test_django_slug_field_is_indexed_by_default():
    from auditor.orm.django_models import DjangoSettings, read_django
    code = textwrap.dedent("""
        from django.db import models

        class Page(models.Model):
            slug = models.SlugField()
            code = models.SlugField(db_index=False)
    """)
    page = read_django([("pages/models.py", ast.parse(code))], DjangoSettings()).schema.tables["pages_page"]
    assert [ix.columns for ix in page.indexes] == [("slug",)]
