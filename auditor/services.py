"""Monorepos: find the services (folders with their own manifest) and give each one its own scorecard.

The engines run once, over the whole repository. Each service is then judged on a view of that one run:
a Repository holding only the service's files (rooted at the service folder, so its collectors see it as a
standalone project), an inventory built from those files, the collectors re-run on it (they are cheap,
pure Python), and the whole run's engine findings under the service's folder. Evidence paths are made
repository-relative again before suppressions, the baseline and changed lines are applied, so the service
scorecards agree with the whole one on every path and fingerprint.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.model import Finding
from auditor.options import AuditOptions
from auditor.repo import CODE_LANGUAGES, Repository, SkippedFile, SourceFile

SERVICE_MANIFESTS = frozenset({"pyproject.toml", "package.json", "go.mod", "manage.py", "requirements.txt"})


@dataclass(frozen=True)
class Service:
    path: str            # repository-relative folder, with '/'
    manifests: tuple[str, ...]   # the manifest file names found directly in it


def detect_services(repo: Repository) -> list[Service]:
    """Folders (not the root) holding a manifest; a folder inside another service belongs to that service.

    The walker's file list already leaves out the default excluded folders (node_modules, vendor, ...)
    and the configured excludes, so a vendored package.json never makes a service."""
    found: dict[str, set[str]] = {}
    for f in repo.files:
        folder, _, name = f.path.rpartition("/")
        if folder and name in SERVICE_MANIFESTS:
            found.setdefault(folder, set()).add(name)
    services: list[Service] = []
    for folder in sorted(found, key=lambda p: (p.count("/"), p)):
        if any(folder.startswith(s.path + "/") for s in services):
            continue
        services.append(Service(folder, tuple(sorted(found[folder]))))
    return sorted(services, key=lambda s: s.path)


def service_repository(repo: Repository, service: Service) -> Repository:
    """The service's files, rooted at its folder (paths relative to it), without walking the disk again."""
    prefix = service.path + "/"
    files = [SourceFile(f.path[len(prefix):], f.language, f.size) for f in repo.files if f.path.startswith(prefix)]
    skipped = [SkippedFile(s.path[len(prefix):], s.reason) for s in repo.skipped if s.path.startswith(prefix)]
    generated = [SourceFile(f.path[len(prefix):], f.language, f.size) for f in repo.generated
                 if f.path.startswith(prefix)]
    return Repository(root=repo.root / service.path, files=files, skipped=skipped,
                      extra_excludes=repo.extra_excludes, generated=generated)


def service_findings(findings: list[Finding], service: Service) -> list[Finding]:
    """The whole run's findings located in the service, with service-relative paths."""
    prefix = service.path + "/"
    return [dataclasses.replace(f, evidence=dataclasses.replace(f.evidence, file=f.file[len(prefix):]))
            for f in findings if f.file.startswith(prefix)]


def audit_services(run, options: AuditOptions, progress: Any = None) -> list[dict]:
    """One scorecard per service, derived from a whole-repository AuditRun (pipeline.audit_repository)."""
    from auditor.pipeline import _note, gather_context, judge

    whole = run.ctx
    out = []
    for service in detect_services(whole.repo):
        _note(progress, f"service {service.path}")
        started = time.monotonic()
        repo = service_repository(whole.repo, service)
        if not any(f.language in CODE_LANGUAGES for f in repo.files):
            continue   # no source code: a scorecard of the secret scan alone would read 100/100, grade A
        ctx = gather_context(repo, options, None, engines=None, findings=service_findings(whole.findings, service),
                             items=run.items)
        ctx.engines = whole.engines
        prefix = service.path + "/"
        suppressions = [dataclasses.replace(s, matched=[]) for s in run.suppressions if s.file.startswith(prefix)]
        report = judge(ctx, run.items, options, run.generated_at, started, suppressions, run.changed,
                       path_prefix=service.path)
        out.append({
            "path": service.path,
            "manifests": list(service.manifests),
            "languages": sorted(report["inventory"]["languages"]),
            "frameworks": sorted({f["name"] for f in report["inventory"]["frameworks"]}),
            "summary": report["summary"],
            "categories": report["categories"],
            "items": report["items"],
            "suppressed": report["suppressed"],
            "duration_s": round(time.monotonic() - started, 3),
        })
    return out


def audit_per_service(path: Path, options: AuditOptions | None = None, progress: Any = None) -> dict:
    """The whole repository's report, with `services`: one scorecard per detected service."""
    from auditor.gitsafe import safe_git_environment
    from auditor.pipeline import audit_repository

    options = options or AuditOptions()
    with safe_git_environment(path):   # as run_audit: git never runs the audited repository's commands
        run = audit_repository(path, options, progress)
        report = run.report
        report["services"] = audit_services(run, options, progress)
    return report
