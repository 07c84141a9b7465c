import sqlite3

import pandas as pd
from django.db import connection
from django.db.models.expressions import RawSQL
from flask import request
from sqlalchemy import text

from shop.models import Product


def login(cursor, username):
    # ruleid: python-sql-built-from-strings
    cursor.execute(f"SELECT id FROM users WHERE username = '{username}'")


def search(cursor, term):
    query = "SELECT * FROM products WHERE name LIKE '%%%s%%'" % term
    # ruleid: python-sql-built-from-strings
    cursor.execute(query)


def by_category(cursor, category):
    sql = "SELECT * FROM products WHERE category = '{}'".format(category)
    sql += " ORDER BY name"
    # ruleid: python-sql-built-from-strings
    cursor.execute(sql)


def delete(conn, product_id):
    # ruleid: python-sql-built-from-strings
    conn.execute("DELETE FROM products WHERE id = " + product_id)


def report(session, year):
    # ruleid: python-sql-built-from-strings
    session.execute(text(f"SELECT sum(total) FROM orders WHERE year = {year}"))


def raw_products(name):
    # ruleid: python-sql-built-from-strings
    return Product.objects.raw("SELECT * FROM shop_product WHERE name = '%s'" % name)


def annotate(qs, field):
    # ruleid: python-sql-built-from-strings
    return qs.annotate(val=RawSQL(f"SELECT {field} FROM shop_stock", ()))


def extra_where(qs, owner):
    # ruleid: python-sql-built-from-strings
    return qs.extra(where=[f"owner = '{owner}'"])


def from_request(cursor):
    statement = request.args["q"]
    # ruleid: python-sql-built-from-strings
    cursor.execute(statement)


def frame(conn, table):
    # ruleid: python-sql-built-from-strings
    return pd.read_sql(f"SELECT * FROM {table}", conn)


async def fetch_user(pool, user_id):
    # ruleid: python-sql-built-from-strings
    return await pool.fetchrow(f"SELECT * FROM users WHERE id = {user_id}")


def safe_login(cursor, username):
    # ok: python-sql-built-from-strings
    cursor.execute("SELECT id FROM users WHERE username = %s", (username,))


def safe_named(session, year):
    # ok: python-sql-built-from-strings
    session.execute(text("SELECT sum(total) FROM orders WHERE year = :year"), {"year": year})


def safe_in_list(cursor, ids):
    placeholders = ", ".join(["%s"] * len(ids))
    # ok: python-sql-built-from-strings
    cursor.execute("SELECT * FROM products WHERE id IN (%s)" % placeholders, ids)


def safe_in_list_inline(cursor, ids):
    # ok: python-sql-built-from-strings
    cursor.execute("SELECT * FROM products WHERE id IN (%s)" % ",".join(["%s"] * len(ids)), ids)


def safe_raw(name):
    # ok: python-sql-built-from-strings
    return Product.objects.raw("SELECT * FROM shop_product WHERE name = %s", [name])


def safe_constant(cursor):
    sql = "SELECT id, name " + "FROM products"
    # ok: python-sql-built-from-strings
    cursor.execute(sql)


def safe_quoted_identifier(cursor, table):
    # ok: python-sql-built-from-strings
    cursor.execute("TRUNCATE %s" % connection.ops.quote_name(table))


def safe_param_from_request(cursor):
    # ok: python-sql-built-from-strings
    cursor.execute("SELECT * FROM products WHERE id = %s", (request.args["id"],))
