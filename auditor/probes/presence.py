"""Presence questions answered from the code's imports and the manifests' dependencies (issue 17).

"Is a Sentry client configured? Is helmet installed?" does not need a semgrep rule run over every file:
the imports of each module (Python `ast`, JavaScript/TypeScript `require`/`import`, Go import blocks) are
read once per audit by the "imports" collector, and each item asks that index for the libraries it knows.
Test code is left out: a library imported only by tests is not configured in the application.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of

JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx")
JS_IMPORT = re.compile(r"""(?:\brequire\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)['"]([^'"\n]+)['"]""", re.M)
GO_IMPORT_BLOCK = re.compile(r"^import\s*\(([^)]*)\)|^import\s+(?:\w+\s+)?\"([^\"]+)\"", re.M)
GO_IMPORT_PATH = re.compile(r"\"([^\"]+)\"")


@dataclass(frozen=True)
class Use:
    """One library used by the code (an import) or declared by a manifest (a dependency)."""
    name: str      # module or package as written: sentry_sdk, opentelemetry.trace, @sentry/node, helmet
    file: str
    line: int
    how: str       # "import" or "dependency"


@dataclass
class Imports:
    """Every import of the application code, and every dependency its manifests declare."""
    imports: list[Use] = field(default_factory=list)
    dependencies: list[Use] = field(default_factory=list)

    def imported(self, *names: str) -> list[Use]:
        """Imports of any of these modules or packages (a name also matches its sub-modules)."""
        return [u for u in self.imports if matches(u.name, names)]

    def declared(self, *names: str) -> list[Use]:
        return [u for u in self.dependencies if matches(u.name, names)]


def matches(module: str, names: tuple[str, ...]) -> bool:
    """`opentelemetry.trace` matches `opentelemetry`; `@sentry/node` matches `@sentry`; not `sentry_sdkx`."""
    lowered = module.lower()
    return any(lowered == n or lowered.startswith(n + ".") or lowered.startswith(n + "/") for n in names)


def python_imports(rel: str, tree: ast.Module) -> list[Use]:
    out = []
    for node in nodes_of(tree, ast.Import):
        out += [Use(alias.name, rel, node.lineno, "import") for alias in node.names]
    for node in nodes_of(tree, ast.ImportFrom):
        if node.module and not node.level:
            out.append(Use(node.module, rel, node.lineno, "import"))
            out += [Use(f"{node.module}.{alias.name}", rel, node.lineno, "import") for alias in node.names]
    return out


def js_imports(rel: str, text: str) -> list[Use]:
    if "require" not in text and "import" not in text and "from" not in text:
        return []
    return [Use(m.group(1), rel, text.count("\n", 0, m.start()) + 1, "import")
            for m in JS_IMPORT.finditer(text) if not m.group(1).startswith(".")]


def go_imports(rel: str, text: str) -> list[Use]:
    out = []
    for m in GO_IMPORT_BLOCK.finditer(text):
        if m.group(2):
            out.append(Use(m.group(2), rel, text.count("\n", 0, m.start()) + 1, "import"))
            continue
        base = text.count("\n", 0, m.start(1))
        for path in GO_IMPORT_PATH.finditer(m.group(1)):
            out.append(Use(path.group(1), rel, base + m.group(1).count("\n", 0, path.start()) + 1, "import"))
    return out
