import sqlite3

conn = sqlite3.connect("app.db")


def all_users():
    # ruleid: sql-select-star
    return conn.execute("SELECT * FROM users").fetchall()


def users_by_team(team_id):
    # ruleid: sql-select-star
    return conn.execute("select u.* from users u where team_id = ?", (team_id,)).fetchall()


def orders_of(table):
    # ruleid: sql-select-star
    return conn.execute(f"SELECT * FROM {table} WHERE paid").fetchall()


def user_names():
    # ok: sql-select-star
    return conn.execute("SELECT id, name FROM users").fetchall()


def user_count():
    # ok: sql-select-star
    return conn.execute("SELECT count(*) FROM users").fetchone()


def has_orders(user_id):
    # ok: sql-select-star
    return conn.execute("SELECT 1 WHERE EXISTS (SELECT * FROM orders WHERE user_id = ?)", (user_id,)).fetchone()


# ok: sql-select-star
HELP = "Press * to select every row, then choose from the menu"
