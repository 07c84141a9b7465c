"""The content-hash cache: a warm audit rescans only changed files and never changes a verdict.

The engines are the real semgrep and bandit; semgrep runs with a one-rule config here (the cache logic does
not depend on the rules, and semgrep starts faster), except for the end-to-end CLI test.
"""
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from auditor.cache import FindingsCache, machine_secret
from auditor.engines import semgrep as semgrep_engine
from auditor.engines.base import json_process
from auditor.engines.bandit import run_bandit
from auditor.engines.semgrep import run_semgrep
from auditor.repo import Repository
from helpers import run_cli, write_files

FIXTURES = Path(__file__).parent / "fixtures"

RULE = """rules:
- id: eval-call
  pattern: eval(...)
  message: eval of data
  languages: [python]
  severity: ERROR
  metadata: {item: SEC-INJECTION, kind: violation}
"""
FILES = {
    "app/a.py": "x = eval(input())\n",
    "app/b.py": "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n",
    "app/c.py": "def ok():\n    return 1\n",
    "web/main.js": "const x = 1;\n",
}


@pytest.fixture(autouse=True)
def own_cache_root(tmp_path, monkeypatch):
    """The per-machine key and the default cache folder live under XDG_CACHE_HOME: a fresh one per test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def keys(run):
    return sorted((f.item_id, f.file, f.line, f.evidence.rule_id, f.evidence.snippet) for f in run.findings)


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules" / "eval.yml"
    path.parent.mkdir()
    path.write_text(RULE)
    return path.parent


@pytest.fixture
def repo_root(tmp_path):
    return write_files(tmp_path / "repo", FILES)


def semgrep(root, rules, cache):
    return run_semgrep(Repository.scan(root), 120, rules=rules, cache=cache)


def bandit(root, cache):
    return run_bandit(Repository.scan(root), 120, cache=cache)


def test_warm_run_reuses_every_file_and_gives_the_same_findings(repo_root, rules, tmp_path):
    cache = FindingsCache(tmp_path / "cache")
    uncached_s, uncached_b = semgrep(repo_root, rules, None), bandit(repo_root, None)
    cold_s, cold_b = semgrep(repo_root, rules, cache), bandit(repo_root, cache)
    warm_s, warm_b = semgrep(repo_root, rules, cache), bandit(repo_root, cache)
    assert keys(uncached_s) == keys(cold_s) == keys(warm_s) and keys(warm_s), keys(warm_s)
    assert keys(uncached_b) == keys(cold_b) == keys(warm_b) and keys(warm_b), keys(warm_b)
    assert cold_s.cache == {"reused": 0, "rescanned": 4} and warm_s.cache == {"reused": 4, "rescanned": 0}
    assert warm_b.cache == {"reused": 3, "rescanned": 0}
    assert warm_s.version == cold_s.version and warm_b.version == cold_b.version
    assert warm_s.scanned_files == cold_s.scanned_files == uncached_s.scanned_files
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")


def test_one_changed_file_is_the_only_one_rescanned(repo_root, rules, tmp_path):
    cache = FindingsCache(tmp_path / "cache")
    semgrep(repo_root, rules, cache), bandit(repo_root, cache)
    # a.py loses its eval, c.py gains one (two lines down) and a pickle call
    (repo_root / "app/c.py").write_text("import pickle\n\n\ndef bad(s):\n    return eval(s), pickle.loads(s)\n")
    warm_s, warm_b = semgrep(repo_root, rules, cache), bandit(repo_root, cache)
    assert warm_s.cache == {"reused": 3, "rescanned": 1}
    assert warm_b.cache == {"reused": 2, "rescanned": 1}
    assert keys(warm_s) == keys(semgrep(repo_root, rules, None))
    assert keys(warm_b) == keys(bandit(repo_root, None))
    assert ("SEC-INJECTION", "app/c.py", 5) in {k[:3] for k in keys(warm_s)}
    assert ("SEC-INJECTION", "app/c.py", 5) in {k[:3] for k in keys(warm_b)}


def test_a_later_process_reuses_the_cache(repo_root, rules, tmp_path):
    """Each process writes its combined rules file under a fresh private name: the cache key must not
    depend on that name, or every audit after the first rescans the whole repository."""
    cache = FindingsCache(tmp_path / "cache")
    semgrep(repo_root, rules, cache)
    semgrep_engine._COMBINED.clear()   # what a new process starts with
    assert semgrep(repo_root, rules, cache).cache == {"reused": 4, "rescanned": 0}


def test_new_and_deleted_files(repo_root, rules, tmp_path):
    cache = FindingsCache(tmp_path / "cache")
    semgrep(repo_root, rules, cache)
    (repo_root / "app/a.py").unlink()
    write_files(repo_root, {"app/new file [1].py": "y = eval('2' + input())\n"})
    warm = semgrep(repo_root, rules, cache)
    assert warm.cache == {"reused": 3, "rescanned": 1}
    assert {k[1] for k in keys(warm)} == {"app/new file [1].py"}
    assert keys(warm) == keys(semgrep(repo_root, rules, None))


@pytest.mark.parametrize("garbage", ["{not json", '{"format": 1, "entries": []}', '{"format": 1, "entries": {"app/a.py": 3}}',
                                     '{"format": 1, "entries": {"app/a.py": {"sha": "x", "results": "no"}}}', "\x00\xff"])
def test_a_corrupt_cache_file_is_ignored_and_rewritten(repo_root, rules, tmp_path, garbage):
    cache = FindingsCache(tmp_path / "cache")
    expected = keys(semgrep(repo_root, rules, cache))
    for path in (tmp_path / "cache").glob("semgrep-*.json"):
        path.write_text(garbage, errors="surrogateescape")
    again = semgrep(repo_root, rules, cache)
    assert again.status == "ok" and again.cache["reused"] == 0 and keys(again) == expected
    path = next((tmp_path / "cache").glob("semgrep-*.json"))
    assert len(json.loads(path.read_text())["entries"]) == 4


def test_a_tampered_entry_for_the_same_content_cannot_hide_a_change(repo_root, rules, tmp_path):
    """A changed entry breaks the file's MAC: the whole file is ignored and every file rescanned."""
    cache = FindingsCache(tmp_path / "cache")
    semgrep(repo_root, rules, cache)
    path = next((tmp_path / "cache").glob("semgrep-*.json"))
    doc = json.loads(path.read_text())
    doc["entries"]["app/a.py"]["sha"] = "0" * 32
    path.write_text(json.dumps(doc))
    warm = semgrep(repo_root, rules, cache)
    assert warm.cache == {"reused": 0, "rescanned": 4}
    assert ("SEC-INJECTION", "app/a.py", 1) in {k[:3] for k in keys(warm)}


