"""Command line: `auditor audit`, `auditor checklist`, `auditor explain`, `auditor init`.

Exit codes (contract): 0 gate passed, 1 gate failed, 2 usage error or a path that cannot be audited.
"""
from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from auditor import __version__
from auditor.catalog import load_catalog
from auditor.config import STARTER, FileConfig, load_config
from auditor.errors import AuditError
from auditor.options import DEFAULT_ENGINE_TIMEOUT, AuditOptions
from auditor.output import FORMATS, plan_outputs, renderer, write_atomic
from auditor.policy import Policy, load_policy, repository_baseline_ignored, resolve
from auditor.render.common import gating_summary
from auditor.render.compare import different_repository
from auditor.scoring import FAIL_ON_CHOICES
from auditor.text import printable

EXIT_PASSED, EXIT_GATE_FAILED, EXIT_USAGE = 0, 1, 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip().upper() for raw in values for v in raw.split(",") if v.strip())


MAIN_HELP = """Score a backend repository against the backend-engineer checklists, with evidence for every verdict.

\b
Examples:
  auditor audit                          audit the current folder; the summary goes to the terminal
  auditor audit path/to/repo -f html -o report.html
  auditor checklist | grep SEC-          the checklist items
  auditor explain SEC-SQLI               one item: the standard's words, why, how to fix

Run `auditor COMMAND --help` for a command's options. Exit codes: 0 the gate passed, 1 the gate failed,
2 a usage error or a path that cannot be audited.
"""

AUDIT_HELP = """Audit PATH (a folder, default the current one, or a git URL) and gate on the result.

\b
Examples:
  auditor audit                                   summary of the current folder in the terminal
  auditor audit ../shop -f html -o report.html    one format, one file
  auditor audit . -f sarif,junit,markdown -o out  several formats: out/report.sarif, ...
  auditor audit . -f json -o - | jq .summary      one format to stdout
  auditor audit . --fail-under 70 --fail-on high  a CI gate
  auditor audit . --baseline .auditor-baseline.json
  auditor audit https://github.com/org/repo.git --ref main

\b
Exit codes:
  0  the gate passed
  1  the gate failed (the reasons are printed, and listed in every report)
  2  usage error, or a path that cannot be audited (one line on stderr)

\b
Configuration, the first found: --config FILE, PATH/.auditor.toml, [tool.auditor] in
PATH/pyproject.toml (`auditor init` writes a commented one). Flags override it.

\b
Environment: NO_COLOR (no colours or styles), CI (no progress display),
AUDITOR_SEMGREP / AUDITOR_BANDIT (engine executables), AUDITOR_DEBUG=1 (traceback of an internal error),
AUDITOR_CLONE_TIMEOUT (seconds a clone may take, default 300), AUDITOR_FILE_BUDGET (seconds our analyses may
spend on one file, default 30).
"""


