"""ORM and DDL readers: source strings in, Schema out."""
import ast
import textwrap

from auditor.orm.django_models import DjangoSettings, read_django
from auditor.orm.sql_ddl import read_ddl
from auditor.orm.sqlalchemy_models import read_sqlalchemy, snake_case


def sa(source: str, rel: str = "app/models.py"):
    return read_sqlalchemy([(rel, ast.parse(textwrap.dedent(source)))])


def dj(source: str, rel: str = "shop/models.py", settings: DjangoSettings | None = None):
    return read_django([(rel, ast.parse(textwrap.dedent(source)))], settings)


def test_sqlalchemy_declarative_columns_fk_and_indexes():
    result = sa('''
        from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()

        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
            email = Column(String(255), unique=True, nullable=False)
            created = Column(DateTime(timezone=True))

        class Order(Base):
            __tablename__ = "orders"
            __table_args__ = (Index("ix_orders_ref", "reference"), UniqueConstraint("user_id", "reference"))
            id = Column(Integer, primary_key=True)
            user_id = Column(Integer, ForeignKey("users.id"), index=True)
            owner_id = Column(ForeignKey(User.id))
            reference = Column("ref", String(20))
            price = Column(Float)
            notes = Column(Text)
    ''')
    users, orders = result.schema.tables["users"], result.schema.tables["orders"]
    assert users.primary_key == ("id",) and not users.columns["id"].nullable
    assert users.columns["email"].unique and not users.columns["email"].nullable
    assert users.columns["created"].type == "timestamptz"
    assert orders.columns["ref"].type == "varchar"          # Column("ref", ...) names the column
    assert orders.columns["price"].type == "float" and orders.columns["notes"].type == "text"
    fks = {fk.columns: (fk.ref_table, fk.line) for fk in orders.foreign_keys}
    assert fks[("user_id",)] == ("users", 17)
    assert fks[("owner_id",)][0] == "users"                 # ForeignKey(User.id) resolved to the class's table
    assert orders.columns["owner_id"].type == "integer"
    assert orders.is_indexed(("user_id",))
    assert not orders.is_indexed(("owner_id",))
    assert ("user_id", "reference") in orders.unique_sets
    assert result.model_files == ["app/models.py"]


def test_sqlalchemy_2_mapped_annotations_mixins_and_abstract():
    result = sa('''
        from datetime import datetime
        from typing import Optional
        from sqlalchemy import DateTime, ForeignKey
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

        class Base(DeclarativeBase):
            type_annotation_map = {datetime: DateTime(timezone=True)}

        class Stamped:
            created_at: Mapped[datetime]

        class AbstractThing(Base):
            __abstract__ = True
            id: Mapped[int] = mapped_column(primary_key=True)

        class Team(Stamped, AbstractThing):
            __tablename__ = "teams"
            name: Mapped[str]
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id"))
    ''')
    assert set(result.schema.tables) == {"teams"}           # the abstract class is not a table
    teams = result.schema.tables["teams"]
    assert teams.primary_key == ("id",)
    assert teams.columns["created_at"].type == "timestamptz"  # from the Base's type_annotation_map
    assert teams.columns["name"].type == "varchar" and not teams.columns["name"].nullable
    assert teams.columns["parent_id"].nullable
    assert teams.foreign_keys[0].ref_table == "teams"


def test_flask_sqlalchemy_default_tablename_and_db_table():
    result = sa('''
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class OrderLine(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        tags = db.Table("tags", db.Column("post_id", db.Integer, db.ForeignKey("posts.id")))
    ''')
    assert snake_case("OrderLine") == "order_line"
    assert set(result.schema.tables) == {"order_line", "tags"}
    assert result.schema.tables["tags"].foreign_keys[0].ref_table == "posts"
    assert result.schema.tables["tags"].primary_key == ()


def test_module_level_index_attaches_to_model_table():
    result = sa('''
        from sqlalchemy import Column, ForeignKey, Index, Integer
        from sqlalchemy.orm import declarative_base
        Base = declarative_base()

        class Line(Base):
            __tablename__ = "lines"
            id = Column(Integer, primary_key=True)
            order_id = Column(Integer, ForeignKey("orders.id"))

        Index("ix_lines_order", Line.order_id)
    ''')
    assert result.schema.tables["lines"].is_indexed(("order_id",))


