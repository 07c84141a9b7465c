"""QA-CONFIG: configuration from the environment, no hard-coded per-environment values.

Configuration is read from the environment (os.environ, settings classes, process.env, os.Getenv) or from a
file chosen per environment when the program starts (a --config option, node-config, viper). A value is not
counted as hard-coded when it is:
- a URL template whose host is a placeholder (`"postgresql://{user}@{host}:{port}/{db}".format(**conf)`);
- in a per-environment file (`environment.ts` beside `environment.prod.ts`), a test runner's configuration
  (cypress.config.ts, playwright.config.ts, ...) or a container's own tooling (docker/: localhost there is the
  container itself);
- the development default or placeholder next to a configuration read (within two lines);
- a CORS origin on localhost: a development allowance, inert elsewhere, not an address the application uses.
With no configuration read and no value in code, a configuration file in the repository that holds local
addresses and that nothing lets an environment replace is the hard-coding; so is a Django settings module, the
only one (no per-environment sibling), that writes the per-environment settings (SECRET_KEY, DEBUG,
ALLOWED_HOSTS, DATABASES) as literals: every deployment runs with the values committed there.
"""
from __future__ import annotations

import ast
import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import dedupe
from auditor.context import AuditContext
from auditor.model import VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.paths import NOT_CONFIG_CODE, TEST_FILE
from auditor.registry import check
from auditor.repo import Repository

TEST_RUNNER_CONFIG = re.compile(r"(^|/)(cypress|playwright|jest|karma|protractor|vitest|wdio|nightwatch)"
                                r"\.conf(ig)?\.\w+$|(^|/)(cypress|e2e|playwright)/", re.I)
CONTAINER_TOOLING = re.compile(r"(^|/)(docker|\.devcontainer)/", re.I)
ENVIRONMENT_WORD = re.compile(r"(?i)^(dev|development|local|test|testing|staging|stage|qa|prod|production)$")
URL_TEMPLATE = re.compile(r"://(?:[^@\s'\"`]*@)?(?:\{|%\(?|\$\{)")
CONFIG_READ = re.compile(r"process\.env|os\.getenv|os\.environ|\bgetenv\(|\bconfig\.get\w*(?:<[^>]*>)?\(|\bsettings\.\w+|"
                         r"os\.Getenv\(|viper\.Get\w*\(")
LOCAL_CORS_ORIGIN = re.compile(r"""\borigins?\s*[:=]\s*\[?\s*['"`]https?://(localhost|127\.0\.0\.1)""", re.I)
CONFIG_FILE = re.compile(r"(^|/)(config|conf|settings)/[^/]+\.(ya?ml|toml|ini|json|cfg)$|"
                         r"(^|/)(config|settings|app)\.(ya?ml|toml|ini|cfg)$", re.I)
LOCAL_ADDRESS = re.compile(r"(?im)^\s*[\w.-]*(host|url|dsn|uri|address|addr)\w*\s*[:=]\s*['\"]?"
                           r"(?:\w+://(?:[^@\s]*@)?)?(localhost|127\.0\.0\.1)\b")


def _production_code(path: str) -> bool:
    """Hard-coded addresses in tests, docs and examples are expected; only application code counts.
    (Filtered here, not with semgrep `paths:`, whose patterns match the absolute target path.)"""
    return not TEST_FILE.search(path) and not NOT_CONFIG_CODE.search(path)


def is_per_environment_file(path: str, paths: set[str]) -> bool:
    """`environment.ts` beside `environment.prod.ts`, `settings/production.py`: one file per environment."""
    folder, _, name = path.rpartition("/")
    parts = name.split(".")
    if any(ENVIRONMENT_WORD.match(p) for p in re.split(r"[._-]", name)):
        return True
    base = parts[0]
    return any(other != path and other.startswith(f"{folder}/{base}." if folder else f"{base}.")
               and any(ENVIRONMENT_WORD.match(p) for p in other.rsplit("/", 1)[-1].split(".")[1:-1])
               for other in paths)


def not_hard_coded(repo: Repository, f: Finding, paths: set[str]) -> str:
    """Why a flagged value is configuration after all ('' when it is hard-coded)."""
    snippet = f.evidence.snippet or ""
    if TEST_RUNNER_CONFIG.search(f.file):
        return "a test runner's configuration"
    if CONTAINER_TOOLING.search(f.file):
        return "container tooling (localhost is the container itself)"
    if is_per_environment_file(f.file, paths):
        return "a per-environment file"
    if URL_TEMPLATE.search(snippet):
        return "a URL template filled from configuration"
    if LOCAL_CORS_ORIGIN.search(snippet):
        return "a localhost CORS origin (a development allowance)"
    lines = repo.lines(f.file)
    line = f.evidence.line or 1
    near = "\n".join(lines[max(0, line - 3):line + 2])
    if CONFIG_READ.search(near):
        return "the development default next to a configuration read"
    return ""