@click.group(help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    pass


def color_option(fn):
    return click.option("--no-color", "no_color", is_flag=True,
                        help="No colours or styles in the terminal output (also: the NO_COLOR environment variable).")(fn)


@cli.command(help=AUDIT_HELP, short_help="Audit a repository and gate on the result.")
@click.argument("target", default=".", metavar="[PATH|GIT-URL]")
@click.option("-f", "--format", "formats", multiple=True, metavar="LIST",
              help=f"Comma-separated report formats: {', '.join(FORMATS)} (default: terminal).")
@click.option("-o", "--output", "output", metavar="FILE|DIR|-",
              help="A file for one format (-o report.sarif), a folder for several (DIR/report.<ext>), "
                   "'-' for stdout. Default: stdout.")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Gate: minimum overall score (0-100).")
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), help="Gate: fail when an item of this severity or worse fails (default critical).")
@click.option("--allow-unknown", is_flag=True, default=None, help="Pass the gate even when an engine could not run.")
@click.option("-c", "--config", "config_file", type=click.Path(path_type=Path), help="Config file (default: .auditor.toml or [tool.auditor] in pyproject.toml).")
@click.option("--only", multiple=True, metavar="IDS", help="Only these checklist items (comma-separated).")
@click.option("--skip", multiple=True, metavar="IDS", help="Skip these checklist items (comma-separated).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Extra path globs to leave out.")
@click.option("--engine-timeout", type=click.FloatRange(min=1), help=f"Seconds each engine may run (default {DEFAULT_ENGINE_TIMEOUT:g}).")
@click.option("--compare", "compare_file", type=click.Path(path_type=Path), help="A previous report.json: show each item's change.")
@click.option("--ref", help="With a GIT-URL: the branch or tag to audit.")
@click.option("--per-service", is_flag=True,
              help="Monorepo: also one scorecard per service (a folder with its own manifest).")
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path),
              help="Gate only on violations not in this baseline (see `auditor baseline create`).")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path),
              help="A policy file outside the repository (CI pins it): it fixes the gate, decides which of the "
                   "repository's own settings apply and which inline suppressions count.")
@click.option("--diff-base", metavar="REF", help="Gate only on new violations: those whose fingerprint the audit of the merge base of REF and "
                   "HEAD does not have (read from git's objects, nothing checked out).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Engine results cache (default: per user, $XDG_CACHE_HOME/backend-auditor, never in the "
                   "audited folder; a symlinked or git-tracked folder is refused).")
@click.option("--no-cache", is_flag=True, help="Scan every file again; read and write no cache.")
@click.option("--timeout", "overall_timeout", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Seconds the whole audit may take (clone, engines, our analyses). On expiry the engines are "
                   "stopped, every item needing unfinished work is unknown, and the gate decides the exit code.")
@click.option("-q", "--quiet", is_flag=True, help="Only the verdict: score, grade and gate (and errors).")
@click.option("-v", "--verbose", is_flag=True, help="Every evidence line of every listed item, and the engines.")
@color_option
def audit(target: str, formats, output, fail_under, fail_on, allow_unknown, config_file, only, skip, exclude,
          engine_timeout, compare_file, ref, baseline_file, diff_base, cache_dir=None, no_cache=False, per_service=False,
          overall_timeout=None, quiet=False, verbose=False, no_color=False, policy_file: Path | None = None) -> None:
    from auditor.remote import checkout_target, is_git_url, redact_url

    if quiet and verbose:
        raise AuditError("--quiet and --verbose cannot be combined")
    chosen = [f.strip().lower() for raw in (formats or ("terminal",)) for f in raw.split(",") if f.strip()]
    for fmt in chosen:
        if fmt not in FORMATS:
            raise AuditError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    chosen = list(dict.fromkeys(chosen))
    destinations = plan_outputs(output, chosen)   # before the audit: a bad --output must not cost a scan
    compare = _load_compare(compare_file) if compare_file else None
    for fmt in chosen:
        if fmt != "terminal":
            renderer(fmt)  # fail fast on a format this build lacks, before the audit runs

    if baseline_file is not None and not baseline_file.is_file():
        raise AuditError(f"baseline file not found: {baseline_file}")
    policy = load_policy(policy_file) if policy_file is not None else None
    if overall_timeout:
        from auditor import budget
        from auditor.engines.process import stop_all
        budget.start_deadline(overall_timeout, on_expiry=stop_all)
    with checkout_target(target, ref) as root:
        options, file_config = _options(root, config_file, only, skip, exclude, engine_timeout, fail_under,
                                        fail_on, allow_unknown, policy=policy)
        options.baseline = baseline_file.resolve() if baseline_file else None
        ignored_baseline = repository_baseline_ignored(options.baseline, root, policy)
        if ignored_baseline is not None and options.policy_report is not None:
            options.baseline = None
            options.policy_report["ignored"].append(ignored_baseline)
        options.diff_base = diff_base
        # a cloned URL's checkout is thrown away: a cache there would only cost time, unless --cache-dir
        options.use_cache = not no_cache and (cache_dir is not None or not is_git_url(target))
        options.cache_dir = cache_dir.absolute() if cache_dir else None   # not resolved: a symlink is refused
        report = _run_with_progress(root, options, per_service, color=not no_color, quiet=quiet)
        if is_git_url(target):
            report["repository"]["path"] = redact_url(target)   # no token in a report
    if overall_timeout:
        budget.cancel_deadline()   # the report is written whole, whatever the time
    if file_config.source:
        report["config"] = {"source": file_config.source}
    _emit(report, destinations, compare, Verbosity(quiet, verbose, not no_color))
    sys.exit(EXIT_PASSED if report["summary"]["gate"]["passed"] else EXIT_GATE_FAILED)


