"""SEC-SENSITIVE-LOGGING: no password, token or secret reaches a log call.

Besides the semgrep rules (a credential-named value flowing into a log call), a catch-all error handler that
logs the caught error object whole, in a project that validates request bodies with yup or joi's throwing
forms, logs each rejected body: the ValidationError carries the input (auditor/probes/validation_error_logging.py)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.context import AuditContext
from auditor.model import VIOLATION, Evidence, Finding, ItemResult
from auditor.probes.validation_error_logging import validation_errors_logged
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


@check("SEC-SENSITIVE-LOGGING")
def sensitive_logging(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return code_item(ctx, item, "No password, token, secret or Authorization header reaches a log call or "
                                 "print.", engines=("semgrep",), extra=validation_error_findings(ctx))
