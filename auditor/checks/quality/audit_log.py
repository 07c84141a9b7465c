"""QA-AUDIT-LOG: security-relevant actions leave an audit record of who did what, to what, when.

Judged by what the code records, not by the names of its loggers: the handlers of security-relevant actions
(login, sign-up, password change, permission or role change, payment, deletion), with the repository
functions they call one level deep, must write an audit record that names the actor: a row in an
audit/event/log table (a model or an INSERT), a log call, or an event published to a stream. A login whose
only records come before its credential check records the attempt, not its outcome: that is not enough. An audit logger
or table that no such handler writes to does not count. When the endpoint inventory names no such action,
the audit-trail libraries found by the rules and the actor-bearing log calls decide, as before: in Python
those log calls are read from the parse tree (`security_events_logged`), and only then
(security-event-logged-with-actor-python retired, issue 17).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.checks.shared.verdicts import cap, dedupe, python_sources
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.classify import LOGOUT, is_entry_point, label
from auditor.endpoints.handlers import handler_source
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result
from auditor.probes.callees import endpoint_text
from auditor.registry import check

PASSWORD = re.compile(r"(?i)password|passwd|chpasswd|credential")
PERMISSION = re.compile(r"(?i)\b(role|roles|permission|permissions|privilege|grant|revoke|promote|demote|is_admin|"
                        r"is_superuser|is_staff)\b|/(roles?|permissions?|privileges?|grants?)(/|$)")
PAYMENT = re.compile(r"(?i)(payment|\bpay\b|charge|checkout|purchase|invoice|refund|transfer|billing|subscription)")
DELETION = re.compile(r"(?i)(^|[/_-])(delete|remove|destroy|deactivate)([/_-]|$)")
# an audit record: a table or model write, a dedicated call, an event on a stream
AUDIT_WRITE = re.compile(
    r"\b\w*(?:Audit|AuditLog|AuditEvent|SecurityEvent|ActivityLog|EventLog|UserEvent|LoginAttempt|AccessLog)\w*\s*"
    r"(?:\.objects\.create|\.create|\.insert\w*|\.add|\()|(?i:\bINSERT\s+INTO\s+[\w\"`]*(?:audit|event|activity|_log)\w*)|"
    r"\b(?:audit|record_event|log_event|log_action|track_event|audit_log|auditlog|log_activity|record_audit)\w*\s*\(|"
    r"\b\w*audit\w*\.(?:info|warning|warn|error|critical|log|notice|record|write|emit)\s*\(|"
    r"\b(?:publish|emit|produce|send_event|track)\s*\(\s*['\"][\w.:-]*(?:login|logout|password|role|permission|"
    r"delete|payment|signup|register)[\w.:-]*['\"]")
# a log call that may record the action, when its text names the actor
LOG_CALL = re.compile(r"(?<![.\w])(?:log|logger|logging|_logger|LOGGER|LOG|log\w*|\w+_log(?:ger)?|current_app\.logger|app\.logger)"
                      r"\s*\.\s*(?:info|warning|warn|error|critical|notice|log|debug)\s*\(|\blog\(\s*['\"]\w+['\"]")
ACTOR = re.compile(r"(?i)\b(user(?:name|_id|Id)?|actor|current_user|request\.user|req\.user|g\.user|principal|"
                   r"account|email|who)\b")


# the credential check of a login: a call given the password, or passport's authenticate
CREDENTIAL_CHECK = re.compile(r"(?i)[\w$.]+\s*\([^()]*\b(?:password|passwd|pwd)\b[^()]*\)|passport\.authenticate\s*\(")
BEFORE_OUTCOME = "only before the outcome: the attempt is recorded, not whether it succeeded or failed"


def recorded_before_outcome(text: str) -> bool:
    """A login handler whose records all come before its credential check (`logger.info('login attempt ' +
    user); auth(user, password).then(...).catch(...)`): neither the success nor the failure is recorded."""
    records = sorted(m.start() for pattern in (AUDIT_WRITE, LOG_CALL) for m in pattern.finditer(text))
    if not records:
        return False
    for check_at in (m.start() for m in CREDENTIAL_CHECK.finditer(text, records[0])):
        if any(r == check_at for r in records):     # the log call itself names the password
            continue
        return not any(r > check_at for r in records)
    return False


# a log call of a security event that names the actor (what the retired semgrep rule matched): a logger or audit
# object, a level, a message naming a security event, and an argument (or an f-string field) naming the actor
EVENT_LEVELS = frozenset({"info", "warning", "warn", "error", "critical", "log", "notice", "msg"})
EVENT_LOGGER = re.compile(r"(?i)log|audit")
EVENT_WORDS = (r"log(ged)?[ _-]?in|log(ged)?[ _-]?out|sign(ed)?[ _-]?(in|out)|password|permission|role|privilege|"
               r"grant\w*|revok\w*|delet\w*|deactivat\w*|audit")
EVENT_MESSAGE = re.compile(rf"(?i)\b({EVENT_WORDS}|authenticat\w*|remov\w*)\b")
EVENT_ACTOR = re.compile(r"(?i)\b(user|actor|username|email|principal|account|who|current_user|sub)")
EVENT_FSTRING = re.compile(rf"(?is)^f[\"'].*\b({EVENT_WORDS})\b.*\{{[^}}]*(user|actor|username|email|principal|account)[^}}]*\}}")


def security_events_logged(tree: ast.Module) -> list[int]:
    """Lines of log calls that record a security event with its actor: `audit.info("login for %s", user.name)`,
    `logger.warning(f"role granted to {target.email} by {request.user.id}")`."""
    out = []
    for call in nodes_of(tree, ast.Call):
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in EVENT_LEVELS and call.args):
            continue
        try:
            if not EVENT_LOGGER.search(ast.unparse(func.value)):
                continue
            first = call.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if EVENT_MESSAGE.search(first.value) and any(EVENT_ACTOR.search(ast.unparse(a)) for a in call.args[1:]):
                    out.append(call.lineno)
            elif isinstance(first, ast.JoinedStr) and EVENT_FSTRING.search(ast.unparse(first)):
                out.append(call.lineno)
        except (ValueError, AttributeError, RecursionError):
            continue
    return out


def logged_security_events(ctx: AuditContext) -> list[Evidence]:
    """The actor-bearing security-event log calls of the application's Python code."""
    return [Evidence(path, line, ctx.repo.snippet(path, line), rule_id="security-event-logged-with-actor-python",
                     engine="ast", message="A security-relevant action (login, logout, password or permission change, "
                                           "deletion) is logged with the actor.", kind=PRACTICE)
            for path, tree in python_sources(ctx) for line in security_events_logged(tree)]


