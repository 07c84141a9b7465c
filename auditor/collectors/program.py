"""The program model collector: modules, resolved calls, function summaries and request-to-sink flows
(auditor/program), built once per audit for every check that judges what the code does."""
from __future__ import annotations

from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext, Key
from auditor.program import ProgramModel, build_program
from auditor.registry import collector

PROGRAM: Key[ProgramModel] = Key("program")


@collector(PROGRAM, after=(ENDPOINTS,), serves=("SEC-SQLI", "SEC-INJECTION", "SEC-XSS", "SEC-SSRF", "SEC-CRYPTO",
                                                  "SEC-DATA-AT-REST", "PERF-N-PLUS-1", "DB-TRANSACTIONS",
                                                  "DB-QUERY-OPTIMIZATION", "API-REST-SEMANTICS"))
def collect_program(ctx: AuditContext) -> ProgramModel:
    endpoints = ctx.get_optional(ENDPOINTS)
    return build_program(ctx.repo, endpoints.endpoints if endpoints is not None else [])
