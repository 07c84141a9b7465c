"""What the top of every report must say before any score: engines that did not run, partial engine errors,
analyses that crashed, files left out. Shown first by the terminal, Markdown and HTML reports.
"""
from __future__ import annotations

MAX_LISTED = 5


def engines_failed(engines) -> list[str]:
    return [run.name for run in engines if run.status != "ok"]


def audit_warnings(engines, collector_errors: dict[str, str], skipped_files: list) -> list[str]:
    """One line each, most serious first."""
    out = []
    for run in engines:
        if run.status != "ok":
            out.append(f"{run.name} {run.status}: {run.error or 'no detail'}: the items that need it are unknown")
    for run in engines:
        file_errors = [m for m in run.messages if m and not m.startswith("no Python files")]
        if run.status == "ok" and file_errors:
            listed = "; ".join(m.splitlines()[0][:120] for m in file_errors[:MAX_LISTED])
            more = f" and {len(file_errors) - MAX_LISTED} more" if len(file_errors) > MAX_LISTED else ""
            out.append(f"{run.name} reported {len(file_errors)} error(s) on some files, the rest was analysed: "
                       f"{listed}{more}")
    for name, error in sorted(collector_errors.items()):
        out.append(f"analysis {name} failed ({error}): the items that need it are unknown")
    if skipped_files:
        out.append(f"{len(skipped_files)} file(s) skipped (symlink, binary, too large or not parseable): "
                   "see inventory.skipped_files")
    return out
