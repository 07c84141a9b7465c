"""FastAPI's exception handlers, read for API-ERROR-FORMAT: the body shape each one answers, and which of the
framework's own answers they replace.

FastAPI answers request-validation errors (422) and HTTPException, its own 404/405 included, with
`{"detail": ...}`. A handler registered for the project's own exception class (`@app.exception_handler(AppError)`)
answers in another shape but leaves those in place: two shapes, unless handlers for RequestValidationError and
HTTPException replace the defaults too."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of
from auditor.pyast import last_name

RESPONSES = ("JSONResponse", "ORJSONResponse", "UJSONResponse")
# the exception classes whose handlers take over FastAPI's {"detail": ...} answers
VALIDATION = ("RequestValidationError", "ValidationError")
HTTP_ERRORS = ("HTTPException", "StarletteHTTPException")


@dataclass
class FastAPIErrorHandlers:
    shapes: list[tuple[str, str, int]] = field(default_factory=list)   # (first key of the body, file, line)
    handled: set[str] = field(default_factory=set)                     # exception classes with a handler

    @property
    def replaces_defaults(self) -> bool:
        return bool(self.handled & set(VALIDATION)) and bool(self.handled & set(HTTP_ERRORS))


def read_handlers(path: str, tree: ast.Module, into: FastAPIErrorHandlers) -> None:
    functions = {fn.name: fn for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for fn in functions.values():
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and last_name(dec.func) == "exception_handler" and dec.args:
                _register(path, last_name(dec.args[0]), fn, into)
    for call in nodes_of(tree, ast.Call):
        if last_name(call.func) == "add_exception_handler" and len(call.args) >= 2:
            handler = functions.get(last_name(call.args[1]) or "")
            if handler is not None:
                _register(path, last_name(call.args[0]), handler, into)


def _register(path: str, exception: str | None, fn: ast.FunctionDef | ast.AsyncFunctionDef,
              into: FastAPIErrorHandlers) -> None:
    if exception:
        into.handled.add(exception)
    for call in nodes_of(fn, ast.Call):
        if last_name(call.func) not in RESPONSES:
            continue
        body = next((kw.value for kw in call.keywords if kw.arg == "content"), call.args[0] if call.args else None)
        if isinstance(body, ast.Call) and body.args:          # jsonable_encoder({...})
            body = body.args[0]
        if isinstance(body, ast.Dict) and body.keys and isinstance(body.keys[0], ast.Constant):
            into.shapes.append((str(body.keys[0].value), path, call.lineno))
