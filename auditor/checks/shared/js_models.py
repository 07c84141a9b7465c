"""The names a JavaScript/TypeScript repository gives its ORM models, wherever they are defined.

A model module defines one (mongoose.model / model('Name', schema), sequelize.define, Model.init,
`class X extends Model`, a TypeORM @Entity class); a module that requires model modules and re-exports them
(`models/index.js`) is one too. The names are those the model modules bind, and every local name another module
binds to a model module (`const User = require('../models/user.model')`, `import { Order } from './models'`).
A call on one of these names, or `new Name(...)`, is data access.
"""
from __future__ import annotations

import posixpath
import re

from auditor.inventory import TEST_FILE
from auditor.repo import Repository

EXTENSIONS = (".js", ".mjs", ".cjs", ".ts")
MODEL_DEFINITION = re.compile(r"\bmongoose\.model\s*\(|(?<![\w$.])model\s*\(\s*['\"]|\.define\s*\(\s*['\"]|"
                              r"\bextends\s+Model\b|\bModel\.init\s*\(|\.init\s*\(\s*\{|@Entity\s*\(|"
                              r"\bnew\s+(?:mongoose\.)?Schema\s*\(")
DEFINED_NAME = re.compile(
    r"(?:const|let|var)\s+([A-Z][\w$]*)\s*(?::[^=;\n]+)?=\s*(?:mongoose\.model|model|[\w$.]*\.define)\s*[<(]|"
    r"\bclass\s+([A-Z][\w$]*)\s+extends\s+Model\b|@Entity\s*\([^)]*\)\s*(?:export\s+)?class\s+([A-Z][\w$]*)|"
    r"\bmongoose\.model\s*\(\s*['\"]([A-Z][\w$]*)['\"]")
BINDING = re.compile(
    r"(?:const|let|var)\s+([\w$]+)\s*=\s*(?:await\s+)?require\(\s*['\"](\.[^'\"]+)['\"]\s*\)|"
    r"import\s+([\w$]+)\s+from\s+['\"](\.[^'\"]+)['\"]|"
    r"(?:const|let|var)\s+\{([^}]+)\}\s*=\s*require\(\s*['\"](\.[^'\"]+)['\"]\s*\)|"
    r"import\s*\{([^}]+)\}\s*from\s+['\"](\.[^'\"]+)['\"]")
MAX_NAMES = 400


def model_names(repo: Repository) -> set[str]:
    texts = {p: repo.read_text(p) or "" for p in repo.paths()
             if p.endswith(EXTENSIONS) and not p.endswith(".d.ts") and not TEST_FILE.search(p)
             and "node_modules/" not in p}
    modules = {p for p, t in texts.items() if MODEL_DEFINITION.search(t)}
    bindings = {p: list(_bindings(p, t, texts)) for p, t in texts.items()}
    # an index module that requires model modules re-exports them
    modules |= {p for p, bound in bindings.items() if posixpath.basename(p).startswith("index.")
                and any(target in modules for _, target in bound)}
    names: set[str] = set()
    for p in modules:
        for m in DEFINED_NAME.finditer(texts[p]):
            names.add(next(g for g in m.groups() if g))
    for bound in bindings.values():
        for local, target in bound:
            if target in modules and re.fullmatch(r"[A-Z][\w$]*", local):
                names.add(local)
    return set(sorted(names)[:MAX_NAMES])


def model_call_pattern(repo: Repository) -> re.Pattern | None:
    """`Name.anything(` or `new Name(` for the repository's model names; None when it has none."""
    names = model_names(repo)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w$.])(?:{alternatives})\s*\.\s*[\w$]+\s*\(|\bnew\s+(?:{alternatives})\s*\(")


def _bindings(path: str, text: str, texts: dict[str, str]):
    for m in BINDING.finditer(text):
        spec = m.group(2) or m.group(4) or m.group(6) or m.group(8)
        target = _resolve(path, spec, texts)
        if target is None:
            continue
        if m.group(1) or m.group(3):
            yield m.group(1) or m.group(3), target
        for name in re.split(r"\s*,\s*", (m.group(5) or m.group(7) or "").strip()):
            local = re.split(r"\s+as\s+|\s*:\s*", name)[-1].strip()
            if local:
                yield local, target


def _resolve(base: str, spec: str, texts: dict[str, str]) -> str | None:
    root = posixpath.normpath(posixpath.join(posixpath.dirname(base), spec))
    for cand in (root, *(root + e for e in EXTENSIONS), *(root + "/index" + e for e in EXTENSIONS)):
        if cand in texts:
            return cand
    return None
