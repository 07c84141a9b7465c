"""Attacks 4, 5 and 12: the tool's own state planted by the audited repository or another process.

- a committed `.auditor-cache/` whose entries claim the files are clean (attack 4): the default cache is per
  user, outside the tree; every cache file needs a valid HMAC under a per-machine secret; a cache folder
  that git tracks is refused with the reason;
- a symlinked cache or output folder (attack 12): refused, nothing written through it;
- the combined semgrep rules file planted as `rules: []` in the shared temporary folder (attack 5): the file
  is written in a private folder and never looked up by name.
"""
from __future__ import annotations

import json
import os
import stat
import tempfile

import pytest

from adversary import EVAL_LINE, audit, committed, hostile_repo, verdict
from auditor.cache import CACHE_FORMAT, FindingsCache, file_hash, machine_secret
from auditor.engines.semgrep import combined_rules_file, run_semgrep, semgrep_rules_dir
from auditor.repo import Repository
from helpers import run_cli


@pytest.fixture(autouse=True)
def own_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def forged_cache(root, folder):
    """Entries computed the way the tool computes them, saying every file is clean, without the secret."""
    entries = {rel: {"sha": file_hash(root / rel), "scanned": True, "results": []} for rel in ("db.py",)}
    folder.mkdir(parents=True, exist_ok=True)
    for engine in ("semgrep", "bandit"):
        for n in range(3):
            (folder / f"{engine}-{n:032x}.json").write_text(json.dumps(
                {"format": CACHE_FORMAT, "version": "1.0", "entries": entries, "mac": "0" * 64}))


def test_a_committed_cache_is_never_trusted(tmp_path):
    root = hostile_repo(tmp_path / "r")
    forged_cache(root, root / ".auditor-cache")
    committed(root)
    code, report = audit(root)
    assert code == 1 and verdict(report, "SEC-SQLI") == "fail" and verdict(report, "SEC-INJECTION") == "fail"
    assert not (root / ".auditor-cache" / "CACHEDIR.TAG").exists(), "the default cache is outside the tree"
    assert (tmp_path / "xdg" / "backend-auditor" / "repos").is_dir()
    secret = tmp_path / "xdg" / "backend-auditor" / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    code, report = audit(root, "--cache-dir", str(root / ".auditor-cache"))
    assert code == 1 and verdict(report, "SEC-SQLI") == "fail"
    assert any("git tracks" in w for w in report["summary"]["warnings"])


def test_forged_cache_files_without_the_machine_mac_are_ignored(tmp_path):
    root = hostile_repo(tmp_path / "r")
    folder = tmp_path / "cache"
    cache = FindingsCache(folder)
    cold = run_semgrep(Repository.scan(root), 300, cache=cache)
    assert any(f.item_id == "SEC-INJECTION" and f.line == EVAL_LINE for f in cold.findings)
    for path in folder.glob("semgrep-*.json"):   # same names, content rewritten to "no findings"
        doc = json.loads(path.read_text())
        doc["entries"] = {rel: {**e, "results": []} for rel, e in doc["entries"].items()}
        path.write_text(json.dumps(doc))
    warm = run_semgrep(Repository.scan(root), 300, cache=FindingsCache(folder))
    assert warm.cache["reused"] == 0
    assert any(f.item_id == "SEC-INJECTION" and f.line == EVAL_LINE for f in warm.findings)
    assert machine_secret() == machine_secret(), "one key per machine, kept"


def test_a_symlinked_cache_folder_is_refused(tmp_path):
    root = hostile_repo(tmp_path / "r")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "cachelink").symlink_to(outside)
    code, report = audit(root, "--cache-dir", str(root / "cachelink"))
    assert code == 1
    assert any("symlink" in w for w in report["summary"]["warnings"])
    assert list(outside.iterdir()) == [], "nothing written through the link"


def test_a_symlinked_output_folder_is_refused(tmp_path):
    root = hostile_repo(tmp_path / "r")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "out").symlink_to(outside)
    result = run_cli("audit", ".", "-f", "json,html", "-o", "out", "--only", "SEC-SQLI", cwd=root)
    assert result.returncode == 2 and "symlink" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("audit", ".", "-f", "json", "-o", "out/report.json", "--only", "SEC-SQLI", cwd=root)
    assert result.returncode == 2 and "symlink" in result.stderr
    assert list(outside.iterdir()) == []


