"""QA-AUDIT-LOG's fallback: Python log calls that record a security event with its actor, read from the parse
tree (security-event-logged-with-actor-python retired, issue 17), with the cases its semgrep test held."""
from __future__ import annotations

import ast

from auditor.checks.quality.audit_log import security_events_logged

SOURCE = '''
def login_view(request, user):
    audit.info("login succeeded for %s from %s", user.username, request.META["REMOTE_ADDR"])
    logger.warning(f"permission change: role admin granted to {target.email} by {request.user.id}")
    logger.info("order %s created", order_id)
    logger.info("cache warmed")
    logger.info("password changed")
    stats.info("password reset for %s", user.email)
    log.error("account %s removed", account_id)
    logger.info(f"deleted {count} rows")
'''


def test_security_events_logged_with_the_actor():
    lines = SOURCE.splitlines()
    found = [lines[n - 1].strip() for n in security_events_logged(ast.parse(SOURCE))]
    # a message naming a security event and an argument naming the actor; the logger's name says log or audit
    assert found == [
        'audit.info("login succeeded for %s from %s", user.username, request.META["REMOTE_ADDR"])',
        'logger.warning(f"permission change: role admin granted to {target.email} by {request.user.id}")',
        'log.error("account %s removed", account_id)',
    ]
