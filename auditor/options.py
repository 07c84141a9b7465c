from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ENGINE_TIMEOUT = 900.0


@dataclass
class AuditOptions:
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    engine_timeout: float = DEFAULT_ENGINE_TIMEOUT
    excludes: tuple[str, ...] = ()
    fail_under: float | None = None
    fail_on: str = "critical"
    allow_unknown: bool = False
    category_minimums: dict[str, float] = field(default_factory=dict)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    baseline: Path | None = None          # gate only on violations not in this baseline file
    diff_base: str | None = None          # gate only on violations absent from the audit of the merge base with this ref
    use_cache: bool = False               # reuse engine results per file content hash (the CLI turns it on)
    suppression_rules: dict = field(default_factory=dict)   # SuppressionRules fields (policy [suppressions])
    policy_report: dict | None = None    # the effective policy and each value's source, for report["policy"]
    cache_dir: Path | None = None         # default: per user, $XDG_CACHE_HOME/backend-auditor/repos/<path hash>
