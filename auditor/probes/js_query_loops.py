"""A query per row in JavaScript/TypeScript, read as text (never run): a loop over rows (`for (const x of
rows)`, `rows.forEach(x => ...)`, `rows.map(async (x) => ...)`) whose body queries the database with a value
of the row: a model call (`Quantity.findOne({ where: { id: item.productId } })`) or a same-repository data
access object's lookup (`userDAO.getUserById(alloc.userId)`). Each such call runs once per element.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.inventory import TEST_FILE
from auditor.paths import NO_REQUEST_PATH
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

JS = (".js", ".mjs", ".cjs", ".ts")
LOOP = re.compile(
    r"\bfor\s*\(\s*(?:const|let|var)\s+(?P<of>\{[^{}]*\}|[\w$]+)\s+of\b|"
    r"\.(?:forEach|map)\(\s*(?:async\s*)?(?:\(\s*(?P<arrow>\{[^{}]*\}|[\w$]+)[^()]*\)|(?P<bare>[\w$]+))\s*=>|"
    r"\.(?:forEach|map)\(\s*(?:async\s+)?function\s*[\w$]*\s*\(\s*(?P<fn>[\w$]+)")
# a read of the database: a model's finder, or a lookup of a data access object / repository / collection
QUERY = re.compile(r"\b(?:[A-Z][\w$]*|[\w$]+(?:DAO|Dao|Repository|Repo|Model|Col|Collection))\s*\.\s*"
                   r"(?P<method>find\w*|get\w*By\w*|count\w*|query|select\w*|aggregate)\s*\(")
NOT_MODELS = re.compile(r"^(?:Object|Array|Promise|JSON|Math|Number|String|Date|Reflect|Buffer|Symbol|Map|Set)$")
MAX_FILE = 400_000


@dataclass(frozen=True)
class TextQueryLoop:
    file: str
    loop_line: int
    line: int
    call: str        # the query call as written, up to its argument list
    row: str         # the loop variable the query uses


def _names(binding: str) -> set[str]:
    """`alloc` -> {alloc}; `{ BasketItem, price: p }` -> {BasketItem, p}."""
    if not binding.startswith("{"):
        return {binding}
    names = set()
    for part in binding.strip("{}").split(","):
        part = part.split("=")[0]
        name = part.split(":")[-1].strip()
        if re.fullmatch(r"[\w$]+", name):
            names.add(name)
    return names


def _body(text: str, m: re.Match) -> tuple[int, int] | None:
    """Span of the loop's body: the `{...}` after `for (...)`, or the argument list of forEach/map."""
    if m.group("of"):
        paren = text.rfind("(", 0, m.end())
        close = closing_bracket(text, paren, "(", ")", skip_strings=True, limit=2000)
        brace = text.find("{", close) if close is not None else -1
        if close is None or brace < 0 or text[close + 1:brace].strip():
            return None
        end = closing_bracket(text, brace, skip_strings=True, limit=20000)
        return (brace, end) if end is not None else None
    paren = text.find("(", text.rfind(".", 0, m.start() + 1))
    end = closing_bracket(text, paren, "(", ")", skip_strings=True, limit=20000)
    return (paren, end) if end is not None else None


def query_loops_in(path: str, text: str) -> list[TextQueryLoop]:
    found: list[TextQueryLoop] = []
    for m in LOOP.finditer(text):
        binding = next(g for g in (m.group("of"), m.group("arrow"), m.group("bare"), m.group("fn")) if g)
        rows = _names(binding)
        span = _body(text, m)
        if not rows or span is None:
            continue
        body = text[span[0]:span[1]]
        for q in QUERY.finditer(body):
            receiver = q.group(0).split(".")[0].strip()
            if NOT_MODELS.match(receiver):
                continue
            open_at = span[0] + q.end() - 1
            close = closing_bracket(text, open_at, "(", ")", skip_strings=True, limit=2000)
            args = text[open_at:close] if close is not None else ""
            used = next((r for r in sorted(rows) if re.search(rf"(?<![\w$.]){re.escape(r)}\b", args)), None)
            if used:
                found.append(TextQueryLoop(path, line_of(text, m.start()), line_of(text, span[0] + q.start()),
                                         " ".join(q.group(0).split()), used))
                break   # one query per loop is enough to say it
    return found


def query_loops(repo: Repository) -> list[TextQueryLoop]:
    """Per-row queries in the repository's JavaScript/TypeScript code that serves requests."""
    out: list[TextQueryLoop] = []
    for path in repo.paths():
        if not path.endswith(JS) or path.endswith(".d.ts") or TEST_FILE.search(path) or NO_REQUEST_PATH.search(path) \
                or "node_modules/" in path or re.search(r"(^|/)(seeders?|seeds?|dist|build|frontend|client)/", path):
            continue
        text = repo.read_text(path) or ""
        if len(text) > MAX_FILE or not LOOP.search(text):
            continue
        out += query_loops_in(path, text)
    return out
