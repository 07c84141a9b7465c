"""Django's deployment settings as production runs them, defaults included (what `manage.py check --deploy`
judges): SESSION_COOKIE_SECURE (W012), CSRF_COOKIE_SECURE (W016), SECURE_SSL_REDIRECT (W008),
SECURE_HSTS_SECONDS (W004) and DEBUG (W018).

The production settings module is, in order: a settings module named like production (`settings/production.py`,
`prod.py`, `live.py`, `deploy.py`), the module wsgi.py/asgi.py (then manage.py) names in DJANGO_SETTINGS_MODULE,
or the only settings module. Its values are read with what it star-imports first (`from .base import *`,
split settings), then its own assignments; a setting assigned nowhere has Django's default. A value read from
the environment (`env.bool(...)`, `os.environ[...]`) is set at deployment and not judged.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.endpoints.django_settings import _settings_module_names, _strings
from auditor.endpoints.pyast import PyModule, PyProject, dotted
from auditor.repo import Repository

# setting -> (Django's default, check --deploy id, what the insecure value does)
DEPLOY_SETTINGS: dict[str, tuple[object, str, str]] = {
    "SESSION_COOKIE_SECURE": (False, "security.W012", "the session cookie is also sent over plain http"),
    "CSRF_COOKIE_SECURE": (False, "security.W016", "the CSRF cookie is also sent over plain http"),
    "SECURE_SSL_REDIRECT": (False, "security.W008", "plain-http requests are served instead of redirected to https"),
    "SECURE_HSTS_SECONDS": (0, "security.W004", "no Strict-Transport-Security header: browsers keep trying http"),
    "DEBUG": (False, "security.W018", "tracebacks and settings are shown to visitors"),
}
PRODUCTION_NAME = re.compile(r"^(prod|production|live|deploy|deployment|prd)$", re.I)
ENV_CALL = re.compile(r"(env|environ|getenv|config|secret|setting)", re.I)
LAUNCHERS = ("manage.py", "wsgi.py", "asgi.py")
# a name component saying development, local or test use: local.py, local_base.py, dev.py, settings_test.py
DEVELOPMENT_NAME = re.compile(r"(^|_)(local|dev|development|develop|test|tests|testing|ci)($|_)", re.I)


@dataclass
class DeploySetting:
    name: str
    state: str                 # "default", "literal", "environment", "expression"
    value: object = None       # the literal (or Django's default)
    where: str = ""            # file:line of the assignment; for a default, of the MIDDLEWARE/INSTALLED_APPS it governs
    insecure: bool | None = None

    def describe(self) -> str:
        default, check, effect = DEPLOY_SETTINGS[self.name]
        if self.state == "default":
            return f"{self.name} is never set, so Django's default ({default!r}) applies: {effect} ({check})"
        return f"{self.name} = {self.value!r}: {effect} ({check})"


@dataclass
class DeployFacts:
    module: str                                   # the production settings module (path)
    chain: list[str] = field(default_factory=list)  # the files read, base first
    settings: dict[str, DeploySetting] = field(default_factory=dict)
    uses_sessions: bool = False
    uses_csrf_cookie: bool = False

    def insecure(self, *names: str) -> list[DeploySetting]:
        return [self.settings[n] for n in names if n in self.settings and self.settings[n].insecure]

    def label(self) -> str:
        bases = [p for p in self.chain if p != self.module]
        named = ", ".join(bases[-3:]) + (f" and {len(bases) - 3} more" if len(bases) > 3 else "")
        return self.module + (f" (over {named})" if bases else "")


def deploy_facts(repo: Repository) -> DeployFacts | None:
    """The production settings of the repository's Django project, or None when it has none. Memoised."""
    memo = repo.__dict__.setdefault("_auditor_django_deploy", {})
    if "facts" not in memo:
        memo["facts"] = _read(repo)
    return memo["facts"]


def _settings_project(repo: Repository) -> tuple[PyProject, list[PyModule]]:
    """The settings modules (and launchers) read as one project, and the settings modules among them. Memoised."""
    memo = repo.__dict__.setdefault("_auditor_django_deploy", {})
    if "project" not in memo:
        from auditor.inventory import TEST_FILE
        paths = [p for p in repo.paths(language="python") if not TEST_FILE.search(p) and
                 ("settings" in p or "config" in p or p.rsplit("/", 1)[-1] in LAUNCHERS)]
        project = PyProject(repo, paths)
        memo["project"] = (project, [m for m in project.modules.values() if _is_settings(m)])
    return memo["project"]


def development_settings(name: str) -> bool:
    """A settings module named for development, local or test use (`local.py`, `local_base.py`, `dev.py`,
    `settings_test.py`): its values are not production's."""
    return bool(DEVELOPMENT_NAME.search(name.rsplit(".", 1)[-1]))


def overridden_in_production(repo: Repository, path: str, setting: str) -> bool:
    """The value `path` gives `setting` never reaches production: `path` is a shared base settings module
    (no launcher names it) that production settings modules star-import (`from .base import *`), and every
    one of them assigns `setting` again after it. Development, local and test modules do not count."""
    project, modules = _settings_project(repo)
    target = next((m for m in modules if m.path == path), None)
    if target is None or any(project.find_module(name) is target for name, _ in _settings_module_names(project)):
        return False
    overriding = False
    for mod in modules:
        if mod is target or development_settings(mod.name):
            continue
        values: dict[str, tuple[ast.AST, str]] = {}
        chain: list[str] = []
        _collect(project, mod, values, chain, 0)
        if target.path not in chain:
            continue
        if setting not in values or values[setting][1].rsplit(":", 1)[0] == target.path:
            return False    # this production module keeps the base value
        overriding = True
    return overriding


