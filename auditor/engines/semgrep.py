"""Semgrep: every rule under rules/semgrep in ONE process, offline (no metrics, no version check)."""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import yaml

from auditor.cache import FindingsCache, blake, context_key, executable_identity, file_hash, tree_hash
from auditor.engines.base import FAILED, MISSING, EngineRun, json_process, locate_executable, run_scans
from auditor.engines.incremental import ScanOutput
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding
from auditor.paths import TEST_FILE
from auditor.probes.settings import repository_settings
from auditor.repo import DEFAULT_EXCLUDED_DIRS, Repository
from auditor.resources import rules_dir

OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
MAX_TARGET_BYTES = 2_000_000   # semgrep skips larger files: they are neither hashed nor cached
SEVERITY_BY_SEMGREP = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}


def semgrep_rules_dir() -> Path:
    return rules_dir() / "semgrep"


_COMBINED: dict[str, Path] = {}        # digest of the rule files -> this process's combined file
_COMBINED_LOCK = threading.Lock()


def combined_rules_file(rules: Path, languages: frozenset[str] | None = None) -> Path:
    """Every rule under `rules` in one file, written once per process, rule content and `languages`.

    `languages` (a re-scan of changed files, see rules_for_targets): only the rules that can match a file
    of one of these semgrep languages, and every rule in a language outside LANGUAGE_FAMILIES (regex,
    generic), which can match any file.

    Semgrep loads a folder of configs one file at a time, and that costs more than the scan itself on a
    small repository (about 2x the whole run here); one file with the same rules loads in one pass. Files
    without a top-level `rules` list (semgrep's `*.test.yaml` targets) are left out, as semgrep does.
    The rule files are read with libyaml when it is there and the combined file is written as JSON (which
    semgrep reads as YAML): pure-Python YAML took about half a second of the audit's Python time, in every
    process, re-audits included. The file is written in a private folder of this process
    (tempfile.mkdtemp: mode 0700, a fresh name), never looked up by name in the shared temporary folder,
    where another user's process could plant a `rules: []` under the expected name and empty the audit.
    It is removed when the process ends.
    """
    if rules.is_file():
        return rules
    sources = [path for path in sorted(rules.rglob("*")) if path.suffix in (".yml", ".yaml") and path.is_file()]
    digest = hashlib.sha256()
    texts = []
    for path in sources:
        data = path.read_bytes()
        texts.append(data)
        digest.update(path.relative_to(rules).as_posix().encode("utf-8") + b"\0" + data + b"\0")
    key = digest.hexdigest() + "|" + ",".join(sorted(languages or ()))
    with _COMBINED_LOCK:
        known = _COMBINED.get(key)
        if known is not None and known.is_file():
            return known
        combined: list = []
        for data in texts:
            loaded = yaml.load(data.decode("utf-8"), Loader=_YAML_LOADER)
            if isinstance(loaded, dict) and isinstance(loaded.get("rules"), list):
                combined.extend(r for r in loaded["rules"] if languages is None or _may_match(r, languages))
        folder = Path(tempfile.mkdtemp(prefix="backend-auditor-rules-"))
        atexit.register(shutil.rmtree, folder, True)   # the command line ends with os._exit: see remove_combined_rules
        try:
            target, text = folder / "rules.json", json.dumps({"rules": combined}, ensure_ascii=False)
        except (TypeError, ValueError):   # a YAML-only value (a date): written as YAML
            target = folder / "rules.yml"
            text = yaml.dump({"rules": combined}, Dumper=_YAML_DUMPER, sort_keys=False, allow_unicode=True)
        target.write_text(text, encoding="utf-8")
        _COMBINED[key] = target
        return target


def remove_combined_rules() -> None:
    """Remove this process's combined rule files now. The command line ends with os._exit, which runs no
    atexit hook: without this every audit left a folder behind in the temporary folder."""
    with _COMBINED_LOCK:
        for target in _COMBINED.values():
            shutil.rmtree(target.parent, ignore_errors=True)
        _COMBINED.clear()


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# our file languages (Repository.files) -> the semgrep languages whose rules can match such a file
LANGUAGE_FAMILIES = {"python": frozenset({"python"}), "javascript": frozenset({"javascript", "typescript"}),
                     "typescript": frozenset({"javascript", "typescript"}), "go": frozenset({"go"})}
_FAMILY_LANGUAGES = frozenset().union(*LANGUAGE_FAMILIES.values())


