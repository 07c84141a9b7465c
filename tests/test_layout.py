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
