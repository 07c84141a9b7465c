"""The layout is the index: one file per checklist item, named by its id, and no item reaching into another.

An item's check lives in auditor/checks/<category>/<id without prefix>.py with its patterns, its pure
evaluation and its collector; what several items share lives in auditor/checks/shared/ or in the inventory
layer it serves (auditor/endpoints/, auditor/migrations/, ...).
"""
from __future__ import annotations

import ast
from pathlib import Path

from auditor.catalog import load_catalog
from auditor.registry import CHECKS, check_module, load_plugins

CHECKS_DIR = Path(__file__).resolve().parent.parent / "auditor" / "checks"
CATEGORIES = {c.id for c in load_catalog().categories}


def item_files() -> list[Path]:
    return sorted(p for category in CATEGORIES for p in (CHECKS_DIR / category).glob("*.py") if p.name != "__init__.py")


def module_of(path: Path) -> str:
    return "auditor." + ".".join(path.relative_to(CHECKS_DIR.parent).with_suffix("").parts)


def registered_ids(path: Path) -> list[str]:
    """The ids of the @check("ID") decorators in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [d.args[0].value for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for d in node.decorator_list
            if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "check" and d.args
            and isinstance(d.args[0], ast.Constant)]


def test_every_catalog_item_has_exactly_one_file_that_registers_it():
    load_plugins()
    for item in load_catalog().items:
        path = CHECKS_DIR / item.category / (check_module(item.id, item.category).rsplit(".", 1)[1] + ".py")
        assert path.is_file(), f"{item.id}: expected its check in {path.relative_to(CHECKS_DIR.parent.parent)}"
        assert registered_ids(path) == [item.id], f"{path.name} registers {registered_ids(path)}, not [{item.id}]"
        assert CHECKS[item.id].__module__ == module_of(path)


def test_every_item_file_registers_one_catalog_id_named_by_the_file():
    catalog = load_catalog().by_id
    files = item_files()
    assert len(files) == len(catalog)
    for path in files:
        ids = registered_ids(path)
        assert len(ids) == 1, f"{path}: {ids}"
        item = catalog.get(ids[0])
        assert item is not None, f"{path}: {ids[0]} is not in the catalog"
        assert module_of(path) == check_module(item.id, item.category)


def test_category_folders_hold_only_items_and_shared_holds_no_item():
    for path in (CHECKS_DIR / "shared").glob("*.py"):
        assert registered_ids(path) == [], f"{path.name} is shared, so it registers no check"
    assert {p.name for p in CHECKS_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"} == CATEGORIES | {"shared"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out


def test_no_check_imports_another_check():
    items = {module_of(p) for p in item_files()}
    for path in item_files() + sorted((CHECKS_DIR / "shared").glob("*.py")):
        reached = imported_modules(path) & (items - {module_of(path)})
        assert not reached, f"{path.relative_to(CHECKS_DIR)} imports the item module(s) {sorted(reached)}"


# ---- import floors: a module never imports from a floor above its own --------------------------------
# Bottom to top. A module's floor is that of its longest listed prefix.
FLOORS: list[tuple[str, ...]] = [
    # 0: plain data and text tools every stage shares
    ("auditor", "auditor.budget", "auditor.errors", "auditor.model", "auditor.text", "auditor.pyast", "auditor.paths", "auditor.files", "auditor.resources",
     "auditor.astwalk", "auditor.options", "auditor.gcpolicy", "auditor.fingerprints", "auditor.dbschema",
     "auditor.comments", "auditor.nonsource"),
    # 1: the repository on disk and git
    ("auditor.repo", "auditor.gitsafe", "auditor.gittree", "auditor.gitinfo", "auditor.cache", "auditor.facts"),
    # 2: readers of the repository, the engines, the catalog
    ("auditor.endpoints", "auditor.migrations", "auditor.orm", "auditor.secrets", "auditor.probes",
     "auditor.inventory", "auditor.catalog", "auditor.engines"),
    # 3: what a check sees, the plug-in registry, and the program model (above parsing and inventory, below checks)
    ("auditor.context", "auditor.registry", "auditor.applicability", "auditor.program"),
    # 4: collectors and checks (one file per item)
    ("auditor.collectors", "auditor.checks"),
    # 5: judging the whole audit
    ("auditor.scoring", "auditor.suppressions", "auditor.gating", "auditor.notices", "auditor.config",
     "auditor.incomplete", "auditor.policy",
     "auditor.pipeline", "auditor.services", "auditor.history", "auditor.remote", "auditor.samples", "auditor.unparsed"),
    # 6: delivering the report, and the fleet (many audits as the CLI runs them; the CLI registers its commands)
    ("auditor.render", "auditor.output", "auditor.cli", "auditor.__main__", "auditor.fleet"),
]
# (importer, imported): known exceptions, each to be removed by the change that fixes it
FLOOR_EXCEPTIONS = {
    ("auditor.registry", "auditor.checks"): "plug-in discovery imports every check module by design",
    ("auditor.registry", "auditor.collectors"): "plug-in discovery imports every collector module by design",
}


def floor_of(module: str) -> int:
    best, floor = -1, None
    for number, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, floor = len(prefix), number
    assert floor is not None, f"{module} has no floor: add it to FLOORS in tests/test_layout.py"
    return floor


def package_modules() -> dict[str, Path]:
    out = {}
    for path in sorted(CHECKS_DIR.parent.rglob("*.py")):
        parts = path.relative_to(CHECKS_DIR.parent.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def test_no_module_imports_from_a_higher_floor():
    modules = package_modules()
    problems = []
    for name, path in modules.items():
        for imported in imported_modules(path):
            if not imported.startswith("auditor") or imported not in modules and imported.rsplit(".", 1)[0] not in modules:
                continue
            target = imported if imported in modules else imported.rsplit(".", 1)[0]
            if floor_of(target) <= floor_of(name):
                continue
            top = lambda m: ".".join(m.split(".")[:2])  # noqa: E731
            if (top(name), top(target)) not in FLOOR_EXCEPTIONS:
                problems.append(f"{name} (floor {floor_of(name)}) imports {target} (floor {floor_of(target)})")
    assert not problems, "\n".join(sorted(set(problems)))


# renderers work from the report they are given: no catalog reload, no scoring call, no audit; no exception
RENDER_FORBIDDEN = ("auditor.catalog", "auditor.scoring", "auditor.pipeline")


def test_renderers_read_only_the_report():
    modules = package_modules()
    renderers = [name for name in modules if name == "auditor.render" or name.startswith("auditor.render.")]
    assert "auditor.render.sarif" in renderers and "auditor.render.html" in renderers
    problems = []
    for name in renderers:
        reached = {m for m in imported_modules(modules[name]) if m.startswith(RENDER_FORBIDDEN + ("importlib",))}
        tree = ast.parse(modules[name].read_text(encoding="utf-8"))
        if any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree)):
            reached.add("a relative import (this test reads absolute ones)")
        if reached:
            problems.append(f"{name} imports {sorted(reached)}")
    assert not problems, "\n".join(problems)