def _may_match(rule: object, languages: frozenset[str]) -> bool:
    stated = rule.get("languages") if isinstance(rule, dict) else None
    if not isinstance(stated, list) or not stated:
        return True
    named = {str(lang).lower() for lang in stated}
    return bool(named & languages) or not named <= _FAMILY_LANGUAGES


def rules_for_targets(file_languages: list[str | None]) -> frozenset[str] | None:
    """The semgrep languages a re-scan of files in these languages needs, or None for every rule.

    A re-scan after a one-file change paid most of its time loading rules for languages the file is not
    in. Rules of another language never match a file (semgrep picks a file's language from its name; a
    file we name no code language for, a shebang script among them, keeps every rule), so a file's
    findings, and the cache entries keyed on the whole rule set, are the same either way."""
    if not file_languages or any(lang not in LANGUAGE_FAMILIES for lang in file_languages):
        return None
    return frozenset().union(*(LANGUAGE_FAMILIES[lang] for lang in file_languages if lang is not None))


def semgrep_jobs() -> int:
    """Every core this process may use (semgrep's own default, stated so the cache key can leave it out)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Semgrep-core is OCaml 5: its scanning threads (--jobs) share one heap and stop together at every minor
# collection, each stop waiting for the slowest thread. A thread that loses its core to bandit or to our
# collectors therefore stalls all of them. A larger minor heap makes those stops rarer: 4M words a thread
# (32 MB, against the runtime's default of 256k words) on 2 cores. Measured on 2 cores and the
# 200,000-line benchmark: semgrep alone 69 -> 61 s; the whole audit with semgrep on both cores 98 -> 76 s
# (94 s with semgrep on one core and bandit on the other). Same findings; about 100 MB more for semgrep.
# Each thread has its own minor heap, so the total is held at MINOR_HEAP_BUDGET_WORDS (64 MB): a 16-core
# runner gets 512k words a thread, never less than the default. A user's own OCAMLRUNPARAM is kept.
MINOR_HEAP_BUDGET_WORDS = 8 * 1024 * 1024
OCAML_DEFAULT_MINOR_WORDS = 256 * 1024


def semgrep_gc(jobs: int) -> str:
    """OCAMLRUNPARAM for a semgrep run with `jobs` threads: their minor heaps share one budget."""
    words = max(OCAML_DEFAULT_MINOR_WORDS, MINOR_HEAP_BUDGET_WORDS // max(1, jobs))
    return f"s={words // 1024}k"


def semgrep_env(jobs: int) -> dict[str, str]:
    """The environment semgrep runs with: offline, and its OCaml runtime tuned unless the user tuned it."""
    env = dict(OFFLINE_ENV)
    if "OCAMLRUNPARAM" not in os.environ:
        env["OCAMLRUNPARAM"] = semgrep_gc(jobs)
    return env


def run_semgrep(repo: Repository, timeout: float, rules: Path | None = None,
                cache: "FindingsCache | None" = None) -> EngineRun:
    """One semgrep process with every rule. With a cache, only the files whose content changed are scanned."""
    run = EngineRun("semgrep")
    exe = locate_executable("semgrep", "AUDITOR_SEMGREP")
    if exe is None:
        run.status, run.error = MISSING, "semgrep executable not found (install semgrep or set AUDITOR_SEMGREP)"
        return run
    rules = rules or semgrep_rules_dir()
    config = combined_rules_file(rules)
    base_cmd = [exe, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
                "--config", str(config), "--timeout", "20",
                "--max-target-bytes", str(MAX_TARGET_BYTES), "--x-ignore-semgrepignore-files",
                "--disable-nosem"]   # the audited code's `# nosemgrep` never hides a finding (listed instead)
    for name in sorted(DEFAULT_EXCLUDED_DIRS):
        base_cmd += ["--exclude", name]
    for pattern in repo.extra_excludes:
        base_cmd += ["--exclude", pattern]
    anchor = project_anchor(repo.root)
    started = time.monotonic()

    jobs = semgrep_jobs()
    env = semgrep_env(jobs)

    def scan(targets: list[str] | None):
        # not in base_cmd (the cache key): neither the jobs nor the files left out change a file's findings
        cmd = base_cmd + ["--jobs", str(jobs)] + nonsource_excludes(repo, anchor) + excluded_test_code(repo, anchor)
        languages = rules_for_targets([language_by_path.get(rel) for rel in targets]) if targets else None
        if languages is not None:
            cmd[cmd.index(str(config))] = str(combined_rules_file(rules, languages))
        if targets and named_targets_scan_alike(repo.root, targets):
            return _scan(cmd + [str(repo.root / rel) for rel in targets], timeout, repo, env)
        for rel in targets or ():
            cmd += ["--include", anchor + _glob_escape(rel)]
        cmd.append(str(repo.root))
        return _scan(cmd, timeout, repo, env)

    universe = [f.path for f in repo.security_files() if f.size <= MAX_TARGET_BYTES and not TEST_FILE.search(f.path)]
    language_by_path = {f.path: f.language for f in repo.security_files()}
    generated = {f.path for f in repo.generated}

    def context() -> dict:
        # the combined rules file has a fresh private name in every process: the key names the rules by
        # their content (tree_hash), never by that path, or no later audit would find this one's entries
        cmd = ["<rules>" if arg == str(config) else arg for arg in base_cmd[1:]]
        return context_key(engine="semgrep", exe=executable_identity(exe), rules=tree_hash(rules),
                           cmd=cmd, ignores=_ignore_files_hash(repo))

    run, merged = run_scans("semgrep", scan, repo.root, universe, started, cache, context, _includable)
    if merged is None:
        return run
    known = set(universe)
    for rel in sorted(merged.results):
        if rel in known:  # never a file the walker left out (a symlink's target, an excluded folder)
            run.findings.extend(f for f in (_finding(r, repo) for r in merged.results[rel])
                                if f is not None and (rel not in generated or f.item_id.startswith("SEC-")))
    # the settings literals the rules no longer match (no prefilter made them cost every file): see the probe
    run.findings.extend(repository_settings(repo))
    return run


def _scan(cmd: list[str], timeout: float, repo: Repository, env: dict[str, str]) -> "ScanOutput | EngineRun":
    ran = json_process("semgrep", cmd, timeout, str(repo.root), env)
    if isinstance(ran, EngineRun):
        return ran
    result, data = ran
    run = EngineRun("semgrep")
    # semgrep exits 0 (no findings) or 1 (findings); 2+ with results means partial errors
    errors = [e for e in data.get("errors", []) if isinstance(e, dict)]
    fatal = [e for e in errors if e.get("level") == "error" and not e.get("path")]
    if result.returncode not in (0, 1) and fatal:
        run.status, run.error = FAILED, "; ".join(_error_text(e) for e in fatal)[:500]
        return run
    out = ScanOutput(version=data.get("version"))
    out.scanned = {_relative(p, repo.root) for p in data.get("paths", {}).get("scanned", [])}
    out.messages = [_error_text(e) for e in errors]
    out.errored = {_relative(e["path"], repo.root) for e in errors if e.get("path")}
    out.failed = {_relative(e["path"], repo.root): _error_text(e) for e in errors
                  if e.get("path") and _not_analysed(e)}
    for r in data["results"]:
        try:
            rel = _relative(r["path"], repo.root)
            extra = r.get("extra", {})
            out.results.setdefault(rel, []).append({
                "check_id": r["check_id"], "path": rel,
                "start": {"line": r["start"]["line"]}, "end": {"line": r["end"]["line"]},
                "extra": {"metadata": extra.get("metadata", {}), "message": extra.get("message", ""),
                          "severity": extra.get("severity")},
            })
        except (KeyError, TypeError):
            continue
    return out


def project_anchor(root: Path) -> str:
    """The prefix that anchors a path under `root` in semgrep's --include/--exclude patterns.

    Semgrep reads an anchored pattern (`/app.py`) from its project root: the enclosing git work tree when
    there is one (the nearest folder upward with a `.git`), else the scanned folder. Auditing
    `repo/services/api` inside a git repository, `/app.py` names `repo/app.py`, so the re-audit's list of
    changed files selected nothing; the anchor there is `/services/api/`."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            prefix = root.relative_to(folder).as_posix()
            return "/" if prefix == "." else "/" + _glob_escape(prefix) + "/"
    return "/"


