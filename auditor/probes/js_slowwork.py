"""Mail sent inside a JavaScript/TypeScript request, read as text (never run): a module that sends mail
(`transport.sendMail(...)`) defines mail-sending functions (those that call sendMail, or call another of them
in the same module); a handler that awaits one of them, itself or through the repository function it calls
(`await emailService.sendResetPasswordEmail(...)`), keeps the client waiting on an SMTP exchange.
"""
from __future__ import annotations

import re

from auditor.inventory import TEST_FILE
from auditor.repo import Repository

JS = (".js", ".mjs", ".cjs", ".ts")
SENDS_MAIL = re.compile(r"\.sendMail\s*\(")
DEFINITION = re.compile(r"(?:\bfunction\s+([\w$]+)\s*\(|\b(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s*)?"
                        r"(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)|^\s*(?:async\s+)?([\w$]+)\s*\([^()]*\)\s*\{)", re.M)


def _functions(text: str) -> dict[str, str]:
    """name -> body text (up to the next definition) of the module's top-level-looking functions."""
    marks = [(m.start(), next(g for g in m.groups() if g)) for m in DEFINITION.finditer(text)]
    out: dict[str, str] = {}
    for i, (start, name) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        out.setdefault(name, text[start:end])
    return out


def mail_senders(repo: Repository) -> dict[str, str]:
    """Names of functions that send mail -> the file defining them, in modules that call `.sendMail(`."""
    found: dict[str, str] = {}
    for path in repo.paths():
        if not path.endswith(JS) or TEST_FILE.search(path) or "node_modules/" in path:
            continue
        text = repo.read_text(path) or ""
        if not SENDS_MAIL.search(text):
            continue
        bodies = _functions(text)
        senders = {name for name, body in bodies.items() if SENDS_MAIL.search(body)}
        grew = True
        while grew:
            more = {name for name, body in bodies.items() if name not in senders
                    and any(re.search(rf"(?<![\w$.]){re.escape(s)}\s*\(", body) for s in senders)}
            senders |= more
            grew = bool(more)
        for name in senders:
            found.setdefault(name, path)
    return found


def awaited_mail(text: str, senders: dict[str, str]) -> str | None:
    """The first awaited call of a mail-sending function in a handler's text (`emailService.sendWelcome`), or
    an awaited `.sendMail(` itself; None when there is none."""
    for m in re.finditer(r"\bawait\s+(?:[\w$]+\.)?([\w$]+)\s*\(", text):
        if m.group(1) in senders or m.group(1) == "sendMail":
            return m.group(0)[len("await"):].rstrip("(").strip()
    return None