def _options(root: Path, config_file, only, skip, exclude, engine_timeout, fail_under, fail_on,
             allow_unknown, policy: Policy | None = None) -> tuple[AuditOptions, FileConfig]:
    """Defaults, then the repository's config (under a policy: only what it allows), then the policy file,
    then the flags (auditor/policy.py). The result says where each value came from."""
    file_config = load_config(root, config_file)
    flags = {"only": list(_split(only)), "skip": list(_split(skip)), "exclude": list(exclude),
             "engine_timeout": engine_timeout, "fail_under": fail_under, "fail_on": fail_on,
             "allow_unknown": allow_unknown}
    effective = resolve(file_config, policy, flags)
    cfg = effective.values
    rules = policy.suppressions if policy else None
    options = AuditOptions(
        only=tuple(i.upper() for i in cfg["only"]),
        skip=tuple(i.upper() for i in cfg["skip"]),
        engine_timeout=cfg["engine_timeout"],
        excludes=tuple(cfg["exclude"]),
        fail_under=cfg["fail_under"],
        fail_on=cfg["fail_on"],
        allow_unknown=cfg["allow_unknown"],
        category_minimums=dict(cfg["category_minimums"]),
        severity_overrides={k.upper(): v for k, v in cfg["severity"].items()},
        suppression_rules=dataclasses.asdict(rules) if rules else {},
        policy_report=effective.report(),
    )
    _check_item_ids(options, file_config.source)
    return options, file_config


@dataclass(frozen=True)
class Verbosity:
    quiet: bool = False
    verbose: bool = False
    color: bool = True


def _emit(report: dict, destinations: dict, compare: dict | None, how: Verbosity) -> None:
    from auditor.render.terminal import make_console, print_summary

    terminal = destinations.get("terminal")
    if terminal is None or how.quiet:
        # the verdict whatever the format, so a CI log says why the step failed; with -q it is the whole
        # terminal report, on stdout unless a report already goes there
        report_on_stdout = any(fmt != "terminal" and d.path is None for fmt, d in destinations.items())
        on_stdout = terminal is not None and terminal.path is None and not report_on_stdout
        click.echo(_one_line_summary(report), err=not on_stdout)
        mismatch = different_repository(report, compare)
        if mismatch:
            click.echo(f"auditor: warning: {printable(mismatch)}", err=True)
    for fmt, where in destinations.items():
        if fmt == "terminal":
            if how.quiet and where.path is None:   # -q quiets the screen; a summary file asked for is still written
                continue
            if where.path is None:
                print_summary(report, make_console(color=how.color), compare, verbose=how.verbose)
            else:
                buffer = io.StringIO()
                plain = Console(file=buffer, highlight=False, width=200, soft_wrap=True, color_system=None)
                print_summary(report, plain, compare, verbose=how.verbose)
                write_atomic(where.path, buffer.getvalue())
                _wrote(where.path, how)
            continue
        render = renderer(fmt)
        text = render(report, compare=compare) if fmt in ("html", "markdown") else render(report)
        if where.path is None:
            sys.stdout.write(text)
        else:
            write_atomic(where.path, text)
            _wrote(where.path, how)


