"""Template files (`.env.example`, `config.sample.yml`) that the application loads as its configuration.

A template is scanned for known key formats only (auditor.secrets.files), because its values are placeholders
for the person who deploys. When the code itself loads it (`dotenv.config({ path: ".env.example" })` as the
fallback when no .env exists, `load_dotenv(".env.sample")`, a compose service's `env_file: .env.example`), its
values are the values the application runs with: it is configuration and is scanned as such.
"""
from __future__ import annotations

import posixpath
import re

from auditor.repo import Repository
from auditor.secrets.files import TEMPLATE_SUFFIXES

_SUFFIX = "|".join(re.escape(s) for s in TEMPLATE_SUFFIXES)
# a loader called with the file as the values to load (dotenv's `path`, load_dotenv's first argument); not
# dotenv-safe's `example:`, which only lists the names the real environment must define
_FILE = rf"""['"]([^'"\n]*(?:{_SUFFIX}))['"]"""
LOADER = re.compile(rf"\bconfig\(\s*\{{[^}}]*?\bpath\s*:\s*(?:[\w.]+\()?[^'\"\n]*{_FILE}|"
                    rf"\b(?:load_dotenv|dotenv_values|read_env|Config)\(\s*(?:(?:dotenv_path|env_file)\s*=\s*)?{_FILE}")
COMPOSE_ENV_FILE = re.compile(rf"^\s*(?:env_file:|-)\s*['\"]?([^'\"\s#]*(?:{_SUFFIX}))['\"]?\s*$", re.M | re.I)
LOADING_FILES = re.compile(r"\.(py|js|ts|mjs|cjs)$|(^|/)(docker-)?compose[^/]*\.ya?ml$", re.I)


def loaded_templates(repo: Repository) -> set[str]:
    """Repository paths of template files the code or the compose files load as configuration."""
    templates: dict[str, list[str]] = {}
    for path in repo.paths():
        name = posixpath.basename(path).lower()
        if name.endswith(TEMPLATE_SUFFIXES):
            templates.setdefault(name, []).append(path)
    if not templates:
        return set()
    out: set[str] = set()
    for path in repo.paths():
        if not LOADING_FILES.search(path):
            continue
        text = repo.read_text(path) or ""
        if not any(name in text.lower() for name in templates):
            continue
        pattern = COMPOSE_ENV_FILE if path.endswith((".yml", ".yaml")) else LOADER
        if path.endswith((".yml", ".yaml")) and "env_file" not in text:
            continue
        for m in pattern.finditer(text):
            name = next(g for g in m.groups() if g)
            out.update(templates.get(posixpath.basename(name).lower(), []))
    return out