@dataclass(frozen=True)
class SensitiveAction:
    endpoint: Endpoint
    action: str


def security_action(ep: Endpoint) -> str | None:
    """The security-relevant action an endpoint performs, by its method, path and handler name, or None."""
    words = f"{ep.path} {ep.handler}"
    method = ep.method.upper()
    if LOGOUT.search(ep.path) or method in ("GET", "HEAD", "OPTIONS"):
        return None
    if PASSWORD.search(words):
        return "password change"
    if is_entry_point(ep) and re.search(r"(?i)regist|sign-?up|users|accounts", words):
        return "sign-up"
    if is_entry_point(ep) and re.search(r"(?i)log-?in|sign-?in|token|session|auth", words):
        return "login"
    if PERMISSION.search(words):
        return "permission change"
    if PAYMENT.search(words):
        return "payment"
    if method == "DELETE" or DELETION.search(ep.path) or re.search(r"(?i)^(delete|remove|destroy)", ep.handler.rsplit(".", 1)[-1]):
        return "deletion"
    return None


def recording_in(text: str) -> tuple[str, bool] | None:
    """(the recording call, whether it names the actor) of the audit record in a handler's text: the first one
    naming the actor, else the first one found, else None."""
    first: tuple[str, bool] | None = None
    for pattern in (AUDIT_WRITE, LOG_CALL):
        for m in pattern.finditer(text):
            lines = text[m.start():m.start() + 400].split("\n")[:4]
            call = " ".join(" ".join(lines).split())
            args = call[len(" ".join(m.group(0).split())):]
            depth, cut = 1, len(args)
            for i, ch in enumerate(args):   # up to the call's closing parenthesis
                depth += ch == "("
                depth -= ch == ")"
                if depth == 0:
                    cut = i
                    break
            found = (call[:len(call) - len(args) + cut + 1][:100], bool(ACTOR.search(args[:cut])))
            if found[1]:
                return found
            first = first or found
    return first


@dataclass(frozen=True)
class AuditTable:
    file: str
    line: int
    name: str
    fields: tuple[str, ...]

    @property
    def has_actor(self) -> bool:
        return any(re.search(r"(?i)user|actor|account|principal|by$|who", f) for f in self.fields)


AUDIT_MODEL = re.compile(r"(?i)(audit|event|activity|history|_?log$|logentry)")