def test_changed_rules_or_gitignore_invalidate_the_cache(repo_root, rules, tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=repo_root, check=True)
    cache = FindingsCache(tmp_path / "cache")
    semgrep(repo_root, rules, cache)
    (rules / "eval.yml").write_text(RULE.replace("eval(...)", "pickle.loads(...)"))
    changed_rules = semgrep(repo_root, rules, cache)
    assert changed_rules.cache["reused"] == 0
    assert {k[1] for k in keys(changed_rules)} == {"app/b.py"}
    assert semgrep(repo_root, rules, cache).cache["reused"] == 4
    write_files(repo_root, {".gitignore": "app/b.py\n"})
    ignored = semgrep(repo_root, rules, cache)
    assert ignored.cache["reused"] == 0
    assert keys(ignored) == keys(semgrep(repo_root, rules, None))


def test_a_file_the_engine_cannot_parse_is_never_cached(repo_root, rules, tmp_path):
    write_files(repo_root, {"app/broken.py": "def f(:\n    print 'py2'\n"})
    cache = FindingsCache(tmp_path / "cache")
    cold_b = bandit(repo_root, cache)
    assert any("broken.py" in m for m in cold_b.messages)
    warm_b = bandit(repo_root, cache)
    assert warm_b.cache == {"reused": 3, "rescanned": 1}
    assert any("broken.py" in m for m in warm_b.messages), "the parse error is reported on every run"


