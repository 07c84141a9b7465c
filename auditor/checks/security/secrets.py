"""SEC-SECRETS: no secret in the code, the config files or the git history.

Sources: the working-tree scan (collector "secrets"), the history scan (collector "secret_history"),
and semgrep's secret rules (literal keys passed to jwt.encode/sign, which no assignment reveals).
Every snippet in the evidence is redacted: a report must never print a secret whole."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import dedupe
from auditor.collectors.secrets import SECRET_HISTORY, TREE_SECRETS
from auditor.context import AuditContext, Unavailable
from auditor.endpoints.django_deploy import overridden_in_production, setting_assigned_at
from auditor.model import PRACTICE, Evidence, ItemResult
from auditor.registry import check
from auditor.secrets.history import HistoryScan
from auditor.secrets.scanner import redact_literals
from auditor.secrets.tree import TreeScan

MAX_SECRET_EVIDENCE = 200


@check("SEC-SECRETS")
def secrets_not_in_code(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    tree = ctx.get(TREE_SECRETS)
    history = ctx.get_optional(SECRET_HISTORY)
    history_error = ctx.error_of(SECRET_HISTORY)

    # identifiers that are half a credential (an AWS key id with no secret near it) are noted, not counted
    identifiers = [f"{s.path}:{s.match.line}" for s in tree.findings if s.match.identifier_only]
    # a literal in a shared base settings module that every production settings module assigns again
    overridden = [s for s in tree.findings if s.path.endswith(".py") and s.match.name and not s.match.identifier_only
                  and setting_assigned_at(ctx.repo, s.path, s.match.line) == s.match.name
                  and overridden_in_production(ctx.repo, s.path, s.match.name)]
    tree_findings = [s for s in tree.findings if not s.match.identifier_only and s not in overridden]
    history_findings = [h for h in (history.findings if history else []) if not h.match.identifier_only]
    committed_in = _first_commit_by_fingerprint(history_findings)
    tree_evidence = [_tree_evidence(s, committed_in.get(s.match.fingerprint)) for s in tree_findings]
    in_tree = {s.match.fingerprint for s in tree.findings}
    removed = [h for h in history_findings if h.match.fingerprint not in in_tree]
    history_evidence = [_history_evidence(h) for h in removed]
    seen_lines = {(e.file, e.line) for e in tree_evidence}
    engine_evidence = [_redacted(f.evidence) for f in dedupe(ctx.violations(item.id))
                       if (f.file, f.line) not in seen_lines]

    scanned = _scanned(tree, history, history_error)
    evidence = tree_evidence + engine_evidence + history_evidence
    details = {
        "files_scanned": tree.files_scanned, "lines_scanned": tree.lines_scanned,
        "commits_scanned": history.commits_scanned if history else 0,
        "tree_secrets": len(tree_evidence), "engine_secrets": len(engine_evidence),
        "history_secrets": len(history_evidence),
        "history_secrets_still_in_tree": sum(1 for s in tree_findings if s.match.fingerprint in committed_in),
        "identifiers_not_counted": identifiers,
    }
    note = ""
    if overridden:
        note += (f" {len(overridden)} literal(s) in shared base settings that every production settings module "
                 f"assigns again were not counted: {', '.join(f'{s.path}:{s.match.line}' for s in overridden[:5])}.")
        details["overridden_in_production"] = [f"{s.path}:{s.match.line}" for s in overridden]
    if identifiers:
        note += (f" {len(identifiers)} AWS access key id(s) with no secret access key near them were not counted "
                 f"(an id alone signs nothing; check it is not a live key's id): "
                 f"{', '.join(identifiers[:5])}{' and more' if len(identifiers) > 5 else ''}.")
    if evidence:
        parts = []
        if tree_evidence or engine_evidence:
            files = len({e.file for e in tree_evidence + engine_evidence})
            parts.append(f"{len(tree_evidence) + len(engine_evidence)} secret(s) in {files} file(s) of the "
                         f"working tree")
        if history_evidence:
            commits = len({h.commit for h in removed})
            parts.append(f"{len(history_evidence)} secret(s) committed in {commits} commit(s) and removed since "
                         f"(still in the history)")
        more = f" Showing the first {MAX_SECRET_EVIDENCE}." if len(evidence) > MAX_SECRET_EVIDENCE else ""
        return ItemResult(item.id, "fail", "; ".join(parts) + f". {scanned}{more}{note}",
                          evidence[:MAX_SECRET_EVIDENCE], details=details)

    if history_error:
        raise Unavailable(f"no secret in the working tree ({scanned.rstrip('.')}), but the git history "
                          f"could not be scanned: {history_error}")
    problem = ctx.engine_problem("semgrep")
    if problem:
        raise Unavailable(f"no secret found by the scanner ({scanned.rstrip('.')}), but the semgrep secret "
                          f"rules did not run: {problem}")
    guards = [Evidence(file=g.path, line=g.line, snippet=ctx.repo.snippet(g.path, g.line), rule_id="secrets.guarded-default",
                       engine="secrets", kind=PRACTICE,
                       message=f"the development default of {g.name} is rejected here (`{g.text[:80]}`)")
              for g in tree.guarded]
    if guards:
        note += (f" {len(guards)} literal default(s) of secret settings are rejected by the code outside development "
                 f"({', '.join(sorted({g.name for g in tree.guarded})[:5])}).")
        details["guarded_defaults"] = [f"{g.path}:{g.line}" for g in tree.guarded]
    return ItemResult(item.id, "pass", f"No secret found. {scanned}{note}", guards[:20], details=details)


def _scanned(tree: TreeScan, history: HistoryScan | None, history_error: str | None) -> str:
    what = f"Scanned {tree.files_scanned} file(s) ({tree.lines_scanned} lines) of the working tree"
    if tree.git_ignored:
        what += f", not the {tree.git_ignored} file(s) git ignores"
    if history_error:
        return what + f"; the git history scan failed ({history_error})."
    if history is None:
        return what + "; the git history scan did not run."
    if not history.is_git:
        return what + f"; {history.reason}, so the working tree only (no history)."
    if history.reason:
        return what + f"; {history.reason}."
    limit = ""
    if history.stopped_early:
        limit = f" (stopped: {history.stopped_early})"
    elif history.more_commits:
        limit = f" (the last {history.commit_limit}; older commits not scanned)"
    elif history.shallow:
        limit = " (a shallow clone: older commits are not in it)"
    return what + f" and the lines added by {history.commits_scanned} commit(s) of git history{limit}."


def _first_commit_by_fingerprint(findings: list) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for h in findings:
        out.setdefault(h.match.fingerprint, (h.short, h.date[:10]))   # findings are oldest first
    return out


def _tree_evidence(secret, committed: tuple[str, str] | None) -> Evidence:
    m = secret.match
    message = f"{m.description} ({m.preview}) in the working tree"
    if committed:
        message += f"; committed in {committed[0]} on {committed[1]}: rotate it, deleting it is not enough"
    else:
        message += ": load it from the environment or a secret manager, and rotate it"
    return Evidence(file=secret.path, line=m.line, snippet=m.snippet, rule_id=f"secrets.{m.rule_id}",
                    engine="secrets", message=message)


def _history_evidence(h) -> Evidence:
    m = h.match
    return Evidence(file=h.path, line=m.line, snippet=m.snippet, rule_id=f"secrets.{m.rule_id}", engine="git",
                    message=f"{m.description} ({m.preview}) added in commit {h.short} on {h.date[:10]}, no "
                            f"longer in the working tree but readable in the history: rotate it")


def _redacted(e: Evidence) -> Evidence:
    return Evidence(file=e.file, line=e.line, end_line=e.end_line, snippet=redact_literals(e.snippet),
                    rule_id=e.rule_id, engine=e.engine, message=e.message, kind=e.kind)
