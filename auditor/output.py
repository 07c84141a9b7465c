"""Writing reports: one file per format in --output DIR, atomically (no half-written report after a crash)."""
from __future__ import annotations

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


