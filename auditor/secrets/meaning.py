"""Secrets by meaning, not entropy: a literal given to a secret-bearing name is a hard-coded secret.

The text scanner (scanner.py) asks a value to look random, which keeps labels and sample values out of the
report but lets `SECRET_KEY = "dev"`, `app.secret_key = "super secret key"` or
`os.environ.get("SECRET_KEY", "changeme")` through, although the application runs with exactly that value
whenever nothing overrides it. Here the question is what the code does with the literal:
- assigned to a secret-bearing name (secret keys, tokens, passwords, signing keys), directly, as an
  attribute or config key (`app.config["SECRET_KEY"] = ...`, `session({secret: ...})`);
- as the fallback of an environment lookup (`os.environ.get("SECRET_KEY", "changeme")`,
  `os.getenv("TOKEN") or "dev"`, `process.env.JWT_SECRET || "secret"`);
- in the runtime config file the application loads (`yaml.safe_load(open("config.yml"))`, `require("./config.json")`).
Unless the code rejects that very value (`if SECRET_KEY == "changeme" and not DEBUG: raise ...`): then it is
a guarded development default, reported as such. Tests, examples, samples, docs and CI files are left out.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import posixpath
import re
from dataclasses import dataclass

from auditor.facts import FileFacts
from auditor.repo import Repository
from auditor.secrets.patterns import is_secret_name, name_words
from auditor.secrets.scanner import CODE, CONFIG, SecretMatch, fingerprint, redact

RULE_ID = "secret-by-name"
ENV_LOOKUPS = frozenset({"get", "getenv", "config", "env", "str", "Env", "environ", "get_env", "getenv_or"})
CONFIG_FILE = re.compile(r"[\w./-]+\.(?:ya?ml|json|ini|cfg|toml)$")
JS_ASSIGNED = re.compile(r"""(?<![\w$.])(?P<name>[A-Za-z_$][\w$]*)\s*(?::|=(?![=>]))\s*(?P<q>['"`])(?P<value>[^'"`\n]{1,200})(?P=q)""")
JS_ENV_FALLBACK = re.compile(r"""process\.env(?:\.(?P<env>\w+)|\[\s*['"](?P<env2>\w+)['"]\s*\])\s*(?:\|\||\?\?)\s*"""
                             r"""(?P<q>['"`])(?P<value>[^'"`\n]{1,200})(?P=q)""")
JS_CONFIG_REQUIRE = re.compile(r"""require\(\s*['"](?P<spec>\.{1,2}/[^'"]+\.json)['"]\s*\)""")


# values that name a kind of thing rather than hold a secret (`token: "Bearer"`, `password: "string"`)
NOT_VALUES = frozenset({"none", "null", "undefined", "true", "false", "bearer", "basic", "jwt", "string", "str",
                        "number", "boolean", "required", "optional", "text", "hidden", "hs256", "rs256", "sha256",
                        "same-origin", "include", "omit", "same-site", "strict", "lax"})
# a dotted import path (`"myapp.auth.get_secret_key"`) names the function that provides the secret
IMPORT_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}")
# configuration classes for tests and development: their values are not production's
NON_PRODUCTION_CLASS = re.compile(r"(test|testing|dev|development|local|ci)(config|settings)?$|^(test|testing|dev|development|local)", re.I)


@dataclass(frozen=True)
class Guard:
    path: str
    line: int
    text: str          # the guard's condition
    name: str          # the secret it protects


def meaningful_value(name: str, value: str, own_name_is_value: bool = False) -> bool:
    """A literal that stands for the secret itself: not empty, not a sentence or a label, not the key's own
    name (`PASSWORD = "password"` names a form field; unless `own_name_is_value`: in a settings file no form
    is described, `secret: secret` is the value), not an env-var name or a `${...}` reference."""
    v = value.strip()
    if not v or len(v) > 200 or v[0] in "$%{<" or "{{" in v:
        return False
    if len(v.split()) > 4 or v.endswith((":", "?", ".")):
        return False
    if v.lower() in NOT_VALUES:
        return False
    if not own_name_is_value and v.lower() in (name.lower(), "".join(name_words(name)), "_".join(name_words(name))):
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]*_[A-Z0-9_]+", v) or IMPORT_PATH.fullmatch(v):   # an env var's name, an import path
        return False
    return not v.startswith(("http://", "https://", "/", "./", "../"))


