"""The effective policy of one audit: defaults, the repository's own config, the policy file CI pins, flags.

In CI the audited repository is written by the author of the change being gated, so its `.auditor.toml` or
`[tool.auditor]` must not be able to loosen the gate (`fail_on = "none"`, `skip`, `exclude = ["*.py"]`, a
lowered severity, a committed baseline). `--policy FILE` names a file outside the repository that CI pins:
the same keys as `.auditor.toml`, plus

    allow_repo_settings = ["exclude", "category_minimums"]   # what the repository's config may still set
                                                             # ("baseline": a baseline file inside it)
    [suppressions]
    allowed = true                       # inline `auditor: ignore[...]` comments count at all
    min_reason_words = 3                 # a reason of at least this many words
    reason_pattern = '#\\d+|[A-Z]+-\\d+'   # a reason must contain this (an issue reference)
    never = ["SEC-SECRETS"]              # items no inline suppression may hide

Under a policy, each repository setting it does not allow is ignored and reported. Without one, the
repository's config applies as before (there is nothing to bound it by), and the report still says where
every value came from. Precedence, lowest first: default, repository, policy file, command line.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import SCHEMA, FileConfig
from auditor.errors import ConfigError
from auditor.options import DEFAULT_ENGINE_TIMEOUT
from auditor.suppressions import DEFAULT_MIN_REASON_WORDS, SuppressionRules

DEFAULT, REPOSITORY, POLICY, COMMAND_LINE = "default", "repository", "policy file", "command line"
GATE_KEYS = ("fail_under", "fail_on", "allow_unknown", "only", "skip", "exclude", "engine_timeout",
             "category_minimums", "severity")
DEFAULTS: dict[str, Any] = {"fail_under": None, "fail_on": "critical", "allow_unknown": False, "only": [],
                            "skip": [], "exclude": [], "engine_timeout": DEFAULT_ENGINE_TIMEOUT,
                            "category_minimums": {}, "severity": {}}
REPO_ONLY_KEYS = ("baseline",)   # allowable, though not a config key: a baseline file inside the repository
SUPPRESSION_KEYS = {
    "allowed": (lambda v: isinstance(v, bool), "true or false"),
    "min_reason_words": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 50, "a number 0-50"),
    "reason_pattern": (lambda v: isinstance(v, str) and len(v) <= 200, "a regular expression (a string)"),
    "never": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of item ids"),
}


@dataclass
class Policy:
    file: str | None = None
    values: dict[str, Any] = field(default_factory=dict)        # gate keys the policy sets
    allow_repo_settings: frozenset[str] = frozenset()
    suppressions: SuppressionRules = field(default_factory=SuppressionRules)
    suppression_sources: dict[str, str] = field(default_factory=dict)


def load_policy(path: Path) -> Policy:
    """The policy file, validated like a config file: an unknown key or a wrong type is an error (exit 2)."""
    if path.is_symlink() or not path.is_file():
        raise ConfigError(f"policy file not found (or a symlink): {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"policy {path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read policy {path}: {exc.strerror or exc}") from None
    name = f"policy {path.name}"
    values: dict[str, Any] = {}
    allowed: frozenset[str] = frozenset()
    rules = SuppressionRules()
    sources: dict[str, str] = {}
    for key, value in data.items():
        if key == "allow_repo_settings":
            known = set(GATE_KEYS) | set(REPO_ONLY_KEYS)
            if not (isinstance(value, list) and all(isinstance(x, str) and x in known for x in value)):
                raise ConfigError(f"{name}: allow_repo_settings must be a list of: {', '.join(sorted(known))}")
            allowed = frozenset(value)
        elif key == "suppressions":
            rules, sources = _suppression_rules(value, name)
        elif key in GATE_KEYS:
            check, expected = SCHEMA[key]
            if not check(value):
                raise ConfigError(f"{name}: {key} must be {expected}")
            values[key] = value
        else:
            raise ConfigError(f"{name}: unknown key {key!r} (known: {', '.join(sorted((*GATE_KEYS, 'allow_repo_settings', 'suppressions')))})")
    return Policy(str(path), values, allowed, rules, sources)


def _suppression_rules(section: Any, name: str) -> tuple[SuppressionRules, dict[str, str]]:
    if not isinstance(section, dict):
        raise ConfigError(f"{name}: [suppressions] must be a table")
    for key, value in section.items():
        if key not in SUPPRESSION_KEYS:
            raise ConfigError(f"{name}: unknown key suppressions.{key} (known: {', '.join(sorted(SUPPRESSION_KEYS))})")
        check, expected = SUPPRESSION_KEYS[key]
        if not check(value):
            raise ConfigError(f"{name}: suppressions.{key} must be {expected}")
    pattern = section.get("reason_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{name}: suppressions.reason_pattern is not a regular expression ({exc})") from None
    rules = SuppressionRules(min_reason_words=section.get("min_reason_words", DEFAULT_MIN_REASON_WORDS),
                             reason_pattern=pattern, never=frozenset(i.upper() for i in section.get("never", [])),
                             allowed=section.get("allowed", True))
    return rules, {f"suppressions.{k}": POLICY for k in section}


@dataclass
class Effective:
    """The values an audit runs with, where each came from, and the repository settings left out."""
    values: dict[str, Any]
    sources: dict[str, str]
    ignored: list[dict] = field(default_factory=list)
    policy: Policy | None = None

    def report(self) -> dict:
        """report["policy"]: the policy file, every setting with its source, and what was ignored."""
        rules = self.policy.suppressions if self.policy else SuppressionRules()
        settings = [{"key": key, "value": self.values[key], "source": self.sources[key]} for key in GATE_KEYS]
        suppression = {"allowed": rules.allowed, "min_reason_words": rules.min_reason_words,
                       "reason_pattern": rules.reason_pattern, "never": sorted(rules.never)}
        sources = self.policy.suppression_sources if self.policy else {}
        settings += [{"key": f"suppressions.{k}", "value": v, "source": sources.get(f"suppressions.{k}", DEFAULT)}
                     for k, v in suppression.items()]
        allowed = sorted(self.policy.allow_repo_settings) if self.policy else None
        return {"file": self.policy.file if self.policy else None, "allow_repo_settings": allowed,
                "settings": settings, "ignored": self.ignored}


def resolve(repo_config: FileConfig, policy: Policy | None, flags: dict[str, Any]) -> Effective:
    """Merge, lowest first: defaults, the repository's config (under a policy: only the keys it allows),
    the policy file, the command line (`flags`: only the keys given). `exclude` adds up across sources."""
    values = dict(DEFAULTS)
    sources = {key: DEFAULT for key in GATE_KEYS}
    ignored: list[dict] = []
    where = f"{REPOSITORY} ({repo_config.source})" if repo_config.source else REPOSITORY
    for key, value in repo_config.values.items():
        if key not in GATE_KEYS:
            continue
        if policy is not None and key not in policy.allow_repo_settings:
            ignored.append({"key": key, "source": where,
                            "reason": "the policy does not let the repository set it (allow_repo_settings)"})
            continue
        _set(values, sources, key, value, where)
    for key, value in (policy.values.items() if policy else ()):
        _set(values, sources, key, value, POLICY)
    for key, value in flags.items():
        if key in GATE_KEYS and value not in (None, (), []):
            _set(values, sources, key, list(value) if isinstance(value, tuple) else value, COMMAND_LINE)
    return Effective(values, sources, ignored, policy)


def _set(values: dict, sources: dict, key: str, value: Any, source: str) -> None:
    if key == "exclude" and values[key]:
        values[key] = [*values[key], *(p for p in value if p not in values[key])]
        sources[key] = f"{sources[key]} + {source}" if sources[key] != DEFAULT else source
        return
    values[key] = value
    sources[key] = source


def repository_baseline_ignored(baseline: Path | None, root: Path, policy: Policy | None) -> dict | None:
    """A baseline file inside the audited repository is the author's own list of accepted violations: under
    a policy it applies only when allowed ("baseline" in allow_repo_settings). The ignored-setting row, or None."""
    if baseline is None or policy is None or "baseline" in policy.allow_repo_settings:
        return None
    try:
        inside = baseline.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = True
    if not inside:
        return None
    return {"key": "baseline", "source": f"{REPOSITORY} ({baseline.name})",
            "reason": "a baseline committed in the repository; the policy does not allow it (allow_repo_settings)"}
