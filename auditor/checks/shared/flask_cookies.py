"""The Flask secure-cookie settings an app needs (SESSION_COOKIE_SECURE, REMEMBER_COOKIE_SECURE when Flask-Login
remembers users) and where it uses the cookie: read by SEC-SESSION and SEC-HTTPS."""
from __future__ import annotations

import re

from auditor.context import AuditContext
from auditor.model import Evidence
from auditor.paths import NON_PRODUCTION_PATH
from auditor.text import line_of

FLASK_REMEMBER_COOKIE = re.compile(r"\blogin_user\([^)]*\bremember\s*=")
SESSION_SECURE_SETTING = re.compile(r"\b(SESSION|REMEMBER)_COOKIE_SECURE\b")
# Where code uses the Flask session (or Flask-Login) cookie, each with a word it cannot match without: a
# pattern that starts with ^ or \b gets no fast literal scan from `re`, so the word is looked for first.
FLASK_SESSION_USE = (
    (re.compile(r"^\s*from\s+flask\s+import\s+(?:\([^)]*\bsession\b[^)]*\)|[^\n]*\bsession\b)", re.MULTILINE),
     "session"),
    (re.compile(r"\bflask\.session\b"), "flask.session"),
    (re.compile(r"^\s*(?:from|import)\s+flask_login\b", re.MULTILINE), "flask_login"),
)


def _first_flask_session_use(text: str) -> int | None:
    """Offset of the first FLASK_SESSION_USE match in the text (what one alternation would find), or None."""
    if "flask" not in text:
        return None
    starts = [m.start() for pattern, word in FLASK_SESSION_USE if word in text for m in [pattern.search(text)] if m]
    return min(starts, default=None)


def flask_cookie_settings_missing(ctx: AuditContext, settings: list[Evidence]) -> tuple[list[str], Evidence | None]:
    """The Flask secure-cookie settings this app needs but never sets, and where it uses the cookie."""
    if "flask" not in ctx.inventory.framework_names:
        return [], None
    test_files = set(ctx.inventory.test_files)
    used_at: Evidence | None = None
    remember = False
    for rel in ctx.repo.paths(language="python"):
        if rel in test_files or NON_PRODUCTION_PATH.search(rel):
            continue
        text = ctx.repo.read_text(rel) or ""
        start = _first_flask_session_use(text) if used_at is None else None
        if start is not None:
            line = line_of(text, start)
            if text[start] == "\n":
                line += 1
            used_at = Evidence(file=rel, line=line, snippet=ctx.repo.snippet(rel, line),
                               rule_id="flask-session-cookie", engine="text",
                               message="The Flask session (or Flask-Login) cookie is used here.",
                               kind="violation")
        remember = remember or ("login_user(" in text and bool(FLASK_REMEMBER_COOKIE.search(text)))
    if used_at is None:
        return [], None
    seen = {m.group(1) for e in settings for m in SESSION_SECURE_SETTING.finditer(e.snippet or "")}
    needed = ["SESSION"] + (["REMEMBER"] if remember else [])
    return [f"{name}_COOKIE_SECURE" for name in needed if name not in seen], used_at
