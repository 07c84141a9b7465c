"""Hand-written Go retry loops with no backoff and no bound: `for { err := op(); if retryable(err) { continue } }`.

A loop with no condition (`for {`, `for ;; {`) that goes round again on an error (a `continue` in a branch that
tests an error, or a `break`/`return` reached only when the error is nil) re-runs the operation immediately, for
ever, while the dependency fails: it hammers a struggling database or service. Whatever the operation is (a
transaction that deadlocked, an RPC, a write), the loop is a retry. A loop that waits between attempts (a sleep,
a timer, a channel receive or `select`, a backoff helper) or counts its attempts against a limit is not reported;
one that does both, with a wait that grows with the attempts, is a retry with backoff (the practice).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.endpoints.goread import parse_file
from auditor.text import closing_bracket, line_of

LOOP = re.compile(r"(?<![\w.])for\b([^{\n]*)\{")
ERROR_TEST = re.compile(r"\b\w*[Ee]rr\w*\b|\bErr\w*")
IF = re.compile(r"(?<![\w.])if\s+([^{\n]*)\{")
# pacing or a bound between attempts
WAITS = re.compile(r"\btime\.(Sleep|After|NewTimer|NewTicker|Tick)\b|\bbackoff\b|Backoff|<-|\bselect\s*\{|\.Wait\(|"
                   r"\bSleep\(|\bretry\.|\bRetry\w*\(", re.I)
BOUND = re.compile(r"\b\w*(attempt|retr|tries|tried|count)\w*\s*(>=|>|==)|(<=|<)\s*\w*(attempt|retr|tries|max)\w*", re.I)
NIL_ERROR = re.compile(r"\b\w*[Ee]rr\w*\s*==\s*nil\b")


# a wait that grows with the attempts: the sleep's argument reads the attempt counter, shifts or multiplies, or a
# backoff helper computes it
GROWING = re.compile(r"\bbackoff\b|Backoff|<<|\*|\bmath\.Pow\(", re.I)


@dataclass(frozen=True)
class RetryLoop:
    file: str
    line: int
    function: str
    how: str          # "continue on an error" / "leaves only when the error is nil"
    backoff: bool = False   # a bounded retry with a growing wait: the practice, not a finding


def retry_loops(path: str, text: str) -> list[RetryLoop]:
    gf = parse_file(path, text)
    src = gf.src
    out = []
    for fn in gf.functions:
        body_at = fn.body_start + 1
        body = fn.body
        for m in LOOP.finditer(body):
            open_at = m.end() - 1
            close = closing_bracket(body, open_at, skip_strings=True)
            if close is None:
                continue
            loop = body[open_at + 1:close]
            header = m.group(1).strip()
            if " range " in f" {header} " or ":= range" in header:
                continue   # a loop over items, not over attempts
            how = _retries(loop)
            if not how:
                continue
            line = line_of(src, body_at + m.start())
            condition = header.split(";")[1].strip() if header.count(";") == 2 else header
            bounded = bool(condition) or bool(BOUND.search(loop))
            wait = WAITS.search(loop)
            if not wait and not bounded:
                out.append(RetryLoop(path, line, fn.name, how))
            elif wait and bounded and _grows(loop, header):
                out.append(RetryLoop(path, line, fn.name, how, backoff=True))
    return out


def _grows(loop: str, header: str) -> bool:
    """The wait between attempts grows: a backoff helper, or a sleep computed from the loop's counter."""
    counter = re.match(r"(\w+)\s*:?=", header)
    for m in re.finditer(r"\b(?:time\.)?Sleep\(([^\n]*)\)", loop):
        if GROWING.search(m.group(1)) or counter and re.search(rf"\b{counter.group(1)}\b", m.group(1)):
            return True
    return bool(re.search(r"\bbackoff\b|Backoff", loop, re.I))


def _retries(loop: str) -> str | None:
    """How the loop body goes round again on an error, or None. Branches of nested loops do not count."""
    nested = [(n.start(), closing_bracket(loop, n.end() - 1, skip_strings=True) or n.start())
              for n in re.finditer(r"(?<![\w.])(for|switch|select)\b[^{\n]*\{", loop)]
    for m in IF.finditer(loop):
        if any(a < m.start() < b for a, b in nested):
            continue
        close = closing_bracket(loop, m.end() - 1, skip_strings=True)
        if close is None:
            continue
        branch = loop[m.end():close]
        cond = m.group(1)
        if not ERROR_TEST.search(cond):
            continue
        if NIL_ERROR.search(cond) and re.search(r"(?<![\w.])(break|return)\b", branch):
            if not re.search(r"(?<![\w.])(break|return)\b", loop[:m.start()] + loop[close:]):
                return "leaves the loop only when the error is nil"
            continue
        if not NIL_ERROR.search(cond) and re.search(r"(?<![\w.])continue\b", branch) \
                and not re.search(r"(?<![\w.])(for|switch|select)\b", branch):
            return "goes round again on an error (continue)"
    return None
