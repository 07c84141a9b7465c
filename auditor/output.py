"""Writing reports: one file per format in --output DIR, atomically (no half-written report after a crash)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from auditor.errors import AuditError

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


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is meant to be read by CI and others
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
