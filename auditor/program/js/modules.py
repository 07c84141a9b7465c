"""Module resolution for JavaScript/TypeScript: `require('./x')`, `import ... from './x'`, `export ... from
'./x'` name a file of the repository by relative path, with or without its extension, or a folder's index."""
from __future__ import annotations

import posixpath

RESOLVE_EXTENSIONS = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".mts", ".cts")


def resolve(base: str, spec: str, files: set[str] | dict) -> str | None:
    """The repository file `spec` names from module `base`, or None (a package, or a file we do not read)."""
    if not spec.startswith("."):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(base), spec))
    stem = target
    for ext in (".js", ".mjs", ".cjs", ".jsx"):     # TypeScript sources import './x.js' for './x.ts'
        if target.endswith(ext):
            stem = target[:-len(ext)]
            break
    candidates = [target] + [stem + ext for ext in RESOLVE_EXTENSIONS] \
        + [posixpath.join(target, "index" + ext) for ext in RESOLVE_EXTENSIONS]
    return next((c for c in candidates if c in files), None)
