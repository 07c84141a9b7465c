"""SEC-CRYPTO: no fast password hashing, predictable token randomness, broken cipher, or disabled TLS verification."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.code_findings import code_item
from auditor.checks.shared.passwords import stored_as_given
from auditor.context import AuditContext
from auditor.model import ItemResult
from auditor.registry import check

# SEC-CRYPTO also covers disabled TLS verification (DESIGN.md); these SEC-HTTPS rules report it
TLS_VERIFICATION_RULES = frozenset({
    "python-tls-verification-disabled", "js-tls-verification-disabled", "go-tls-verification-disabled",
    "bandit.B501.request_with_no_cert_validation",
})


@check("SEC-CRYPTO")
def strong_cryptography(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    tls_off = [f for f in ctx.violations("SEC-HTTPS") if f.evidence.rule_id in TLS_VERIFICATION_RULES]
    return code_item(ctx, item, "No fast hash of passwords, no password stored as given, no predictable randomness "
                                 "for tokens or keys, no broken cipher or mode, TLS verification left on.",
                     extra=tls_off + stored_as_given(ctx, item.id))   # test code: left out by code_item
