"""The text shortcuts in the checks find exactly what the plain regexes find (hypothesis).

Several checks look for a word with `in` before running a slow regex, or split one alternation into
parts that each have a word to look for first. Texts here are drawn from fragments that come near the
patterns' edges (words split across lines, comments, near-miss spellings), and each shortcut is compared
with the plain search it replaces."""
import re

from hypothesis import example, given, settings, strategies as st

from auditor.checks.api.error_format import ERROR_BODY, ERROR_STATUS, TEXT_ERROR, code_lines, error_shapes
from auditor.checks.reliability.idempotency import GLOBAL_IDEMPOTENCY
from auditor.checks.shared.flask_cookies import FLASK_SESSION_USE, _first_flask_session_use

FLASK_SESSION_USE_AS_ONE = re.compile(
    r"^\s*from\s+flask\s+import\s+(?:\([^)]*\bsession\b[^)]*\)|[^\n]*\bsession\b)|\bflask\.session\b"
    r"|^\s*(?:from|import)\s+flask_login\b",
    re.MULTILINE)

FRAGMENTS = [
    "from flask import ", "from  flask import (", "session", "sessions", ", session)", ")", "(", "\n", "\n\n", "  ",
    "flask.session", "flask.sessionx", "import flask_login", "from flask_login import login_user", "flask_loginx",
    "x = 1", "# comment", "request", "Flask", "SESSION", "import flask", "\t",
    "return 'bad', 404", "return {'error': 1}, 400", "res.status(500).send(", "jsonify({'error': 'x'}), 422",
    "status.HTTP_404_NOT_FOUND", "HTTP_500", "4040", "x404", "/* ", " */", "// ", "* ", "JsonResponse({\"detail\": 1}",
    "IdempotencyMiddleware", "idempotency-key", "IDEMPOTENT_REQUEST", "app.use(", "MIDDLEWARE = [", "idempot",
]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
@example("x = 1\n\n  from flask import (g,\n session)\n")
@example("import flask_login\nflask.session['k'] = 1\n")
def test_flask_session_use_finds_what_the_single_alternation_found(text):
    if text == "x = 1\n\n  from flask import (g,\n session)\n":
        assert _first_flask_session_use(text) == text.index("\n") + 1  # the blank line before the import
    whole = FLASK_SESSION_USE_AS_ONE.search(text)
    assert _first_flask_session_use(text) == (whole.start() if whole else None)
    assert len(FLASK_SESSION_USE) == 3


def _error_shapes_line_by_line(path, text):
    """error_shapes before its shortcuts: every code line, TEXT_ERROR first."""
    out = []
    for number, line in code_lines(path, text):
        if TEXT_ERROR.search(line):
            out.append(("plain text", number))
            continue
        if ERROR_STATUS.search(line):
            body = ERROR_BODY.search(line)
            if body:
                out.append((body.group(1), number))
    return out


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from(["app/views.py", "src/routes.js"]))
@example("return 'bad', 404\n    return jsonify({'error': 'x'}), 422\n# return {'a': 1}, 400\n", "app/views.py")
@example("/* res.status(500).send(\n */\nres.status(500).send('x')\n", "src/routes.js")
def test_error_shapes_find_what_the_line_by_line_scan_found(text, path):
    if text.startswith("return 'bad', 404\n    return"):
        assert error_shapes(path, text) == [("plain text", 1), ("error", 2)]
    if text.startswith("/* res.status(500).send(\n */\n"):
        assert error_shapes(path, text) == [("plain text", 3)]  # lines 1-2 are a comment
    assert error_shapes(path, text) == _error_shapes_line_by_line(path, text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_a_file_without_the_idempotency_word_has_no_idempotency_line(text):
    if "idempot" not in text.lower():
        assert not any(GLOBAL_IDEMPOTENCY.search(line) for line in text.splitlines())
