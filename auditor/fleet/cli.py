"""`auditor fleet TARGETS --output DIR [--workers N] [--scheduler ADDRESS]`, `auditor fleet report DIR`,
`auditor fleet export DIR`.

Exit codes (contract): 0 every target was audited; 1 any target could not be (its error is in fleet.json);
2 a usage error (a malformed targets file, an unreachable scheduler, Dask not installed).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from auditor.errors import AuditError
from auditor.render.common import clean_text

EXIT_ALL_AUDITED, EXIT_SOME_NOT_AUDITED = 0, 1


class _FleetGroup(click.Group):
    """`auditor fleet TARGETS ...` is `auditor fleet run TARGETS ...`: the first word names a subcommand or not."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_FleetGroup)
def fleet() -> None:
    """Audit every repository of an organisation on Dask, with an organisation scorecard.

    \b
      auditor fleet targets.txt --output fleet-out            # an embedded local cluster
      auditor fleet checkouts/ --output fleet-out --workers 4  # every subfolder is a target
      auditor fleet targets.yml --output fleet-out --scheduler tcp://scheduler:8786
      auditor fleet report fleet-out                           # the scorecard again, from the database
      auditor fleet export fleet-out --format csv              # the tables for a warehouse
    """


@fleet.command("run")
@click.argument("targets", type=click.Path(path_type=Path))
@click.option("--output", "-o", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("auditor-fleet"),
              show_default=True, help="Folder for fleet.json, fleet.html, fleet.md, fleet.sqlite and targets/*/report.json.")
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: one per core, at most one per target).")
@click.option("--scheduler", metavar="ADDRESS", help="An existing Dask scheduler (tcp://HOST:8786) instead of a local cluster.")
@click.option("--memory-limit", metavar="SIZE", help="Per local worker, e.g. 4GiB (default: 3/4 of the memory, shared).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="One config file for every target (as `auditor audit --config`), instead of each repository's own.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep each target's engine cache here (a cloned target has none otherwise, as with `auditor audit`).")
@click.option("--force", is_flag=True, help="Audit every target, even one whose commit, rules and config are unchanged.")
def run(targets: Path, out: Path, workers, scheduler, memory_limit, config_file, cache_dir, force) -> None:
    """Audit every target of TARGETS (a targets file or a folder of checkouts) and write the scorecard.

    Exit codes: 0 every target was audited (whatever their gates), 1 any target could not be, 2 usage error.
    """
    from auditor.fleet.render import write_fleet_outputs
    from auditor.fleet.runner import FleetSettings, run_fleet
    from auditor.fleet.targets import load_targets

    if config_file is not None and not config_file.is_file():
        raise AuditError(f"config file not found: {config_file}")
    if out.exists() and not out.is_dir():
        raise AuditError(f"--output is not a folder: {out}")
    target_list = load_targets(targets)
    settings = FleetSettings(out, str(targets), workers, scheduler, memory_limit, config_file, cache_dir, force)
    err = Console(stderr=True, highlight=False)
    try:
        outcome = _with_progress(err, lambda on_result: run_fleet(target_list, settings, on_result), len(target_list))
    except KeyboardInterrupt:
        if (out / "fleet.sqlite").is_file():
            write_fleet_outputs(out)   # what finished is kept, and marked as an incomplete run
        raise
    doc = write_fleet_outputs(out, outcome.run_id)
    s = doc["summary"]
    mean = "n/a" if s["mean_score"] is None else f"{s['mean_score']:g}"
    click.echo(f"fleet: {s['targets']} targets: {s['ok']} audited ({s['reused']} unchanged), {s['error']} not audited; "
               f"mean score {mean}; wrote {out}/fleet.json, fleet.html, fleet.md, fleet.sqlite", err=True)
    sys.exit(EXIT_SOME_NOT_AUDITED if outcome.failed else EXIT_ALL_AUDITED)


def _with_progress(err: Console, start, total: int):
    """A progress bar for a person at a terminal; one plain line per target in CI logs and pipes."""
    from auditor.cli import progress_wanted
    if not progress_wanted(err):
        return start(lambda done, all_, result: err.print(_line(done, all_, result), markup=False, soft_wrap=True))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("auditing the fleet"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task("", total=total)

        def on_result(done, all_, result):
            bar.console.print(_line(done, all_, result), markup=False, soft_wrap=True)
            bar.update(task, completed=done, description=clean_text(result.target)[-40:])
        return start(on_result)


def _line(done: int, total: int, result) -> str:
    name = " ".join(clean_text(result.target).split())
    if result.status != "ok":
        return f"fleet: [{done}/{total}] error      {name}: {' '.join(clean_text(result.error).split())}"
    if result.reused:
        return f"fleet: [{done}/{total}] unchanged  {name}"
    score = "n/a" if result.score is None else f"{result.score:g}"
    return f"fleet: [{done}/{total}] audited    {name}: score {score}, grade {result.grade} ({result.duration_s:.1f}s)"


@fleet.command("report")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--run", "run_id", type=click.IntRange(min=1), help="Which run (default: the latest).")
def report(folder: Path, run_id: int | None) -> None:
    """Write fleet.json, fleet.html and fleet.md in FOLDER again from its database."""
    from auditor.fleet.render import write_fleet_outputs
    doc = write_fleet_outputs(folder, run_id)
    click.echo(f"wrote {folder}/fleet.json, fleet.html, fleet.md (run {doc['run']['id']}, "
               f"{doc['summary']['targets']} targets)", err=True)


@fleet.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="CSV needs nothing; Parquet needs pyarrow.")
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write runs, targets, items and violations into (default: FOLDER/export).")
def export(folder: Path, fmt: str, dest: Path | None) -> None:
    """Every table of FOLDER's fleet database as CSV or Parquet files, for a warehouse."""
    from auditor.fleet.store import FleetStore
    store = FleetStore.read(folder)
    try:
        written = store.export(dest or folder / "export", fmt)
    finally:
        store.close()
    click.echo("wrote " + ", ".join(str(p) for p in written), err=True)
