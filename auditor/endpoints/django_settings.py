"""Django settings read from the AST: MIDDLEWARE, REST_FRAMEWORK, ROOT_URLCONF (never imported).

When a project has several settings modules (base/dev/prod), the one named by DJANGO_SETTINGS_MODULE in
manage.py/wsgi.py/asgi.py wins; missing keys are filled from the others of its package. A repository may hold
several Django projects (a main site and a lab, each with its own manage.py): `read_projects` returns one
DjangoSettings per settings module named by a launcher, shallowest first.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of
from auditor.endpoints.pyast import PyModule, PyProject, const_str, str_list

KEYS = ("MIDDLEWARE", "MIDDLEWARE_CLASSES", "REST_FRAMEWORK", "ROOT_URLCONF", "INSTALLED_APPS")


@dataclass
class DjangoSettings:
    values: dict[str, ast.AST] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)   # key -> "file:line"
    modules: list[str] = field(default_factory=list)
    name: str = ""                                         # the settings module named by the launcher

    @property
    def depth(self) -> int:
        return self.modules[0].count("/") if self.modules else 0

    @property
    def found(self) -> bool:
        return bool(self.values)

    @property
    def middleware(self) -> list[str]:
        node = self.values.get("MIDDLEWARE") or self.values.get("MIDDLEWARE_CLASSES")
        return _strings(node)

    @property
    def root_urlconf(self) -> str | None:
        return const_str(self.values.get("ROOT_URLCONF"))

    def rest(self, key: str) -> list[str] | None:
        """A REST_FRAMEWORK list setting as class-name strings; None when not set."""
        node = self._rest_node(key)
        return None if node is None else _strings(node)

    def rest_dict(self, key: str) -> dict[str | None, str | None] | None:
        node = self._rest_node(key)
        if not isinstance(node, ast.Dict):
            return None
        return {const_str(k): const_str(v) if not (isinstance(v, ast.Constant) and v.value is None) else None
                for k, v in zip(node.keys, node.values) if const_str(k)}

    def rest_str(self, key: str) -> str | None:
        return const_str(self._rest_node(key))

    def rest_where(self) -> str:
        return self.where.get("REST_FRAMEWORK", "settings")

    def _rest_node(self, key: str) -> ast.AST | None:
        rf = self.values.get("REST_FRAMEWORK")
        if isinstance(rf, ast.Dict):
            for k, v in zip(rf.keys, rf.values):
                if const_str(k) == key:
                    return v
        return None


def _strings(node: ast.AST | None) -> list[str]:
    if node is None:
        return []
    out = str_list(node)
    if out is not None:
        return out
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for s in (const_str(e) for e in node.elts) if s]
    return []


def _candidates(project: PyProject) -> list[PyModule]:
    return [m for m in project.modules.values() if _assigns(m, ("MIDDLEWARE", "MIDDLEWARE_CLASSES",
                                                                "INSTALLED_APPS", "ROOT_URLCONF"))]


def read_settings(project: PyProject) -> DjangoSettings:
    candidates = _candidates(project)
    preferred = [name for name, _ in _settings_module_names(project)]
    candidates.sort(key=lambda m: (0 if any(m.name == p or m.name.endswith("." + p) for p in preferred) else 1,
                                   "test" in m.name, m.name))
    return _merge(candidates)


def read_projects(project: PyProject) -> list[DjangoSettings]:
    """One settings per Django project: each module named by a manage.py/wsgi.py/asgi.py (resolved next to
    its launcher), filled from the settings modules of its own package. Shallowest project first. Falls
    back to `[read_settings(project)]` when no launcher names a settings module of the repository."""
    candidates = _candidates(project)
    found: dict[str, PyModule] = {}
    for name, launcher in _settings_module_names(project):
        mod = module_near(project, name, launcher)
        if mod is not None and mod.name not in found:
            found[mod.name] = mod
    # settings modules that set ROOT_URLCONF outside every launcher's package: projects of their own
    packages = {m.rsplit(".", 1)[0] for m in found}
    rooted = [m for m in candidates if _assigns(m, ("ROOT_URLCONF",)) and "test" not in m.name.rsplit(".", 1)[-1]
              and m.name not in found and m.name.rsplit(".", 1)[0] not in packages
              and not any(m.name.startswith(p + ".") for p in packages)]
    if not found and len(rooted) < 2:
        return [read_settings(project)]
    found.update({m.name: m for m in rooted})
    out = []
    for mod in found.values():
        package = mod.name.rsplit(".", 1)[0] if "." in mod.name else ""
        siblings = [m for m in candidates if m is not mod and package and m.name.startswith(package + ".")
                    and m.name not in found]
        siblings.sort(key=lambda m: ("test" in m.name, m.name))
        s = _merge([mod] + siblings)
        s.name = mod.name
        out.append(s)
    out.sort(key=lambda s: (s.depth, s.name))
    return out


def module_near(project: PyProject, name: str, launcher: str) -> PyModule | None:
    """`sensitive_data_lab.settings` named by lab/manage.py is lab/sensitive_data_lab/settings.py."""
    folder = launcher.rsplit("/", 1)[0] if "/" in launcher else ""
    parts = folder.split("/") if folder else []
    for i in range(len(parts), -1, -1):   # the launcher's folder, then its parents (manage.py beside the package)
        prefix = ".".join(parts[:i])
        mod = project.modules.get(f"{prefix}.{name}" if prefix else name)
        if mod is not None:
            return mod
    return project.find_module(name)


def _merge(candidates: list[PyModule]) -> DjangoSettings:
    s = DjangoSettings()
    for mod in candidates:
        s.modules.append(mod.path)
        for node in mod.tree.body:
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name) and t.id in KEYS and t.id not in s.values:
                        s.values[t.id] = node.value
                        s.where[t.id] = f"{mod.path}:{node.lineno}"
    return s


def _assigns(mod: PyModule, keys: tuple[str, ...]) -> bool:
    return any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id in keys for t in n.targets)
               for n in mod.tree.body)


def _settings_module_names(project: PyProject) -> list[tuple[str, str]]:
    """(settings module name, launcher path) for every DJANGO_SETTINGS_MODULE default in a launcher."""
    names = []
    for mod in project.modules.values():
        if mod.path.rsplit("/", 1)[-1] not in ("manage.py", "wsgi.py", "asgi.py"):
            continue
        for call in nodes_of(mod.tree, ast.Call):
            if len(call.args) == 2 and const_str(call.args[0]) == "DJANGO_SETTINGS_MODULE":
                value = const_str(call.args[1])
                if value:
                    names.append((value, mod.path))
    return names
