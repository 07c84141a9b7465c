"""Queries run once per iteration in JavaScript/TypeScript: a database call inside a loop body (`for ... of`,
`for (...)`, `while`, `.forEach(`, `.map(`), read as text. What PERF-N-PLUS-1 judges outside Python.

A database call is an ORM/driver read or write named as such (`findOne(`, `findById(`, `findByPk(`,
`findUnique(`, `findMany(`, `getMany(`, `query(`, `countDocuments(`, TypeORM/Sequelize/Prisma/Mongoose
spellings) or a call on a data-access object (`userDAO.getUserById(`, `this.usersRepository.x(`). Array
methods that share a name (`list.find(x => ...)`) are not. Eager loading (`leftJoinAndSelect`, `relations:`,
`include:`, `.populate(`) is recorded as the practice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.budget import budgeted
from auditor.endpoints.jsparse import matching_paren, strip_comments
from auditor.inventory import TEST_FILE
from auditor.repo import Repository
from auditor.text import line_of

EXTENSIONS = (".js", ".mjs", ".cjs", ".ts")
SKIPPED = re.compile(r"(^|/)(node_modules|dist|build|coverage|public|static|vendor|migrations?|seeders?|seeds?)/")
QUERY = re.compile(
    r"\.(?:findOne|findOneBy|findOneOrFail|findById|findByPk|findUnique|findFirst|findMany|findAll|findAndCountAll|"
    r"findBy|countDocuments|getOne|getMany|getRawOne|getRawMany|getManyAndCount)\s*\(|"
    # `list.find(x => ...)` is an array method and `$(el).find('.row')` a DOM query: neither reaches a database
    r"\.find\s*\((?!\s*(?:['\"`(]|[\w$]+\s*=>|function\b|async\b))|"
    r"\.(?:count|query|aggregate)\s*\((?!\s*(?:\(|[\w$]+\s*=>|function\b|async\b))|"
    r"\b[\w$]*(?:DAO|Dao|dao|Repository|repository|Repo|repo)\s*\.\s*[\w$]+\s*\(")
EAGER = re.compile(r"\b(?:leftJoinAndSelect|innerJoinAndSelect|leftJoinAndMapOne|leftJoinAndMapMany)\b|"
                   r"\brelations\s*:|\binclude\s*:|\.populate\(|\beager\s*:\s*true|withGraphFetched\(|\$lookup\b")
LOOP = re.compile(r"\bfor\s*(?:await\s*)?\(|\bwhile\s*\(|\.(?:forEach|map|flatMap)\s*\(")


@dataclass(frozen=True)
class JsQueryLoop:
    file: str
    line: int              # the query inside the loop
    loop_line: int
    query: str


@dataclass
class JsQueryScan:
    files_with_queries: int
    loops: list[JsQueryLoop]
    eager: list[tuple[str, int, str]]      # (file, line, what)


def _loop_body(src: str, m: re.Match) -> tuple[int, int] | None:
    open_at = m.end() - 1
    close = matching_paren(src, open_at)
    if close < 0:
        return None
    if m.group(0).startswith("."):
        return open_at, close              # the callback passed to forEach/map
    brace = close + 1
    while brace < len(src) and src[brace].isspace():
        brace += 1
    if brace < len(src) and src[brace] == "{":
        end = matching_paren(src, brace)
        return (brace, end) if end > 0 else None
    end = src.find(";", brace)
    return (brace, end) if end > 0 else None


def scan(repo: Repository) -> JsQueryScan:
    memo = repo.__dict__.get("_auditor_js_query_loops")
    if memo is not None:
        return memo
    with_queries = 0
    loops: list[JsQueryLoop] = []
    eager: list[tuple[str, int, str]] = []
    for path in budgeted(repo.paths()):
        if not path.endswith(EXTENSIONS) or path.endswith(".d.ts") or TEST_FILE.search(path) or SKIPPED.search(path):
            continue
        src = strip_comments(repo.read_text(path) or "")
        if not QUERY.search(src):
            continue
        with_queries += 1
        for e in EAGER.finditer(src):
            eager.append((path, line_of(src, e.start()), e.group(0).strip()))
        seen: set[int] = set()
        for m in LOOP.finditer(src):
            body = _loop_body(src, m)
            if body is None:
                continue
            q = QUERY.search(src, body[0], body[1])
            if q and q.start() not in seen:
                seen.add(q.start())
                text = src[q.start():src.find("\n", q.start())].strip()[:80]
                loops.append(JsQueryLoop(path, line_of(src, q.start()), line_of(src, m.start()), text))
    result = JsQueryScan(with_queries, loops, eager)
    repo.__dict__["_auditor_js_query_loops"] = result
    return result
