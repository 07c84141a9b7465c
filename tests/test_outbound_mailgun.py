"""The Mailgun SDK is an outbound HTTP client (rules/outbound_clients.yml): a service that builds one makes
outbound HTTP calls (SEC-SSRF is judged, not not_applicable), and REL-TIMEOUTS sees where its timeout is set."""
from auditor.probes.outbound_clients import javascript_client_calls

BUILT_APART = """import formData from 'form-data';
import Mailgun from 'mailgun.js';

const factory = new Mailgun(formData);
export const mailer = factory.client({ username: 'api', key: process.env.MG_KEY });
"""

BUILT_CHAINED = """const Mailgun = require('mailgun.js');
const mg = new Mailgun(require('form-data')).client({ username: 'api', key: 'k', timeout: 5000 });
"""

OLD_SDK = """const mailgun = require('mailgun-js');
const mg = mailgun({ apiKey: process.env.KEY, domain: 'mg.example.org' });
"""

NOT_MAILGUN = """import Mailer from './mailer';
const m = new Mailer();
"""


def test_mailgun_js_constructor_is_an_http_client_without_timeout():
    calls = javascript_client_calls("src/mail.ts", BUILT_APART)
    assert [(c.client, c.kind, c.line, c.timeout) for c in calls] == [("mailgun", "http", 4, None)]
    assert not calls[0].bounded


def test_mailgun_timeout_set_on_the_chained_client():
    calls = javascript_client_calls("src/mail.js", BUILT_CHAINED)
    assert [(c.client, c.line, c.timeout) for c in calls] == [("mailgun", 2, "timeout")]


def test_legacy_mailgun_js_factory_call():
    assert [c.client for c in javascript_client_calls("src/mail.js", OLD_SDK)] == ["mailgun"]


def test_a_local_mailer_class_is_not_mailgun():
    assert javascript_client_calls("src/mail.js", NOT_MAILGUN) == []
