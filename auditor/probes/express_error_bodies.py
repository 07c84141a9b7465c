"""The bodies Express error middleware answers with. A function of four parameters (err, req, res, next) is
Express's error handler: every `res.json(...)` / `res.send(...)` in it answers an error, whatever status it sets
(`res.status(err.status || 500)` names no literal status, so the line-by-line reading of API-ERROR-FORMAT does
not see it). The shape is the body's first key, or plain text for a bare value (`res.json(err.message)` sends a
JSON string)."""
from __future__ import annotations

import re

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
        body_end = _closing_brace(text, body_start)
        response = re.escape(m.group(1))
        for send in re.finditer(rf"\b{response}\b(?:\s*\.\s*status\([^()]*(?:\([^()]*\))?[^()]*\))?\s*{SEND}",
                                text[body_start:body_end]):
            at = body_start + send.end()
            line = text.count("\n", 0, at) + 1
            value = text[at:at + 200]
            if value.startswith(")"):
                continue                          # res.send(): an empty body
            shape = _shape(value, text[body_start:body_end])
            if shape:
                out.append((shape, line))
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


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)
