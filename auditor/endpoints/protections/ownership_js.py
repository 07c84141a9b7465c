"""Ownership checks in an Express handler and in the repository functions it hands the caller's identity to.

Recognised by what the code does with the authenticated identity (`req.user.id`, `req.auth.sub`, express-jwt's
`req.auth?.user?.id`, `res.locals.user.id`, or a local name assigned from one), not by names:
- it compares a record's field with the identity in an `if` and rejects (throw, 401/403/404):
  `if (article.author.id !== userId) throw new HttpException(403, ...)`;
- it filters a lookup by it: `where: { id, author: { id: userId } }`, `Post.findOne({ _id: id, owner: userId })`,
  Knex `db('posts').where({ id, owner_id: userId })`;
- it links the caller to the record (`likedBy: { connect: { id: userId } }`) or creates a record as the caller
  (`comment.create({ data: { author: { connect: { id } } } })`): the caller acts on their own behalf.
- it loads the caller's own record by that identity (`User.findById(req.user.id)`): the record is the caller's.
The identity may be reached through an alias of the caller's object: `const user = req.user as UserDocument`,
`const { user } = req`, then `user.id`.
Writing the identity into an existing record's data (`data: { editedById: userId }`) or comparing it without
rejecting is none of these. The handler is read, then (one level) each same-repository function it calls with
the identity as an argument, where the identity is the parameter in that position.
"""
from __future__ import annotations

import re

from auditor.endpoints.jsparse import matching_paren
from auditor.probes.callees import js_called_functions
from auditor.repo import Repository

IDENTITY = re.compile(r"\breq\.(?:user|auth)(?:[!?]*\.user)?[!?]*\.(?:id|_id|sub|userId|user_id|uid)\b|"
                      r"\breq\.userId\b|\bres\.locals\.user[!?]*\.(?:id|_id)\b")
ALIAS = re.compile(rf"\b(?:const|let|var)\s+([\w$]+)\s*(?::\s*\w+\s*)?=\s*(?:{IDENTITY.pattern})")
# the caller's whole identity object under another name: `const user = req.user as UserDocument`,
# `const user: User = req.user`, `const { user } = req`, `const { user: me } = req`; its id is the identity
USER_OBJECT = re.compile(r"\b(?:const|let|var)\s+([\w$]+)\s*(?::\s*[\w$.<>]+\s*)?=\s*"
                         r"(?:req\.(?:user|auth)|res\.locals\.user)[!]?\s*(?:as\s+[\w$.<>]+\s*)?(?=[;\n)])")
USER_PATTERN = re.compile(r"\b(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*req\s*(?=[;\n])")
ID_FIELDS = ("id", "_id", "sub", "userId", "user_id", "uid")
# the caller's own record loaded by their identity: the endpoint acts on that record, not on one a client names
OWN_RECORD_CALL = r"\.(?:findById|findByIdAndUpdate|findByIdAndDelete|findByIdAndRemove|findByPk)\s*\(\s*"
REJECT = re.compile(r"\bthrow\b|\b(?:status|sendStatus)\(\s*40[134]\b|\b40[134]\b|Forbidden|NotFound|Unauthori[sz]ed|"
                    r"next\(\s*(?:new\s+)?\w*Error", re.I)
RECORD_FIELD = r"[\w$]+(?:[!?]*\.[\w$]+)+"
# `where: {` (Prisma/Sequelize options), `.find...({`, ..., and a Knex builder's `.where({ id, owner_id: userId })`
FILTER_CALL = re.compile(r"\bwhere\s*:\s*\{|\.(?:find\w*|delete\w*|update\w*|count\w*|exists|destroy|remove|where|andWhere)"
                         r"\s*\(\s*\{")
OPTIONS_BLOCK = re.compile(r"\b(?:data|select|include|orderBy|update|\$set)\s*:\s*\{")
CREATE_CALL = re.compile(r"\.(?:create|insert|save|build)\w*\s*\(\s*\{")


def _block(text: str, brace: int) -> str:
    close = _close_brace(text, brace)
    return text[brace:close + 1] if close > brace else ""