def test_django_conventions():
    result = dj('''
        from django.conf import settings
        from django.db import models

        class Base(models.Model):
            created = models.DateTimeField()
            class Meta:
                abstract = True

        class Author(Base):
            name = models.CharField(max_length=50)

        class Book(Base):
            author = models.ForeignKey(Author, on_delete=models.CASCADE)
            editor = models.ForeignKey("shop.Author", on_delete=models.SET_NULL, null=True, db_index=False)
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            isbn = models.CharField(max_length=13, unique=True)
            price = models.DecimalField(max_digits=8, decimal_places=2)
            class Meta:
                db_table = "books"
                unique_together = ("author", "isbn")
                indexes = [models.Index(fields=["-created"], name="books_created")]

        class Special(Book):
            note = models.TextField()

        class BookProxy(Book):
            class Meta:
                proxy = True
    ''')
    tables = result.schema.tables
    assert set(tables) == {"shop_author", "books", "shop_special"}
    book = tables["books"]
    assert book.primary_key == ("id",)                       # implicit id
    assert not book.columns["isbn"].nullable and book.columns["isbn"].unique
    assert book.columns["editor_id"].nullable
    assert book.columns["created"].type == "timestamptz"     # USE_TZ defaults to True
    refs = {fk.columns[0]: fk.ref_table for fk in book.foreign_keys}
    assert refs == {"author_id": "shop_author", "editor_id": "shop_author", "owner_id": "auth_user"}
    assert book.is_indexed(("author_id",)) and book.is_indexed(("owner_id",))
    assert not book.is_indexed(("editor_id",))               # db_index=False
    assert ("author_id", "isbn") in book.unique_sets
    assert book.is_indexed(("created",))
    special = tables["shop_special"]
    assert special.primary_key == ("book_ptr_id",)
    assert special.foreign_keys[0].ref_table == "books"


def test_django_use_tz_false_makes_naive_timestamps():
    result = dj('''
        from django.db import models
        class Event(models.Model):
            at = models.DateTimeField()
    ''', settings=DjangoSettings(use_tz=False, use_tz_at=("config/settings.py", 3)))
    assert result.schema.tables["shop_event"].columns["at"].type == "timestamp"


def test_ddl_tables_constraints_indexes_and_alter():
    result = read_ddl("schema.sql", textwrap.dedent('''
        CREATE TABLE users (
            id BIGSERIAL PRIMARY KEY,
            email VARCHAR(255) NOT NULL UNIQUE,
            seen_at TIMESTAMP
        );
        CREATE TABLE posts (
            id INTEGER NOT NULL,
            author_id BIGINT NOT NULL,
            body TEXT,
            PRIMARY KEY (id),
            CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id)
        );
        CREATE INDEX posts_author_idx ON posts (author_id);
        ALTER TABLE posts ADD COLUMN editor_id INTEGER;
        ALTER TABLE posts ADD CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) REFERENCES users (id);
    '''))
    users, posts = result.schema.tables["users"], result.schema.tables["posts"]
    assert result.sql.statements == 5 and result.sql.understood == 5
    assert users.primary_key == ("id",) and users.columns["id"].type == "bigint"
    assert users.columns["email"].line == 4 and not users.columns["email"].nullable
    assert users.columns["seen_at"].type == "timestamp"
    assert posts.primary_key == ("id",) and posts.line == 7
    assert {fk.columns: fk.ref_table for fk in posts.foreign_keys} == {("author_id",): "users", ("editor_id",): "users"}
    assert posts.is_indexed(("author_id",)) and not posts.is_indexed(("editor_id",))
    assert "editor_id" in posts.columns


def test_ddl_opaque_and_unparsable_statements_are_counted_not_understood():
    result = read_ddl("schema.sql", "CREATE TABLE t (id int PRIMARY KEY);\n"
                                    "DO $$ BEGIN RAISE NOTICE 'x'; END $$;\n"
                                    "CREATE TABLE (;\n")
    assert result.sql.statements == 3
    assert result.sql.understood == 1
    assert result.sql.opaque == 1 and result.sql.unparsed == 1
    assert {p.line for p in result.problems} == {2, 3}
    assert set(result.schema.tables) == {"t"}


def test_django_abstract_user_bases_contribute_their_columns():
    """A custom user built on Django's AbstractBaseUser and PermissionsMixin has their columns (password,
    last_login, is_superuser) although the repository never declares them; its M2Ms make no column."""
    result = dj('''
        from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
        from django.db import models

        class Stamped(models.Model):
            created = models.DateTimeField(auto_now_add=True)
            class Meta:
                abstract = True

        class Member(AbstractBaseUser, PermissionsMixin, Stamped):
            handle = models.CharField(max_length=40, unique=True)

        class Staff(AbstractUser):
            desk = models.CharField(max_length=10)
    ''', rel="accounts/models.py")
    member = result.schema.tables["accounts_member"].columns
    assert set(member) == {"id", "password", "last_login", "is_superuser", "created", "handle"}
    assert member["last_login"].nullable and not member["password"].nullable
    assert member["password"].line == 10    # the class statement that inherits it
    staff = result.schema.tables["accounts_staff"].columns
    assert {"username", "email", "date_joined", "is_staff", "password", "desk"} <= set(staff)


def test_a_local_class_named_like_a_django_base_is_read_as_written():
    result = dj('''
        from django.db import models

        class AbstractBaseUser(models.Model):
            secret = models.CharField(max_length=10)
            class Meta:
                abstract = True

        class Member(AbstractBaseUser):
            handle = models.CharField(max_length=40)
    ''', rel="accounts/models.py")
    assert set(result.schema.tables["accounts_member"].columns) == {"id", "secret", "handle"}