def fixed_config_files(repo: Repository) -> list[Finding]:
    """Configuration files holding local addresses, for a program that reads neither the environment nor a
    file chosen per environment: every deployment runs with the same development values."""
    out = []
    for path in repo.paths():
        if not CONFIG_FILE.search(path) or not _production_code(path) or is_per_environment_file(path, set()):
            continue
        text = repo.read_text(path) or ""
        m = LOCAL_ADDRESS.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            out.append(Finding(item_id="QA-CONFIG", evidence=Evidence(
                path, line, repo.snippet(path, line), rule_id="fixed-config-file-local-address", engine="ast",
                kind=VIOLATION, message="a fixed configuration file holds a local address and nothing reads the "
                                        "environment or chooses another file per environment")))
    return out[:5]


PER_ENVIRONMENT_SETTINGS = ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASES")
ENV_READ = re.compile(r"\benviron\b|getenv\(|\bEnv\(|\benv\(|\bconfig\(|dotenv|\bimport\s+local_settings|"
                      r"from\s+\.?local_settings\s+import|\bimport\s+\*")


def _settings_lines(tree: ast.Module) -> dict[str, int]:
    """The line of each module-level assignment of a per-environment setting."""
    out = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and stmt.targets[0].id in PER_ENVIRONMENT_SETTINGS:
            out[stmt.targets[0].id] = stmt.lineno
    return out


def fixed_django_settings(repo: Repository) -> list[Finding]:
    """A Django settings module, the only one, that reads nothing from the environment and imports no other
    settings (a local_settings, a star import): its per-environment settings are fixed values."""
    paths = set(repo.paths())
    out = []
    for path in sorted(paths):
        if not path.endswith(".py") or not _production_code(path):
            continue
        text = repo.read_text(path) or ""
        if "SECRET_KEY" not in text or "INSTALLED_APPS" not in text:
            continue
        folder = path.rpartition("/")[0]
        siblings = [p for p in paths if p.rpartition("/")[0] == folder and p.endswith(".py")]
        if is_per_environment_file(path, paths) or any(is_per_environment_file(p, paths) for p in siblings) \
                or ENV_READ.search(text):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for name, line in sorted(_settings_lines(tree).items(), key=lambda kv: kv[1]):
            out.append(Finding(item_id="QA-CONFIG", evidence=Evidence(
                path, line, repo.snippet(path, line), rule_id="django-settings-fixed", engine="ast", kind=VIOLATION,
                message=f"{name} is written in the only settings module, which reads nothing from the environment: "
                        "every deployment runs with this value")))
    return out


# violations that count only in an application that reads no configuration from the environment
ENVIRONMENT_ONLY_RULES = frozenset({"hardcoded-listen-port-js"})


@check("QA-CONFIG")
def environment_configuration(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    paths = set(ctx.repo.paths())
    flagged = dedupe([f for f in ctx.violations(item.id) if _production_code(f.file)])
    excused = [(f, why) for f in flagged if (why := not_hard_coded(ctx.repo, f, paths))]
    bad = [f for f in flagged if f not in {e for e, _ in excused}]
    good = dedupe([f for f in ctx.practices(item.id) if _production_code(f.file)])
    if good:   # a fixed listen port beside configuration read from the environment is only a default
        bad = [f for f in bad if f.evidence.rule_id not in ENVIRONMENT_ONLY_RULES]
    if not bad and not good:
        bad = fixed_config_files(ctx.repo) + fixed_django_settings(ctx.repo)
    if not bad and not good:
        return ItemResult(item.id, "not_applicable",
                          "Heuristic: no configuration surface found: no environment reads (os.environ, getenv, "
                          "BaseSettings, django-environ, dotenv, process.env, os.Getenv), no configuration file "
                          "chosen at start and no hard-coded database/service URLs.")
    good_files = sorted({f.file for f in good})
    evidence = [f.evidence for f in bad] + [f.evidence for f in good][:10]
    details = {"environment_reads": len(good), "hard_coded_values": len(bad), "files_reading_env": good_files,
               "not_counted": [f"{f.file}:{f.line} ({why})" for f, why in excused][:10]}
    if not bad:
        return ItemResult(item.id, "pass",
                          f"Heuristic: configuration comes from the environment or a file chosen per environment "
                          f"({len(good)} read(s) in {len(good_files)} file(s)); no hard-coded per-environment "
                          "address found.", evidence, details=details)
    if not good:
        return ItemResult(item.id, "fail",
                          f"Heuristic: {len(bad)} hard-coded per-environment value(s) (database URLs and locations, internal or "
                          "localhost service addresses, database hosts, a fixed listen port, the settings of a Django settings "
                          "module that is the only one) and no configuration read from the environment.", evidence, details=details)
    return partial_result(item.id, len(good), len(good) + len(bad),
                          f"Heuristic: {len(good)} environment read(s), but {len(bad)} hard-coded per-environment "
                          "value(s) remain.", evidence, details)
