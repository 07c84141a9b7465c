"""The program model: module names, import resolution (absolute, relative, aliases, re-exports), call
resolution, and the summary fixpoint terminating on recursion and cycles."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.program import build_program
from auditor.program.modules import ModuleIndex, module_name
from auditor.repo import Repository


def write(root: Path, files: dict[str, str]) -> Repository:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Repository.scan(root)


def test_module_names_from_paths():
    assert module_name("app/db/users.py") == ("app.db.users", False)
    assert module_name("app/db/__init__.py") == ("app.db", True)


def test_absolute_imports_match_below_the_root_nearest_first():
    index = ModuleIndex(["src/shop/db.py", "src/shop/__init__.py", "tools/shop/db.py", "shop_cli.py"])
    assert index.resolve_absolute("shop.db", "src/shop/views.py") == "src/shop/db.py"
    assert index.resolve_absolute("shop.db", "tools/shop/x.py") == "tools/shop/db.py"
    assert index.resolve_absolute("requests", "src/shop/views.py") is None


def test_relative_imports_from_modules_and_packages():
    index = ModuleIndex(["pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/a.py", "pkg/b.py"])
    assert index.resolve_relative("b", 2, "pkg/sub/a.py") == "pkg.b"
    assert index.resolve_relative(None, 1, "pkg/sub/a.py") == "pkg.sub"
    assert index.resolve_relative("a", 1, "pkg/sub/__init__.py") == "pkg.sub.a"
    assert index.resolve_relative("x", 5, "pkg/sub/a.py") is None


def test_names_resolve_through_aliases_and_reexports(tmp_path):
    repo = write(tmp_path, {
        "pkg/__init__.py": "from .impl import run as execute_it\nfrom . import impl\n",
        "pkg/impl.py": "class Store:\n    def get(self, k):\n        return k\n\ndef run(sql):\n    return sql\n",
        "main.py": ("import pkg\nfrom pkg import execute_it as go\nfrom pkg.impl import Store\n"
                    "store = Store()\n"),
    })
    model = build_program(repo, [])
    program = model.program
    assert program.lookup("main.py", "go").function.id == "pkg/impl.py::run"
    sym = program.resolve_expr("main.py", __import__("ast").parse("pkg.execute_it", mode="eval").body)
    assert sym.function.id == "pkg/impl.py::run"
    sym = program.resolve_expr("main.py", __import__("ast").parse("pkg.impl.run", mode="eval").body)
    assert sym.function.id == "pkg/impl.py::run"
    assert program.lookup("main.py", "store").kind == "instance"
    assert program.lookup("main.py", "Store").cls.name == "Store"


def test_calls_resolve_to_methods_instances_and_callbacks(tmp_path):
    repo = write(tmp_path, {
        "repo.py": ("class Base:\n    def rows(self, sql):\n        return sql\n\n"
                    "class Users(Base):\n    def find(self, name):\n        return self.rows(name)\n"
                    "    @classmethod\n    def make(cls):\n        return cls()\n"),
        "views.py": ("from repo import Users\n\ndef helper(x):\n    return x\n\n"
                     "def apply(fn, v):\n    return fn(v)\n\n"
                     "def view():\n    users = Users()\n    users.find('a')\n    Users.make()\n    apply(helper, 1)\n"),
    })
    model = build_program(repo, [])
    calls = model.program.calls
    assert "repo.py::Base.rows" in calls["repo.py::Users.find"]
    assert {"repo.py::Users.find", "repo.py::Users.make", "views.py::apply"} <= set(calls["views.py::view"])
    assert calls["views.py::apply"] == ["views.py::helper"]


def test_fixpoint_terminates_on_recursion_and_cycles(tmp_path):
    repo = write(tmp_path, {
        "loop.py": ("import os\nfrom flask import request\n\n"
                    "def a(x, n):\n    if n:\n        return b(x, n - 1)\n    os.system('echo ' + x)\n\n"
                    "def b(x, n):\n    return c(x, n)\n\n"
                    "def c(x, n):\n    return a(x, n)\n\n"
                    "def self_loop(x):\n    return self_loop(x)\n\n"
                    "def view():\n    return b(request.args['q'], 3)\n"),
    })
    model = build_program(repo, [])
    assert model.stats["analyses"] < 12 * len(model.program.functions)
    assert ("x", "shell") in model.summaries["loop.py::c"].param_sinks
    [flow] = model.flows
    assert flow.kind == "shell" and flow.sink.line == 7 and flow.source.label == "request.args"
    assert [s.step for s in flow.steps][0] == "source" and flow.steps[-1].step == "sink"


def test_a_function_too_deep_to_read_is_left_unread_not_a_crash(tmp_path):
    deep = " + ".join(["request.args['q']"] * 2000)
    repo = write(tmp_path, {"deep.py": f"import os\nfrom flask import request\n\ndef view():\n    os.system({deep})\n\n"
                                       "def fine():\n    os.system('echo ' + request.args['x'])\n"})
    model = build_program(repo, [])
    if repo.python_ast("deep.py") is None:
        pytest.skip("this Python's parser itself refuses the expression")
    assert model.program.unread == {"deep.py::view"}
    assert "deep.py::fine" in {f.function for f in model.flows}
