"""PERF-ASYNC: slow work (mail, subprocesses, PDF rendering) leaves the request for a background job.

The file is async_.py because `async` is a Python keyword."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import practice_violation_verdict, python_sources
from auditor.collectors.endpoints import ENDPOINTS
from auditor.context import AuditContext, Key, Unavailable
from auditor.endpoints.go import go_index
from auditor.endpoints.handlers import handler_source
from auditor.model import PRACTICE, VIOLATION, Endpoint, Evidence, Finding, ItemResult
from auditor.probes import go_slowwork, js_slowwork, slowwork
from auditor.probes.callees import endpoint_text
from auditor.registry import check, collector

PYTHON_FRAMEWORKS = ("flask", "fastapi", "django", "drf", "aiohttp", "starlette", "connexion")
SLOW_WORK_ANALYSED = {"python", "javascript", "typescript"}


HANDLER_SLOW_WORK: Key[tuple[list[Finding], dict]] = Key("handler_slow_work")


@collector(HANDLER_SLOW_WORK, after=(ENDPOINTS,), serves=("PERF-ASYNC",))
def helper_slow_work(ctx: AuditContext) -> tuple[list[Finding], dict]:
    """Slow work in Python handlers and one level down in same-repository helpers (ast): run inline (a
    violation) or started on a thread, process or executor (a practice: offloaded)."""
    endpoints = ctx.get(ENDPOINTS).endpoints
    python_endpoints = [e for e in endpoints if e.framework in PYTHON_FRAMEWORKS and e.file.endswith(".py")]
    modules = {path: slowwork.read_module(path, tree) for path, tree in python_sources(ctx)}
    project = slowwork.Project(list(modules.values()))
    findings: list[Finding] = []
    handlers = helpers = 0
    seen: set[tuple[str, int]] = set()
    offloaded: set[tuple[str, int]] = set()
    for ep in python_endpoints:
        mod = modules.get(ep.file)
        fn = slowwork.find_handler(mod, ep.handler, ep.line) if mod else None
        if fn is None or (ep.file, fn.lineno) in seen:
            continue
        seen.add((ep.file, fn.lineno))
        handlers += 1
        found, read = slowwork.slow_work_in_handler(project, mod, fn, ep.handler)
        helpers += read
        for work in slowwork.handed_off_in_handler(project, mod, fn, ep.handler):
            if (work.via_file or work.file, work.via_line or work.line) in offloaded:
                continue
            offloaded.add((work.via_file or work.file, work.via_line or work.line))
            findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
                work.via_file or work.file, work.via_line or work.line,
                ctx.repo.snippet(work.via_file or work.file, work.via_line or work.line),
                rule_id="slow-work-handed-off", engine="ast", kind=PRACTICE,
                message=f"{ep.method} {ep.path} ({work.handler}) {work.what} on a background thread or process "
                        f"({work.via}): the request does not wait for it")))
        for work in found:
            via = f" through {work.via}" if work.via else ""
            findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
                work.file, work.line, ctx.repo.snippet(work.file, work.line), rule_id="slow-work-in-handler",
                engine="ast", kind=VIOLATION,
                message=f"{ep.method} {ep.path} ({work.handler}) {work.what}{via} while the client waits; "
                        "hand it to a background job")))
    findings += js_mail_in_handlers(ctx, endpoints)
    go_found, go_handlers = go_slow_work(ctx, endpoints)
    findings += go_found
    return findings, {"go_handlers_read": go_handlers, "python_handlers_read": handlers, "helper_calls_followed": helpers,
                      "endpoints": len(endpoints)}


def js_mail_in_handlers(ctx: AuditContext, endpoints: list[Endpoint]) -> list[Finding]:
    """JavaScript/TypeScript handlers that await a mail-sending function, in the handler or in the repository
    function it calls (one level)."""
    js = [e for e in endpoints if e.file.endswith(js_slowwork.JS)]
    senders = js_slowwork.mail_senders(ctx.repo) if js else {}
    findings: list[Finding] = []
    for ep in js if senders else []:
        call = js_slowwork.awaited_mail(endpoint_text(ctx.repo, ep.file, ep.handler, handler_source(ctx.repo, ep)), senders)
        if call is None:
            continue
        file, line = _place(ctx, call) or (ep.file, ep.line)
        name = call.rsplit(".", 1)[-1]
        sender = f" (sends mail in {senders[name]})" if name in senders else ""
        findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
            file, line, ctx.repo.snippet(file, line), rule_id="slow-work-in-handler", engine="text", kind=VIOLATION,
            message=f"{ep.method} {ep.path} ({ep.handler}) awaits {call}{sender} while the client waits; hand it to "
                    "a background job")))
    return findings


def go_slow_work(ctx: AuditContext, endpoints: list[Endpoint]) -> tuple[list[Finding], int]:
    """Go handlers (and the functions they call, one level) doing slow work inline; handed-off work (a `go`
    statement) and job-queue imports are practices."""
    go = [e for e in endpoints if e.file.endswith(".go")]
    if not go:
        return [], 0
    index = go_index(ctx.repo)
    findings: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    read = 0
    for ep in go:
        name = ep.handler.split(".")[-1].split("(")[0]
        fns = [f for f in index.functions_named(name, "", ep.file) if f.file == ep.file] or index.functions_named(name)[:1]
        for fn in fns[:1]:
            read += 1
            for work, via in go_slowwork.handler_slow_work(index, fn):
                if (work.file, work.line) in seen:
                    continue
                seen.add((work.file, work.line))
                through = f" through {via}()" if via else ""
                if work.handed_off:
                    findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
                        work.file, work.line, ctx.repo.snippet(work.file, work.line), rule_id="slow-work-goroutine",
                        engine="text", kind=PRACTICE,
                        message=f"{ep.method} {ep.path} ({ep.handler}) {work.what}{through} in a goroutine, "
                                "off the request")))
                else:
                    findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
                        work.file, work.line, ctx.repo.snippet(work.file, work.line), rule_id="slow-work-in-handler",
                        engine="text", kind=VIOLATION,
                        message=f"{ep.method} {ep.path} ({ep.handler}) {work.what}{through} while the client "
                                "waits; hand it to a goroutine or a job queue")))
    for path, line, queue in go_slowwork.queue_imports(index):
        findings.append(Finding(item_id="PERF-ASYNC", evidence=Evidence(
            path, line, ctx.repo.snippet(path, line), rule_id="go-job-queue", engine="text", kind=PRACTICE,
            message=f"job queue {queue} imported")))
    return findings, read


def _place(ctx: AuditContext, call: str) -> tuple[str, int] | None:
    places = [(p, n) for p in ctx.repo.paths() if p.endswith(js_slowwork.JS) and "node_modules/" not in p
              for n, line in enumerate(ctx.repo.lines(p), 1) if call in line]
    return places[0] if len(places) == 1 else None


@check("PERF-ASYNC")
def background_work(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    helper_findings, scan = ctx.get(HANDLER_SLOW_WORK)
    looked_for = ("mail (smtplib, emails, yagmail, Flask-Mail, Django mail), subprocesses and PDF rendering in "
                  f"{scan['python_handlers_read']} Python handler(s) and the {scan['helper_calls_followed']} "
                  "same-repository function call(s) they make (one level), run inline or started on a thread, process "
                  "or executor (Thread(target=...), executor.submit), and background job systems (Celery, "
                  "RQ, Dramatiq, arq, Huey, FastAPI BackgroundTasks, BullMQ); in JavaScript/TypeScript, handlers that await "
                  "a function sending mail through nodemailer's sendMail, themselves or one call down)")
    practices = ctx.practices(item.id) + [f for f in helper_findings if f.evidence.kind == PRACTICE]
    helper_findings = [f for f in helper_findings if f.evidence.kind != PRACTICE]
    if scan.get("go_handlers_read"):
        looked_for += (f"; in {scan['go_handlers_read']} Go handler(s) and the functions they call (one level): "
                       "net/smtp, gomail, mail API clients, outbound http.Get/Post/Do, exec.Command, PDF/image "
                       "rendering, run inline or in a goroutine, and job queues (asynq, machinery, gocraft/work, river)")
    violations = ctx.violations(item.id) + helper_findings
    if not practices and not violations:
        unanalysed = sorted(ctx.inventory.code_languages - SLOW_WORK_ANALYSED - ({"go"} if scan.get("go_handlers_read") else set()))
        if unanalysed:
            raise Unavailable(f"no slow work found, but {', '.join(unanalysed)} handlers are not analysed. "
                              f"Looked for {looked_for}.")
    none = ItemResult(item.id, "not_applicable",
                      f"Heuristic: no slow work and no job system found. Looked for {looked_for}.",
                      details=scan)
    result = practice_violation_verdict(ctx, item, practices, violations,
                                         "heavy work is handed to background jobs",
                                         "slow work runs inside request handlers without a background job", none)
    result.details.update(scan)
    return result
