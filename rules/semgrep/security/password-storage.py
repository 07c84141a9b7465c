import sqlite3

from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


def login(username, password):
    conn = sqlite3.connect("users.sqlite")
    # ruleid: password-compared-in-sql
    row = conn.execute("SELECT id FROM users WHERE username = ? AND password = ?", (username, password)).fetchone()
    return row


def login_hashed(username, password, verify):
    conn = sqlite3.connect("users.sqlite")
    # ok: password-compared-in-sql
    row = conn.execute("SELECT id, password_hash FROM users WHERE username = ?", (username,)).fetchone()
    return row and verify(password, row[1])


def check(user, password):
    # ruleid: password-compared-in-clear-py
    return user.password == password


def check_hashed(user, password, pwd_context):
    # ok: password-compared-in-clear-py
    return pwd_context.verify(password, user.password)


class Account:
    id = Column(Integer, primary_key=True)
    # ruleid: password-column-too-short-for-a-hash
    password = Column(String(16))


class Member:
    # ruleid: password-column-too-short-for-a-hash
    password: Mapped[str] = mapped_column(String(12))
    # ok: password-column-too-short-for-a-hash
    password_hash: Mapped[str] = mapped_column(String(128))


class Holder:
    # ok: password-column-too-short-for-a-hash
    password = Column(String(255))


# ruleid: django-weak-password-hasher
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# ok: django-weak-password-hasher
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher",
                    "django.contrib.auth.hashers.MD5PasswordHasher"]


def login_json(request, User):
    data = request.get_json()
    user = User.query.filter_by(username=data["username"]).first()
    # ruleid: password-compared-in-clear-py
    if user and data.get("password") == user.password:
        return user
    return None


def login_digest(request, User, hashlib):
    user = User.query.filter_by(username=request.form["username"]).first()
    # ok: password-compared-in-clear-py
    if user and hashlib.sha256(request.form["password"].encode()).hexdigest() == user.password:
        return user
    return None
