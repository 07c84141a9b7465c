"""The literal value a JavaScript/TypeScript configuration expression stands for, read without running it.

Servers are often configured from a settings object filled from the environment
(`routePrefix: env.app.routePrefix`, where `env = { app: { routePrefix: getOsEnv('APP_ROUTE_PREFIX') } }` and
`.env.example` sets `APP_ROUTE_PREFIX=/api`). `resolve` follows such an expression: string and array literals,
`process.env.X` (with its `|| 'default'`), a call of an environment getter with a literal key (`getOsEnv('X')`,
`env('X')`; a getter named for paths or arrays splits the value on commas), and a member chain of an object
literal defined in the file or in the relative module it is imported from. The environment is the repository's
own example environment files (`.env`, `.env.example`, `.env.sample`, `.env.dist`, `.env.defaults`), never a
test one. Anything else is None: the caller keeps the value unknown.
"""
from __future__ import annotations

import posixpath
import re

from auditor.endpoints.jsparse import matching_paren, split_args, string_literal, strip_comments
from auditor.repo import Repository

ENV_FILES = (".env", ".env.example", ".env.sample", ".env.dist", ".env.defaults", ".env.development")
PROCESS_ENV = re.compile(r"^process\.env(?:\.([A-Za-z_]\w*)|\[\s*['\"]([A-Za-z_]\w*)['\"]\s*\])\s*(?:(\|\||\?\?)\s*(.+))?$", re.S)
ENV_GETTER = re.compile(r"^([\w$.]*[Ee]nv[\w$]*)\s*\(\s*['\"]([A-Za-z_]\w*)['\"]\s*(?:,\s*(.+))?\)$", re.S)
MEMBER_CHAIN = re.compile(r"^([A-Za-z_$][\w$]*)((?:\.[A-Za-z_$][\w$]*)+)$")
EXTENSIONS = (".ts", ".js", ".mjs", ".cjs", ".mts")
MAX_DEPTH = 6

Value = str | list[str] | None


def env_values(repo: Repository) -> dict[str, str]:
    """KEY -> value from the repository's example environment files (the first file that sets a key wins)."""
    memo = repo.__dict__.get("_auditor_env_values")
    if memo is not None:
        return memo
    out: dict[str, str] = {}
    candidates = [p for p in repo.paths() if posixpath.basename(p) in ENV_FILES]
    for path in sorted(candidates, key=lambda p: (p.count("/"), ENV_FILES.index(posixpath.basename(p)))):
        for line in (repo.read_text(path) or "").splitlines():
            m = re.match(r"^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(.*?)\s*$", line)
            if m and m.group(1) not in out:
                out[m.group(1)] = m.group(2).strip().strip("'\"")
    repo.__dict__["_auditor_env_values"] = out
    return out


def _source(repo: Repository, path: str) -> str:
    memo = repo.__dict__.setdefault("_auditor_js_value_sources", {})
    if path not in memo:
        memo[path] = strip_comments(repo.read_text(path) or "")
    return memo[path]


def _module(repo: Repository, importer: str, spec: str) -> str | None:
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    for candidate in [base] + [base + e for e in EXTENSIONS] + [f"{base}/index{e}" for e in EXTENSIONS]:
        if repo.exists(candidate) and candidate.endswith(EXTENSIONS):
            return candidate
    return None


def _object_of(repo: Repository, path: str, name: str, depth: int) -> tuple[str, str] | None:
    """(file, text of the object literal) bound to `name` in `path`: `const name = {...}` there, or in the
    relative module it is imported from."""
    src = _source(repo, path)
    m = re.search(rf"\b(?:const|let|var)\s+{re.escape(name)}\s*(?::[^=]+)?=\s*\{{", src)
    if m:
        close = matching_paren(src, m.end() - 1)
        return (path, src[m.end():close]) if close > 0 else None
    imp = re.search(rf"import\s*\{{[^}}]*\b{re.escape(name)}\b[^}}]*\}}\s*from\s*['\"](\.[^'\"]+)['\"]|"
                    rf"\b{re.escape(name)}\s*=\s*require\(\s*['\"](\.[^'\"]+)['\"]\s*\)", src)
    if imp and depth < MAX_DEPTH:
        target = _module(repo, path, imp.group(1) or imp.group(2))
        if target:
            return _object_of(repo, target, name, depth + 1)
    return None


def _property(body: str, key: str) -> str | None:
    """The value text of `key` among an object literal's top-level entries."""
    for entry in split_args(body):
        entry = entry.strip()
        m = re.match(rf"^['\"]?{re.escape(key)}['\"]?\s*:\s*(.+)$", entry, re.S)
        if m:
            return m.group(1).strip()
        if entry == key:
            return key
    return None


def resolve(repo: Repository, path: str, expr: str, depth: int = 0) -> Value:
    """The string (or list of strings) `expr`, written in `path`, stands for; None when it cannot be read."""
    text = expr.strip().rstrip(",").strip()
    text = re.sub(r"\s+as\s+[\w$<>\[\]. |]+$", "", text)   # TypeScript casts
    if depth > MAX_DEPTH or not text:
        return None
    literal = string_literal(text)
    if literal is not None:
        return literal
    if text.startswith("[") and text.endswith("]"):
        items = [resolve(repo, path, a, depth + 1) for a in split_args(text[1:-1])]
        flat: list[str] = []
        for item in items:
            if item is None:
                return None
            flat += item if isinstance(item, list) else [item]
        return flat
    m = PROCESS_ENV.match(text)
    if m:
        value = env_values(repo).get(m.group(1) or m.group(2))
        if value is None and m.group(4):
            return resolve(repo, path, m.group(4), depth + 1)
        return value
    m = ENV_GETTER.match(text)
    if m:
        value = env_values(repo).get(m.group(2))
        if value is None and m.group(3):
            return resolve(repo, path, m.group(3), depth + 1)
        if value is not None and re.search(r"(Paths|Array|List)$", m.group(1)):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value
    m = MEMBER_CHAIN.match(text)
    if m:
        found = _object_of(repo, path, m.group(1), depth)
        if not found:
            return None
        file, body = found
        keys = m.group(2).lstrip(".").split(".")
        for key in keys[:-1]:
            inner = _property(body, key)
            if inner is None or not inner.startswith("{"):
                return None
            body = inner[1:matching_paren(inner, 0)]
        value = _property(body, keys[-1])
        return resolve(repo, file, value, depth + 1) if value is not None else None
    return None
