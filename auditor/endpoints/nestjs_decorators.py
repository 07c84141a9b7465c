"""The TypeScript decorators of a NestJS source file, read as text: classes, their methods and parameters.

Not a parser: decorators (`@Name(args)`) are read where they stand, a class's body and a method's body are
the brace blocks that follow them. Enough for controllers, modules, guards and DTOs, which are written plainly.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from auditor.endpoints.jsparse import matching_paren, split_args

DECORATOR = re.compile(r"@([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*")
CLASS = re.compile(r"(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)"
                   r"(?:\s+extends\s+([^{]+?))?(?:\s+implements\s+[^{]+?)?\s*\{")
FIELD = re.compile(r"(?:(?:public|private|protected|static|readonly|declare)\s+)*([A-Za-z_$][\w$]*)[?!]?\s*[:=;]")
METHOD = re.compile(r"(?:(?:public|private|protected|static|async|readonly|override)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^>(]*>)?\s*\(")


@lru_cache(maxsize=8)
def _newlines(src: str) -> list[int]:
    return [i for i, ch in enumerate(src) if ch == "\n"]


def line_of(src: str, pos: int) -> int:
    """1-based line of an offset (a sorted index of the newlines, built once per source)."""
    return bisect.bisect_left(_newlines(src), pos) + 1


@dataclass
class Decorator:
    name: str            # `Get`, `UseGuards`, `Throttle`
    args: list[str]      # top-level argument texts
    line: int

    @property
    def text(self) -> str:
        return f"@{self.name}({', '.join(self.args)})"


@dataclass
class Param:
    decorators: list[Decorator]
    name: str
    type: str            # the written type, "" when none


@dataclass
class Method:
    name: str
    decorators: list[Decorator]
    params: list[Param]
    line: int            # line of the method's first decorator (or name)
    text: str            # decorators, signature and body


@dataclass
class Class:
    name: str
    extends: str
    decorators: list[Decorator]
    line: int
    body: str
    methods: list[Method] = field(default_factory=list)
    fields: dict[str, list[Decorator]] = field(default_factory=dict)     # property -> decorators (DTO fields)


def _decorators_at(src: str, pos: int) -> tuple[list[Decorator], int]:
    """The run of decorators starting at `pos` (after whitespace) and the offset after it."""
    out: list[Decorator] = []
    while True:
        while pos < len(src) and src[pos].isspace():
            pos += 1
        m = DECORATOR.match(src, pos)
        if not m:
            return out, pos
        args: list[str] = []
        end = m.end()
        if end < len(src) and src[end] == "(":
            close = matching_paren(src, end)
            if close < 0:
                return out, pos
            args = split_args(src[end + 1:close])
            end = close + 1
        out.append(Decorator(m.group(1), args, line_of(src, m.start())))
        pos = end


def _preceding_decorators(src: str, start: int) -> tuple[list[Decorator], int]:
    """Decorators written right before `start` (a class keyword): the longest run of decorators, each
    beginning a line, that ends where the class begins."""
    for m in re.finditer(r"(?m)^[ \t]*@", src[max(0, start - 4000):start]):
        at = max(0, start - 4000) + m.end() - 1
        decorators, end = _decorators_at(src, at)
        if decorators and src[end:start].strip() in ("", "export", "export default"):
            return decorators, at
    return [], start


def _params(text: str) -> list[Param]:
    out = []
    for arg in split_args(text):
        decorators, pos = _decorators_at(arg, 0)
        rest = re.sub(r"^(?:(?:public|private|protected|readonly)\s+)+", "", arg[pos:].strip())
        m = re.match(r"([A-Za-z_$][\w$]*)\??\s*(?::\s*(.+?))?\s*(?:=.*)?$", rest, re.S)
        if m:
            out.append(Param(decorators, m.group(1), (m.group(2) or "").strip()))
    return out


def read_classes(src: str) -> list[Class]:
    """Every class of a (comment-stripped) source, with its decorators, decorated methods and fields."""
    out = []
    for m in CLASS.finditer(src):
        open_at = m.end() - 1
        close = matching_paren(src, open_at)
        if close < 0:
            continue
        decorators, at = _preceding_decorators(src, m.start())
        cls = Class(m.group(1), (m.group(2) or "").strip(), decorators, line_of(src, at if decorators else m.start()),
                    src[m.start():close + 1])
        _members(src, open_at + 1, close, cls)
        out.append(cls)
    return out


def _members(src: str, pos: int, end: int, cls: Class) -> None:
    while pos < end:
        while pos < end and src[pos].isspace():
            pos += 1
        start = pos
        decorators, after = _decorators_at(src, pos)
        m = METHOD.match(src, after)
        if m and m.group(1) not in ("if", "for", "while", "switch", "return", "catch", "function"):
            open_at = m.end() - 1
            close = matching_paren(src, open_at)
            if close < 0:
                return
            brace = close + 1
            while brace < end and src[brace] not in "{;":
                brace += 1
            body_end = matching_paren(src, brace) if brace < end and src[brace] == "{" else brace
            if body_end < 0:
                return
            cls.methods.append(Method(m.group(1), decorators, _params(src[open_at + 1:close]),
                                      line_of(src, start), src[start:body_end + 1]))
            pos = body_end + 1
            continue
        f = FIELD.match(src, after, end)
        if f:
            if decorators:
                cls.fields[f.group(1)] = decorators
            stop = _statement_end(src, after, end)
            pos = stop + 1
            continue
        nxt = re.compile(r"[;{}\n]").search(src, after + 1, end)   # skip to the next statement boundary
        pos = nxt.end() if nxt else end


def _statement_end(src: str, pos: int, end: int) -> int:
    """The `;` or line end closing a class property declaration (brackets skipped)."""
    i = pos
    while i < end:
        ch = src[i]
        if ch in "([{":
            close = matching_paren(src, i)
            if close < 0:
                return end
            i = close + 1
            continue
        if ch == ";" or (ch == "\n" and not src[pos:i].rstrip().endswith(("=", ":", ",", "|", "&"))):
            return i
        i += 1
    return end


def named(decorators: list[Decorator], *names: str) -> list[Decorator]:
    return [d for d in decorators if d.name.rsplit(".", 1)[-1] in names]
