"""The engines run by hand, as a user would, for the benchmarks' baseline: same rules, same tests, defaults
otherwise (semgrep picks its own --jobs). The rules are given as the one combined file the audit loads, so
the baseline does not pay semgrep's per-file config loading that the audit avoids."""
from __future__ import annotations

from pathlib import Path

from auditor.engines.bandit import bandit_item_map
from auditor.engines.base import locate_executable
from auditor.engines.semgrep import OFFLINE_ENV, combined_rules_file, semgrep_rules_dir


def semgrep_alone(root: Path) -> tuple[list[str], dict]:
    semgrep = locate_executable("semgrep", "AUDITOR_SEMGREP")
    return ([semgrep, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
             "--config", str(combined_rules_file(semgrep_rules_dir())), "--x-ignore-semgrepignore-files", str(root)],
            OFFLINE_ENV)


def bandit_alone(root: Path) -> list[str]:
    bandit = locate_executable("bandit", "AUDITOR_BANDIT")
    return [bandit, "-r", str(root), "-f", "json", "-q", "-t", ",".join(sorted(bandit_item_map()))]