def test_an_engine_failure_is_not_cached(repo_root, rules, tmp_path, monkeypatch):
    cache = FindingsCache(tmp_path / "cache")
    fake = tmp_path / "fake-bandit"
    fake.write_text("#!/bin/sh\necho garbage\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("AUDITOR_BANDIT", str(fake))
    assert bandit(repo_root, cache).status == "failed"
    assert not list((tmp_path / "cache").glob("bandit-*.json"))


def test_an_unwritable_cache_folder_does_not_break_the_audit(repo_root, rules, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = FindingsCache(blocker / "cache")
    run = semgrep(repo_root, rules, cache)
    assert run.status == "ok" and keys(run)


def test_the_first_audit_on_a_machine_makes_one_key_for_all_its_threads():
    """The engines' thread and the collectors' thread both ask for the key on a fresh machine: neither may
    see a half-written key file (then its cache was silently off: test_cli_cache_options failed in CI)."""
    start, keys_seen, errors = threading.Barrier(8), [], []

    def ask():
        start.wait()
        try:
            keys_seen.append(machine_secret())
        except OSError as exc:
            errors.append(str(exc))

    workers = [threading.Thread(target=ask) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors and len(set(keys_seen)) == 1 and len(keys_seen[0]) >= 32


def test_cli_cache_options(tmp_path):
    root = write_files(tmp_path / "repo", {"app.py": "import os\nprint(eval(os.environ['X']))\n"})
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    outside = tmp_path / "cache"
    first = run_cli("audit", str(root), "--format", "json", "--output", "-", "--cache-dir", str(outside))
    assert first.returncode in (0, 1), first.stderr
    assert not (root / ".auditor-cache").exists()
    assert list(outside.glob("semgrep-*.json")) and list(outside.glob("bandit-*.json")), \
        ([(e["name"], e["status"], e.get("error")) for e in json.loads(first.stdout)["engines"]],
         sorted(p.name for p in outside.glob("*")))
    second = run_cli("audit", str(root), "--format", "json", "--output", "-", "--cache-dir", str(outside))
    drop = ("generated_at", "duration_s")
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    for report in (a, b):
        for key in drop:
            report.pop(key)
        for engine in report["engines"]:
            engine.pop("duration_s")
    assert a == b, "a warm audit gives the same report"
    none = run_cli("audit", str(root), "--format", "json", "--output", "-", "--no-cache")
    assert none.returncode == first.returncode and not (root / ".auditor-cache").exists()
    default = run_cli("audit", str(root), "--format", "json", "--output", "-")
    assert not (root / ".auditor-cache").exists(), "the default cache is per user, outside the audited tree"
    assert list((tmp_path / "xdg" / "backend-auditor" / "repos").glob("*/semgrep-*.json"))
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert ".auditor-cache" not in status, "the cache never shows up as an untracked change"
    assert json.loads(default.stdout)["items"] == a["items"]


def test_a_folder_inside_a_git_repository_rescans_its_changed_file(rules, tmp_path):
    """`auditor audit outer/services/api`: semgrep anchors --include patterns at the git work tree, not at the
    audited folder, so the changed file must be named from there (it used to select nothing)."""
    outer = tmp_path / "outer"
    root = write_files(outer / "services" / "api", FILES)
    subprocess.run(["git", "init", "-q"], cwd=outer, check=True)
    cache = FindingsCache(tmp_path / "cache")
    semgrep(root, rules, cache)
    (root / "app/c.py").write_text("def bad(s):\n    return eval(s)\n")
    warm, uncached = semgrep(root, rules, cache), semgrep(root, rules, None)
    assert warm.cache == {"reused": 3, "rescanned": 1} and warm.scanned_files == uncached.scanned_files == 3
    assert ("SEC-INJECTION", "app/c.py", 2) in {k[:3] for k in keys(warm)}
    assert keys(warm) == keys(uncached)


def test_bundles_left_out_are_not_scanned_by_semgrep(rules, tmp_path, monkeypatch):
    seen: list = []

    def recording(*args, **kwargs):
        ran = json_process(*args, **kwargs)
        seen.extend(ran[1]["paths"]["scanned"])
        return ran

    monkeypatch.setattr(semgrep_engine, "json_process", recording)
    (rules / "eval-js.yml").write_text(RULE.replace("[python]", "[javascript]").replace("eval-call", "eval-js"))
    outer = tmp_path / "outer"
    root = write_files(outer / "app", {**FILES, "static/vendor.min.js": "eval(location.hash)\n",
                                       "static/assets/index.94b01c79.js": "eval(location.hash)\n"})
    subprocess.run(["git", "init", "-q"], cwd=outer, check=True)
    repo = Repository.scan(root)
    assert {f.path for f in repo.nonsource} == {"static/vendor.min.js", "static/assets/index.94b01c79.js"}
    run = run_semgrep(repo, 120, rules=rules)
    assert run.scanned_files == 4 and {k[1] for k in keys(run)} == {"app/a.py"}
    assert sorted(p.split("/outer/app/")[-1] for p in seen) == ["app/a.py", "app/b.py", "app/c.py", "web/main.js"]


def _stable(report: dict) -> dict:
    """The report without what differs between two runs of one audit (when, how long)."""
    report = json.loads(json.dumps(report))
    for key in ("generated_at", "duration_s"):
        report.pop(key)
    for engine in report["engines"]:
        engine.pop("duration_s")
    return report


def test_a_re_audit_reuses_per_file_facts_and_equals_an_uncached_audit(tmp_path):
    """Engine results and the collectors' per-file facts come from the cache for the unchanged files; the
    report (verdicts, scores, evidence, inventory) equals an audit that read and wrote no cache."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "cache" / "reaudit", root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    cache = tmp_path / "cache"

    def audit(*flags):
        done = run_cli("audit", str(root), "--format", "json", "--output", "-", "--fail-on", "none", *flags)
        assert done.returncode == 0, done.stderr
        return _stable(json.loads(done.stdout))

    cold = audit("--cache-dir", str(cache))
    assert cold == audit("--no-cache")
    facts = sorted(p.name.split("-")[0] for p in cache.glob("facts_*.json"))
    assert facts == ["facts_complex_functions", "facts_secrets", "facts_web_headers"], facts
    assert _headers(cold) == ("pass", ["app/web.py"]), "CORS restricted, no HTML: the headers not asked for"
    # one file changes: a second hard-coded secret, the complex function gone, a page rendered as HTML with
    # one more header set by hand (SEC-HEADERS now reads the cached facts of web.py beside views.py's new ones)
    (root / "app" / "views.py").write_text(
        'from flask import render_template\n\nPASSWORD = "Zq7xR2vL9mK4tW8pN3sB"\n\n\n'
        'def ok(response):\n    response.headers["Content-Security-Policy"] = "default-src \'self\'"\n'
        '    return render_template("page.html")\n')
    warm = audit("--cache-dir", str(cache))
    assert warm == audit("--no-cache")
    assert warm != cold
    verdict, files = _headers(warm)
    assert verdict == "partial" and files == ["app/views.py", "app/web.py"], (verdict, files)
    assert warm == audit("--cache-dir", str(cache)), "nothing changed: the same report again"


def _headers(report: dict) -> tuple[str, list[str]]:
    """SEC-HEADERS' verdict and the files of its evidence."""
    item = next(i for i in report["items"] if i["id"] == "SEC-HEADERS")
    return item["verdict"], sorted({e["file"] for e in item["evidence"]})


def test_forged_facts_are_ignored(tmp_path):
    """A facts file not written under this machine's key (planted, or edited) is read as no cache at all."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "cache" / "reaudit", root)
    cache = tmp_path / "cache"
    first = run_cli("audit", str(root), "--format", "json", "--output", "-", "--fail-on", "none",
                    "--cache-dir", str(cache))
    facts = next(cache.glob("facts_secrets-*.json"))
    document = json.loads(facts.read_text())
    for entry in document["entries"].values():
        entry["results"] = []          # every secret "already scanned, none found"
    facts.write_text(json.dumps(document))
    second = run_cli("audit", str(root), "--format", "json", "--output", "-", "--fail-on", "none",
                     "--cache-dir", str(cache))
    assert _stable(json.loads(first.stdout)) == _stable(json.loads(second.stdout))


MIXED_RULES = RULE + """- id: js-eval-call
  pattern: eval(...)
  message: eval of data
  languages: [javascript, typescript]
  severity: ERROR
  metadata: {item: SEC-INJECTION, kind: violation}
- id: todo-anywhere
  pattern-regex: TODO-SECRET
  message: a marker
  languages: [regex]
  severity: INFO
  metadata: {item: SEC-SECRETS, kind: violation}
"""


def test_rules_for_targets_keeps_every_rule_a_file_may_need():
    assert semgrep_engine.rules_for_targets(["python"]) == {"python"}
    assert semgrep_engine.rules_for_targets(["python", "typescript"]) == {"python", "javascript", "typescript"}
    # a file in no code language we name (a shebang script, a template, YAML) keeps every rule
    assert semgrep_engine.rules_for_targets(["python", None]) is None
    assert semgrep_engine.rules_for_targets(["yaml"]) is None
    assert semgrep_engine.rules_for_targets([]) is None


def test_a_rescan_loads_only_the_rules_of_the_changed_files_languages(tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mixed.yml").write_text(MIXED_RULES)
    root = write_files(tmp_path / "repo", {**FILES, "web/main.js": "eval(x); // TODO-SECRET\n"})
    cache = FindingsCache(tmp_path / "cache")
    cold = semgrep(root, rules, cache)
    (root / "app/c.py").write_text("def bad(s):  # TODO-SECRET\n    return eval(s)\n")
    configs = []
    real = semgrep_engine._scan

    def spy(cmd, *args):
        configs.append({r["id"] for r in yaml.safe_load(Path(cmd[cmd.index("--config") + 1]).read_text())["rules"]})
        return real(cmd, *args)

    monkeypatch.setattr(semgrep_engine, "_scan", spy)
    warm = semgrep(root, rules, cache)
    assert warm.cache == {"reused": 3, "rescanned": 1}
    assert configs[0] == {"eval-call", "todo-anywhere"}
    monkeypatch.setattr(semgrep_engine, "_scan", real)
    assert keys(warm) == keys(semgrep(root, rules, None)) != keys(cold)
    assert {k[3] for k in keys(warm)} == {"eval-call", "js-eval-call", "todo-anywhere"}


def test_a_rescan_names_its_files_unless_git_ignores_one(tmp_path, monkeypatch, rules):
    """A re-scan names the changed files (no walk of the tree) only when semgrep would scan them in its walk:
    in a git work tree, a git-ignored file is left to the walk, which skips it as a whole scan does."""
    root = write_files(tmp_path / "repo", {**FILES, ".gitignore": "app/local.py\n", "app/local.py": "y = 1\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    cache = FindingsCache(tmp_path / "cache")
    semgrep(root, rules, cache)
    commands = []
    real = semgrep_engine._scan

    def spy(cmd, *args):
        commands.append(cmd)
        return real(cmd, *args)

    monkeypatch.setattr(semgrep_engine, "_scan", spy)
    (root / "app/c.py").write_text("z = eval(input())\n")
    named = semgrep(root, rules, cache)
    assert commands[-1][-1] == str(root / "app/c.py") and "--include" not in commands[-1]
    (root / "app/local.py").write_text("w = eval(input())\n")
    walked = semgrep(root, rules, cache)
    assert commands[-1][-1] == str(root) and "--include" in commands[-1]
    monkeypatch.setattr(semgrep_engine, "_scan", real)
    assert keys(named) == keys(walked) == keys(semgrep(root, rules, None))
    assert "app/local.py" not in {k[1] for k in keys(walked)}
    assert not semgrep_engine.named_targets_scan_alike(root, ["app/local.py"])
    assert semgrep_engine.named_targets_scan_alike(root, ["app/c.py"])
