"""Hostile folder layouts and config files (issue 16, point 14, and what held up): folders nested deeper
than Python's recursion limit, a symlinked `.auditor.toml`, a config error that would echo a secret, and
symlinks to files outside the repository.
"""
from __future__ import annotations

import os
import sys

import pytest

from auditor.repo import Repository
from helpers import run_cli
from hostile_repos import DB_PY, TOKEN, write


def test_folders_nested_past_the_recursion_limit_are_walked(tmp_path):
    depth = sys.getrecursionlimit() + 200
    deep = tmp_path
    for _ in range(depth):   # (os.makedirs recurses too)
        deep = deep / "d"
        deep.mkdir()
    try:
        (deep / "db.py").write_text(DB_PY)
        (tmp_path / "top.py").write_text("x = 1\n")
        repo = Repository.scan(tmp_path)
        paths = [f.path for f in repo.files]
        assert paths == ["top.py", "/".join(["d"] * depth) + "/db.py"]
    finally:   # bottom up: shutil.rmtree (and pytest's clean-up of its temporary folders) recurses too
        (deep / "db.py").unlink(missing_ok=True)
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_the_walk_keeps_its_order_and_skips_linked_folders(tmp_path):
    write(tmp_path, {"b/x.py": "", "a/z/y.py": "", "a/w.py": "", "c.py": ""})
    os.symlink(tmp_path / "a", tmp_path / "link")
    repo = Repository.scan(tmp_path)
    assert [f.path for f in repo.files] == ["c.py", "a/w.py", "a/z/y.py", "b/x.py"]
    assert [(s.path, s.reason) for s in repo.skipped] == [("link", "symlink (not followed)")]


def test_a_symlink_to_a_file_outside_is_skipped_not_read(tmp_path):
    outside = tmp_path / "outside"
    write(outside, {"secrets.py": f"TOKEN = '{TOKEN}'\n"})
    root = tmp_path / "repo"
    write(root, {"app.py": "x = 1\n"})
    os.symlink(outside / "secrets.py", root / "settings.py")
    repo = Repository.scan(root)
    assert [f.path for f in repo.files] == ["app.py"]
    assert repo.skipped[0].path == "settings.py" and "symlink" in repo.skipped[0].reason


def test_a_symlinked_auditor_toml_is_refused(tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text('fail_on = "none"\n')
    root = tmp_path / "repo"
    write(root, {"db.py": DB_PY})
    os.symlink(outside, root / ".auditor.toml")
    result = run_cli("audit", str(root), timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("auditor: error: .auditor.toml is a symbolic link: refusing to read the auditor "
                                     "config through it (commit the file itself, or pass --config)")


@pytest.mark.parametrize("line", [f'fail_under = "{TOKEN}"', f'exclude = "{TOKEN}"', f"engine_timeout = ['{TOKEN}']"])
def test_a_config_error_names_the_key_and_never_the_value(tmp_path, line):
    write(tmp_path, {"db.py": DB_PY, ".auditor.toml": line + "\n"})
    result = run_cli("audit", str(tmp_path), timeout=60)
    assert result.returncode == 2
    key = line.split(" ")[0]
    assert f".auditor.toml: {key} must be" in result.stderr
    assert TOKEN not in result.stderr and TOKEN[:8] not in result.stderr