def _close_brace(text: str, brace: int) -> int:
    depth = 0
    for i in range(brace, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _without(block: str, rx: re.Pattern) -> str:
    """The block with the sub-objects `rx` opens removed (a Prisma call's `data: {...}` is no filter)."""
    out, i = [], 0
    for m in rx.finditer(block):
        if m.start() < i:
            continue
        close = _close_brace(block, m.end() - 1)
        out.append(block[i:m.start()])
        i = close + 1 if close > 0 else m.end()
    return "".join(out) + block[i:]


def _uses(names: set[str]) -> str:
    """A regex for the identity as a value: one of its expressions or a name bound to it."""
    words = [rf"(?<![\w$.]){re.escape(n)}\b(?!\s*[:(])" for n in sorted(names)]
    return "|".join([rf"(?:{IDENTITY.pattern})"] + words)


def owner_comparison(text: str, names: set[str]) -> str | None:
    ident = _uses(names)
    rx = re.compile(rf"({RECORD_FIELD})\s*(?:!==?|===?)\s*(?:{ident})|(?:{ident})\s*(?:!==?|===?)\s*({RECORD_FIELD})")
    for m in rx.finditer(text):
        field = m.group(1) or m.group(2) or ""
        if IDENTITY.fullmatch(field):
            continue
        before = text[max(0, m.start() - 120):m.start()]
        if not re.search(r"\bif\s*\([^;{}]*$", before):
            continue
        if REJECT.search(text[m.end():m.end() + 250]):
            return " ".join(m.group(0).split())
    return None


def _value_of(names: set[str]) -> re.Pattern:
    ident = _uses(names)
    short = "|".join(re.escape(n) for n in sorted(names)) or r"(?!)"
    return re.compile(rf"[\w$'\"]+\s*:\s*(?:{ident})|[{{,]\s*(?:{short})\s*(?=[,}}])")


def filtered_lookup(text: str, names: set[str]) -> str | None:
    value = _value_of(names)
    for m in FILTER_CALL.finditer(text):
        block = _without(_block(text, m.end() - 1), OPTIONS_BLOCK)
        hit = value.search(block)
        if hit:
            return " ".join(f"{m.group(0).lstrip('.')} ... {hit.group(0).lstrip('{,')} ...".split())
    return None


def acts_as_caller(text: str, names: set[str]) -> str | None:
    ident = _uses(names)
    linked = re.search(rf"\b(?:connect|disconnect)\s*:\s*\{{\s*(?:id|_id)\s*:\s*(?:{ident})|"
                       rf"\b(?:connect|disconnect)\s*:\s*\{{\s*({'|'.join(map(re.escape, names)) or '(?!)'})\s*,?\s*\}}", text)
    if linked and (linked.group(1) is None or linked.group(1) in ("id", "_id")):
        return " ".join(linked.group(0).split())
    value = _value_of(names)
    for m in CREATE_CALL.finditer(text):
        hit = value.search(_block(text, m.end() - 1))
        if hit:
            return " ".join(f"{m.group(0).lstrip('.')} ... {hit.group(0).lstrip('{,')} ...".split())
    return None


def _checks(text: str, names: set[str]) -> str | None:
    found = owner_comparison(text, names)
    if found:
        return f"compares `{found}` and rejects"
    found = filtered_lookup(text, names)
    if found:
        return f"looks the record up filtered by the caller (`{found}`)"
    found = acts_as_caller(text, names)
    if found:
        return f"acts as the caller on the record (`{found}`)"
    found = own_record(text, names)
    if found:
        return f"loads the caller's own record (`{found}`)"
    return None


def _parameters(definition: str, name: str) -> list[str]:
    m = re.search(rf"\b{re.escape(name)}\b[^(]*?\(", definition)
    if not m:
        return []
    close = matching_paren(definition, m.end() - 1)
    if close < 0:
        return []
    params = []
    for p in re.split(r",(?![^{}()<>]*[}>)])", definition[m.end():close]):
        word = re.match(r"\s*(?:\.\.\.)?([\w$]+)", p)
        params.append(word.group(1) if word else "")
    return params


def identity_names(body: str) -> set[str]:
    """Local names (and `alias.id` expressions) that hold the caller's identity in a handler's text."""
    names = set(ALIAS.findall(body))
    objects = set(USER_OBJECT.findall(body))
    for m in USER_PATTERN.finditer(body):
        for part in m.group(1).split(","):
            key, _, local = part.partition(":")
            if key.strip() == "user":
                objects.add((local or key).split("=")[0].strip())
    names |= {f"{o}.{f}" for o in objects if o for f in ID_FIELDS}
    return names


def own_record(text: str, names: set[str]) -> str | None:
    m = re.search(rf"{OWN_RECORD_CALL}(?:{_uses(names)})\s*[,)]", text)
    return " ".join(m.group(0).lstrip(".").split()) if m else None


def ownership_check(repo: Repository, path: str, body: str) -> str | None:
    """How the handler (or a repository function it passes the caller's identity to) checks ownership, or None."""
    if not body:
        return None
    names = identity_names(body)
    own = _checks(body, names)
    if own:
        return f"{own} in the handler"
    identity = re.compile(_uses(names))
    for callee in js_called_functions(repo, path, body):
        params = _parameters(callee.text, callee.name)
        passed = {params[i] for i, arg in enumerate(callee.args) if i < len(params) and params[i]
                  and identity.search(arg)}
        if not passed:
            continue
        how = _checks(callee.text, passed)
        if how:
            return f"{callee.name} ({callee.file}), given the caller's identity as `{'`, `'.join(sorted(passed))}`, {how}"
    return None