def _match(line: int, col: int, secret: str, name: str, how: str, line_text: str) -> SecretMatch:
    snippet = line_text.strip().replace(secret, redact(secret)) if secret else line_text.strip()
    return SecretMatch(RULE_ID, f"hard-coded secret {how} {name!r} (a literal, whatever its entropy)", line, col,
                       redact(secret), snippet[:160], fingerprint(secret), name)


def python_secrets(path: str, tree: ast.Module, lines: list[str]) -> tuple[list[SecretMatch], list[Guard]]:
    """Literals given to secret-bearing names in one Python module, and the guards that reject them."""
    found: list[tuple[str, str, ast.AST, str]] = []      # (name, value, node, how)
    skipped = {id(n) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and NON_PRODUCTION_CLASS.search(c.name)
               for n in ast.walk(c)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                name = _target_name(t)
                if name and is_secret_name(name):
                    for value, how in _literal_values(node.value):
                        found.append((name, value, node, how))
        elif isinstance(node, ast.Call):
            for kw in node.keywords:                      # app.config.update(SECRET_KEY="...")
                if kw.arg and is_secret_name(kw.arg) and isinstance(kw.value, ast.Constant) and \
                        isinstance(kw.value.value, str) and _call_name(node) in ("update", "dict", "Config", "setdefault"):
                    found.append((kw.arg, kw.value.value, kw.value, "assigned to"))
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value.isupper() and \
                        is_secret_name(k.value) and isinstance(v, ast.Constant) and isinstance(v.value, str):
                    found.append((k.value, v.value, v, "assigned to"))
    guards = _guards(path, tree)
    matches, guarded = [], []
    for name, value, node, how in found:
        if not meaningful_value(name, value):
            continue
        guard = next((g for g in guards if g.name == _short(name) and value in g.text), None)
        if guard is not None:
            guarded.append(guard)
            continue
        line = node.lineno
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        col = text.find(value) + 1 if value in text else 1
        matches.append(_match(line, col, value, name, how, text))
    return matches, guarded


def _short(name: str) -> str:
    return re.split(r"[.\[\]'\"]+", name.strip("]'\""))[-1] if name else name


def _target_name(t: ast.AST) -> str:
    if isinstance(t, ast.Name):
        return t.id
    if isinstance(t, ast.Attribute):
        return t.attr
    if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
        return t.slice.value                               # app.config["SECRET_KEY"]
    return ""


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _literal_values(value: ast.AST) -> list[tuple[str, str]]:
    """(literal, how) the application runs with when nothing overrides it."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [(value.value, "assigned to")]
    if isinstance(value, ast.Call) and _call_name(value) in ENV_LOOKUPS:
        default = value.args[1] if len(value.args) > 1 else next((k.value for k in value.keywords if k.arg == "default"), None)
        if isinstance(default, ast.Constant) and isinstance(default.value, str):
            return [(default.value, "as the environment fallback of")]
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        last = value.values[-1]
        if isinstance(last, ast.Constant) and isinstance(last.value, str) and \
                any(isinstance(v, ast.Call) for v in value.values[:-1]):
            return [(last.value, "as the environment fallback of")]
    return []


def _guards(path: str, tree: ast.Module) -> list[Guard]:
    """`if SECRET_KEY == "changeme": raise ...`, `assert SECRET_KEY not in ("dev", "")`, a validator that
    raises when the value is the default (`if v == "changethis": raise ValueError`)."""
    out = []
    for node in ast.walk(tree):
        test, rejects = None, False
        if isinstance(node, ast.If):
            test = node.test
            rejects = any(isinstance(s, ast.Raise) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                          and _call_name(s.value) in ("exit", "abort", "_exit", "warn_or_raise"))
                          for s in ast.walk(ast.Module(node.body, [])))
        elif isinstance(node, ast.Assert):
            test, rejects = node.test, True
        if test is None or not rejects:
            continue
        text = ast.unparse(test)
        for sub in ast.walk(test):
            if isinstance(sub, ast.Compare):
                sides = [sub.left, *sub.comparators]
                names = [_target_name(s) or (s.id if isinstance(s, ast.Name) else "") for s in sides]
                literals = [s for s in ast.walk(sub) if isinstance(s, ast.Constant) and isinstance(s.value, str)]
                for name in names:
                    if name and literals:
                        out.append(Guard(path, node.lineno, text, _short(name)))
    return out


def js_secrets(path: str, text: str) -> list[SecretMatch]:
    """`secret: 'keyboard cat'`, `const jwtSecret = 'dev'`, `process.env.JWT_SECRET || 'secret'`."""
    out = []
    lines = text.split("\n")
    for i, line in enumerate(lines, 1):
        low = line.lower()
        if not any(w in low for w in ("secret", "pass", "token", "key", "pwd", "credential")):
            continue
        for m in JS_ENV_FALLBACK.finditer(line):
            env = m.group("env") or m.group("env2") or ""
            if is_secret_name(env) and meaningful_value(env, m.group("value")):
                out.append(_match(i, m.start("value") + 1, m.group("value"), env, "as the environment fallback of", line))
        for m in JS_ASSIGNED.finditer(line):
            name = m.group("name")
            if is_secret_name(name) and meaningful_value(name, m.group("value")) and \
                    not any(o.line == i and o.column == m.start("value") + 1 for o in out):
                out.append(_match(i, m.start("value") + 1, m.group("value"), name, "assigned to", line))
    return out


def loaded_config_files(repo: Repository, code_paths: list[str]) -> set[str]:
    """Config files the application loads by name (`open("config.yml")`, `require("./config.json")`)."""
    names: dict[str, set[str]] = {}
    for path in code_paths:
        text = repo.read_text(path) or ""
        if path.endswith(".py"):
            for m in re.finditer(r"""['"]([\w./-]+\.(?:ya?ml|json|ini|cfg|toml))['"]""", text):
                names.setdefault(posixpath.basename(m.group(1)), set()).add(path)
        else:
            for m in JS_CONFIG_REQUIRE.finditer(text):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), m.group("spec")))
                names.setdefault(posixpath.basename(target), set()).add(path)
    out = set()
    for p in repo.paths():
        if posixpath.basename(p) in names and CONFIG_FILE.search(p) and "node_modules/" not in p \
                and posixpath.basename(p) not in ("package.json", "tsconfig.json", "package-lock.json"):
            out.add(p)
    return out