def _wrote(path: Path, how: Verbosity) -> None:
    if not how.quiet:
        click.echo(f"wrote {printable(path)}", err=True)


def _one_line_summary(report: dict) -> str:
    """The verdict on stderr whatever the format, so a CI log says why the step failed."""
    summary = report["summary"]
    score = "n/a" if summary["score"] is None else f"{summary['score']:g}/100"
    gate = summary["gate"]
    line = f"auditor: score {score}, grade {summary['grade']}, gate {'passed' if gate['passed'] else 'FAILED'}"
    reasons = [printable(r) for r in gate["reasons"]]
    if not gate["passed"]:
        line += ": " + "; ".join(reasons[:5]) + (f" (+{len(reasons) - 5} more)" if len(reasons) > 5 else "")
    gating = gating_summary(report)
    if gating:
        line += f" ({printable(gating)})"
    return line


def _check_item_ids(options: AuditOptions, source: str | None) -> None:
    known = load_catalog().by_id
    for item_id in options.severity_overrides:
        if item_id not in known:
            raise AuditError(f"{source}: severity override for unknown item {item_id!r}")


def _load_compare(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditError(f"cannot read --compare file {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise AuditError(f"--compare file {path} is not JSON (expected a previous report.json)") from None
    if not isinstance(data, dict) or "items" not in data:
        raise AuditError(f"--compare file {path} is not an auditor report.json")
    return data


def _run_with_progress(root: Path, options: AuditOptions, per_service: bool = False, color: bool = True,
                       quiet: bool = False) -> dict:
    from auditor.pipeline import run_audit
    from auditor.render.terminal import make_console
    from auditor.services import audit_per_service
    audit_fn = audit_per_service if per_service else run_audit
    err = make_console(stderr=True, color=color)
    if quiet or not progress_wanted(err):
        return audit_fn(root, options)
    with err.status("auditing…") as status:
        return audit_fn(root, options, progress=lambda msg: status.update(f"auditing: {msg}"))


def progress_wanted(err: Console) -> bool:
    """A live display only for a person at a terminal: never in CI logs, a pipe or a file."""
    try:
        a_tty = err.file.isatty()      # the real stream: FORCE_COLOR makes rich *style* a pipe, not animate it
    except (AttributeError, ValueError):
        a_tty = False
    return a_tty and err.is_terminal and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


CHECKLIST_COLUMNS = ("id", "title", "category", "severity", "weight", "automation")


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@color_option
def checklist(fmt: str, no_color: bool = False) -> None:
    """List the checklist items (full ids always; plain columns when piped, for grep)."""
    from auditor.render.terminal import make_console
    catalog = load_catalog()
    if fmt == "json":
        click.echo(json.dumps([i.to_json() for i in catalog.items], indent=2))
        return
    rows = [(i.id, i.title, i.category, i.severity, str(i.weight), i.automation) for i in catalog.items]
    console = make_console(color=not no_color)
    if not sys.stdout.isatty():
        click.echo("\n".join(_plain_columns([CHECKLIST_COLUMNS, *rows])))
        return
    # ids and words are never cut: the title wraps instead, and a narrow terminal leaves out the columns
    # that do not fit whole (all of them: piped, or --format json)
    shown = [n for n, col in enumerate(CHECKLIST_COLUMNS) if console.width >= 110 or col in ("id", "title", "severity")]
    table = Table(show_edge=False, pad_edge=False)
    for n in shown:
        col = CHECKLIST_COLUMNS[n]
        table.add_column(col, no_wrap=col != "title", ratio=1 if col == "title" else None,
                         min_width=16 if col == "title" else max(len(r[n]) for r in rows))
    for row in rows:
        table.add_row(*(row[n] for n in shown))
    console.print(table)


def _plain_columns(rows: list[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns, two spaces apart, nothing cut: one line per row whatever the width."""
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


@cli.command()
@click.argument("item_id")
def explain(item_id: str) -> None:
    """Print one item's text, rationale and remediation."""
    item = load_catalog().get(item_id)
    if item is None:
        raise AuditError(f"unknown checklist item {item_id!r} (see `auditor checklist`)")
    lines = [
        f"{item.id}: {item.title}",
        f"category: {item.category}   severity: {item.severity}   weight: {item.weight}   automation: {item.automation}",
        f"applies when: {item.applies_when}",
        f"standard: \"{item.seed}\"",
        "",
        "Why it matters:",
        f"  {item.rationale}",
        "",
        "How to fix:",
        f"  {item.remediation}",
    ]
    if item.feeds:
        lines += ["", f"Analyses: {', '.join(item.feeds)}"]
    if item.cwe or item.owasp:
        lines += [f"References: {', '.join(item.cwe + item.owasp)}"]
    click.echo("\n".join(lines))


@cli.group()
def baseline() -> None:
    """Record today's violations so that the gate only looks at new ones."""


@baseline.command("create")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline file to write (default: PATH/.auditor-baseline.json, meant to be committed).")
@click.option("-c", "--config", "config_file", type=click.Path(path_type=Path), help="Config file.")
@click.option("--only", multiple=True, metavar="IDS")
@click.option("--skip", multiple=True, metavar="IDS")
@click.option("--exclude", multiple=True, metavar="GLOB")
@click.option("--engine-timeout", type=click.FloatRange(min=1))
def baseline_create(path: Path, out: Path | None, config_file, only, skip, exclude, engine_timeout) -> None:
    """Audit PATH and write the fingerprints of its violations."""
    from auditor.gating import baseline_document
    target = out or path / ".auditor-baseline.json"
    plan_outputs(str(target), ["json"])   # checked before the audit runs
    options, _ = _options(path, config_file, only, skip, exclude, engine_timeout, None, None, None)
    report = _run_with_progress(path, options)
    document = baseline_document(report)
    write_atomic(target, json.dumps(document, indent=2) + "\n")
    click.echo(f"wrote {target}: {len(document['fingerprints'])} accepted violation(s)")


@cli.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing .auditor.toml.")
def init(path: Path, force: bool) -> None:
    """Write a commented starting config (.auditor.toml) into PATH."""
    if not path.is_dir():
        raise AuditError(f"not a folder: {path}")
    target = path / ".auditor.toml"
    if target.exists() and not force:
        raise AuditError(f"{target} exists (use --force to overwrite)")
    write_atomic(target, STARTER)
    click.echo(f"wrote {target}")


@cli.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("-n", "--commits", "count", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the last commits (first parent) to audit.")
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("auditor-history"),
              show_default=True, help="Folder for history.json and history.html.")
@click.option("-c", "--config", "config_file", type=click.Path(path_type=Path), help="Config file (read from the current work tree).")
@click.option("--only", multiple=True, metavar="IDS")
@click.option("--skip", multiple=True, metavar="IDS")
@click.option("--exclude", multiple=True, metavar="GLOB")
@click.option("--engine-timeout", type=click.FloatRange(min=1))
@click.option("--no-reuse", is_flag=True, help="Rescan every file at every commit (for timing comparisons).")
@color_option
def history(path: Path, count: int, out: Path, config_file, only, skip, exclude, engine_timeout, no_reuse,
            no_color: bool = False) -> None:
    """Audit the last N commits of PATH in a temporary git worktree and write the score trend."""
    from auditor.history import audit_history
    from auditor.render.history import render_history_html
    from auditor.render.terminal import make_console, print_history
    if not path.is_dir():
        raise AuditError(f"not a folder: {path}")
    plan_outputs(str(out) + os.sep, ["json"])   # checked before the audit runs
    options, _ = _options(path, config_file, only, skip, exclude, engine_timeout, None, None, None)
    err = make_console(stderr=True, color=not no_color)
    if progress_wanted(err):
        with err.status("auditing history…") as status:
            trend = audit_history(path, count, options, reuse=not no_reuse,
                                  progress=lambda msg: status.update(f"auditing history: {msg}"))
    else:
        trend = audit_history(path, count, options, reuse=not no_reuse)
    write_atomic(out / "history.json", json.dumps(trend, indent=2) + "\n")
    write_atomic(out / "history.html", render_history_html(trend))
    print_history(trend, make_console(color=not no_color))
    click.echo(f"wrote {out / 'history.json'} and {out / 'history.html'} ({trend['duration_s']:g}s)", err=True)


from auditor.fleet.cli import fleet  # noqa: E402  (the fleet command group lives in its own package)

cli.add_command(fleet)


def main() -> None:
    """Entry point: every error is one line on stderr and exit code 2, never a traceback."""
    _stop_on_signals()
    try:
        _command_line()
    except SystemExit as exc:
        _exit_now(exc.code)


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP: raised in the main thread so every `finally` runs (a clone's temporary
    folder is removed, a report is not half written)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop_on_signals() -> None:
    """On the first SIGINT/SIGTERM/SIGHUP: kill every running engine and clone (their whole process groups),
    let none start again, and unwind the main thread. Later signals only kill again: the unwinding (the
    removal of temporary folders) must not be cut short."""
    from auditor.engines.process import stop_all

    raised: list[int] = []

    def on_signal(signum, frame) -> None:
        stop_all()
        if not raised:
            raised.append(signum)
            raise Interrupted(signum)

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, on_signal)
            except (ValueError, OSError):   # not the main thread, or a platform without it
                pass


def _exit_now(code) -> None:
    """End the process without freeing the audit object by object: the parsed modules of a 200,000-line
    repository take 3 s to tear down, and nothing is left to clean up by then (outputs are written and
    closed, checkouts removed by their context managers); the one temporary folder of ours an atexit hook
    would remove, semgrep's combined rules, is removed here."""
    from auditor.engines.semgrep import remove_combined_rules

    remove_combined_rules()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or EXIT_USAGE
    os._exit(code)


def _command_line() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:   # bare `auditor`: the help, as git and ruff do
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        sys.exit(EXIT_USAGE)
    except click.UsageError as exc:
        click.echo(f"auditor: error: {printable(_usage_message(exc))}", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        click.echo(f"auditor: error: {printable(exc.format_message())}", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort as exc:   # click turns a KeyboardInterrupt into Abort
        if isinstance(exc.__context__, KeyboardInterrupt):
            _interrupted(exc.__context__)
        click.echo("aborted", err=True)
        sys.exit(EXIT_USAGE)
    except AuditError as exc:
        click.echo(f"auditor: error: {printable(exc)}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt as exc:
        _interrupted(exc)
    except BrokenPipeError:
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # a bug of ours: still one line, with a way to see more
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        click.echo(f"auditor: internal error: {type(exc).__name__}: {printable(exc)} (set AUDITOR_DEBUG=1 for the traceback)", err=True)
        sys.exit(EXIT_USAGE)


def _interrupted(exc: KeyboardInterrupt) -> None:
    signum = getattr(exc, "signum", signal.SIGINT)
    click.echo(f"auditor: interrupted by {signal.Signals(signum).name}: engines stopped, temporary files removed",
               err=True)
    sys.exit(128 + signum)


def _usage_message(exc: click.UsageError) -> str:
    """Click's usage errors on one line, like every other error: the message and where to read more
    (click's own form is a usage block, a blank line and the message)."""
    message = " ".join(exc.format_message().split())
    command = exc.ctx.command_path if exc.ctx is not None else "auditor"
    return f"{message} (see `{command} --help`)"
