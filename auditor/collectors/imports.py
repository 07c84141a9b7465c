"""Collector "imports": the libraries the application code imports and the manifests declare, read once.

The presence questions of several items (is Sentry, Prometheus, OpenTelemetry, helmet, WhiteNoise, Locust
there?) are answered from this index instead of a semgrep rule over every file (issue 17).
"""
from __future__ import annotations

from auditor.context import AuditContext, Key
from auditor.inventory import TEST_FILE
from auditor.probes.dependencies import parse_manifest
from auditor.probes.presence import JS_SUFFIXES, Imports, Use, go_imports, js_imports, python_imports
from auditor.registry import collector

PRESENCE_ITEMS = ("REL-OBSERVABILITY", "SEC-HEADERS", "PERF-CDN", "QA-LOAD-TESTS")


IMPORTS: Key[Imports] = Key("imports")


@collector(IMPORTS, serves=PRESENCE_ITEMS)
def collect_imports(ctx: AuditContext) -> Imports:
    repo = ctx.repo
    found = Imports()
    for f in repo.files:
        if TEST_FILE.search(f.path):
            continue
        if f.language == "python":
            tree = repo.python_ast(f.path)
            if tree is not None:
                found.imports += python_imports(f.path, tree)
        elif f.path.endswith(JS_SUFFIXES):
            found.imports += js_imports(f.path, repo.read_text(f.path) or "")
        elif f.language == "go":
            found.imports += go_imports(f.path, repo.read_text(f.path) or "")
    for manifest in ctx.inventory.manifests:
        text = repo.read_text(manifest)
        deps = parse_manifest(manifest, text, repo.read_text) if text else None
        found.dependencies += [Use(d.name, d.file, d.line, "dependency") for d in deps or []]
    return found
