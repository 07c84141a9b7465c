"""A query per row in Go, read as text (never run): a `for ... range rows {` loop whose body queries the
database with the loop's index or element: a GORM chain (`tx.Model(&models[i]).Related(&models[i].Author)`,
`db.Where(...).First(&x)`) or database/sql (`db.QueryRow(q, item.ID)`) on a database handle.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.inventory import TEST_FILE
from auditor.paths import NO_REQUEST_PATH
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

LOOP = re.compile(r"\bfor\s+([\w]+)(?:\s*,\s*([\w]+))?\s*:?=\s*range\s+[^{\n]+\{")
# a call on a database handle (`db`, `tx`, `s.db`, `DB`, `conn`) that runs or builds a query
QUERY = re.compile(r"\b(?:db|tx|DB|conn|\w+DB|\w+Db)\s*\.\s*(?:Model|Where|First|Find|Related|Preload|Association|Raw|"
                   r"Exec|Take|Last|Count|Pluck|Query|QueryRow|QueryContext|QueryRowContext|Get|Select)\s*\(")
MAX_FILE = 400_000


@dataclass(frozen=True)
class TextQueryLoop:
    file: str
    loop_line: int
    line: int
    call: str        # the query call as written, up to its argument list
    row: str         # the loop variable the query uses


def query_loops_in(path: str, text: str) -> list[TextQueryLoop]:
    found: list[TextQueryLoop] = []
    for m in LOOP.finditer(text):
        names = {n for n in m.groups() if n and n != "_"}
        end = closing_bracket(text, m.end() - 1, skip_strings=True, limit=20000)
        if not names or end is None:
            continue
        body = text[m.end():end]
        for q in QUERY.finditer(body):
            line_end = body.find("\n", q.end())
            statement = body[q.start():line_end if line_end >= 0 else None]
            used = next((n for n in sorted(names) if re.search(rf"(?<![\w.]){re.escape(n)}\b", statement)), None)
            if used:
                found.append(TextQueryLoop(path, line_of(text, m.start()), line_of(text, m.end() + q.start()),
                                           " ".join(q.group(0).split()), used))
                break
    return found


def query_loops(repo: Repository) -> list[TextQueryLoop]:
    """Per-row queries in the repository's Go code that serves requests (tests, commands and scripts apart)."""
    out: list[TextQueryLoop] = []
    for path in repo.paths():
        if not path.endswith(".go") or path.endswith("_test.go") or TEST_FILE.search(path) \
                or NO_REQUEST_PATH.search(path) or "vendor/" in path:
            continue
        text = repo.read_text(path) or ""
        if len(text) > MAX_FILE or "range" not in text:
            continue
        out += query_loops_in(path, text)
    return out
