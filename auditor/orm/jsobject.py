"""A small reader for JavaScript/TypeScript object literals (`{ key: value, ... }`), never executed.

Used by the Sequelize model and migration readers: attribute maps such as
`{ email: { type: DataTypes.STRING, allowNull: false, unique: true }, name: DataTypes.STRING }`.
Strings, template literals and comments are skipped while matching brackets; methods (`set (v) {...}`),
spreads and computed keys are left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPEN = {"{": "}", "[": "]", "(": ")"}
_KEY = re.compile(r"""\s*(?:(["'])([^"']+)\1|([A-Za-z_$][\w$]*))\s*:\s*""", re.S)


@dataclass
class Entry:
    key: str
    value: str                      # the value's source text, stripped
    line: int                       # 1-based line of the key in the whole text
    children: list["Entry"] | None = None   # when the value is itself an object literal
    offset: int = 0                 # offset of the value in the whole text

    def child(self, key: str) -> "Entry | None":
        return next((c for c in self.children or [] if c.key == key), None)


@dataclass
class ObjectLiteral:
    entries: list[Entry] = field(default_factory=list)
    end: int = 0                    # offset of the closing brace

    def get(self, key: str) -> Entry | None:
        return next((e for e in self.entries if e.key == key), None)


def skip_code(text: str, i: int) -> int:
    """Index after the string/template/comment starting at i, or i when none starts there."""
    ch = text[i]
    if ch in "\"'`":
        j = i + 1
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == ch:
                return j + 1
            j += 1
        return len(text)
    if text.startswith("//", i):
        j = text.find("\n", i)
        return len(text) if j == -1 else j
    if text.startswith("/*", i):
        j = text.find("*/", i + 2)
        return len(text) if j == -1 else j + 2
    return i


def matching(text: str, open_at: int) -> int | None:
    """Index of the bracket closing the one at open_at (strings and comments skipped)."""
    stack = [_OPEN[text[open_at]]]
    i = open_at + 1
    while i < len(text):
        j = skip_code(text, i)
        if j != i:
            i = j
            continue
        ch = text[i]
        if ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch in ")]}":
            if ch != stack[-1]:
                return None
            stack.pop()
            if not stack:
                return i
        i += 1
    return None


def split_top_level(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) spans of the comma-separated parts of text[start:end] at bracket depth 0."""
    parts, depth, i, seg = [], 0, start, start
    while i < end:
        j = skip_code(text, i)
        if j != i:
            i = j
            continue
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((seg, i))
            seg = i + 1
        i += 1
    parts.append((seg, end))
    return [(a, b) for a, b in parts if text[a:b].strip()]


def parse_object(text: str, open_at: int, depth: int = 0) -> ObjectLiteral | None:
    """The object literal whose `{` is at open_at; None when it does not close."""
    close = matching(text, open_at)
    if close is None:
        return None
    out = ObjectLiteral(end=close)
    for a, b in split_top_level(text, open_at + 1, close):
        segment = text[a:b]
        lead = re.match(r"\s*(?:(?://[^\n]*|/\*.*?\*/)\s*)*", segment, re.S)
        skip = lead.end() if lead else 0
        m = _KEY.match(segment, skip)
        if not m:
            continue
        key = m.group(2) or m.group(3)
        value_at = a + m.end()
        value = text[value_at:b].strip()
        entry = Entry(key, value, text.count("\n", 0, a + skip) + 1, offset=value_at)
        if value.startswith("{") and depth < 4:
            nested = parse_object(text, text.index("{", value_at), depth + 1)
            entry.children = nested.entries if nested else []
        out.entries.append(entry)
    return out


def string_value(value: str) -> str | None:
    m = re.fullmatch(r"""\s*(["'`])([^"'`]*)\1\s*""", value or "")
    return m.group(2) if m else None


def strings_in(value: str) -> list[str]:
    return re.findall(r"""["'`]([^"'`]+)["'`]""", value or "")
