"""Bundles and data tables are not backend source: the walker sets them aside with the reason (issue 17)."""
from auditor.nonsource import data_table_reason, nonsource_reason
from auditor.repo import Repository
from helpers import write_files

HANDLER = "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));\n"
ROWS = "".join(f"    ('A{i:04d}', 'Airport {i}', {i}.5, None),\n" for i in range(800))


def reason(rel, text, language="javascript"):
    data = text.encode()
    return nonsource_reason(rel, language, len(data), lambda: data)


def test_bundles_by_name_content_hash_source_map_bundler_runtime_and_line_length():
    assert "by its name" in reason("web/vendor.min.js", HANDLER)
    assert "by its name" in reason("static/js/echarts.bundle.js", HANDLER)
    assert "content hash" in reason("app/static/assets/echarts.128204f2.js", HANDLER)
    assert "content hash" in reason("app/static/assets/pages/pages-O-QBvGFf.js", HANDLER)
    assert "sourceMappingURL" in reason("web/app.js", HANDLER * 40 + "//# sourceMappingURL=app.js.map\n")
    assert "bundler output" in reason("web/core.dev.js", "/******/ (function(modules) { // webpackBootstrap\n" + HANDLER * 40)
    assert "minified" in reason("web/lib.js", "var a=1;" * 600)


def test_source_files_are_kept():
    assert reason("src/routes/users.js", HANDLER * 40) is None
    assert reason("app/static/assets/settings.js", HANDLER) is None          # a word, not a hash
    assert reason("src/user-settings.js", HANDLER) is None
    assert reason("src/index.94b01c79.js", HANDLER) is None                  # a hash-like name outside a build folder
    assert reason("app/views.py", "def index():\n    return 'ok'\n" * 3000, "python") is None


def test_a_module_that_is_one_big_literal_is_a_data_table():
    table = "# Three-letter codes\nIATA = [\n" + ROWS + "]\n"
    assert "data table (80" in data_table_reason(table)
    assert "data table" in reason("netbox/extras/data/iata.py", table, "python")
    code = "def f(x):\n    return x + 1\n\n" * 400
    assert data_table_reason(code) is None
    mixed = "IATA = [\n" + ROWS + "]\n" + "def lookup(code):\n    for row in IATA:\n        if row[0] == code:\n            return row\n" * 60
    assert data_table_reason(mixed) is None


def test_the_walker_lists_each_left_out_file_with_its_reason(tmp_path):
    write_files(tmp_path, {
        "app/views.py": "def index():\n    return 'ok'\n",
        "app/data/codes.py": "CODES = [\n" + ROWS + "]\n",
        "app/static/js/vendor.min.js": "eval(x)\n",
        "server.js": HANDLER,
    })
    repo = Repository.scan(tmp_path)
    assert sorted(f.path for f in repo.files) == ["app/views.py", "server.js"]
    assert sorted(f.path for f in repo.nonsource) == ["app/data/codes.py", "app/static/js/vendor.min.js"]
    reasons = {s.path: s.reason for s in repo.skipped}
    assert reasons["app/data/codes.py"].startswith("data table")
    assert reasons["app/static/js/vendor.min.js"].startswith("front-end bundle")
