"""Secrets by meaning, not entropy: literals given to secret-bearing names, environment fallbacks, the
config file the app loads; development defaults the code rejects pass with the guard as evidence."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from auditor.repo import Repository
from auditor.secrets.meaning import config_secrets, js_secrets, meaningful_value, python_secrets
from auditor.secrets.tree import scan_tree


def py(source: str):
    text = textwrap.dedent(source)
    return python_secrets("app.py", ast.parse(text), text.split("\n"))


def test_low_entropy_literals_given_to_secret_names_are_secrets():
    found, _ = py("""
        import os
        app.secret_key = "super secret key"
        app.config["SECRET_KEY"] = "dev"
        JWT_SECRET = os.environ.get("JWT_SECRET", "changeme")
        API_TOKEN = os.getenv("API_TOKEN") or "you-will-never-guess"
        DATABASE_PASSWORD: str = "postgres"
    """)
    assert [m.name for m in found] == ["secret_key", "SECRET_KEY", "JWT_SECRET", "API_TOKEN", "DATABASE_PASSWORD"]
    assert all(m.rule_id == "secret-by-name" for m in found)
    assert "super" not in found[0].snippet and "****" in found[0].preview   # redacted


def test_names_and_labels_are_not_secrets():
    found, _ = py("""
        import os
        token_type = "bearer"
        PASSWORD_FIELD = "password"
        PASSWORD = "password"
        SECRET_KEY = os.environ["SECRET_KEY"]
        API_KEY_HEADER = "X-API-Key"
        JWT_GET_USER_SECRET_KEY = "myapp.auth.services.get_secret_key"
        password_help = "Use at least twelve characters, with letters and digits."
        SECRET_KEY_ENV = "DJANGO_SECRET_KEY"
        class TestingConfig:
            SECRET_KEY = "AAAAAAAA"
    """)
    assert found == []
    assert not meaningful_value("credentials", "same-origin")


def test_a_rejected_development_default_is_guarded():
    found, guards = py("""
        import os
        SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only")
        if SECRET_KEY == "dev-only" and os.environ.get("ENV") == "production":
            raise RuntimeError("set SECRET_KEY in production")
    """)
    assert found == []
    assert guards and guards[0].name == "SECRET_KEY" and guards[0].line == 4


def test_javascript_literals_and_fallbacks():
    found = js_secrets("server.js", "app.use(session({\n  secret: 'keyboard cat',\n}));\n"
                                    "const jwtSecret = process.env.JWT_SECRET || 'secret';\n"
                                    "fetch(url, { credentials: 'same-origin' });\n")
    assert [(m.line, m.name) for m in found] == [(2, "secret"), (4, "JWT_SECRET")]


def test_loaded_config_file(tmp_path: Path):
    (tmp_path / "app.py").write_text("import yaml\nCONFIG = yaml.safe_load(open('settings.yml'))\n")
    (tmp_path / "settings.yml").write_text("database:\n  host: db\n  password: hunter22\nmail:\n  token: ''\n")
    (tmp_path / "unused.yml").write_text("password: notloaded1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("SECRET_KEY = 'testing'\n")
    scan = scan_tree(Repository.scan(tmp_path))
    hits = [(s.path, s.match.line, s.match.name) for s in scan.findings]
    assert hits == [("settings.yml", 3, "password")]
    assert config_secrets("x.ini", "SECRET_KEY =\n\n# DATABASE_URL\n") == []
