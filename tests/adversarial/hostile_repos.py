"""Small hostile repositories for the adversarial suite, built with real git in temporary folders.

`git_programs_repo`: a repository whose `.git/config` (and the files it includes, conditionally or not) names
a program for every setting git may run one for, each a script that leaves a marker file when it runs; its
HEAD is a signed-looking commit (a `gpgsig` header), so `git log` with `log.showSignature` runs `gpg.program`.
`injection_repo`: file names, route strings and commit subjects carrying terminal escapes, newlines,
GitHub workflow commands (`::error::`) and rich markup (`[/]`, `[red]`).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "core.hooksPath=/dev/null",
       "-c", "commit.gpgSign=false"]
# an injectable query and an eval: what a gate must fail on
DB_PY = (
    "import sqlite3\n"
    "\n"
    "\n"
    "def find(name):\n"
    "    db = sqlite3.connect('shop.db')\n"
    "    return db.execute(\"SELECT id FROM items WHERE name = '%s'\" % name).fetchall()\n"
    "\n"
    "\n"
    "def compute(expression):\n"
    "    return eval(expression)\n"
)
TOKEN = "ghp_" + "Zq8kR2mN5vT1xW4yB7cD0fG3hJ6kL9pQ2sU5"   # a made-up GitHub token of the right shape


def git(root: Path, *args: str, env: dict | None = None) -> str:
    result = subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    return result.stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def script(marker_dir: Path, name: str, then: str = "") -> str:
    """A shell command that leaves marker_dir/name, then runs `then`."""
    return f"sh -c 'touch {marker_dir / name}; {then}' --" if then else f"touch {marker_dir / name}"


def executable(path: Path, marker_dir: Path, name: str, then: str = "cat") -> str:
    path.write_text(f"#!/bin/sh\ntouch {marker_dir / name}\n{then}\n")
    path.chmod(0o755)
    return str(path)


def markers(marker_dir: Path) -> list[str]:
    return sorted(p.name for p in marker_dir.iterdir())


def signed_commit(root: Path, message: str) -> str:
    """A commit object with a gpgsig header on top of HEAD (git shows it as signed; verifying it runs gpg)."""
    tree = git(root, "write-tree")
    parent = git(root, "rev-parse", "HEAD")
    body = (f"tree {tree}\nparent {parent}\nauthor T <t@example.com> 1700000000 +0000\n"
            f"committer T <t@example.com> 1700000000 +0000\n"
            "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEEexampleexampleexample=\n"
            " -----END PGP SIGNATURE-----\n\n" + message + "\n")
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=root, input=body,
                         capture_output=True, text=True, check=True).stdout.strip()
    git(root, "update-ref", "HEAD", sha)
    return sha


def git_programs_repo(root: Path, marker_dir: Path) -> Path:
    """Three commits (the first adds a token that the second removes; the third is signed), a migration,
    a dirty work tree, and a program configured for every git setting that can name one."""
    root.mkdir(parents=True)
    marker_dir.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, {
        "app/db.py": DB_PY,
        "app/settings.py": f"GITHUB_TOKEN = '{TOKEN}'\n",
        "migrations/versions/0001_init.py": (
            "revision = '0001'\ndown_revision = None\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n"
            "def upgrade():\n    op.create_table('items', sa.Column('id', sa.Integer, primary_key=True))\n\n\n"
            "def downgrade():\n    op.drop_table('items')\n"),
        "requirements.txt": "alembic==1.13.1\nsqlalchemy==2.0.30\n",
        "config/app.ini": "[app]\ndebug = false\n",
        ".gitattributes": "*.py filter=evil diff=evil\n*.txt filter=included diff=included\n*.ini filter=worktree\n",
    })
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    write(root, {"app/settings.py": "import os\n\nGITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n"})
    git(root, "commit", "-qam", "key from the environment")
    write(root, {"app/db.py": DB_PY + "\n\ndef count():\n    return 0\n"})
    git(root, "add", "-A")
    signed_commit(root, "signed change")
    bin_dir = marker_dir.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    config = {
        "log.showSignature": "true",
        "gpg.program": executable(bin_dir / "gpg", marker_dir, "gpg.program", "exit 1"),
        "gpg.openpgp.program": executable(bin_dir / "gpg-openpgp", marker_dir, "gpg.openpgp.program", "exit 1"),
        "gpg.ssh.program": executable(bin_dir / "ssh-keygen", marker_dir, "gpg.ssh.program", "exit 1"),
        "core.fsmonitor": executable(bin_dir / "fsmonitor", marker_dir, "core.fsmonitor", "exit 1"),
        "core.pager": script(marker_dir, "core.pager", "cat"),
        "pager.log": script(marker_dir, "pager.log", "cat"),
        "core.sshCommand": script(marker_dir, "core.sshCommand"),
        "credential.helper": script(marker_dir, "credential.helper"),
        "filter.evil.clean": script(marker_dir, "filter.clean", "cat"),
        "filter.evil.smudge": script(marker_dir, "filter.smudge", "cat"),
        "filter.evil.process": script(marker_dir, "filter.process"),
        "diff.evil.textconv": script(marker_dir, "diff.textconv", "cat"),
        "diff.evil.command": script(marker_dir, "diff.command"),
        "diff.external": script(marker_dir, "diff.external"),
        "include.path": str(root / ".git" / "included.cfg"),
        "includeIf.gitdir:/.path": str(root / ".git" / "conditional.cfg"),
        # only a linked worktree's git dir (.git/worktrees/<id>) matches: the main repository never sees it
        "includeIf.gitdir:**/.git/worktrees/**.path": str(root / ".git" / "worktree.cfg"),
    }
    for key, value in config.items():
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    (root / ".git" / "included.cfg").write_text(
        f"[filter \"included\"]\n\tsmudge = \"{script(marker_dir, 'included.smudge', 'cat')}\"\n"
        f"\tclean = \"{script(marker_dir, 'included.clean', 'cat')}\"\n"
        f"[diff \"included\"]\n\ttextconv = \"{script(marker_dir, 'included.textconv', 'cat')}\"\n")
    (root / ".git" / "conditional.cfg").write_text(
        f"[gpg \"x509\"]\n\tprogram = {executable(bin_dir / 'gpgsm', marker_dir, 'gpg.x509.program', 'exit 1')}\n"
        f"[core]\n\tfsmonitor = {executable(bin_dir / 'fsmonitor2', marker_dir, 'conditional.fsmonitor', 'exit 1')}\n")
    (root / ".git" / "worktree.cfg").write_text(
        f"[filter \"worktree\"]\n\tsmudge = \"{script(marker_dir, 'worktree.smudge', 'cat')}\"\n\trequired = true\n")
    hooks = root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for hook in ("post-checkout", "post-index-change", "reference-transaction", "pre-auto-gc"):
        executable(hooks / hook, marker_dir, "hook." + hook, "exit 0")
    write(root, {"app/db.py": DB_PY + "\n\ndef count():\n    return 1\n"})   # a dirty work tree
    return root


ESC_NAME = "app/evil\x1b[2J\x1b]0;owned\x07\n::error file=app.py::forged by a file name.py"
MARKUP_NAME = "app/[/]odd[red]name[/red].py"
HOSTILE_SUBJECT = "fix \x1b[31mred\x1b[0m [/] [red]markup[/red] ::error::forged by a subject"
ROUTE = "/items\x1b[2J\n::error::forged by a route"


def injection_repo(root: Path) -> Path:
    """File names, a route and a commit subject that try to restyle the terminal, start a CI workflow
    command on a line of their own, or break rich markup; each file holds a finding, so its name is printed."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    write(root, {
        "app/__init__.py": "",
        "app/db.py": DB_PY,
        "app/views.py": ("from flask import Flask, request\n\nfrom app.db import find\n\napp = Flask(__name__)\n\n\n"
                         f"@app.route({ROUTE!r})\ndef items():\n    return str(find(request.args['q']))\n"),
        ESC_NAME: DB_PY,
        MARKUP_NAME: "def run(code):\n    return eval(code)\n",
        "requirements.txt": "flask==3.0.3\n",
    })
    git(root, "add", "-A")
    git(root, "commit", "-qm", HOSTILE_SUBJECT)
    return root