def setting_assigned_at(repo: Repository, path: str, line: int | None) -> str | None:
    """The upper-case name a top-level assignment on `line` of the Python module `path` gives a value."""
    if not line or not path.endswith(".py"):
        return None
    tree = repo.python_ast(path)
    for node in tree.body if tree is not None else []:
        if isinstance(node, ast.Assign) and node.lineno <= line <= (node.end_lineno or node.lineno):
            names = [t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()]
            return names[0] if names else None
    return None


def _read(repo: Repository) -> DeployFacts | None:
    project, candidates = _settings_project(repo)
    if not candidates:
        return None
    module = _production_module(project, candidates)
    if module is None:
        return None
    values: dict[str, tuple[ast.AST, str]] = {}
    chain: list[str] = []
    _collect(project, module, values, chain, 0)
    if "INSTALLED_APPS" not in values and "MIDDLEWARE" not in values and "MIDDLEWARE_CLASSES" not in values:
        return None
    facts = DeployFacts(module.path, chain)
    apps = _strings(values["INSTALLED_APPS"][0]) if "INSTALLED_APPS" in values else []
    middleware = _strings((values.get("MIDDLEWARE") or values.get("MIDDLEWARE_CLASSES") or (None, ""))[0])
    facts.uses_sessions = "django.contrib.sessions" in apps or any(m.endswith("SessionMiddleware") for m in middleware)
    csrf_sessions = values.get("CSRF_USE_SESSIONS")
    facts.uses_csrf_cookie = any(m.endswith("CsrfViewMiddleware") for m in middleware) and not (
        csrf_sessions is not None and isinstance(csrf_sessions[0], ast.Constant) and csrf_sessions[0].value is True)
    # a setting left at its default is shown where the settings enable what it governs (MIDDLEWARE, INSTALLED_APPS)
    anchor = next((values[k][1] for k in ("MIDDLEWARE", "MIDDLEWARE_CLASSES", "INSTALLED_APPS") if k in values),
                  module.path)
    for name, (default, _, _) in DEPLOY_SETTINGS.items():
        facts.settings[name] = _judge(name, values.get(name), default, anchor)
    return facts


def _is_settings(mod: PyModule) -> bool:
    names = {t.id for n in mod.tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    star = any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in mod.tree.body)
    return bool(names & {"INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES", "ROOT_URLCONF", "SECRET_KEY"}) or \
        (star and "settings" in mod.name)


def _production_module(project: PyProject, candidates: list[PyModule]) -> PyModule | None:
    named = [m for m in candidates if PRODUCTION_NAME.match(m.name.rsplit(".", 1)[-1])]
    if named:
        return min(named, key=lambda m: (m.path.count("/"), m.path))
    launched = sorted(_settings_module_names(project),
                      key=lambda nl: (nl[1].count("/"), not nl[1].endswith(("wsgi.py", "asgi.py")), nl[1]))
    for name, _ in launched:
        found = project.find_module(name)
        if found is not None:
            return found
    roots = [m for m in candidates if not any(w in m.name.rsplit(".", 1)[-1] for w in ("test", "dev", "local", "ci"))]
    return min(roots, key=lambda m: (m.path.count("/"), m.path)) if roots else None


def _star_imported(project: PyProject, mod: PyModule, node: ast.ImportFrom) -> PyModule | None:
    """The module `from X import *` in `mod` reads, when it is one of the project's."""
    package = mod.name if mod.path.endswith("__init__.py") else mod.name.rpartition(".")[0]
    parts = package.split(".") if package else []
    base = node.module or ""
    if node.level:
        parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
        base = ".".join(p for p in (*parts, base) if p)
    found = project.find_module(base)
    return found if found is not mod else None


def _collect(project: PyProject, mod: PyModule, values: dict[str, tuple[ast.AST, str]], chain: list[str],
             depth: int) -> None:
    """Star-imported settings first, then the module's own top-level assignments, in order."""
    if depth > 5 or mod.path in chain:
        return
    for node in mod.tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            found = _star_imported(project, mod, node)
            if found is not None:
                _collect(project, found, values, chain, depth + 1)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id.isupper():
                    values[t.id] = (node.value, f"{mod.path}:{node.lineno}")
    chain.append(mod.path)


def _judge(name: str, found: tuple[ast.AST, str] | None, default: object, module: str) -> DeploySetting:
    if found is None:
        return DeploySetting(name, "default", default, module, _insecure(name, default))
    node, where = found
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if isinstance(node, ast.Call) and ENV_CALL.search(dotted(node.func) or "") or \
                isinstance(node, ast.Subscript) and "environ" in (dotted(node.value) or ""):
            return DeploySetting(name, "environment", None, where, None)
        return DeploySetting(name, "expression", ast.unparse(node)[:60], where, None)
    return DeploySetting(name, "literal", value, where, _insecure(name, value))


def _insecure(name: str, value: object) -> bool | None:
    if name == "SECURE_HSTS_SECONDS":
        return not (isinstance(value, int) and value > 0)
    if name == "DEBUG":
        return value is True
    return value is not True
