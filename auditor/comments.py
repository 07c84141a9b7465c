"""The comments of a source file, found by a lexer rather than by a regular expression over the text.

Suppression markers only count in real comments: `s = "# auditor: ignore[SEC-SQLI] ..."` is a string,
not a comment. Python goes through `tokenize` (the interpreter's own lexer); a file tokenize rejects, and
every other language, goes through one linear pass that knows the language's comment openers and string
quotes. Both are linear in the file's size: a line of 40,000 `#` or 300 KB is read once, never backtracked.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

# language -> (line comment openers, block comment (open, close) pairs, string quotes)
_C_LIKE = (("//",), (("/*", "*/"),), ('"', "'", "`"))
_HASH = (("#",), (), ('"', "'"))
SYNTAX: dict[str | None, tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "python": (("#",), (), ('"""', "'''", '"', "'")),
    "javascript": _C_LIKE, "typescript": _C_LIKE, "go": _C_LIKE, "java": _C_LIKE, "kotlin": _C_LIKE,
    "csharp": _C_LIKE, "rust": _C_LIKE,
    "php": (("//", "#"), (("/*", "*/"),), ('"', "'")),
    "ruby": _HASH, "yaml": _HASH, "toml": _HASH, "dockerfile": _HASH,
    "sql": (("--", "#"), (("/*", "*/"),), ("'", '"')),
    "html": ((), (("<!--", "-->"), ("{#", "#}")), ()),
    None: _HASH,   # .env, .conf, .cfg, .ini
}


@dataclass(frozen=True)
class Comment:
    line: int       # 1-based line where the comment starts
    text: str       # the comment without its opener (and closer)


def comments(text: str, language: str | None) -> list[Comment]:
    """Every comment of `text`, in order. Python is tokenized; other languages are lexed."""
    if language == "python":
        found = _python_comments(text)
        if found is not None:
            return found
    return _lexed_comments(text, SYNTAX.get(language, _HASH))


def _python_comments(text: str) -> list[Comment] | None:
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out.append(Comment(tok.start[0], tok.string[1:]))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None   # not valid Python for this interpreter: the generic lexer reads it
    return out


def _lexed_comments(text: str, syntax) -> list[Comment]:
    """One pass over `text`: skip strings (with backslash escapes), collect line and block comments."""
    line_openers, blocks, quotes = syntax
    out: list[Comment] = []
    i, n, line = 0, len(text), 1
    starts = {s[0] for s in line_openers} | {b[0][0] for b in blocks} | {q[0] for q in quotes} | {"\n"}
    next_start = re.compile("[" + "".join(re.escape(c) for c in sorted(starts)) + "]")  # one class: linear
    while i < n:
        found = next_start.search(text, i)
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        opener = next((o for o in line_openers if text.startswith(o, i)), None)
        if opener is not None:
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(Comment(line, text[i + len(opener):end]))
            i = end
            continue
        block = next((b for b in blocks if text.startswith(b[0], i)), None)
        if block is not None:
            end = text.find(block[1], i + len(block[0]))
            stop = n if end < 0 else end
            out.append(Comment(line, text[i + len(block[0]):stop]))
            line += text.count("\n", i, stop)
            i = n if end < 0 else end + len(block[1])
            continue
        quote = next((q for q in quotes if text.startswith(q, i)), None)
        if quote is not None:
            i, line = _skip_string(text, i, quote, line)
            continue
        i += 1
    return out


def _skip_string(text: str, start: int, quote: str, line: int) -> tuple[int, int]:
    """The index after the string opened at `start`, and the line number there. A one-character quote other
    than a backtick ends at the end of its line (an unterminated string must not swallow the file)."""
    i, n = start + len(quote), len(text)
    multiline = len(quote) == 3 or quote == "`"
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and text[i + 1] == "\n":
                line += 1
            i += 2
            continue
        if ch == "\n":
            if not multiline:
                return i, line
            line += 1
        elif text.startswith(quote, i):
            return i + len(quote), line
        i += 1
    return n, line
