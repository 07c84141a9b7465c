"""Files with a source language's extension that are not backend source: built or vendored front-end bundles
and large literal data tables (issue 17).

The repository walker asks `nonsource_reason` about every JavaScript/TypeScript and Python file; a file it
names is left out of the audit's source files (no engine, no collector reads it) and listed among the
skipped files with the reason. The secret scan still reads these files, cheaply, because a key pasted into a
bundle or a table is still a leaked key.

Why: a minified chart library or a 9,000-line tuple of airport codes holds no backend behaviour, yet semgrep
spent most of its time on them (90 % of one Flask app's scan went to five bundles under `static/assets/`,
with timeouts; netbox's `iata.py` cost 9 s alone). The tests are cheap: the name first, then at most one
read of the file, and for Python only files above DATA_TABLE_MIN_BYTES.
"""
from __future__ import annotations

import ast
import re
from typing import Callable

JS_LANGUAGES = frozenset({"javascript", "typescript"})

# names bundlers and minifiers give their output
BUNDLE_NAME = re.compile(r"(\.min\.[cm]?js|-min\.js|\.bundle\.[cm]?js|\.chunk\.[cm]?js|\.umd\.js|\.prod\.js)$", re.I)
# a content hash in the name, as webpack (hex) and vite/rollup/esbuild (8 base64url characters) write it:
# echarts.128204f2.js, htmlmixed-CBfzcasR.js, pages-O-QBvGFf.js
HASHED_NAME = re.compile(r"^.+[.-]([0-9a-f]{8,32}|[A-Za-z0-9_-]{8})\.[cm]?[jt]sx?$")
# folders bundlers write to, and where collected/compiled front-end assets are kept
BUILD_DIRS = re.compile(
    r"(^|/)(static/(assets|dist|build|bundles?|gen|vendor)|public/(packs|assets|build|js/vendor)|staticfiles|"
    r"static_root|collected_?static|\.webpack|\.vite|\.output|\.svelte-kit|_next|assets/(dist|build))/", re.I)
# markers bundlers leave in their output's first lines
BUNDLER_HEADER = re.compile(r"webpackBootstrap|__webpack_require__|webpackChunk|/\*\*\*\*\*\*/|\bparcelRequire\b"
                            r"|System\.register\(|__vite__|\bdefine\.amd\b")
SOURCE_MAP = re.compile(rb"[#@]\s*sourceMappingURL=")
MINIFIED_MIN_BYTES = 2_000
LONGEST_LINE = 3_000            # a hand-written source line is never this long
AVERAGE_LINE = 250              # nor its lines this long on average
HEAD_BYTES, TAIL_BYTES = 4_096, 512

DATA_TABLE_MIN_BYTES = 32_000   # smaller modules cost semgrep nothing worth a test
DATA_TABLE_SHARE = 0.95         # share of its code lines that are literals only
DATA_TABLE_MIN_LINES = 500
SAMPLE_BYTES = 16_000           # first look at the middle of the file: ordinary code fails here, cheaply
_LITERAL = (r"(?:[rbuRBU]{0,2}'(?:[^'\\\n]|\\.)*'|[rbuRBU]{0,2}\"(?:[^\"\\\n]|\\.)*\""
            r"|[-+]?(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][-+]?\d+)?|\.\d[\d_]*)j?(?![\w.])"
            r"|(?:None|True|False)(?![\w.]))")
# a line holding only literals and the brackets, commas and colons between them (`('AAA', 'Anaa'),`)
LITERAL_LINE = re.compile(r"^[\s\[\](){},:]*(?:" + _LITERAL + r"[\s\[\](){},:]*)+(?:#.*)?$")
# the line that opens the table: `IATA = [`, `CHOICES = (`, `DATA: dict[str, str] = {`
TABLE_OPENER = re.compile(r"^[A-Za-z_][\w.]*\s*(?::[^=]+)?=\s*[\[({]\s*(?:#.*)?$")


def nonsource_reason(rel: str, language: str | None, size: int, read: Callable[[], bytes | None]) -> str | None:
    """Why the file at `rel` is not backend source, or None when it is.

    `read` returns the file's bytes (None when unreadable); it is called at most once, and only when the
    name alone does not decide."""
    if language in JS_LANGUAGES:
        return _bundle_reason(rel, size, read)
    if language == "python" and size >= DATA_TABLE_MIN_BYTES:
        data = read()
        return data_table_reason(data.decode("utf-8", errors="replace")) if data and not _binary(data) else None
    return None


def _binary(data: bytes) -> bool:
    """The reader's own test (`Repository._load`): a NUL byte in the first 8 KiB."""
    return b"\0" in data[:8192]