def test_a_planted_rules_file_in_the_shared_temp_folder_is_not_read(tmp_path):
    shared = tempfile.gettempdir()
    planted = []
    for n in range(4):   # whatever name an older version used: a file there must change nothing
        path = os.path.join(shared, f"backend-auditor-rules-{'0' * 20}{n}.yml")
        planted.append(path)
    try:
        for path in planted:
            with open(path, "w") as handle:
                handle.write("rules: []\n")
        combined = combined_rules_file(semgrep_rules_dir())
        assert str(combined) not in planted
        assert stat.S_IMODE(combined.parent.stat().st_mode) == 0o700, "a private folder (mkdtemp)"
        assert "rules: []" not in combined.read_text()[:100]
        root = hostile_repo(tmp_path / "r")
        run = run_semgrep(Repository.scan(root), 300)
        assert any(f.item_id == "SEC-INJECTION" for f in run.findings)
    finally:
        for path in planted:
            os.unlink(path)


HEADERS_APP = {
    "app.py": "from flask import Flask, render_template\n\napp = Flask(__name__)\n\n\n"
              "@app.route('/')\ndef home():\n    return render_template('home.html')\n",
    "wsgi.py": "from app import app\n",
}


def _header_facts(root, cache):
    from auditor.checks.security.headers import collect_web_headers
    from auditor.context import AuditContext
    from auditor.inventory import build_inventory
    repo = Repository.scan(root)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo), options={"use_cache": True, "cache_dir": str(cache)})
    return collect_web_headers(ctx)


def _claim_every_header(document: dict) -> None:
    """Rewrite each cached file's rows to say it sets all four headers (what flask-talisman would)."""
    for rel, entry in document["entries"].items():
        entry["results"] = [{"header": h, "line": 1, "snippet": "Talisman(app)", "message": "planted"}
                            for h in ("Content-Security-Policy", "X-Content-Type-Options", "frame options",
                                      "Referrer-Policy")]


@pytest.mark.parametrize("signer", ["none", "another key"])
def test_forged_header_facts_are_ignored(tmp_path, signer):
    """The per-file SEC-HEADERS facts (auditor/facts.py) read back only under this machine's key: a file in
    the cache folder rewritten to claim every header is set, unsigned or signed with another user's key, is
    no cache at all, and the facts are computed again from the code (which sets none)."""
    import hashlib
    import hmac
    from helpers import write_files
    root = write_files(tmp_path / "r", HEADERS_APP)
    cache = tmp_path / "cache"
    cold = _header_facts(root, cache)
    assert cold.html and not cold.headers
    (path,) = cache.glob("facts_web_headers-*.json")
    document = json.loads(path.read_text())
    _claim_every_header(document)
    if signer == "another key":
        body = json.dumps({k: v for k, v in document.items() if k != "mac"}, sort_keys=True, separators=(",", ":"))
        document["mac"] = hmac.new(b"x" * 64, body.encode(), hashlib.sha256).hexdigest()
    path.write_text(json.dumps(document))
    warm = _header_facts(root, cache)
    assert warm == cold and not warm.headers


def test_header_facts_signed_by_this_machine_are_reused(tmp_path):
    """The control for the test above: the same rewrite signed with this machine's key is read back (so the
    test above fails for the MAC, not because the planted rows could never be read)."""
    from auditor.cache import _mac
    from helpers import write_files
    root = write_files(tmp_path / "r", HEADERS_APP)
    cache = tmp_path / "cache"
    _header_facts(root, cache)
    (path,) = cache.glob("facts_web_headers-*.json")
    document = json.loads(path.read_text())
    _claim_every_header(document)
    document["mac"] = _mac(machine_secret(), document)
    path.write_text(json.dumps(document))
    assert set(_header_facts(root, cache).headers) == {"Content-Security-Policy", "X-Content-Type-Options",
                                                       "frame options", "Referrer-Policy"}
