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

from adversary import SQLI_LINE, audit, committed, hostile_repo, verdict
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
    assert any(f.item_id == "SEC-SQLI" and f.line == SQLI_LINE for f in cold.findings)
    for path in folder.glob("semgrep-*.json"):   # same names, content rewritten to "no findings"
        doc = json.loads(path.read_text())
        doc["entries"] = {rel: {**e, "results": []} for rel, e in doc["entries"].items()}
        path.write_text(json.dumps(doc))
    warm = run_semgrep(Repository.scan(root), 300, cache=FindingsCache(folder))
    assert warm.cache["reused"] == 0
    assert any(f.item_id == "SEC-SQLI" and f.line == SQLI_LINE for f in warm.findings)
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
        assert any(f.item_id == "SEC-SQLI" for f in run.findings)
    finally:
        for path in planted:
            os.unlink(path)
