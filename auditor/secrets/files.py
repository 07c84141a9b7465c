"""Which files are scanned for secrets, and how closely.

Lock files, minified bundles and binary files are skipped (they hold hashes and noise, not credentials).
Tests, docs, examples and templates (`.env.example`) are scanned for known key formats only: a
`password = "Sup3rS3cret"` for a test user is not a leaked credential, but a live Stripe key is, wherever
it sits. Config files (.env, YAML, INI, TOML, docker-compose, Dockerfile) also accept unquoted values.
"""
from __future__ import annotations

import posixpath
import re

from auditor.repo import CODE_LANGUAGES, language_of
from auditor.secrets.scanner import CODE, CONFIG, KNOWN

LOCK_FILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock",
    "uv.lock", "pdm.lock", "cargo.lock", "go.sum", "composer.lock", "gemfile.lock", "mix.lock",
    "packages.lock.json", "gradle.lockfile", "flake.lock", "bun.lockb", "podfile.lock", "pubspec.lock",
})
MINIFIED_SUFFIXES = (".min.js", ".min.css", "-min.js", ".bundle.js", ".chunk.js", ".map", ".min.mjs")
BINARY_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".bmp", ".tif", ".tiff", ".psd", ".pdf", ".zip", ".gz",
    ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".war", ".ear", ".class", ".so", ".dylib", ".dll", ".exe",
    ".bin", ".o", ".a", ".pyc", ".pyo", ".whl", ".egg", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3",
    ".mp4", ".mov", ".avi", ".wav", ".ogg", ".flac", ".webm", ".sqlite", ".sqlite3", ".db", ".parquet",
    ".npy", ".npz", ".pkl", ".pickle", ".h5", ".onnx", ".pt", ".xlsx", ".xls", ".docx", ".doc", ".pptx",
    ".lockb", ".wasm", ".svgz", ".dat",
})
CONFIG_EXTENSIONS = frozenset({
    ".env", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".cnf", ".properties", ".toml", ".tfvars", ".json",
    ".npmrc", ".pypirc", ".netrc", ".pgpass", ".htpasswd", ".xml",
})
EXTRA_CODE_EXTENSIONS = frozenset({".sh", ".bash", ".zsh", ".ps1", ".tf", ".hcl", ".groovy", ".scala",
                                   ".swift", ".dart", ".ex", ".exs", ".lua", ".pl", ".r", ".vue", ".svelte"})
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tpl", ".tmpl", ".default", ".orig")
# tests, fixtures, docs and examples: known formats only
_REFERENCE_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|testdata|test_data|fixtures?|__fixtures__|__mocks__|mocks?|e2e|cypress|"
    r"docs?|documentation|examples?|samples?|demo)/"
    r"|(^|/)test_[^/]+$|(^|/)conftest\.py$|_test\.(py|go|rb)$|_spec\.rb$|\.(test|spec)\.[jt]sx?$"
    r"|(^|/)(settings|config)/(test|tests|testing|ci)\.py$|(^|/)(settings|config)_(test|testing|ci)\.py$"
    # development and local settings modules (settings/local.py, settings/local_base.py, settings/dev.py,
    # settings_local.py): their values are not production's; known key formats are still reported there
    r"|(^|/)settings/(\w+_)?(local|dev|development)(_\w+)?\.py$|(^|/)settings_(local|dev|development)\.py$"
    r"|(^|/)(local|dev|development)_settings\.py$"
    r"|(^|/)\.env\.(test|testing|ci)$"
    # CI pipelines set the values their test runs use
    r"|(^|/)\.travis\.ya?ml$|(^|/)\.gitlab-ci\.ya?ml$|(^|/)\.github/workflows/|(^|/)\.circleci/|"
    r"(^|/)azure-pipelines\.ya?ml$|(^|/)bitbucket-pipelines\.ya?ml$|(^|/)appveyor\.ya?ml$",
    re.IGNORECASE)
DOC_EXTENSIONS = frozenset({".md", ".rst", ".txt", ".adoc", ".html", ".htm", ".ipynb", ".csv", ".svg"})


def skip_reason(path: str, size: int | None = None, max_bytes: int = 2_000_000) -> str | None:
    """Why this file is not scanned for secrets, or None when it is."""
    name = posixpath.basename(path).lower()
    if name in LOCK_FILES:
        return "lock file"
    if name.endswith(MINIFIED_SUFFIXES):
        return "minified or generated bundle"
    if posixpath.splitext(name)[1] in BINARY_EXTENSIONS:
        return "binary file"
    if size is not None and size > max_bytes:
        return f"larger than {max_bytes} bytes"
    return None


def is_minified(text: str) -> bool:
    """Long lines and few of them: a bundle, whatever its name."""
    if len(text) < 5000:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > 500


def scan_mode(path: str) -> str:
    """CONFIG, CODE or KNOWN for this path (see the module docstring)."""
    name = posixpath.basename(path).lower()
    if name.endswith(TEMPLATE_SUFFIXES) or _REFERENCE_PATH.search(path):
        return KNOWN
    ext = posixpath.splitext(name)[1]
    if (name == ".env" or name.startswith(".env.") or name.endswith(".env") or ext in CONFIG_EXTENSIONS
            or name.startswith(("dockerfile", "docker-compose", "compose.")) or name in (".npmrc", ".pypirc", ".netrc")):
        return CONFIG
    if ext in DOC_EXTENSIONS:
        return KNOWN
    if language_of(name) in CODE_LANGUAGES or ext in EXTRA_CODE_EXTENSIONS:
        return CODE
    return KNOWN


def is_env_file(path: str) -> bool:
    """A committed environment file (`.env`, `.env.production`, `prod.env`), not a template or a test one."""
    name = posixpath.basename(path).lower()
    return ((name == ".env" or name.startswith(".env.") or name.endswith(".env"))
            and scan_mode(path) == CONFIG)


def reportable(rule_id: str, path: str) -> bool:
    """Private keys under tests, fixtures and docs are test material (TLS and JWT test keys): skipped.
    Provider tokens (AWS, GitHub, Stripe...) are reported wherever they are: they work anywhere."""
    return not (rule_id == "private-key" and _REFERENCE_PATH.search(path))
