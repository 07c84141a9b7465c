"""SEC-CRYPTO: request data that reaches a model's password column with no hasher on the way is a password
stored as given (CWE-256). The column is found by what the model does: a class-level password column on a class
that hashes nothing itself. Twins: hashed on the way, a model that hashes in a validator, a form's field."""
import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item, line_of, write_files

MODEL = '''from flask_sqlalchemy import SQLAlchemy
from werkzeug.security import generate_password_hash
from sqlalchemy.orm import validates

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)
    password = db.Column(db.String(200), nullable=False)
{extra}
'''
HASHES_IN_VALIDATOR = '''
    @validates("password")
    def hash_it(self, key, value):
        return generate_password_hash(value)
'''
VIEWS = '''from flask import Flask, request
from werkzeug.security import generate_password_hash

from app.models import User, db

app = Flask(__name__)


def save_user(name, secret):
    db.session.add(User(username=name, password={value}))
    db.session.commit()


@app.post("/register")
def register():
    save_user(request.form["username"], request.form["password"])
    return "", 201
'''
FORM = '''from wtforms import Form, PasswordField, StringField
from wtforms.fields import Field


class Model:  # not a storage base: the name alone does not make a model
    pass


class RegistrationForm(Form):
    username = StringField("username")
    password = Field("password")
'''


def crypto(tmp_path, value: str, extra: str = "") -> tuple:
    root = write_files(tmp_path / "app", {
        "requirements.txt": "flask\nflask-sqlalchemy\n",
        "app/__init__.py": "",
        "app/models.py": MODEL.replace("{extra}", extra),
        "app/views.py": VIEWS.replace("{value}", value),
        "app/forms.py": FORM,
    })
    return root, item(run_audit(root, AuditOptions(only=("SEC-CRYPTO",))), "SEC-CRYPTO")


def test_a_password_stored_as_sent_fails_with_its_flow(tmp_path):
    root, row = crypto(tmp_path, "secret")
    assert row["verdict"] == "fail", row["rationale"]
    flows = [e for e in row["evidence"] if e.get("flow")]
    assert [(e["file"], e["line"]) for e in flows] == [("app/views.py", line_of(root, "app/views.py", "db.session.add(User("))]
    assert flows[0]["flow"][0]["step"] == "source"


@pytest.mark.parametrize("value,extra", [("generate_password_hash(secret)", ""), ("secret", HASHES_IN_VALIDATOR)])
def test_a_password_hashed_on_the_way_or_by_the_model_passes(tmp_path, value, extra):
    _, row = crypto(tmp_path, value, extra)
    assert row["verdict"] == "pass", row["rationale"]
