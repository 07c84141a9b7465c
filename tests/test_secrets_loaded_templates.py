"""A template file (.env.example) is scanned for known key formats only, unless the application loads it as its
configuration: then its values are what the application runs with, and a secret in it is hard-coded. dotenv-safe's
`example:` option only names the variables the real environment must define, so it does not count."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item

ENV_EXAMPLE = "# copy to .env\nSESSION_SECRET=sessionsecret\nMONGODB_URI=mongodb://localhost:27017/app\nPORT=3000\n"
PACKAGE = '{"name": "site", "dependencies": {"express": "^4.18.0", "dotenv": "^16.0.0"}}\n'
LOADS_EXAMPLE = """import dotenv from "dotenv";
import fs from "fs";

if (fs.existsSync(".env")) {
    dotenv.config({ path: ".env" });
} else {
    dotenv.config({ path: ".env.example" });
}
export const SESSION_SECRET = process.env["SESSION_SECRET"];
"""
CHECKS_AGAINST_EXAMPLE = """const path = require("path");
require("dotenv-safe").config({ example: path.join(__dirname, "../.env.example") });
module.exports = { sessionSecret: process.env.SESSION_SECRET };
"""


def secrets(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("SEC-SECRETS",))), "SEC-SECRETS")


def _site(tmp_path: Path, loader: str, name: str = "secrets.ts") -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "package.json").write_text(PACKAGE)
    (tmp_path / ".env.example").write_text(ENV_EXAMPLE)
    (tmp_path / "src" / name).write_text(loader)
    return tmp_path


def test_a_template_the_code_loads_is_configuration(tmp_path):
    row = secrets(_site(tmp_path, LOADS_EXAMPLE))
    assert row["verdict"] == "fail", row["rationale"]
    assert any(e["file"] == ".env.example" and e["line"] == 2 for e in row["evidence"]), row["evidence"]
    assert any("loads as its configuration" in e["message"] for e in row["evidence"])


def test_a_template_only_checked_for_names_stays_a_template(tmp_path):
    row = secrets(_site(tmp_path, CHECKS_AGAINST_EXAMPLE, "vars.js"))
    assert row["verdict"] == "pass", row["rationale"]


def test_a_compose_env_file_naming_the_template_loads_it(tmp_path):
    root = _site(tmp_path, "export const port = process.env.PORT;\n")
    (root / "docker-compose.yml").write_text("services:\n  web:\n    build: .\n    env_file:\n      - .env.example\n")
    row = secrets(root)
    assert row["verdict"] == "fail", row["rationale"]
    assert any(e["file"] == ".env.example" for e in row["evidence"])
