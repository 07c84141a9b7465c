"""SEC-SECRETS: a committed environment file's DSN password and a secret in committed build output count."""
from __future__ import annotations

import shutil
from pathlib import Path

from auditor.repo import Repository
from auditor.secrets.files import is_env_file
from auditor.secrets.tree import scan_tree

FIXTURE = Path(__file__).parent / "fixtures" / "secrets" / "committed_env_and_build"


def found(tmp_path: Path) -> set[str]:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    return {f"{s.path}:{s.match.line}" for s in scan_tree(Repository.scan(repo)).findings}


def test_a_plain_word_dsn_password_in_a_committed_env_file_is_a_secret(tmp_path) -> None:
    assert "prisma/.env:2" in found(tmp_path)


def test_templates_lookups_and_code_keep_the_stricter_dsn_rule(tmp_path) -> None:
    hits = found(tmp_path)
    assert not any(h.startswith(("prisma/.env.example", ".env.production", "src/")) for h in hits)


def test_a_secret_in_committed_build_output_is_found_but_not_in_its_dependencies(tmp_path) -> None:
    hits = found(tmp_path)
    assert "dist/settings.js:3" in hits
    assert not any("node_modules" in h for h in hits)


def test_env_files() -> None:
    assert is_env_file(".env") and is_env_file("deploy/.env.production") and is_env_file("prod.env")
    assert not is_env_file(".env.example") and not is_env_file("tests/.env") and not is_env_file("env.py")
