"""Readers that build an `auditor.dbschema.Schema` from ORM models and schema files, without importing them.

- `sqlalchemy_models`: declarative classes (Column / mapped_column / Mapped[...]), Flask-SQLAlchemy `db.Model`,
  core `Table(...)`.
- `django_models`: `models.Model` subclasses (Django's implicit id, FK indexes and `_id` columns included).
- `sql_ddl`: CREATE TABLE / CREATE INDEX / ALTER TABLE in `.sql` files, parsed with sqlglot.
- `merge`: the schema the DB-* checks judge (migrations' final schema preferred per table, then models).
- `transactions`, `queries`: ast probes over code (multi-write functions, unbounded handler queries).
"""
