"""Python module names from file paths, and import resolution to the repository's own modules.

A file's module name is its path with `/` as `.` (`app/db/users.py` is `app.db.users`, a package's
`__init__.py` is the package). Code is often imported from below the repository root (`src/` layouts,
a project folder beside docs/), so an absolute import matches any module whose name ends with it; when
several do, the one nearest the root, then nearest the importing file, wins."""
from __future__ import annotations


def module_name(rel: str) -> tuple[str, bool]:
    """(dotted name, is a package) of a Python file's relative path."""
    path = rel[:-4] if rel.endswith(".pyi") else rel[:-3] if rel.endswith(".py") else rel
    parts = [p for p in path.split("/") if p]
    if parts and parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


class ModuleIndex:
    """Every Python file of the repository by its module name, and by each tail of that name."""

    def __init__(self, rels: list[str]) -> None:
        self.by_full: dict[str, str] = {}
        self.packages: set[str] = set()
        self.name_of: dict[str, str] = {}
        self._by_tail: dict[str, list[str]] = {}
        for rel in rels:
            if rel.endswith(".pyi") and rel[:-1] in rels:
                continue
            name, is_package = module_name(rel)
            if not name:
                continue
            if name in self.by_full and not rel.endswith(".py"):
                continue
            self.by_full[name] = rel
            self.name_of[rel] = name
            if is_package:
                self.packages.add(rel)
            parts = name.split(".")
            for i in range(len(parts)):
                self._by_tail.setdefault(".".join(parts[i:]), []).append(rel)

    def resolve_absolute(self, dotted: str, importer: str) -> str | None:
        """The file of module `dotted` as imported from file `importer`, or None when it is not ours."""
        exact = self.by_full.get(dotted)
        if exact is not None:
            return exact
        candidates = self._by_tail.get(dotted)
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        importer_parts = importer.split("/")

        def rank(rel: str) -> tuple[int, int]:
            depth = len(self.name_of[rel].split(".")) - len(dotted.split("."))
            shared = 0
            for a, b in zip(rel.split("/"), importer_parts):
                if a != b:
                    break
                shared += 1
            return depth, -shared
        return min(candidates, key=rank)

    def package_of(self, rel: str) -> str:
        """The dotted package a module's relative imports start from."""
        name = self.name_of.get(rel, "")
        if rel in self.packages:
            return name
        return name.rpartition(".")[0]

    def resolve_relative(self, module: str | None, level: int, importer: str) -> str | None:
        """The dotted name `from <level dots><module> import ...` names, inside the importer's package."""
        base = self.package_of(importer).split(".") if self.package_of(importer) else []
        if level > 1:
            if level - 1 > len(base):
                return None
            base = base[:len(base) - (level - 1)]
        parts = base + (module.split(".") if module else [])
        return ".".join(parts)
