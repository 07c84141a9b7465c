"""Prisma queries that load every row of a to-many relation, every column, only for the code to count them or
look for one (DB-QUERY-OPTIMIZATION).

`include: { favoritedBy: true }` (or the same inside a `select`) fetches each related row in full for each
row the query returns; when the code then only reads `.favoritedBy.length` or `.favoritedBy.some(...)`, the
database did the work of a COUNT or an EXISTS and shipped whole rows instead (user rows, password hashes
included, for a count). Prisma says the cheaper forms directly: `_count: { select: { favoritedBy: true } }`
for the number, a filtered relation (`favoritedBy: { where: { id }, select: { id: true } }`) for "is it me".

Read as text: the to-many relation fields come from the schema.prisma files (`field Model[]`); a load is
`field: true` whose enclosing object keys include `include` or `select` and not `_count`, `where`, `orderBy`,
`data` or `cursor`; a use is `.field.length`, `.some(`, `.find(`, `.includes(`, `.filter(`, `.every(`,
`.findIndex(`. A relation whose rows the code also maps or walks (`.field.map(`, `.forEach(`, `for ... of`)
is needed in full and not reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_MODEL = re.compile(r"^model\s+(\w+)\s*\{(.*?)^\}", re.M | re.S)
_LIST_FIELD = re.compile(r"^\s*(\w+)\s+(\w+)\[\]", re.M)
_LOAD = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*:\s*true\b")
_KEY_BEFORE = re.compile(r"([A-Za-z_$][\w$]*)\s*:\s*$")
LOADING_KEYS = frozenset({"include", "select"})
NOT_A_LOAD = frozenset({"_count", "where", "orderBy", "data", "cursor", "distinct", "having", "by"})
KEY_DEPTH = 4            # enclosing objects read for their keys


@dataclass(frozen=True)
class RelationOverfetch:
    file: str
    line: int
    relation: str
    use_file: str
    use_line: int
    use: str             # "length", "some", ...


def to_many_relations(schema_text: str) -> set[str]:
    """Names of the list fields whose type is a model: the to-many relations."""
    models = {m.group(1) for m in _MODEL.finditer(schema_text)}
    return {f.group(1) for m in _MODEL.finditer(schema_text) for f in _LIST_FIELD.finditer(m.group(2))
            if f.group(2) in models}


def _enclosing_keys(text: str, at: int) -> list[str]:
    """The keys of the object literals around offset `at`, innermost first (`include: { x: true }` -> [include])."""
    keys: list[str] = []
    depth, i = 0, at
    while i > 0 and len(keys) < KEY_DEPTH:
        i -= 1
        ch = text[i]
        if ch in ")}]":
            depth += 1
        elif ch in "({[":
            if depth:
                depth -= 1
                continue
            if ch != "{":
                return keys
            key = _KEY_BEFORE.search(text[max(0, i - 80):i])
            if key is None:
                return keys
            keys.append(key.group(1))
    return keys


def relation_loads(text: str, relations: set[str]) -> list[tuple[int, str]]:
    """(line, relation) of each to-many relation loaded in full by a query's include or select."""
    out = []
    for m in _LOAD.finditer(text):
        if m.group(1) not in relations:
            continue
        keys = _enclosing_keys(text, m.start())
        if keys and keys[0] in LOADING_KEYS and not NOT_A_LOAD & set(keys):
            out.append((text.count("\n", 0, m.start()) + 1, m.group(1)))
    return out


def _uses(relation: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    r = re.escape(relation)
    counted = re.compile(rf"(?:\.|\?\.){r}\s*(?:\?\.|\.)\s*(length|some|find|findIndex|includes|filter|every)\b")
    walked = re.compile(rf"(?:\.|\?\.){r}\s*(?:\?\.|\.)\s*(?:map|flatMap|forEach|reduce|slice|sort)\s*\(|"
                        rf"\bof\s+[\w$.?]+(?:\.|\?\.){r}\s*\)")
    return counted, walked


def relation_overfetch(schemas: dict[str, str], sources: dict[str, str]) -> list[RelationOverfetch]:
    """Every full load of a to-many relation whose rows the code only counts or searches."""
    relations: set[str] = set()
    for text in schemas.values():
        relations |= to_many_relations(text)
    if not relations:
        return []
    loads = [(rel, line, relation) for rel, text in sorted(sources.items()) if "prisma" in text
             for line, relation in relation_loads(text, relations)]
    out = []
    for relation in sorted({r for _, _, r in loads}):
        counted, walked = _uses(relation)
        if any(walked.search(text) for text in sources.values()):
            continue
        use = next(((rel, text.count("\n", 0, m.start()) + 1, m.group(1)) for rel, text in sorted(sources.items())
                    for m in counted.finditer(text)), None)
        if use is None:
            continue
        out += [RelationOverfetch(rel, line, relation, *use) for rel, line, r in loads if r == relation]
    return out
