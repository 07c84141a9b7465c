"""Evidence that the application keeps passwords as given: SEC-CRYPTO judges it as weak password storage, and
SEC-DATA-AT-REST as a secret column stored in clear."""
from __future__ import annotations

import re

from auditor.checks.shared.flows import flow_finding
from auditor.collectors.program import PROGRAM
from auditor.context import AuditContext
from auditor.model import Finding
from auditor.paths import NO_REQUEST_PATH, TEST_FILE

# rules whose match means the stored password is the password itself: it is compared with what a user sent
PLAINTEXT_COMPARISON_RULES = frozenset({"password-compared-in-sql", "password-compared-in-clear",
                                        "password-compared-in-clear-py"})
# a comparison of a hash of what the user sent shows a weak (unsalted) hash, which is SEC-CRYPTO's finding, not a
# password kept in clear
HASHED_ON_THE_LINE = re.compile(r"(?i)hash|digest|bcrypt|argon|pbkdf|scrypt|\bcrypt\(|md5|sha\d")


def stored_as_given(ctx: AuditContext, item_id: str) -> list[Finding]:
    """Request data reaching a model's password column with no hasher on the way (the program model's
    `password` flows: auditor/program/credentials.py names the columns stored as given)."""
    model = ctx.get_optional(PROGRAM)
    if model is None:
        return []
    return [flow_finding(item_id, flow) for flow in model.flows_of("password") if not NO_REQUEST_PATH.search(flow.sink.file)]


def passwords_kept_in_clear(ctx: AuditContext) -> list[Finding]:
    """Every place, outside tests, that shows stored passwords are the passwords themselves: compared as given
    (in SQL or in code) or stored from a request with no hasher."""
    compared = [f for f in ctx.violations("SEC-CRYPTO")
                if f.evidence.rule_id in PLAINTEXT_COMPARISON_RULES and not TEST_FILE.search(f.file)
                and not HASHED_ON_THE_LINE.search(f.evidence.snippet or "")]
    return compared + [f for f in stored_as_given(ctx, "SEC-CRYPTO") if not TEST_FILE.search(f.file)]
