"""Generate a realistic Python backend of about N lines (default 200,000) for the benchmarks.

Deterministic: the same arguments give the same tree. Modules mix Flask routes, SQLAlchemy models,
service functions with outbound HTTP calls, and a sprinkling of violations (string-built SQL,
missing timeouts, eval) so the engines and checks have real work to do.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

ROUTES = '''
@bp.route("/{name}s", methods=["GET"])
def list_{name}s():
    page = int(request.args.get("page", 1))
    rows = db.session.execute(text("SELECT id, title FROM {name} LIMIT :n OFFSET :o"), {{"n": 50, "o": (page - 1) * 50}})
    return jsonify([dict(r) for r in rows])


@bp.route("/{name}s/<int:item_id>", methods=["GET"])
def get_{name}(item_id):
    row = {Model}.query.get_or_404(item_id)
    return jsonify(row.to_dict())


@bp.route("/{name}s", methods=["POST"])
def create_{name}():
    payload = request.get_json() or {{}}
    obj = {Model}(title=payload.get("title", ""))
    db.session.add(obj)
    db.session.commit()
    return jsonify(obj.to_dict()), 201
'''

VIOLATION_SQL = '''

def search_{name}(term):
    cursor = db.session.connection().connection.cursor()
    cursor.execute(f"SELECT * FROM {name} WHERE title LIKE '%{{term}}%'")
    return cursor.fetchall()
'''

SERVICE = '''

def sync_{name}_{i}(client_id, payload):
    """Push one {name} record to the partner API and record the outcome."""
    url = f"{{settings.PARTNER_URL}}/{name}/{{client_id}}"
    response = requests.post(url, json=payload, timeout=5)
    if response.status_code >= 500:
        logger.warning("partner error %s for %s", response.status_code, client_id)
        return None
    data = response.json()
    total = 0
    for entry in data.get("items", []):
        if entry.get("kind") == "{name}":
            total += int(entry.get("amount", 0))
        elif entry.get("kind") == "refund":
            total -= int(entry.get("amount", 0))
    return {{"client": client_id, "total": total, "count": len(data.get("items", []))}}
'''

NO_TIMEOUT = '''

def fetch_{name}_{i}(url):
    return requests.get(url).json()
'''

MODEL = '''

class {Model}(db.Model):
    __tablename__ = "{name}"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    owner_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    created_at = db.Column(db.DateTime(timezone=True))

    def to_dict(self):
        return {{"id": self.id, "title": self.title}}
'''

HEADER = '''"""{name} module (generated for benchmarks)."""
import logging

import requests
from flask import Blueprint, jsonify, request
from sqlalchemy import text

from app import db, settings

logger = logging.getLogger(__name__)
bp = Blueprint("{name}", __name__)
'''


def module(rng: random.Random, index: int, target_lines: int) -> str:
    name = f"thing{index}"
    model = f"Thing{index}"
    parts = [HEADER.format(name=name), MODEL.format(name=name, Model=model), ROUTES.format(name=name, Model=model)]
    if rng.random() < 0.05:
        parts.append(VIOLATION_SQL.format(name=name))
    i = 0
    while sum(p.count("\n") for p in parts) < target_lines:
        parts.append(SERVICE.format(name=name, i=i))
        if rng.random() < 0.02:
            parts.append(NO_TIMEOUT.format(name=name, i=i))
        i += 1
    return "".join(parts)


def generate(root: Path, lines: int = 200_000, lines_per_file: int = 400, seed: int = 7) -> int:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "app").mkdir(exist_ok=True)
    (root / "app" / "__init__.py").write_text("from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n")
    (root / "app" / "settings.py").write_text("import os\n\nPARTNER_URL = os.environ['PARTNER_URL']\n")
    (root / "requirements.txt").write_text("flask==3.0.3\nflask-sqlalchemy==3.1.1\nrequests==2.32.3\n")
    tests = root / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_smoke.py").write_text("def test_import():\n    assert True\n")
    written, index = 0, 0
    while written < lines:
        text = module(rng, index, lines_per_file)
        pkg = root / "app" / f"domain{index // 50}"
        pkg.mkdir(exist_ok=True)
        (pkg / f"thing{index}.py").write_text(text)
        written += text.count("\n")
        index += 1
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    print(f"wrote {generate(args.root, args.lines)} lines under {args.root}")
