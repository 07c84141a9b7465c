"""Text helpers every reader shares: the line of an offset, and the bracket that closes an opening one.

Readers of JavaScript, Go, knex migrations and SQL work on text; these are their one copy of each tool.
"""
from __future__ import annotations


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of the character at `offset`."""
    return text.count("\n", 0, offset) + 1


def closing_bracket(text: str, open_at: int, opening: str = "{", closing: str = "}", *,
                    skip_strings: bool = False, limit: int | None = None) -> int | None:
    """Index of the bracket that closes the one at `open_at`, or None when the text ends first.

    `opening`/`closing`: the bracket characters counted (several kinds count together: "([{" and ")]}").
    `skip_strings`: brackets inside '...', "..." and `...` literals (with backslash escapes) are not counted.
    `limit`: look at most this many characters from `open_at`."""
    depth, quote = 0, None
    end = len(text) if limit is None else min(len(text), open_at + limit)
    i = open_at
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif skip_strings and ch in "'\"`":
            quote = ch
        elif ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None
