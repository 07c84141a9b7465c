"""Database use in the inventory (libraries and their kind: relational or document), what it makes
applicable, and which files are tests. Small repositories written to tmp_path; no engines."""
import json
import textwrap

import pytest

from auditor.applicability import not_applicable_reason
from auditor.catalog import load_catalog
from auditor.inventory import DOCUMENT, RELATIONAL, TEST_FILE, build_inventory, database_kind
from auditor.repo import Repository

ITEMS = load_catalog().by_id


def inventory_of(tmp_path, files: dict[str, str]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return build_inventory(Repository.scan(tmp_path))


EXPRESS_MONGO = {
    "package.json": json.dumps({"name": "shop", "dependencies": {"express": "^4.18.0", "mongodb": "^6.3.0"}},
                               indent=2),
    "server.js": """\
        const express = require("express");
        const MongoClient = require("mongodb").MongoClient;
        const app = express();
        MongoClient.connect(process.env.MONGODB_URI, (err, client) => {
          app.get("/orders", async (req, res) => res.json(await client.db().collection("orders").find().limit(20).toArray()));
          app.listen(3000);
        });
        """,
}


def test_mongodb_node_driver_is_a_document_database(tmp_path):
    inv = inventory_of(tmp_path, EXPRESS_MONGO)
    assert inv.uses_database
    assert inv.database_kinds == {DOCUMENT: ["mongodb"]}
    assert any("depends on mongodb" in e for e in inv.database_evidence)
    assert any(e.startswith("server.js:2 imports") for e in inv.database_evidence)
    assert inv.document_database_only and not inv.uses_relational_database


def test_document_store_reasons_name_the_store_and_unanalysed_items_stay_applicable(tmp_path):
    inv = inventory_of(tmp_path, EXPRESS_MONGO)
    for item_id in ("MIG-PRESENT", "MIG-REVERSIBLE", "DB-FK-INDEX", "DB-CONSTRAINTS", "DB-DATA-TYPES",
                    "DB-NORMALIZATION"):
        reason = not_applicable_reason(ITEMS[item_id], inv)
        assert reason and "document store (mongodb)" in reason and "no database use" not in reason, item_id
    for item_id in ("DB-TRANSACTIONS", "DB-QUERY-OPTIMIZATION", "PERF-N-PLUS-1", "PERF-POOLING"):
        assert not_applicable_reason(ITEMS[item_id], inv) is None, item_id


def test_mongo_plus_sql_is_relational(tmp_path):
    inv = inventory_of(tmp_path, {
        "requirements.txt": "pymongo==4.6.1\nSQLAlchemy==2.0.25\n",
        "app/store.py": "from pymongo import MongoClient\nfrom sqlalchemy import create_engine\n",
    })
    assert set(inv.database_kinds) == {DOCUMENT, RELATIONAL}
    assert not inv.document_database_only
    assert not_applicable_reason(ITEMS["DB-FK-INDEX"], inv) is None


@pytest.mark.parametrize("files, kind, library", [
    ({"go.mod": "module shop\n\ngo 1.22\n\nrequire (\n\tgo.mongodb.org/mongo-driver v1.14.0\n)\n"},
     DOCUMENT, "go.mongodb.org/mongo-driver"),
    ({"go.mod": "module shop\n\ngo 1.22\n\nrequire github.com/jackc/pgx/v5 v5.5.2\n"},
     RELATIONAL, "github.com/jackc/pgx/v5"),
    ({"main.go": 'package main\n\nimport (\n\t"database/sql"\n\n\t_ "github.com/lib/pq"\n)\n'},
     RELATIONAL, "database/sql"),
    ({"src/db.ts": "import { drizzle } from 'drizzle-orm/node-postgres';\n"}, RELATIONAL, "drizzle-orm/node-postgres"),
    ({"src/db.ts": "import { MikroORM } from '@mikro-orm/postgresql';\n"}, RELATIONAL, "@mikro-orm/postgresql"),
    ({"src/db.ts": "import { DataSource } from 'typeorm';\n"}, RELATIONAL, "typeorm"),
    ({"src/db.js": "const { Sequelize } = require('sequelize');\n"}, RELATIONAL, "sequelize"),
    ({"package.json": '{\n  "dependencies": {\n    "@prisma/client": "^5.9.0"\n  }\n}\n',
      "prisma/schema.prisma": 'datasource db {\n  provider = "mongodb"\n  url = env("DATABASE_URL")\n}\n'},
     DOCUMENT, "@prisma/client"),
    ({"package.json": '{\n  "dependencies": {\n    "@prisma/client": "^5.9.0"\n  }\n}\n',
      "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'},
     RELATIONAL, "@prisma/client"),
])
def test_database_libraries_recognised_with_their_kind(tmp_path, files, kind, library):
    inv = inventory_of(tmp_path, files)
    assert inv.uses_database
    assert library in inv.database_kinds.get(kind, []), inv.database_kinds


def test_a_cache_or_broker_is_not_a_database(tmp_path):
    inv = inventory_of(tmp_path, {
        "requirements.txt": "flask==3.0.0\nredis==5.0.1\nrq==1.15.1\n",
        "app.py": "from flask import Flask\nfrom redis import Redis\napp = Flask(__name__)\n",
    })
    assert not inv.uses_database and inv.database_kinds == {}
    assert "no database use found" in not_applicable_reason(ITEMS["DB-TRANSACTIONS"], inv)
    assert database_kind("redis") is None and database_kind("ioredis") is None


@pytest.mark.parametrize("path, is_test", [
    ("tests.py", True), ("blog/tests.py", True), ("tests/test_api.py", True), ("app/test_models.py", True),
    ("contests.py", False), ("app/latests.py", False), ("blog/views.py", False), ("tests_helpers.py", False),
])
def test_tests_py_is_a_test_file(path, is_test):
    assert bool(TEST_FILE.search(path)) is is_test


def test_root_and_django_app_tests_py_are_inventoried_as_tests(tmp_path):
    inv = inventory_of(tmp_path, {
        "tests.py": "import unittest\n\nclass PostCase(unittest.TestCase):\n    def test_title(self):\n        pass\n",
        "blog/tests.py": "from django.test import TestCase\n",
        "blog/views.py": "def index(request):\n    return None\n",
    })
    assert inv.test_files == ["blog/tests.py", "tests.py"]
