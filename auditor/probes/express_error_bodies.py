"""The bodies Express error middleware answers with. A function of four parameters (err, req, res, next) is
Express's error handler: every `res.json(...)` / `res.send(...)` in it answers an error, whatever status it sets
(`res.status(err.status || 500)` names no literal status, so the line-by-line reading of API-ERROR-FORMAT does
not see it). The shape is the body's first key, or plain text for a bare value (`res.json(err.message)` sends a
JSON string)."""
from __future__ import annotations

import re

from auditor.text import closing_bracket, line_of

# (err, req, res, next) => {   function (err, req, res, next) {   the names vary; four parameters, first an error
ERROR_MIDDLEWARE = re.compile(
    r"(?:function\s*\w*\s*)?\(\s*(?:err|error|e|ex|exception)\b[^,()]*,\s*\w+[^,()]*,\s*(\w+)[^,()]*,\s*\w+[^,()]*,?\s*\)"
    r"\s*(?::\s*[\w<>\[\]| ]+)?\s*(?:=>)?\s*\{")
SEND = r"\.(?:json|send)\(\s*"


def error_bodies(text: str) -> list[tuple[str, int]]:
    """(shape, line) of each body answered inside an error middleware of this JavaScript/TypeScript text."""
    out: list[tuple[str, int]] = []
    for m in ERROR_MIDDLEWARE.finditer(text):
        body_start = m.end() - 1
        body_end = closing_bracket(text, body_start)
        body = text[body_start:len(text) if body_end is None else body_end]
        response = re.escape(m.group(1))
        for send in re.finditer(rf"\b{response}\b(?:\s*\.\s*status\([^()]*(?:\([^()]*\))?[^()]*\))?\s*{SEND}", body):
            value = body[send.end():send.end() + 200]
            if value.startswith(")"):
                continue                          # res.send(): an empty body
            shape = _shape(value, body)
            if shape:
                out.append((shape, line_of(text, body_start + send.end())))
    return out


def _shape(value: str, body: str) -> str | None:
    """The first key of an object literal; for a variable, the first key of the literal it was set to in the
    same function; plain text for a string (a literal, a template, `err.message`); None when not known."""
    key = re.match(r"\{\s*['\"]?(\w+)['\"]?\s*[:,}]", value)
    if key:
        return key.group(1)
    if re.match(r"['\"`]|\w+\.message\b|String\(", value):
        return "plain text"
    name = re.match(r"(\w+)\s*[),]", value)
    if name:
        literal = re.search(rf"\b(?:const|let|var)\s+{re.escape(name.group(1))}\s*(?::[^=]+)?=\s*\{{\s*['\"]?(\w+)", body)
        return literal.group(1) if literal else None
    return None
