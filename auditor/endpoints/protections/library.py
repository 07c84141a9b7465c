"""Known libraries' protections as data (rules/protections.yml): an import path, or a package name, to kinds."""
from __future__ import annotations

from functools import lru_cache

import yaml

from auditor.resources import rules_dir


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, list[str]]]:
    data = yaml.safe_load((rules_dir() / "protections.yml").read_text(encoding="utf-8")) or {}
    return {lang: {kind: [str(e) for e in entries or []] for kind, entries in (kinds or {}).items()}
            for lang, kinds in data.items()}


def python_kinds(origin: str) -> list[str]:
    """Kinds a Python import path provides: `flask_login.login_required`, also `flask_login.utils.login_required`
    (the package and the name match; submodules in between do not matter); `flask_limiter.Limiter#limit`
    for a method called on an instance."""
    if not origin:
        return []
    out = []
    for kind, entries in _table().get("python", {}).items():
        if any(_matches(origin, e) for e in entries):
            out.append(kind)
    return out


def _matches(origin: str, entry: str) -> bool:
    if origin == entry:
        return True
    head, _, name = entry.replace("#", ".").rpartition(".")
    o_head, _, o_name = origin.replace("#", ".").rpartition(".")
    if name != o_name or ("#" in entry) != ("#" in origin):
        return False
    package = head.split(".")[0]
    return o_head == head or o_head.startswith(package + ".") or o_head == package


def javascript_kinds(package: str) -> list[str]:
    """Kinds the middleware of an npm package provides (`express-rate-limit` -> rate_limit)."""
    return [kind for kind, entries in _table().get("javascript", {}).items() if package in entries]


def nestjs_kinds(entry: str) -> list[str]:
    """Kinds a NestJS guard, pipe or module from a package provides (`@nestjs/passport#AuthGuard` ->
    authentication, `@nestjs/throttler#ThrottlerGuard` -> rate_limit)."""
    return [kind for kind, entries in _table().get("nestjs", {}).items() if entry in entries]
