"""SEC-DATA-AT-REST counts a password column as a secret stored in clear when the application shows it keeps
passwords as given (the SQL compares the column with what the user sent), not when it compares a hash of it;
a Mongoose schema declared with a type argument is a schema; snippets under a static folder are not models."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item

PACKAGE = '{"name": "shop", "dependencies": {"express": "^4.18.0", "pg": "^8.11.0", "mongoose": "^7.0.0"}}\n'
SCHEMA = """const { Pool } = require('pg');
const pool = new Pool();

async function createTables() {
  await pool.query('CREATE TABLE members (name VARCHAR(100) PRIMARY KEY, password VARCHAR(50))');
}

module.exports = { pool, createTables };
"""
LOGIN_IN_CLEAR = """const { pool } = require('./db');

async function login(req, res) {
  const q = "SELECT * FROM members WHERE name = $1 AND password = '" + req.body.password + "'";
  const result = await pool.query(q, [req.body.name]);
  res.json({ ok: result.rows.length === 1 });
}

module.exports = { login };
"""
LOGIN_HASHED = LOGIN_IN_CLEAR.replace("'\" + req.body.password + \"'", "'\" + security.hash(req.body.password) + \"'")


def data_at_rest(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("SEC-DATA-AT-REST", "SEC-CRYPTO"))), "SEC-DATA-AT-REST")


def _app(tmp_path: Path, login: str) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "package.json").write_text(PACKAGE)
    (tmp_path / "src" / "db.js").write_text(SCHEMA)
    (tmp_path / "src" / "auth.js").write_text(login)
    return tmp_path


def test_a_password_column_compared_as_sent_is_a_secret_in_clear(tmp_path):
    row = data_at_rest(_app(tmp_path, LOGIN_IN_CLEAR))
    assert row["verdict"] == "fail", row["rationale"]
    assert any("members.password holds passwords as given" in e["message"] for e in row["evidence"]), row["evidence"]


def test_a_password_column_compared_with_a_hash_is_not_counted_in_clear(tmp_path):
    assert "security.hash" in LOGIN_HASHED
    row = data_at_rest(_app(tmp_path, LOGIN_HASHED))
    assert row["verdict"] == "not_applicable", row["rationale"]


def test_a_typed_mongoose_schema_is_read_and_static_snippets_are_not(tmp_path):
    (tmp_path / "src" / "models").mkdir(parents=True)
    (tmp_path / "package.json").write_text(PACKAGE)
    (tmp_path / "src" / "models" / "User.ts").write_text(
        'import mongoose from "mongoose";\n\n'
        'const userSchema = new mongoose.Schema<UserDocument>({\n'
        '    email: { type: String, unique: true },\n'
        '    passwordResetToken: String,\n'
        '});\n\n'
        'export const User = mongoose.model<UserDocument>("User", userSchema);\n')
    (tmp_path / "static" / "snippets").mkdir(parents=True)
    (tmp_path / "static" / "snippets" / "fix.ts").write_text(
        'const Snippet = new mongoose.Schema({\n    apiKey: String,\n});\n')
    row = data_at_rest(tmp_path)
    assert row["verdict"] == "fail", row["rationale"]
    flagged = {e["file"] for e in row["evidence"]}
    assert flagged == {"src/models/User.ts"}, row["evidence"]
    assert any("passwordResetToken stored in clear" in e["message"] for e in row["evidence"])


def test_a_setter_that_stores_a_hash_protects_the_column():
    from auditor.checks.security.data_at_rest import StoredField, protection
    field = StoredField("Users", "password", "models/user.ts", 12, "password: { type: DataTypes.STRING,")
    assert protection(field, "set (clear) { this.setDataValue('password', security.hash(clear)) }")
    assert protection(field, "set (clear) { this.setDataValue('password', clear) }") is None