def _bundle_reason(rel: str, size: int, read: Callable[[], bytes | None]) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    if BUNDLE_NAME.search(name):
        return "front-end bundle (minified or bundled by its name): not backend source"
    in_build_dir = BUILD_DIRS.search(rel) is not None
    if in_build_dir and _hashed(name):
        return "built front-end asset (content hash in its name): not backend source"
    if size < MINIFIED_MIN_BYTES:
        return None
    data = read()
    if not data or _binary(data):
        return None   # a binary file is listed by the reader as binary content, not as a bundle
    if SOURCE_MAP.search(data[-TAIL_BYTES:]) or SOURCE_MAP.search(data[:HEAD_BYTES]):
        return "built front-end file (it names a sourceMappingURL): not backend source"
    head = data[:HEAD_BYTES].decode("utf-8", errors="replace")
    if BUNDLER_HEADER.search(head):
        return "bundler output (webpack/vite/parcel runtime in its first lines): not backend source"
    longest, average = line_lengths(data)
    if longest > LONGEST_LINE or average > AVERAGE_LINE:
        return f"minified front-end file (lines of up to {longest:,} characters): not backend source"
    return None


def _hashed(name: str) -> bool:
    """A content hash, not a word: hex with a digit, or base64url with a digit, `_`/`-` or mixed case."""
    m = HASHED_NAME.match(name)
    if not m:
        return False
    tag = m.group(1)
    if re.fullmatch(r"[0-9a-f]+", tag):
        return any(c.isdigit() for c in tag) and any(c.isalpha() for c in tag) or len(tag) >= 12
    upper = sum(c.isupper() for c in tag)
    return any(c.isdigit() or c in "_-" for c in tag) or (upper >= 2 and any(c.islower() for c in tag))


def line_lengths(data: bytes) -> tuple[int, float]:
    """The longest line and the average line length of `data`, in bytes."""
    lines = data.split(b"\n")
    return max(len(line) for line in lines), len(data) / len(lines)


def data_table_reason(text: str) -> str | None:
    """A module that is mostly one big literal (rows of strings and numbers), or None.

    Counted over its code lines (blank lines and comments left out): at least DATA_TABLE_SHARE of them
    literals only and at least DATA_TABLE_MIN_LINES such rows. The middle of the file is looked at first,
    so an ordinary module costs one small sample."""
    middle = len(text) // 2
    sample = text[max(0, middle - SAMPLE_BYTES // 2): middle + SAMPLE_BYTES // 2].split("\n")[1:-1]
    if _literal_share(sample)[0] < DATA_TABLE_SHARE:
        return None
    share, literal_lines = _literal_share(text.split("\n"))
    if share < DATA_TABLE_SHARE or literal_lines < DATA_TABLE_MIN_LINES:
        return None
    return (f"data table ({literal_lines:,} lines of literals, {share:.0%} of its code): "
            f"not backend behaviour")


def _literal_share(lines: list[str]) -> tuple[float, int]:
    code = literal = 0
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        code += 1
        if LITERAL_LINE.match(stripped) or TABLE_OPENER.match(stripped):
            literal += 1
    return (literal / code if code else 0.0), literal


# ---- project templates (issue 15, group 12) ---------------------------------------------------------------
# `django-admin startproject --template` and cookiecutter render Python files holding Django/Jinja placeholders:
# `from {{ project_name }} import celery_app`, `{% if use_celery %}`, `{# note #}`. Such a file does not parse
# as written, yet its code is the project's code once rendered. It is read with each placeholder that causes a
# parse error replaced by a name, on that line only (the placeholders inside string literals elsewhere stay as
# written). Nothing can hide behind a placeholder: the file is read, all of it, and a file that still does not
# parse keeps the ordinary "does not parse" treatment.
PLACEHOLDER = re.compile(r"\{\{[^{}\n]*\}\}|\{%[^\n]*?%\}|\{#[^\n]*?#\}")
PLACEHOLDER_NAME = "__placeholder__"
BLOCK_LINE = re.compile(r"^\s*(\{%[^\n]*?%\}|\{#[^\n]*?#\})\s*$")
MAX_TEMPLATE_FIXES = 200
TEMPLATE_REASON = ("project template ({{ }}/{% %} placeholders): read with each placeholder on a line that does "
                   "not parse as a name")


def parse_template(text: str, filename: str) -> ast.Module | None:
    """The module `text` holds once the placeholders on each line that fails to parse are names, or None when
    `text` has no placeholder or still does not parse (a syntax error that is not a placeholder's)."""
    if not PLACEHOLDER.search(text):
        return None
    lines = text.split("\n")
    for _ in range(MAX_TEMPLATE_FIXES):
        try:
            return ast.parse("\n".join(lines), filename=filename)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            if not line or line > len(lines):
                return None
            original = lines[line - 1]
            # a line holding only a block tag or a comment (`{% endif %}`) is no statement: left blank
            fixed = "" if BLOCK_LINE.match(original) else PLACEHOLDER.sub(PLACEHOLDER_NAME, original)
            if fixed == original:
                return None   # the error is not at a placeholder
            lines[line - 1] = fixed
        except (RecursionError, MemoryError):
            return None
    return None