NODE_CONFIG_LOADED = ("default", "production")


def node_config_files(repo: Repository) -> dict[str, str]:
    """path -> how it is loaded, for the node-config files of each package that depends on `config`:
    `config/default.{yml,yaml,json}` is loaded in every environment (each other file only overrides keys of
    it) and `config/production.*` under NODE_ENV=production. custom-environment-variables.* maps keys to
    environment variable names (an override, not a value), and development/test/local files are not
    production's: both stay out. config/*.js files are code, read by js_secrets already."""
    paths = set(repo.paths())
    out: dict[str, str] = {}
    for manifest in sorted(p for p in paths if posixpath.basename(p) == "package.json" and "node_modules/" not in p):
        try:
            data = json.loads(repo.read_text(manifest) or "")
        except ValueError:
            continue
        deps = data.get("dependencies") if isinstance(data, dict) else None
        if not isinstance(deps, dict) or "config" not in deps:
            continue
        folder = posixpath.join(posixpath.dirname(manifest), "config")
        for stem in NODE_CONFIG_LOADED:
            for ext in ("yml", "yaml", "json"):
                path = posixpath.join(folder, f"{stem}.{ext}")
                if path in paths:
                    out[path] = ("in node-config's committed default, which every environment inherits unless "
                                 "an environment variable overrides it, for" if stem == "default" else
                                 "in node-config's production config, for")
    return out


