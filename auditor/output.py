"""Writing reports: where each format goes (--output), and writing it atomically (no half-written report)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from auditor.errors import AuditError
from auditor.files import write_atomic  # noqa: F401  (re-exported: the CLI writes reports with it)

FILE_NAMES = {"json": "report.json", "html": "report.html", "sarif": "report.sarif",
              "junit": "report.junit.xml", "markdown": "report.md"}
FORMATS = ("terminal", *FILE_NAMES)


def renderer(fmt: str) -> Callable[..., str]:
    if fmt == "json":
        from auditor.render.json_report import render_json
        return render_json
    try:
        if fmt == "html":
            from auditor.render.html import render_html
            return render_html
        if fmt == "sarif":
            from auditor.render.sarif import render_sarif
            return render_sarif
        if fmt == "junit":
            from auditor.render.junit import render_junit
            return render_junit
        if fmt == "markdown":
            from auditor.render.markdown import render_markdown
            return render_markdown
    except ImportError as exc:
        raise AuditError(f"the {fmt} report is not available in this build: {exc}") from None
    raise AuditError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


@dataclass(frozen=True)
class Destination:
    """Where one format is written: stdout (path None), or a file."""
    path: Path | None


def plan_outputs(output: str | None, formats: list[str]) -> dict[str, Destination]:
    """Each chosen format's destination, checked before the audit runs (an unusable --output is a usage
    error, not a failure after minutes of scanning). As semgrep, ruff and bandit take `-o FILE`:

    - no --output: the one report format (or the terminal summary) to stdout;
    - `-o -`: the one chosen format to stdout;
    - `-o PATH` with one report format: a file, when PATH has an extension (report.sarif) or is an existing
      file; otherwise a folder (PATH/report.<ext>, the contract's `--output DIR`);
    - `-o DIR` with several formats: DIR/report.json, report.html, ... (a PATH that is a file, or has an
      extension, is refused: it would become a folder named like a file).
    The terminal summary goes to stdout, or to PATH when it is the only format and PATH is a file.
    """
    if not formats:
        raise AuditError(f"--format needs at least one format (choose from {', '.join(FORMATS)})")
    reports = [f for f in formats if f != "terminal"]
    if output == "-":
        if len(formats) != 1:
            raise AuditError("--output - writes one format to stdout: choose exactly one with --format")
        return {formats[0]: Destination(None)}
    if output is None:
        if len(reports) > 1:
            raise AuditError("several formats need --output DIR (or choose one format to print it to stdout)")
        return {fmt: Destination(None) for fmt in formats}
    if not output.strip():
        raise AuditError("--output needs a path (a file for one format, a folder for several, '-' for stdout)")
    path = Path(output)
    _refuse_symlinks(path)
    folder_named = output.endswith(("/", os.sep)) or path.is_dir()
    file_named = not folder_named and (path.suffix != "" or path.exists())
    plan = {fmt: Destination(None) for fmt in formats if fmt == "terminal"}
    if file_named and len(reports) <= 1:
        _check_writable_file(path)
        return {fmt: Destination(path) for fmt in formats} if not reports else {**plan, reports[0]: Destination(path)}
    if file_named:
        what = "is a file" if path.exists() else "names a file"
        raise AuditError(f"--output {output} {what}, but {len(reports)} formats need a folder "
                         "(give a folder, or choose one format with --format)")
    _check_writable_folder(path)
    return {**plan, **{fmt: Destination(path / FILE_NAMES[fmt]) for fmt in reports}}


def _refuse_symlinks(path: Path) -> None:
    """An output folder or file that is a symlink is refused: a checkout can commit `out -> /home/you`, and
    writing there (and replacing files atomically) would reach outside it. Checked: each folder of the path
    as given (for a relative path, from the current folder down) and the path itself."""
    probes = [path] + ([] if path.is_absolute() else [p for p in path.parents if p != Path(".")])
    if path.is_absolute():
        probes.append(path.parent)
    for probe in probes:
        if probe.is_symlink():
            raise AuditError(f"--output {path}: {probe} is a symlink; refusing to write through it "
                             "(give a real folder)")


def _check_writable_file(path: Path) -> None:
    if path.exists() and not os.access(path, os.W_OK) and not os.access(path.parent, os.W_OK):
        raise AuditError(f"--output {path}: cannot write there (permission denied)")
    _check_writable_folder(path.parent, for_file=path)


def _check_writable_folder(folder: Path, for_file: Path | None = None) -> None:
    """`folder` exists and is writable, or can be created: its nearest existing ancestor is a writable folder."""
    named = for_file or folder
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise AuditError(f"--output {named}: {probe} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise AuditError(f"--output {named}: cannot write in {probe} (permission denied)")
