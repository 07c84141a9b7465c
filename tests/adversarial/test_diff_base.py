"""Attack 6: `--diff-base` marked a finding `existing` when only the line that builds the query changed,
not the line where it executes. A finding is new when its fingerprint is absent from the audit of the merge
base, read with git plumbing (no checkout: the repository's filters do not run)."""
from __future__ import annotations

from adversary import audit, git, hostile_repo
from auditor.gating import export_commit

SAFE = (
    "import sqlite3\n"
    "from flask import Flask, request\n"
    "\n"
    "app = Flask(__name__)\n"
    "\n"
    "\n"
    "@app.route('/search')\n"
    "def search():\n"
    "    db = sqlite3.connect('shop.db')\n"
    "    query = 'SELECT id FROM items'\n"
    "    return str(db.execute(query).fetchall())\n"
)
BUILT_FROM_REQUEST = SAFE.replace("    query = 'SELECT id FROM items'\n",
                                  "    query = \"SELECT id FROM items WHERE name = '\" + request.args['q'] + \"'\"\n")


def test_a_new_injection_with_an_unchanged_sink_line_is_new(tmp_path):
    root = hostile_repo(tmp_path / "r", db_py=SAFE)
    marker = tmp_path / "filter-ran"
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "filter.evil.smudge", f"touch {marker}; cat")
    git(root, "config", "filter.evil.clean", "cat")
    (root / ".gitattributes").write_text("*.py filter=evil\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "safe query")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "db.py").write_text(BUILT_FROM_REQUEST)
    git(root, "commit", "-qam", "search by name")
    marker.unlink(missing_ok=True)
    code, report = audit(root, "--no-cache", "--diff-base", "main", only="SEC-SQLI")
    assert code == 1, "the injection is new: the merge base's audit does not have it"
    sqli = next(i for i in report["items"] if i["id"] == "SEC-SQLI")
    states = {e["state"] for e in sqli["evidence"] if e["kind"] == "violation"}
    assert sqli["verdict"] == "fail" and states == {"new"}
    assert not marker.exists(), "reading the merge base ran no filter"


def test_existing_violations_stay_existing_and_the_export_is_plumbing(tmp_path):
    root = hostile_repo(tmp_path / "r", db_py=BUILT_FROM_REQUEST)
    git(root, "init", "-q", "-b", "main")
    (root / "link.py").symlink_to("/etc/passwd")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "already vulnerable")
    commit = git(root, "rev-parse", "HEAD").strip()
    out = tmp_path / "export"
    out.mkdir()
    assert export_commit(root, commit, out) == 2   # db.py and requirements.txt; the symlink is left out
    assert (out / "db.py").read_text() == BUILT_FROM_REQUEST and not (out / "link.py").exists()
    git(root, "checkout", "-q", "-b", "feature")
    (root / "README.md").write_text("docs\n")
    git(root, "add", "README.md")
    git(root, "commit", "-qm", "docs")
    code, report = audit(root, "--no-cache", "--diff-base", "main", only="SEC-SQLI")
    assert code == 0
    sqli = next(i for i in report["items"] if i["id"] == "SEC-SQLI")
    assert {e["state"] for e in sqli["evidence"] if e["kind"] == "violation"} == {"existing"}
