"""SEC-SENSITIVE-LOGGING: no password, token or secret reaches a log call.

Besides the semgrep rules (a credential-named value flowing into a log call), a catch-all error handler that
logs the caught error object whole, in a project that validates request bodies with yup or joi's throwing
forms, logs each rejected body: the ValidationError carries the input (auditor/probes/validation_error_logging.py).
A JavaScript function that logs whole rows a repository query returned, from a table with personal-data columns
(e-mail, address, phone...), writes that personal data to the logs (auditor/program/js/row_logging.py)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.collectors.js_program import JS_PROGRAM
from auditor.context import AuditContext
from auditor.model import VIOLATION, Evidence, Finding, ItemResult
from auditor.probes.validation_error_logging import validation_errors_logged
from auditor.program.js.row_logging import logged_personal_rows
from auditor.registry import check


def validation_error_findings(ctx: AuditContext) -> list[Finding]:
    out = []
    for hit in validation_errors_logged(ctx.repo):
        carries = "its .value (and each inner error's value)" if hit.library == "yup" else "its _original"
        out.append(Finding(item_id="SEC-SENSITIVE-LOGGING", evidence=Evidence(
            hit.log.file, hit.log.line, ctx.repo.snippet(hit.log.file, hit.log.line),
            rule_id="validation-error-logged-whole", engine="text", kind=VIOLATION,
            message=f"the error handler logs the caught error object whole; a {hit.library} ValidationError "
                    f"from request validation (e.g. {hit.validation.file}:{hit.validation.line}) carries the "
                    f"rejected input in {carries}, so a failed sign-up or password change logs the submitted "
                    "password. Log err.message, or leave validation errors out.")))
    return out


def personal_row_findings(ctx: AuditContext) -> list[Finding]:
    program = ctx.get_optional(JS_PROGRAM)   # None: no JS, or the model failed (listed in the inventory)
    if program is None:
        return []
    out = []
    for hit in logged_personal_rows(ctx.repo, program):
        out.append(Finding(item_id="SEC-SENSITIVE-LOGGING", evidence=Evidence(
            hit.file, hit.line, ctx.repo.snippet(hit.file, hit.line), rule_id="personal-rows-logged-js",
            engine="ast", kind=VIOLATION,
            message=f"logs whole rows of {hit.table} read at {hit.query_file}:{hit.query_line}, with the personal "
                    f"data in {', '.join(hit.columns)}: log a count or the ids, not the rows.")))
    return out


@check("SEC-SENSITIVE-LOGGING")
def sensitive_logging(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return code_item(ctx, item, "No password, token, secret or Authorization header reaches a log call or "
                                 "print.", engines=("semgrep",),
                     extra=validation_error_findings(ctx) + personal_row_findings(ctx))
