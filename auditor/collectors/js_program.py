"""The JavaScript/TypeScript program model collector (auditor/program/js): parsed once per audit for every
check that judges what JS/TS code does: the database effects through helpers, request data reaching a sink
(auditor/program/js/taint.py), and promises left floating inside try (auditor/program/js/floating.py)."""
from __future__ import annotations

from auditor.context import AuditContext, Key
from auditor.program.js import JsProgram, build_js_program
from auditor.registry import collector

JS_PROGRAM: Key[JsProgram] = Key("js_program")


@collector(JS_PROGRAM, serves=("DB-TRANSACTIONS", "PERF-N-PLUS-1", "SEC-SQLI", "SEC-INJECTION", "SEC-XSS",
                                     "SEC-SSRF", "REL-ERROR-HANDLING", "SEC-SENSITIVE-LOGGING"))
def collect_js_program(ctx: AuditContext) -> JsProgram:
    return build_js_program(ctx.repo)