def config_secrets(path: str, text: str, how: str = "in the loaded config file, for",
                   own_name_is_value: bool = False) -> list[SecretMatch]:
    """`password: hunter2` / `"db_password": "x"` / `token = abc` in a runtime config file, any value."""
    out = []
    values: list[tuple[str, str]] = []
    if path.endswith(".json"):
        try:
            values = list(_flatten(json.loads(text)))
        except ValueError:
            values = []
    elif path.endswith((".yml", ".yaml")):
        import yaml
        try:
            values = list(_flatten(yaml.safe_load(text)))
        except yaml.YAMLError:
            values = []
    else:
        values = [(m.group(1), m.group(2).strip().strip("'\"")) for m in
                  re.finditer(r"^[ \t]*([A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*([^\n]+?)[ \t]*$", text, re.M)]
    lines = text.split("\n")
    for key, value in values:
        if not is_secret_name(key) or not meaningful_value(key, value, own_name_is_value):
            continue
        line = next((i for i, t in enumerate(lines, 1) if key in t and value in t), 1)
        out.append(_match(line, max(1, lines[line - 1].rfind(value) + 1), value, key, how, lines[line - 1]))
    return out


def _flatten(data, depth: int = 0):
    if depth > 8:
        return
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, str):
                yield str(k), v
            else:
                yield from _flatten(v, depth + 1)
    elif isinstance(data, list):
        for v in data:
            yield from _flatten(v, depth + 1)


def _python_secrets_cached(path: str, tree: ast.Module, repo: Repository,
                           facts: "FileFacts | None") -> tuple[list[SecretMatch], list[Guard]]:
    """python_secrets, or its rows from an earlier audit of the same text (auditor/facts.py)."""
    if facts is None:
        return python_secrets(path, tree, repo.lines(path))

    def compute() -> list[dict]:
        found, guarded = python_secrets(path, tree, repo.lines(path))
        return ([{"match": dataclasses.asdict(m)} for m in found]
                + [{"guard": dataclasses.asdict(g)} for g in guarded])
    rows = facts.rows(f"meaning:{path}", repo.read_text(path), compute)
    return ([SecretMatch(**r["match"]) for r in rows if "match" in r],
            [Guard(**r["guard"]) for r in rows if "guard" in r])


def scan_meaning(repo: Repository, mode_of, facts: "FileFacts | None" = None,
                 loaded_templates: frozenset[str] = frozenset()) -> tuple[dict[str, list[SecretMatch]], list[Guard]]:
    """path -> the secrets found by meaning, for the code files scanned in CODE mode (and the config files
    the code loads, template files it loads as its configuration included); and the guards that turned
    development defaults into passes."""
    out: dict[str, list[SecretMatch]] = {}
    guards: list[Guard] = []
    code = [p for p in repo.paths() if mode_of(p) == CODE and p.endswith((".py", ".js", ".mjs", ".cjs", ".ts"))
            and "node_modules/" not in p]
    for path in code:
        if path.endswith(".py"):
            tree = repo.python_ast(path)
            if tree is None:
                continue
            found, guarded = _python_secrets_cached(path, tree, repo, facts)
            guards += guarded
        else:
            found = js_secrets(path, repo.read_text(path) or "")
        if found:
            out[path] = found
    node_config = node_config_files(repo)
    for path in sorted(loaded_config_files(repo, code) - set(node_config)):
        if mode_of(path) == CONFIG:
            found = config_secrets(path, repo.read_text(path) or "")
            if found:
                out.setdefault(path, []).extend(found)
    for path in sorted(loaded_templates):
        found = config_secrets(path, repo.read_text(path) or "", "in the template file the code loads as its "
                               "configuration, so the application runs with it, for", own_name_is_value=True)
        if found:
            out.setdefault(path, []).extend(found)
    for path, how in sorted(node_config.items()):
        if mode_of(path) == CONFIG:
            found = config_secrets(path, repo.read_text(path) or "", how, own_name_is_value=True)
            if found:
                out.setdefault(path, []).extend(found)
    return out, guards
