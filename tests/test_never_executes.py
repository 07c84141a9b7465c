"""The auditor reads the scanned code and never runs it: not its Python, not its npm scripts, not its Makefile,
not the commands its git config names (fsmonitor, filters, textconv, hooks). Outputs go to --output only.
"""
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import run_cli, write_files

FORMATS = "json,html,sarif,junit,markdown"
EXPECTED_OUTPUTS = {"report.json", "report.html", "report.sarif", "report.junit.xml", "report.md"}


def touch(marker: Path, name: str) -> str:
    return f"open({str(marker / name)!r}, 'w').write('ran')\n"


def hostile_repo(root: Path, marker: Path) -> Path:
    py = lambda name: "import os\n" + touch(marker, name)  # noqa: E731
    sh = lambda name: f"touch {marker / name}"  # noqa: E731
    write_files(root, {
        "setup.py": py("setup.py") + "from setuptools import setup\nsetup(name='x')\n",
        "conftest.py": py("conftest.py"),
        "manage.py": py("manage.py") + "import sys\nprint(sys.argv)\n",
        "app/__init__.py": py("app_init"),
        "app/views.py": "from flask import Flask\napp = Flask(__name__)\n\n\n@app.route('/')\ndef index():\n    return 'hi'\n",
        "sitecustomize.py": py("sitecustomize"),
        "usercustomize.py": py("usercustomize"),
        "evil.pth": "import os; " + touch(marker, "pth").strip() + "\n",
        "noxfile.py": py("noxfile"),
        "tests/test_app.py": py("test_module") + "def test_x():\n    assert True\n",
        "package.json": json.dumps({"name": "x", "version": "1.0.0",
                                    "scripts": {"postinstall": sh("postinstall"), "preinstall": sh("preinstall"),
                                                "prepare": sh("prepare"), "test": sh("npm_test")},
                                    "dependencies": {"express": "^4.19.0"}}),
        "index.js": "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));\n",
        "Makefile": f"all:\n\t{sh('make')}\n",
        "requirements.txt": "flask==3.0.3\n",
        "pyproject.toml": "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n",
        "migrations/env.py": py("alembic_env"),
        "go.mod": "module x\n\ngo 1.22\n",
        "main.go": "package main\n\n//go:generate touch " + str(marker / "go_generate") + "\nfunc main() {}\n",
    })
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "core.hooksPath=/dev/null"]
    subprocess.run(git + ["init", "-q"], cwd=root, check=True)
    subprocess.run(git + ["add", "-A"], cwd=root, check=True)
    subprocess.run(git + ["commit", "-qm", "init"], cwd=root, check=True)
    # commands the repository's own git config and attributes name: git runs them on status/diff/log -p
    hooks = root / ".git" / "hooks"
    for hook in ("post-checkout", "pre-commit", "post-index-change", "fsmonitor-watchman", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\n{sh('hook_' + hook)}\n")
        (hooks / hook).chmod(0o755)
    for key, value in {"core.fsmonitor": sh("fsmonitor") + "; false",
                       "filter.evil.clean": sh("filter_clean") + "; cat",
                       "filter.evil.smudge": sh("filter_smudge") + "; cat",
                       "filter.evil.process": sh("filter_process"),
                       "diff.evil.textconv": sh("textconv") + "; cat",
                       "diff.evil.command": sh("external_diff"),
                       "diff.external": sh("diff_external"),
                       "core.pager": sh("pager")}.items():
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    (root / ".gitattributes").write_text("*.py filter=evil diff=evil\n*.js filter=evil diff=evil\n")
    (root / "app" / "views.py").write_text((root / "app" / "views.py").read_text() + "# edited\n")  # dirty tree
    return root


def listing(root: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            out[path.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    base = tmp_path_factory.mktemp("never")
    marker = base / "markers"
    marker.mkdir()
    root = hostile_repo(base / "repo", marker)
    before = listing(root)
    out = base / "out"
    result = run_cli("audit", str(root), "--format", FORMATS, "--output", str(out), "--fail-on", "none",
                     "--cache-dir", str(base / "cache"), cwd=base, timeout=600)
    return {"root": root, "marker": marker, "out": out, "result": result, "before": before, "base": base}


def test_the_audit_finished(audited):
    result = audited["result"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_no_marker_was_written(audited):
    assert sorted(p.name for p in audited["marker"].iterdir()) == []


def test_outputs_are_exactly_the_formats_asked_for(audited):
    assert {p.name for p in audited["out"].iterdir()} == EXPECTED_OUTPUTS
    report = json.loads((audited["out"] / "report.json").read_text())
    json.loads((audited["out"] / "report.sarif").read_text())
    ET.parse(audited["out"] / "report.junit.xml")
    assert "</html>" in (audited["out"] / "report.html").read_text()
    assert report["repository"]["dirty"] is True and report["repository"]["commit"]


def test_nothing_written_in_the_scanned_repository(audited):
    assert listing(audited["root"]) == audited["before"]


def test_nothing_written_beside_the_outputs(audited):
    base = audited["base"]
    assert {p.name for p in base.iterdir()} == {"markers", "repo", "out", "cache"}


def test_an_audit_adds_nothing_to_the_repository(audited, tmp_path):
    """The cache lives in the user's cache folder (the audited tree is hostile input, DESIGN.md's trust model):
    an audit writes nothing into the repository it reads."""
    root = audited["root"]
    before = listing(root)
    user_cache = tmp_path / "user-cache"
    result = run_cli("audit", str(root), "--only", "SEC-INJECTION", "--fail-on", "none", "--format", "json",
                     "--output", str(tmp_path / "o"), env={"XDG_CACHE_HOME": str(user_cache)}, timeout=600)
    assert result.returncode == 0, result.stderr
    assert listing(root) == before
    assert any(p.is_file() for p in (user_cache / "backend-auditor").rglob("*")), "the cache went to the user's folder"
    assert sorted(p.name for p in audited["marker"].iterdir()) == []


def test_writes_are_atomic_a_failed_render_leaves_the_old_report(tmp_path):
    from auditor.output import write_atomic

    target = tmp_path / "report.json"
    write_atomic(target, "old")

    with pytest.raises(TypeError):
        write_atomic(target, None)  # a write that fails midway
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"], "no temporary file is left behind"
