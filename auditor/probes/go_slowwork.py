"""Slow work in Go request handlers, read as text: mail (net/smtp, gomail, mailgun, sendgrid), outbound HTTP calls
(http.Get/Post/PostForm, a client's Do), subprocesses (exec.Command) and PDF/image rendering, in the handler or one
repository call down; done inline, or handed off (a `go` statement, a job queue: asynq, machinery, gocraft/work,
river)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.endpoints.goread import GoFunc, GoIndex
from auditor.text import closing_bracket, line_of

SLOW = [
    (re.compile(r"\bsmtp\.SendMail\s*\("), "sends mail (net/smtp SendMail)"),
    (re.compile(r"\.DialAndSend\s*\("), "sends mail (gomail DialAndSend)"),
    (re.compile(r"\b(?:mg|mailgun\w*|mailer|sg|sendgrid\w*|client)\s*\.\s*Send\s*\(\s*(?:ctx|context|message|msg|m|email|mail)"),
     "sends mail through a mail API client"),
    (re.compile(r"\bhttp\.(?:Get|Post|PostForm|Head)\s*\("), "calls an outside HTTP service"),
    (re.compile(r"\b(?:http\.DefaultClient|client|httpClient|\w+Client)\s*\.\s*Do\s*\(\s*req"),
     "calls an outside HTTP service"),
    (re.compile(r"\bexec\.Command(?:Context)?\s*\("), "runs a subprocess (exec.Command)"),
    (re.compile(r"\b(?:gofpdf\.New|wkhtmltopdf\.\w+|pdf\.\w+\.OutputFileAndClose|imaging\.(?:Resize|Fit|Fill))\s*\("),
     "renders a PDF or an image"),
]
QUEUES = re.compile(r'"(github\.com/(?:hibiken/asynq|RichardKnop/machinery|gocraft/work|riverqueue/river|'
                    r'adjust/rmq|benmanns/goworker|vmihailenco/taskq))[^"]*"')


@dataclass
class SlowWork:
    file: str
    line: int
    what: str
    handed_off: bool   # inside a `go` statement's closure


def _go_regions(src: str, start: int, end: int) -> list[tuple[int, int]]:
    regions = []
    for m in re.finditer(r"(?m)^\s*go\s+", src[start:end]):
        at = start + m.end()
        brace = src.find("{", at, src.find("\n", at))
        close = closing_bracket(src, brace, skip_strings=True, limit=20000) if brace >= 0 else None
        regions.append((at, close if close is not None else src.find("\n", at)))
    return regions


def slow_work_in(fn: GoFunc) -> list[SlowWork]:
    src = fn.source.src
    start, end = fn.body_start + 1, fn.body_end
    regions = _go_regions(src, start, end)
    found = []
    for pattern, what in SLOW:
        for m in pattern.finditer(src, start, end):
            off = any(a <= m.start() <= b for a, b in regions)
            found.append(SlowWork(fn.file, line_of(src, m.start()), what, off))
    return found


def handler_slow_work(index: GoIndex, handler: GoFunc) -> list[tuple[SlowWork, str]]:
    """Slow work in a handler and in the repository functions it calls (one level): (work, via)."""
    out = [(w, "") for w in slow_work_in(handler)]
    src = handler.source.src
    regions = _go_regions(src, handler.body_start + 1, handler.body_end)
    for m in re.finditer(r"(?:\b(\w+)\s*\.\s*)?\b([A-Za-z_]\w*)\s*\(", src[handler.body_start + 1:handler.body_end]):
        qual, name = m.group(1) or "", m.group(2)
        at = handler.body_start + 1 + m.start()
        for callee in index.functions_named(name, qual, handler.file)[:3]:
            if callee is handler:
                continue
            for w in slow_work_in(callee):
                w.handed_off = w.handed_off or any(a <= at <= b for a, b in regions)
                out.append((w, name))
    return out


def queue_imports(index: GoIndex) -> list[tuple[str, int, str]]:
    return [(path, line_of(gf.src, m.start()), m.group(1)) for path, gf in sorted(index.files.items())
            for m in QUEUES.finditer(gf.src)]
