"""The engines run alone, for the benchmarks' baseline: same rules, same tests.

Two semgrep baselines:
- `semgrep_alone`: by hand, as a user would run it (the issue's yardstick): semgrep's defaults otherwise.
- `semgrep_as_audited`: exactly the semgrep run the audit makes (its --jobs and its OCaml GC setting,
  semgrep_gc), so the audit's ratio to it is the auditor's own overhead, with no credit for the tuning.

The rules are given as the one combined file the audit loads, so neither baseline pays semgrep's
per-file config loading that the audit avoids."""
from __future__ import annotations

from pathlib import Path

from auditor.engines.bandit import bandit_item_map
from auditor.engines.base import locate_executable
from auditor.engines.semgrep import OFFLINE_ENV, combined_rules_file, semgrep_env, semgrep_jobs, semgrep_rules_dir


def semgrep_alone(root: Path) -> tuple[list[str], dict]:
    semgrep = locate_executable("semgrep", "AUDITOR_SEMGREP")
    return ([semgrep, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
             "--config", str(combined_rules_file(semgrep_rules_dir())), "--x-ignore-semgrepignore-files", str(root)],
            OFFLINE_ENV)


def semgrep_as_audited(root: Path) -> tuple[list[str], dict]:
    cmd, _ = semgrep_alone(root)
    jobs = semgrep_jobs()
    return cmd[:-1] + ["--jobs", str(jobs), cmd[-1]], semgrep_env(jobs)


def bandit_alone(root: Path) -> list[str]:
    bandit = locate_executable("bandit", "AUDITOR_BANDIT")
    return [bandit, "-r", str(root), "-f", "json", "-q", "-t", ",".join(sorted(bandit_item_map()))]
