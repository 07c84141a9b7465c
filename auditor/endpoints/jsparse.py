"""A small JavaScript reader for route extraction: comments blanked out, balanced-argument splitting.

Not a parser: it finds `recv.method(args)` calls and splits their top-level arguments, respecting strings,
template literals, regex-free code and nesting. Good enough for route tables, which are written plainly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.text import bracket_depths, closing_bracket, line_of


def strip_comments(src: str) -> str:
    """Comments replaced by spaces (newlines kept so offsets and line numbers stay right)."""
    out = []
    i, n = 0, len(src)
    quote = None
    while i < n:
        ch = src[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(src[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "'\"`":
            quote = ch
            out.append(ch)
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(c if c == "\n" else " " for c in src[i:j]))
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def matching_paren(src: str, open_at: int) -> int:
    """Index of the ')' closing the '(' at open_at, or -1."""
    close = closing_bracket(src, open_at, "([{", ")]}", skip_strings=True)
    return -1 if close is None else close


def split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of an argument list's inner text."""
    args, start = [], 0
    for i, ch, depth in bracket_depths(text):
        if ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        args.append(tail)
    return args


def string_literal(text: str) -> str | None:
    m = re.fullmatch(r"\s*(['\"])(.*?)\1\s*", text, re.S)
    if m:
        return m.group(2)
    m = re.fullmatch(r"\s*`([^`$]*)`\s*", text)
    return m.group(1) if m else None


@dataclass
class Call:
    receiver: str
    method: str
    args: list[str]
    start: int       # offset of the receiver
    line: int


CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")


def method_calls(src: str, methods: frozenset[str]) -> list[Call]:
    out = []
    for m in CALL.finditer(src):
        if m.group(2) not in methods:
            continue
        open_at = m.end() - 1
        close = matching_paren(src, open_at)
        if close < 0:
            continue
        out.append(Call(m.group(1), m.group(2), split_args(src[open_at + 1:close]), m.start(),
                        line_of(src, m.start())))
    return out


