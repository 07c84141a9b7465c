"""Text helpers every reader shares: the line of an offset, and the bracket that closes an opening one.

Readers of JavaScript, Go, knex migrations and SQL work on text; these are their one copy of each tool.
"""
from __future__ import annotations

from collections.abc import Iterator


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of the character at `offset`."""
    return text.count("\n", 0, offset) + 1


def bracket_depths(text: str, start: int = 0, opening: str = "([{", closing: str = ")]}", *,
                   skip_strings: bool = True, end: int | None = None) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth after it) for each character from `start` (to `end`).

    `opening`/`closing`: the bracket characters counted (several kinds count together).
    `skip_strings`: characters inside '...', "..." and `...` literals (with backslash escapes), and the quotes
    themselves, are passed over."""
    depth, quote, i = 0, None, start
    stop = len(text) if end is None else end
    while i < stop:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif skip_strings and ch in "'\"`":
            quote = ch
        else:
            if ch in opening:
                depth += 1
            elif ch in closing:
                depth -= 1
            yield i, ch, depth
        i += 1


def closing_bracket(text: str, open_at: int, opening: str = "{", closing: str = "}", *,
                    skip_strings: bool = False, limit: int | None = None) -> int | None:
    """Index of the bracket that closes the one at `open_at`, or None when the text ends first.

    `limit`: look at most this many characters from `open_at`. See bracket_depths for the rest."""
    end = None if limit is None else min(len(text), open_at + limit)
    for i, ch, depth in bracket_depths(text, open_at, opening, closing, skip_strings=skip_strings, end=end):
        if ch in closing and depth == 0:
            return i
    return None
