"""Where the repository's deployment sets NODE_ENV=production.

Express's `app.get('env')` is `process.env.NODE_ENV || 'development'`, so code gated on it being 'development'
runs in production unless the deployment says otherwise. The deployment files read: Dockerfiles (ENV), compose
files (environment), package.json scripts (`NODE_ENV=production node ...`, cross-env), Procfiles, Kubernetes or
platform manifests (`name: NODE_ENV` / `value: production`), pm2 ecosystem files and committed .env files.
"""
from __future__ import annotations

import posixpath
import re

from auditor.repo import Repository

DEPLOYMENT_FILE = re.compile(r"(^|/)(Dockerfile[^/]*|[^/]*\.dockerfile|(docker-)?compose[^/]*\.ya?ml|package\.json|"
                             r"Procfile|app\.json|app\.ya?ml|ecosystem\.config\.[cm]?js|\.env(\.production)?|"
                             r"[^/]*\.ya?ml)$", re.I)
PRODUCTION = re.compile(r"""NODE_ENV['"]?\s*(?:[:=]\s*|\s+)['"]?production\b|"""
                        r"""name:\s*['"]?NODE_ENV['"]?\s*\n\s*value:\s*['"]?production\b""")
SKIPPED = re.compile(r"(^|/)(node_modules|test|tests|e2e|\.github)/")


def production_node_env(repo: Repository) -> tuple[str, int] | None:
    """(file, line) of the first deployment file that sets NODE_ENV to production, or None."""
    for path in sorted(repo.paths()):
        if not DEPLOYMENT_FILE.search(path) or SKIPPED.search(path) or posixpath.basename(path).startswith(".env.example"):
            continue
        text = repo.read_text(path) or ""
        if "NODE_ENV" not in text:
            continue
        m = PRODUCTION.search(text)
        if m:
            return path, text.count("\n", 0, m.start()) + 1
    return None