def audit_tables(sources: list[tuple[str, ast.Module]]) -> list[AuditTable]:
    """Model classes named like an audit, event or log table, with their field names."""
    out = []
    for path, tree in sources:
        for node in nodes_of(tree, ast.ClassDef):   # the module's class index, in ast.walk's order
            if not AUDIT_MODEL.search(node.name):
                continue
            if not any(isinstance(b, (ast.Name, ast.Attribute)) and re.search(r"Model|Base|Document|SQLModel",
                                                                               ast.unparse(b)) for b in node.bases):
                continue
            fields = tuple(t.id for s in node.body if isinstance(s, (ast.Assign, ast.AnnAssign))
                           for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name))
            out.append(AuditTable(path, node.lineno, node.name, fields))
    return out


def evaluate_audit_log(item_id: str, actions: list[tuple[SensitiveAction, tuple | None]],
                       tables: list[AuditTable], snippet_of,
                       fallback: list[Evidence] | Callable[[], list[Evidence]]) -> ItemResult:
    """`fallback`: the audit-trail evidence found outside the handlers, or a function giving it (read only when
    no security-relevant endpoint is identified)."""
    table_note = ""
    if tables:
        t = tables[0]
        table_note = (f" Audit-like table {t.name} ({t.file}:{t.line}) "
                      + ("records an actor." if t.has_actor else "records no actor (no user/actor field)."))
    if not actions:
        actorless = [t for t in tables if not t.has_actor]
        if callable(fallback):
            fallback = fallback()
        if fallback:
            return ItemResult(item_id, "pass",
                              "Heuristic: no security-relevant endpoint was identified; an audit trail is set up (audit "
                              "library, audit logger or security events logged with the actor)." + table_note,
                              cap(fallback))
        if actorless:
            t = actorless[0]
            return ItemResult(item_id, "fail", f"the audit-like table {t.name} records no actor (fields: "
                              f"{', '.join(t.fields) or 'none seen'}), and no log call records who acted.",
                              [Evidence(t.file, t.line, "", rule_id="audit-table-without-actor", engine="ast",
                                        message=f"{t.name} has no user/actor field", kind=VIOLATION)])
        return ItemResult(item_id, "fail",
                          "Heuristic: no audit trail found. Looked for audit/event tables written with an actor, "
                          "django-auditlog, django-simple-history, django-reversion, a logger named 'audit'/'security', "
                          "and log calls recording logins, password/permission changes or deletions with the actor.")
    good, bad = [], []
    for act, rec in actions:
        ep = act.endpoint
        if rec and rec[1] and len(rec) < 3:
            good.append(Evidence(ep.file, ep.line, snippet_of(ep), rule_id="audited-action", engine="inventory",
                                 message=f"{act.action} {label(ep)} records who acted: {rec[0]}", kind=PRACTICE))
        else:
            why = f"records {rec[0]} {rec[2]}" if rec and len(rec) > 2 else \
                f"records {rec[0]} without the actor" if rec else "records nothing"
            bad.append(Evidence(ep.file, ep.line, snippet_of(ep), rule_id="unaudited-action", engine="inventory",
                                message=f"{act.action} {label(ep)} {why}", kind=VIOLATION))
    kinds = sorted({a.action for a, _ in actions})
    return partial_result(item_id, len(good), len(actions),
                          f"{len(good)} of {len(actions)} security-relevant action(s) ({', '.join(kinds)}) leave an "
                          "audit record naming the actor (an audit/event table write, a log call or a published event "
                          "in the handler or a function it calls, heuristic)." + table_note,
                          cap(bad + good), {"actions": [f"{a.action}: {label(a.endpoint)}" for a, _ in actions],
                                            "unaudited": [label(a.endpoint) for a, r in actions
                                                          if not (r and r[1] and len(r) < 3)]})


@check("QA-AUDIT-LOG")
def audit_trail(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    found = [f.evidence for f in dedupe(ctx.practices(item.id))]
    try:
        endpoints = endpoint_inventory(ctx).endpoints
    except Unavailable:
        endpoints = []
    actions = []
    for ep in endpoints:
        action = security_action(ep)
        if action:
            text = endpoint_text(ctx.repo, ep.file, ep.handler, handler_source(ctx.repo, ep))
            rec: tuple | None = recording_in(text)
            if rec and action == "login" and recorded_before_outcome(text):
                rec = (rec[0], rec[1], BEFORE_OUTCOME)
            actions.append((SensitiveAction(ep, action), rec))
    return evaluate_audit_log(item.id, actions, audit_tables(python_sources(ctx)),
                              lambda e: ctx.repo.snippet(e.file, e.line), lambda: found + logged_security_events(ctx))