def named_targets_scan_alike(root: Path, targets: list[str]) -> bool:
    """Whether semgrep, given these files by name, scans exactly what its walk of `root` would scan of them.

    Naming the changed files spares semgrep the walk of the whole tree that `--include` filters (about a
    second and a half of a re-scan on a 2,000-file repository). Named files skip semgrep's `--exclude`
    patterns and .gitignore; the targets are files of the engine's universe (the walker's own excludes,
    bundles, data tables and test code are already out), so only .gitignore, which semgrep honours inside a
    git work tree, can differ: when git ignores one of them, or cannot say, the walk is kept."""
    if not all(_includable(rel) and not rel.startswith("-") for rel in targets):
        return False
    if not any((folder / ".git").exists() for folder in (root, *root.parents)):
        return True    # no git project (semgrep finds one by its .git): semgrep reads no .gitignore
    try:
        ignored = subprocess.run(["git", "check-ignore", "--stdin", "-z"], cwd=root, capture_output=True,
                                 input="\0".join(targets).encode("utf-8", "surrogateescape"), timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return ignored.returncode == 1    # 1: none ignored; 0: some ignored; 128: git failed


def nonsource_excludes(repo: Repository, anchor: str) -> list[str]:
    """--exclude for each bundle and data table the walker set aside (auditor/nonsource.py), so semgrep
    spends no time on them."""
    out: list[str] = []
    for f in repo.nonsource:
        if _includable(f.path):
            out += ["--exclude", anchor + _glob_escape(f.path)]
    return out


# the first tests/, spec/ ... folder of a path: TEST_FILE's folder part
TEST_FOLDER_PART = re.compile(r"(^|/)(tests?|__tests__|spec|specs)/")


def excluded_test_code(repo: Repository, anchor: str) -> list[str]:
    """--exclude for the test code (TEST_FILE): every item that reads semgrep's findings leaves test code out
    (auditor/paths.py), and test suites are a third of a large backend's code, its longest files among them.
    A test folder is excluded as a whole, other test files one by one."""
    folders: set[str] = set()
    files: list[str] = []
    for f in repo.security_files():
        if not TEST_FILE.search(f.path):
            continue
        m = TEST_FOLDER_PART.search(f.path)
        if m:
            folders.add(f.path[:m.end() - 1])
        else:
            files.append(f.path)
    out: list[str] = []
    for rel in sorted(folders) + sorted(p for p in files if not any(p.startswith(d + "/") for d in folders)):
        if _includable(rel):
            out += ["--exclude", anchor + _glob_escape(rel)]
    return out


def _not_analysed(error: dict) -> bool:
    """A per-file error after which semgrep's results for the file are incomplete: a timeout, running out of
    memory or stack, a fatal error. A syntax error is not one (semgrep still matches what it could parse)."""
    kind = error.get("type")
    name = str(kind[0] if isinstance(kind, list) and kind else kind or "").lower()
    return any(word in name for word in ("timeout", "memory", "stack", "fatal")) or (
        error.get("level") == "error" and not any(word in name for word in ("syntax", "lexical", "parsing")))


def _glob_escape(rel: str) -> str:
    return "".join("\\" + ch if ch in "\\*?[]" else ch for ch in rel)


def _includable(rel: str) -> bool:
    """Names an --include glob can state exactly; others make the run scan the whole repository."""
    return not any(ch in rel for ch in "\n\r\\") and rel == rel.strip()


def _ignore_files_hash(repo: Repository) -> str:
    """Semgrep skips git-ignored files: a changed .gitignore changes which files it scans."""
    names = [p for p in repo.paths() if p.rsplit("/", 1)[-1] == ".gitignore"]
    hashes = [(p, file_hash(repo.root / p)) for p in names]
    hashes.append(("info/exclude", file_hash(repo.root / ".git" / "info" / "exclude")))
    return blake(repr(hashes).encode())


def _error_text(error: dict) -> str:
    where = f"{error.get('path')}: " if error.get("path") else ""
    return where + str(error.get("message") or error.get("type") or "error").strip().splitlines()[0][:300]


def _finding(result: dict, repo: Repository) -> Finding | None:
    meta = result.get("extra", {}).get("metadata", {})
    item_id = meta.get("item")
    if not item_id:
        return None
    path = _relative(result["path"], repo.root)
    line = result["start"]["line"]
    end_line = result["end"]["line"]
    kind = PRACTICE if meta.get("kind") == PRACTICE else VIOLATION
    rule_id = meta.get("rule") or result["check_id"].rsplit(".", 1)[-1]
    severity = meta.get("severity") or SEVERITY_BY_SEMGREP.get(result.get("extra", {}).get("severity"), "medium")
    evidence = Evidence(file=path, line=line, end_line=end_line, snippet=repo.snippet(path, line, end_line),
                        rule_id=rule_id, engine="semgrep", message=result["extra"].get("message", "").strip(),
                        kind=kind)
    return Finding(item_id=item_id, evidence=evidence, severity=severity)


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix().removeprefix("./")
