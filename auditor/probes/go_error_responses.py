"""Go's form of a central error format: one helper package that every handler answers its errors through.

Go has no exception handler to register. A service that wants one error body writes helpers (`httperr.BadRequest(
slug, err, w, r)`, `respondError(w, status, err)`) that set the status and encode the one error shape, and its
handlers call them instead of writing an error status themselves. The format is central when the handlers that
answer errors all do so through such helpers: none writes an error status or `http.Error` directly.

A helper is a function that is not a route handler, takes the response (`http.ResponseWriter`, gin/echo/fiber
context), writes a status, and is named for an error (`BadRequest`, `respondWithError`, `InternalError`); a
generic `renderJSON` used for every answer is not one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.endpoints.goread import GoFunc, GoIndex

RESPONSE_PARAM = re.compile(r"http\.ResponseWriter|\*gin\.Context|echo\.Context|\*fiber\.Ctx")
WRITES_STATUS = re.compile(r"\.WriteHeader\(|\bhttp\.Error\(|\.JSON\(|\.AbortWithStatus\w*\(|\brender\.(Status|Render|JSON)\(|"
                           r"\.Status\(|\.String\(")
ERROR_NAME = re.compile(r"(?i)err|fail|unauthori|forbidden|badrequest|notfound|internal|abort|problem|conflict")
# a handler writing an error answer itself
DIRECT_ERROR = re.compile(r"\bhttp\.Error\(|\.WriteHeader\(\s*(?:http\.Status(?:BadRequest|Unauthorized|Forbidden|NotFound|"
                          r"Conflict|UnprocessableEntity|InternalServerError|ServiceUnavailable)|[45]\d\d)\b|"
                          r"\.(?:JSON|String|AbortWithStatusJSON|AbortWithStatus)\(\s*(?:http\.Status(?!OK|Created|"
                          r"Accepted|NoContent|Found|MovedPermanently|SeeOther)\w+|[45]\d\d)\b")


@dataclass
class GoErrorHelpers:
    helpers: list[GoFunc] = field(default_factory=list)
    through_helpers: list[str] = field(default_factory=list)   # handlers answering errors through a helper
    direct: list[str] = field(default_factory=list)            # handlers writing an error status themselves

    @property
    def central(self) -> bool:
        return len(self.through_helpers) >= 2 and not self.direct and bool(self.helpers)


def error_helpers(index: GoIndex, handler_names: set[str]) -> list[GoFunc]:
    """Functions named for an error that take the response and write a status, themselves or through the
    functions of their own package they call (`RespondWithSlugError` -> `InternalError` -> `httpRespondWithError`)."""
    candidates = [fn for fns in index.by_name.values() for fn in fns
                  if fn.name not in handler_names and any(RESPONSE_PARAM.search(t) for _, t in fn.params)]
    writers = {id(fn) for fn in candidates if WRITES_STATUS.search(fn.body)}
    changed = True
    while changed:
        changed = False
        for fn in candidates:
            if id(fn) not in writers and any(id(c) in writers for c in _local_callees(index, fn)):
                writers.add(id(fn))
                changed = True
    return [fn for fn in candidates if id(fn) in writers and ERROR_NAME.search(fn.name)]


def _local_callees(index: GoIndex, fn: GoFunc) -> list[GoFunc]:
    out = []
    for m in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", fn.body):
        out += [c for c in index.by_name.get(m.group(1), []) if c is not fn and c.directory == fn.directory]
    return out


def judge(index: GoIndex, handlers: list[tuple[str, str, str]]) -> GoErrorHelpers:
    """handlers: (label, handler name, handler source) of the Go endpoints."""
    names = {name.split(".")[-1] for _, name, _ in handlers}
    helpers = error_helpers(index, names)
    out = GoErrorHelpers(helpers)
    if not helpers:
        return out
    called = re.compile(r"(?<![\w])(?:\w+\.)?(" + "|".join(sorted({re.escape(h.name) for h in helpers})) + r")\s*\(")
    for label, _, text in handlers:
        if DIRECT_ERROR.search(text):
            out.direct.append(label)
        elif called.search(text):
            out.through_helpers.append(label)
    return out
