"""A validation error logged whole logs the request body it rejected (JavaScript/TypeScript, read as text).

yup's `schema.validate(value)` rejects with a ValidationError whose `.value` is the validated object (each
`inner` error keeps its field's value too), and joi's `validateAsync` / `Joi.attempt` / `Joi.assert` throw a
ValidationError whose `_original` is the input (and `details[].context.value` each value). Both are own
enumerable properties, so `console.error(err)` (util.inspect) or a logger given the object prints them: the
registration body with its plaintext password, when a password field fails or any other field does.

The finding needs both halves, each with its place:
- a throwing validation of request data: `.validate(` / `.validateSync(` of yup, or joi's throwing forms, in a
  module that reads the request body (`ctx.request.body`, `req.body`, `const { body } = ctx.request`), with yup/joi a dependency;
- a catch-all error handler that logs the caught error object itself, unconditionally: the `catch (err)` of a
  Koa middleware whose `try` awaits `next()`, or an Express error middleware `(err, req, res, next)`, calling
  `console.error(err)` / `logger.error(err)` at the top level of that block. A log of `err.message` or
  `err.stack`, or one inside an `if`/`switch` branch (which may leave validation errors out), is not counted.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

from auditor.inventory import TEST_FILE
from auditor.repo import Repository
from auditor.text import bracket_depths, closing_bracket, line_of

JS = (".js", ".mjs", ".cjs", ".ts")
REQUEST_BODY = re.compile(r"\b(?:ctx\.request|req|request)\.body\b|\{[^{}]*\bbody\b[^{}]*\}\s*=\s*(?:ctx\.request|req|request)\b")
YUP_VALIDATE = re.compile(r"\.validate(?:Sync)?\s*\(")
JOI_THROWING = re.compile(r"\.validateAsync\s*\(|\bJoi\.(?:attempt|assert)\s*\(")
KOA_TRY = re.compile(r"\btry\s*\{")
CATCH = re.compile(r"\s*catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{")
EXPRESS_ERROR_HANDLER = re.compile(
    r"(?:\bfunction\s*[\w$]*\s*|(?<![\w$]))\(\s*([A-Za-z_$][\w$]*)\s*,\s*(?:req|request)\w*\s*,\s*(?:res|response)\w*"
    r"\s*,\s*next\w*\s*\)\s*(?:=>\s*)?\{")
LOG_CALL = re.compile(r"\b(?:console|logger|log|winston|pino|[\w$]*[lL]ogger)\.(?:error|log|warn|info|debug|trace|fatal)"
                      r"\s*\(")


@dataclass(frozen=True)
class Place:
    file: str
    line: int
    text: str


@dataclass(frozen=True)
class ValidationErrorLogged:
    log: Place              # the log call that prints the caught error whole
    validation: Place       # a throwing validation of request data whose error reaches it
    library: str            # yup or joi


def _dependencies(repo: Repository) -> set[str]:
    names: set[str] = set()
    for path in repo.paths():
        if posixpath.basename(path) != "package.json" or "node_modules/" in path:
            continue
        try:
            data = json.loads(repo.read_text(path) or "")
        except ValueError:
            continue
        for key in ("dependencies", "devDependencies"):
            block = data.get(key) if isinstance(data, dict) else None
            if isinstance(block, dict):
                names |= set(block)
    return names


def _sources(repo: Repository) -> dict[str, str]:
    return {p: repo.read_text(p) or "" for p in repo.paths()
            if p.endswith(JS) and not TEST_FILE.search(p) and "node_modules/" not in p}


def throwing_validations(sources: dict[str, str], libraries: set[str]) -> list[tuple[Place, str]]:
    """(place, library) of the first throwing validation call in each module that reads the request body."""
    out = []
    for path, text in sorted(sources.items()):
        if not REQUEST_BODY.search(text):
            continue
        for library, pattern in (("yup", YUP_VALIDATE), ("joi", JOI_THROWING)):
            m = pattern.search(text) if library in libraries else None
            if m:
                line = line_of(text, m.start())
                out.append((Place(path, line, text.splitlines()[line - 1].strip()[:160]), library))
                break
    return out


def _logs_whole(text: str, body_start: int, body_end: int, name: str) -> list[int]:
    """Offsets of log calls at the top level of the block text[body_start:body_end] given `name` itself."""
    depth_at = {i: d for i, _, d in bracket_depths(text, body_start, "{", "}", end=body_end)}
    out = []
    for m in LOG_CALL.finditer(text, body_start, body_end):
        before = max((i for i in depth_at if i < m.start()), default=None)
        if before is not None and depth_at[before] != 0:
            continue
        close = closing_bracket(text, m.end() - 1, "(", ")", skip_strings=True, limit=2000)
        if close is None:
            continue
        args = [a.strip() for a in _split_args(text[m.end():close])]
        if any(a == name or re.fullmatch(r"\{\s*(?:[\w$]+\s*:\s*)?" + re.escape(name) + r"\s*\}", a) for a in args):
            out.append(m.start())
    return out


def _split_args(args: str) -> list[str]:
    parts, start = [], 0
    for i, ch, depth in bracket_depths(args, 0):
        if ch == "," and depth == 0:
            parts.append(args[start:i])
            start = i + 1
    parts.append(args[start:])
    return parts


def catch_all_error_logs(sources: dict[str, str]) -> list[Place]:
    """Log calls printing the caught error whole in catch-all error handlers (Koa try/await next()/catch,
    Express (err, req, res, next))."""
    out = []
    for path, text in sorted(sources.items()):
        blocks: list[tuple[str, int, int]] = []   # (error name, body start, body end)
        for m in KOA_TRY.finditer(text):
            try_end = closing_bracket(text, m.end() - 1, skip_strings=True)
            if try_end is None or not re.search(r"\b(?:await|return)\s+next\s*\(\s*\)", text[m.end():try_end]):
                continue
            c = CATCH.match(text, try_end + 1)
            if c:
                end = closing_bracket(text, c.end() - 1, skip_strings=True)
                if end is not None:
                    blocks.append((c.group(1), c.end(), end))
        for m in EXPRESS_ERROR_HANDLER.finditer(text):
            end = closing_bracket(text, m.end() - 1, skip_strings=True)
            if end is not None:
                blocks.append((m.group(1), m.end(), end))
        for name, start, end in blocks:
            for at in _logs_whole(text, start, end, name):
                line = line_of(text, at)
                out.append(Place(path, line, text.splitlines()[line - 1].strip()[:160]))
    return out


def validation_errors_logged(repo: Repository) -> list[ValidationErrorLogged]:
    libraries = _dependencies(repo) & {"yup", "joi", "@hapi/joi"}
    if not libraries:
        return []
    libraries |= {"joi"} if "@hapi/joi" in libraries else set()
    sources = _sources(repo)
    validations = throwing_validations(sources, libraries)
    if not validations:
        return []
    logs = catch_all_error_logs(sources)
    # shown: a validation in a module that handles a password when there is one (sign-up, password change)
    first, library = min(validations, key=lambda v: "password" not in sources[v[0].file].lower())
    return [ValidationErrorLogged(log, first, library) for log in logs]
