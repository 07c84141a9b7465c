"""The scanned repository's config: [tool.auditor] in pyproject.toml, or .auditor.toml, or --config FILE.

Unknown keys and wrong types are errors that name the key and the file (exit 2): a typo in a gate setting
must not silently loosen the gate.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.model import SEVERITIES
from auditor.scoring import FAIL_ON_CHOICES

CATEGORIES = ("security", "migrations", "database", "api", "reliability", "performance", "quality")


@dataclass
class FileConfig:
    source: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


# key -> (check, description of the expected type)
SCHEMA: dict[str, tuple[Any, str]] = {
    "fail_under": (lambda v: _number(v) and 0 <= v <= 100, "a number from 0 to 100"),
    "fail_on": (lambda v: v in FAIL_ON_CHOICES, f"one of {', '.join(FAIL_ON_CHOICES)}"),
    "allow_unknown": (lambda v: isinstance(v, bool), "true or false"),
    "only": (_str_list, "a list of item ids"),
    "skip": (_str_list, "a list of item ids"),
    "exclude": (_str_list, "a list of path globs"),
    "engine_timeout": (lambda v: _number(v) and v > 0, "a positive number of seconds"),
    "category_minimums": (lambda v: isinstance(v, dict) and all(k in CATEGORIES and _number(x) and 0 <= x <= 100
                                                                for k, x in v.items()),
                          f"a table of category ({', '.join(CATEGORIES)}) = number 0-100"),
    "severity": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and x in SEVERITIES for k, x in v.items()),
                 f"a table of ITEM-ID = severity ({', '.join(SEVERITIES)})"),
    "format": (_str_list, "a list of report formats"),
}


def load_config(root: Path, explicit: Path | None = None) -> FileConfig:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        data = _read_toml(explicit)
        section = data.get("tool", {}).get("auditor", data) if explicit.name == "pyproject.toml" else data
        return _validated(section, str(explicit))
    dotfile = root / ".auditor.toml"
    _refuse_symlink(dotfile, ".auditor.toml")
    if dotfile.is_file():
        return _validated(_read_toml(dotfile), ".auditor.toml")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and not pyproject.is_symlink():   # a symlinked pyproject: not read for our config
        try:
            data = _read_toml(pyproject)
        except ConfigError:
            return FileConfig()  # a broken pyproject is the scanned project's problem, not a config of ours
        section = data.get("tool", {}).get("auditor")
        if section is not None:
            return _validated(section, "pyproject.toml [tool.auditor]")
    return FileConfig()


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None


def _validated(section: Any, source: str) -> FileConfig:
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: the auditor config must be a table")
    for key, value in section.items():
        if key not in SCHEMA:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(SCHEMA))})")
        check, expected = SCHEMA[key]
        if not check(value):
            # never the value itself: a misplaced token or password would end up in a CI log
            raise ConfigError(f"{source}: {key} must be {expected} (got a {_kind(value)})")
    return FileConfig(source, dict(section))


def _kind(value: Any) -> str:
    """The TOML type of a value, for an error message that must not show the value."""
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "list", dict: "table"}.get(
        type(value), "value of another type")


def _refuse_symlink(path: Path, name: str) -> None:
    """A config file in the audited repository that is a symlink could make the audit read any file the CI
    runner can (and report its parse errors): refused."""
    if path.is_symlink():
        raise ConfigError(f"{name} is a symbolic link: refusing to read the auditor config through it "
                          "(commit the file itself, or pass --config)")


STARTER = '''\
# backend-auditor configuration for this repository.
# Command-line flags override these values.

# Gate: the audit exits 1 when the overall score is below this (0-100) ...
fail_under = 70
# ... or when an item of this severity or worse fails: critical, high, medium, low, none.
fail_on = "critical"
# Pass the gate even when an engine could not run (its items are then `unknown`).
allow_unknown = false

# Minimum score per category (security, migrations, database, api, reliability, performance, quality).
[category_minimums]
# security = 80

# Checklist items to run (empty: all) and to skip; see `auditor checklist`.
# only = ["SEC-SQLI", "SEC-SECRETS"]
# skip = ["PERF-COMPRESSION"]

# Paths to leave out, in addition to the defaults (.git, node_modules, virtualenvs, vendor, build output).
# exclude = ["scripts/legacy/*", "docs/*"]

# Per-item severity overrides.
[severity]
# "API-VERSIONING" = "low"
'''
