"""PERF-COMPRESSION: responses are compressed by the app or its reverse proxy."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import practice_violation_verdict
from auditor.context import AuditContext
from auditor.model import PRACTICE, Evidence, Finding, ItemResult
from auditor.registry import check
from auditor.text import line_of

PROXY_COMPRESSION = (
    (re.compile(r"^\s*gzip\s+on\s*;", re.M), "nginx gzip on", lambda p: p.endswith(".conf") or "nginx" in p),
    (re.compile(r"^\s*brotli\s+on\s*;", re.M), "nginx brotli on", lambda p: p.endswith(".conf") or "nginx" in p),
    (re.compile(r"^\s*encode\s+(zstd\s+)?gzip", re.M), "Caddy encode gzip", lambda p: "caddyfile" in p.lower()),
    (re.compile(r"^\s*SetOutputFilter\s+DEFLATE|AddOutputFilterByType\s+DEFLATE", re.M), "Apache mod_deflate",
     lambda p: p.endswith((".conf", ".htaccess"))),
    (re.compile(r"compress:\s*\{\}|compress:\s*true|middlewares\.[\w-]+\.compress", re.M), "Traefik compress",
     lambda p: p.endswith((".yml", ".yaml", ".toml")) and "traefik" in p.lower()),
)


def proxy_compression(ctx: AuditContext) -> list[Finding]:
    out = []
    for f in ctx.repo.files:
        for pattern, what, applies in PROXY_COMPRESSION:
            if not applies(f.path):
                continue
            text = ctx.repo.read_text(f.path) or ""
            m = pattern.search(text)
            if m:
                line = line_of(text, m.start())
                out.append(Finding(item_id="PERF-COMPRESSION", evidence=Evidence(
                    f.path, line, ctx.repo.snippet(f.path, line), rule_id="proxy-compression", engine="text",
                    kind=PRACTICE, message=f"{what}: the reverse proxy compresses responses")))
    return out


@check("PERF-COMPRESSION")
def compression(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    none = ItemResult(item.id, "fail",
                      "Heuristic: no response compression found. Looked for GZipMiddleware (Starlette/FastAPI, "
                      "Django), flask-compress, express/koa compression, fastify compress, Go gzip middleware, and "
                      "gzip/brotli in nginx, Caddy, Apache or Traefik configs in the repository (compression at a "
                      "CDN or proxy outside the repository cannot be seen).")
    return practice_violation_verdict(ctx, item, ctx.practices(item.id) + proxy_compression(ctx),
                                       ctx.violations(item.id), "responses are compressed",
                                       "compression is misconfigured", none)
