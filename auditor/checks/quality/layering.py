"""QA-LAYERING: request handlers reach the database and third parties through service or repository layers
("Clear separation of concerns (controllers, services, repositories, utilities)", "Proper abstraction
layers for external dependencies").

For each endpoint of the inventory, the handler's own text (auditor.endpoints.handlers; the route call and
its named handler for Express) is read for database access (ORM managers and queries, sessions, cursors,
Mongoose/Sequelize/Prisma/Knex calls) and third-party SDK calls (HTTP clients, boto3, stripe, twilio,
sendgrid, smtplib). A handler with neither delegates. Handlers whose text cannot be read (methods a DRF
viewset inherits) are not judged. Heuristic, and said so.

JavaScript/TypeScript: calling an ORM model (a name bound to a module that defines one with mongoose.model,
sequelize.define, Model.init, `extends Model` or @Entity, wherever it is defined) is direct data access, as
is `new Model(...)` when the handler persists an object itself (`user.save()`), a TypeORM repository call or a raw
SQL query; a GraphQL field is judged on its resolver.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.catalog import CatalogItem
from auditor.checks.shared.endpoints import endpoint_inventory
from auditor.checks.shared.js_models import model_call_pattern
from auditor.context import AuditContext
from auditor.endpoints.handlers import handler_source, js_named_handler_missing
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, ItemResult, partial_result
from auditor.registry import check

ITEM = "QA-LAYERING"
MAX_EVIDENCE = 15
DATABASE_ACCESS = re.compile(
    r"\.objects\.\w+\(|\.query\.\w+\(|\bdb\.session\.\w+\(|\bsession\.(?:add|add_all|commit|execute|query|delete|"
    r"scalars|scalar|exec|flush|refresh)\(|\.cursor\(\)|\bcursor\.execute\(|\braw\(\s*['\"]SELECT|"
    r"\b[A-Z]\w*\.(?:find|findOne|findById|findAll|findByPk|findUnique|findMany|create|updateOne|updateMany|"
    r"deleteOne|deleteMany|destroy|aggregate|countDocuments|insertMany|findOneAndUpdate|findByIdAndUpdate)\(|"
    r"\b(?:pool|knex|prisma|db)\.\w+[\.(]|\b(?:knex|db|trx)\(\s*['\"]|\bsequelize\.query\(|\bgetRepository\(|"
    r"\.query\(\s*[`'\"]\s*(?:SELECT|INSERT|UPDATE|DELETE)\b|"
    r"\b\w*[Rr]epository\.(?:find\w*|save|insert|update|delete|remove|createQueryBuilder|count)\(")
SDK_CALL = re.compile(
    r"\b(?:requests|httpx|boto3|stripe|twilio|sendgrid|smtplib|axios|got|superagent)\.\w+\(|\bfetch\(|\burlopen\(|"
    r"\bnew\s+(?:Stripe|Twilio|AWS\.\w+|S3Client|SESClient)\(|\bsmtplib\.SMTP\w*\(|\bnodemailer\.createTransport\(")


@dataclass(frozen=True)
class HandlerAccess:
    endpoint: Endpoint
    database: tuple[str, ...]     # the direct database calls, as written
    sdk: tuple[str, ...]          # the direct third-party calls


# an Active Record object written or read back through its own methods (`await user.save()`,
# `await new Note(body).save()`)
PERSISTS = re.compile(r"(?:(?<![\w$.])[a-z_$][\w$]*|\))\s*\.(?:save|remove|destroy|reload|softRemove|recover)\s*\(")


def handler_access(ep: Endpoint, source: str, models: re.Pattern | None = None) -> HandlerAccess:
    """The handler's direct database and SDK calls. `new Model(...)` only builds an object: it is data access
    when the handler also persists an object itself (`.save()`), not when it hands the object to a service."""
    database = tuple(m.group(0) for m in DATABASE_ACCESS.finditer(source))
    if models is not None:
        persists = bool(PERSISTS.search(source))
        database += tuple(m.group(0) for m in models.finditer(source) if persists or not m.group(0).startswith("new"))
    sdk = tuple(m.group(0) for m in SDK_CALL.finditer(source))
    return HandlerAccess(ep, database, sdk)


def evaluate_layering(item_id: str, handlers: list[HandlerAccess], unread: int) -> ItemResult:
    if not handlers:
        return ItemResult(item_id, "not_applicable" if not unread else "unknown",
                          "no endpoint handler to judge" if not unread else
                          f"the text of none of the {unread} handler(s) could be read")
    direct = sorted((h for h in handlers if h.database or h.sdk), key=lambda h: -(len(h.database) + len(h.sdk)))
    layered = [h for h in handlers if not (h.database or h.sdk)]
    evidence = []
    for h in direct[:MAX_EVIDENCE]:
        what = []
        if h.database:
            what.append(f"{len(h.database)} database call(s) ({', '.join(sorted(set(h.database))[:3])})")
        if h.sdk:
            what.append(f"{len(h.sdk)} third-party call(s) ({', '.join(sorted(set(h.sdk))[:3])})")
        ep = h.endpoint
        evidence.append(Evidence(ep.file, ep.line, "", rule_id="handler-direct-access", engine="inventory",
                                 message=f"{ep.method} {ep.path} ({ep.handler}) makes {' and '.join(what)} itself",
                                 kind=VIOLATION))
    for h in layered[:5]:
        ep = h.endpoint
        evidence.append(Evidence(ep.file, ep.line, "", rule_id="handler-delegates", engine="inventory",
                                 message=f"{ep.method} {ep.path} ({ep.handler}) delegates data and third-party access",
                                 kind=PRACTICE))
    note = f" {unread} handler(s) whose text could not be read are not judged." if unread else ""
    return partial_result(item_id, len(layered), len(handlers),
                          f"Heuristic: {len(layered)} of {len(handlers)} handler(s) reach the database and third "
                          f"parties through other functions or modules; {len(direct)} query or call SDKs directly."
                          + note, evidence,
                          {"layered": len(layered), "direct": len(direct), "unread": unread,
                           "worst": [f"{h.endpoint.method} {h.endpoint.path}" for h in direct[:10]]})


@check("QA-LAYERING")
def check_layering(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = endpoint_inventory(ctx)
    judged, unread = [], 0
    models = model_call_pattern(ctx.repo) if any(_is_js(ep.file) for ep in inv.endpoints) else None
    resolvers = _resolvers(ctx) if any(ep.framework == "graphql" for ep in inv.endpoints) else {}
    for ep in inv.endpoints:
        source = resolvers.get((ep.file, ep.line)) or handler_source(ctx.repo, ep)
        if not source.strip() or js_named_handler_missing(ctx.repo, ep):   # the route call alone says nothing
            unread += 1
            continue
        access = handler_access(ep, source, models if _is_js(ep.file) else None)
        if ep.file.endswith(".go") and access.database:
            access = _own_methods_delegate(ctx, access)
        judged.append(access)
    result = evaluate_layering(item.id, judged, unread)
    for i, ev in enumerate(result.evidence):
        result.evidence[i] = Evidence(ev.file, ev.line, ctx.repo.snippet(ev.file, ev.line), rule_id=ev.rule_id,
                                      engine=ev.engine, message=ev.message, kind=ev.kind)
    return result


def _own_methods_delegate(ctx: AuditContext, access: HandlerAccess) -> HandlerAccess:
    """Go: `h.db.GetUser(ctx, id)` calls a method the repository defines on its own data-access type, a layer of
    its own; `db.Query(...)`, `db.Where(...)` (database/sql, GORM) stay direct access."""
    from auditor.endpoints.go import go_index
    own = ctx.repo.__dict__.get("_auditor_go_own_methods")
    if own is None:
        own = ctx.repo.__dict__["_auditor_go_own_methods"] = {fn.name for fns in go_index(ctx.repo).by_name.values()
                                                 for fn in fns if fn.receiver}
    kept = tuple(call for call in access.database
                 if not ((m := re.search(r"\.(\w+)\($", call)) and m.group(1) in own))
    return HandlerAccess(access.endpoint, kept, access.sdk)


def _is_js(path: str) -> bool:
    return path.endswith((".js", ".mjs", ".cjs", ".ts"))


def _resolvers(ctx: AuditContext) -> dict[tuple[str, int], str]:
    """(file, line) -> resolver text of each GraphQL operation: a field is judged on what its resolver does."""
    from auditor.endpoints.graphql import operations
    return {(op.file, op.line): op.resolver for op in operations(ctx.repo) if op.resolver}
