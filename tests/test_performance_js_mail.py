"""PERF-ASYNC in JavaScript: a handler that awaits a function sending mail through nodemailer, one call down
in a service module (tests/fixtures/performance/js-mail)."""
from __future__ import annotations

from pathlib import Path

from auditor.probes.js_slowwork import awaited_mail, mail_senders
from auditor.repo import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "performance" / "js-mail"


def test_mail_senders_follow_calls_within_the_module():
    senders = mail_senders(Repository.scan(FIXTURE))
    assert set(senders) == {"deliver", "sendWelcome"}       # formatGreeting sends nothing
    assert senders["sendWelcome"] == "src/mailer.js"


def test_awaited_sender_in_a_handler_and_a_queued_twin():
    senders = mail_senders(Repository.scan(FIXTURE))
    assert awaited_mail("await mailer.sendWelcome(req.body.email);", senders) == "mailer.sendWelcome"
    assert awaited_mail("await queue.queueWelcome(req.body.email); mailer.formatGreeting(n)", senders) is None


def test_perf_async_fails_on_the_handler_that_waits_for_mail(audited):
    item = next(i for i in audited(FIXTURE)["items"] if i["id"] == "PERF-ASYNC")
    messages = [e["message"] for e in item["evidence"] if e.get("rule_id") == "slow-work-in-handler"]
    assert item["verdict"] in ("fail", "partial")
    assert any("POST /signup (" in m and "mailer.sendWelcome" in m for m in messages)
    assert not any("/signup-queued" in m for m in messages)
