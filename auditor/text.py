"""Text helpers every reader shares: the line of an offset, and the bracket that closes an opening one.

Readers of JavaScript, Go, knex migrations and SQL work on text; these are their one copy of each tool.
"""
from __future__ import annotations

import re
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


# ---- repository text on a terminal or in a CI log ------------------------------------------------------
# Every character that can move the cursor, start an escape sequence, end a line or reorder text (C0 and C1
# controls, DEL, line and paragraph separators, the bidirectional overrides of "trojan source"), one-for-one
# by a visible stand-in: the ESC of `\x1b[2J` shows as ␛, a newline as ␤, so a file name or a commit subject
# can neither restyle the terminal nor begin a new line (a CI log reads a line starting `::error::` as a
# GitHub Actions workflow command). One character for one keeps the length, so styled spans stay in place.
_STAND_IN = {**{c: 0x2400 + c for c in range(0x20)}, 0x7f: 0x2421, 0x0a: 0x2424,
             **{c: 0xfffd for c in range(0x80, 0xa0)},
             **{c: 0xfffd for c in (0x2028, 0x2029, 0x200e, 0x200f, 0x061c)},
             **{c: 0xfffd for c in range(0x202a, 0x202f)}, **{c: 0xfffd for c in range(0x2066, 0x206a)}}
_LINE_KEEPING = {k: v for k, v in _STAND_IN.items() if k != 0x0a}


def printable(value: object, keep_newlines: bool = False) -> str:
    """`value` as text safe to print on a terminal or into a CI log: one line (unless `keep_newlines`), no
    control character, no escape sequence (tabs become ␉ too: they are the only harmless one, but rare)."""
    text = "" if value is None else str(value)
    return text.translate(_LINE_KEEPING if keep_newlines else _STAND_IN)


def printable_tree(value, keep_newlines_in: frozenset[str] = frozenset({"snippet"})):
    """A copy of a report (dicts, lists, strings) with every string `printable`; the values of the keys
    in `keep_newlines_in` keep their line breaks (a renderer prints them line by line, each line safe)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: (printable(v, keep_newlines=True) if isinstance(v, str) and k in keep_newlines_in
                    else printable_tree(v, keep_newlines_in)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_tree(v, keep_newlines_in) for v in value]
    return value


_WORKFLOW_COMMAND_LINE = re.compile(r"^([ \t]*)::", re.M)


def no_line_starts_a_workflow_command(text: str, colon: str) -> str:
    """`text` (a whole rendered document) with the first colon of any line starting `::` written as `colon`
    (the medium's escape for ':': `&#58;` in HTML and XML, `\\:` in Markdown). Our own markup never starts a
    line with `::`; repository text inside a multi-line value (a code snippet) could."""
    return _WORKFLOW_COMMAND_LINE.sub(lambda m: f"{m.group(1)}{colon}:", text)
