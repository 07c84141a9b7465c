"""Which declared dependencies are version-constrained, per manifest format.

A dependency is *constrained* when its version cannot float to an arbitrary new major release:
an exact pin (==, ===, exact npm version), a compatible-release (~=, ^, ~), or a range with an upper
bound (>=1,<2). A lower bound alone (>=1.2), `*`, `latest`, `x` ranges and a bare name are not.
URL/VCS requirements are constrained only when they name a commit or tag (`@<ref>`, `#<ref>`).
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from typing import Callable

LOCK_FILE_NAMES = ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "package-lock.json", "yarn.lock",
                   "pnpm-lock.yaml", "npm-shrinkwrap.json", "go.sum", "Gemfile.lock", "Cargo.lock",
                   "composer.lock")
# which manifest each lock file locks (by ecosystem)
LOCKS_FOR = {
    "python": ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock"),
    "node": ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json", "bun.lock", "bun.lockb"),
    "go": ("go.sum",),
}


@dataclass(frozen=True)
class Dependency:
    name: str
    spec: str           # the version part as written ("" when none)
    file: str
    line: int
    text: str           # the manifest line, stripped
    constrained: bool
    reason: str         # why it counts as (un)constrained
    ecosystem: str      # python, node, go


def ecosystem_of(manifest: str) -> str | None:
    name = manifest.rsplit("/", 1)[-1]
    if name in ("pyproject.toml", "Pipfile") or is_requirements_file(name) \
            or ("/requirements/" in f"/{manifest}" and name.endswith((".txt", ".in"))):
        return "python"
    if name == "package.json":
        return "node"
    if name == "go.mod":
        return "go"
    return None


def is_requirements_file(name: str) -> bool:
    return name.startswith("requirements") and name.endswith((".txt", ".in"))


# ---- Python version specifiers ----------------------------------------------------------------

_PEP440_CLAUSE = re.compile(r"\s*(===|==|~=|!=|<=|>=|<|>)\s*([^\s,;]+)\s*")


def python_spec_constrained(spec: str) -> tuple[bool, str]:
    """(constrained?, reason) for a PEP 440 specifier such as '>=1.2,<2' or '==1.0'."""
    spec = spec.strip()
    if not spec:
        return False, "no version specifier"
    ops = [m.group(1) for m in _PEP440_CLAUSE.finditer(spec)]
    if not ops:
        return False, f"unrecognised specifier {spec!r}"
    if any(op in ("==", "===") for op in ops):
        if any(op in ("==", "===") and v.endswith("*") for op, v in
               ((m.group(1), m.group(2)) for m in _PEP440_CLAUSE.finditer(spec))):
            return True, "wildcard pin (==X.*)"
        return True, "exact pin"
    if "~=" in ops:
        return True, "compatible release (~=)"
    has_upper = any(op in ("<", "<=") for op in ops)
    if has_upper:
        return True, "range with an upper bound"
    return False, "lower bound only: any future major version is accepted"


_REQ_LINE = re.compile(
    r"""^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;@#]*?)\s*(?P<url>@\s*\S+)?\s*(?:;.*)?$""")


def parse_pep508(requirement: str) -> tuple[str, str, str | None] | None:
    """(name, specifier, url) of a PEP 508 requirement string, or None when it is not one."""
    text = requirement.split(" #", 1)[0].strip()
    m = _REQ_LINE.match(text)
    if not m:
        return None
    spec = m.group("spec").strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1]
    url = m.group("url")
    return m.group("name").lower().replace("_", "-"), spec, (url[1:].strip() if url else None)


def _url_constrained(url: str) -> tuple[bool, str]:
    if re.search(r"@[0-9a-f]{7,40}\b", url.split("://", 1)[-1]) or re.search(r"#[0-9a-f]{7,40}\b", url):
        return True, "URL pinned to a commit"
    if re.search(r"\.(whl|tar\.gz|zip)(#.*)?$", url) and re.search(r"\d+\.\d+", url):
        return True, "URL to a versioned archive"
    if re.search(r"@v?\d+(\.\d+)+\b", url):
        return True, "URL pinned to a version tag"
    return False, "URL requirement without a pinned commit or version"


def _python_dependency(requirement: str, file: str, line: int, raw: str) -> Dependency | None:
    parsed = parse_pep508(requirement)
    if parsed is None:
        return None
    name, spec, url = parsed
    if url:
        ok, reason = _url_constrained(url)
    else:
        ok, reason = python_spec_constrained(spec)
    return Dependency(name, spec or (url or ""), file, line, raw.strip(), ok, reason, "python")


def parse_requirements(text: str, file: str, read: Callable[[str], str | None] | None = None,
                       _seen: frozenset[str] = frozenset()) -> list[Dependency]:
    """requirements*.txt / *.in: comments, continuation lines, options, -r/-c includes, extras, markers, URLs.

    `read(relative_path)` returns an included file's text (None when absent); includes resolve
    relative to the including file's folder.
    """
    out: list[Dependency] = []
    folder = file.rsplit("/", 1)[0] + "/" if "/" in file else ""
    logical: list[tuple[int, str]] = []
    pending, start = "", 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = lineno
        stripped = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append((start, pending + stripped))
        pending = ""
    if pending:
        logical.append((start, pending))
    lines = text.splitlines()
    for lineno, line in logical:
        line = line.strip()
        if not line:
            continue
        include = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
        if include:
            target = _normalise(folder + include.group(2))
            if read is not None and target not in _seen and include.group(1) in ("-r", "--requirement"):
                included = read(target)
                if included is not None:
                    out.extend(parse_requirements(included, target, read, _seen | {file, target}))
            continue
        if line.startswith("-e ") or line.startswith("--editable"):
            url = line.split(None, 1)[1] if " " in line else ""
            if url.startswith((".", "/")) or "://" not in url:
                continue  # a local editable path: the project itself, not a third-party dependency
            ok, reason = _url_constrained(url)
            out.append(Dependency(_url_name(url), url, file, lineno,
                                  lines[lineno - 1].strip(), ok, reason, "python"))
            continue
        if line.startswith("-"):
            continue  # --index-url, --hash-only options, -f, --pre ...
        line = re.sub(r"\s--hash[=\s]\S+", "", line)
        if line.startswith((".", "/")) or re.match(r"^[a-z+]+://", line):
            if "://" in line:
                ok, reason = _url_constrained(line)
                out.append(Dependency(_url_name(line), line, file, lineno, lines[lineno - 1].strip(), ok, reason, "python"))
            continue
        dep = _python_dependency(line, file, lineno, lines[lineno - 1])
        if dep is not None:
            out.append(dep)
    return out


def _url_name(url: str) -> str:
    """The project a URL requirement installs: `#egg=name`, `name @ url`, or the repository's last segment."""
    egg = re.search(r"#egg=([\w.-]+)", url)
    if egg:
        return egg.group(1).lower()
    tail = url.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"(\.git)?(@.*)?$", "", tail).lower() or url


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts:
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _toml_string_lines(text: str, value: str, after: int = 0) -> int:
    """1-based line of the first occurrence of a quoted `value` at or after line `after` (fallback: after)."""
    lines = text.splitlines()
    for i in range(max(after - 1, 0), len(lines)):
        if f'"{value}"' in lines[i] or f"'{value}'" in lines[i]:
            return i + 1
    return after or 1


def _toml_key_line(text: str, table: str, key: str) -> int:
    lines = text.splitlines()
    in_table = False
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("["):
            in_table = s.strip("[] ") == table
            continue
        if in_table and re.match(rf"""^["']?{re.escape(key)}["']?\s*=""", s):
            return i
    return 1


def _table_line(text: str, table: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip().strip("[] ") == table:
            return i
    return 1


def parse_pyproject(text: str, file: str) -> list[Dependency]:
    """[project] dependencies and optional-dependencies, and Poetry's dependency tables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    lines = text.splitlines()
    out: list[Dependency] = []
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    groups: list[tuple[str, list]] = [("project", project.get("dependencies") or [])]
    for extra, reqs in (project.get("optional-dependencies") or {}).items():
        groups.append((f"project.optional-dependencies.{extra}", reqs or []))
    for group, reqs in (data.get("dependency-groups") or {}).items():
        groups.append((f"dependency-groups.{group}", [r for r in reqs if isinstance(r, str)]))
    for table, reqs in groups:
        cursor = _table_line(text, table.split(".")[0] if table == "project" else table.rsplit(".", 1)[0])
        for req in reqs:
            if not isinstance(req, str):
                continue
            line = _toml_string_lines(text, req, cursor)
            cursor = line
            dep = _python_dependency(req, file, line, lines[line - 1] if line <= len(lines) else req)
            if dep is not None:
                out.append(dep)
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables: list[tuple[str, dict]] = []
    for key in ("dependencies", "dev-dependencies"):
        if isinstance(poetry.get(key), dict):
            tables.append((f"tool.poetry.{key}", poetry[key]))
    for gname, group in (poetry.get("group") or {}).items():
        if isinstance(group, dict) and isinstance(group.get("dependencies"), dict):
            tables.append((f"tool.poetry.group.{gname}.dependencies", group["dependencies"]))
    for table, deps in tables:
        for name, value in deps.items():
            if name.lower() == "python":
                continue
            line = _toml_key_line(text, table, name)
            out.append(_poetry_dependency(name, value, file, line, lines[line - 1] if lines else ""))
    return out


def _poetry_dependency(name: str, value, file: str, line: int, raw: str) -> Dependency:
    if isinstance(value, list):  # multiple constraints by marker: constrained when all are
        parts = [_poetry_dependency(name, v, file, line, raw) for v in value]
        ok = all(p.constrained for p in parts)
        return Dependency(name.lower(), "; ".join(p.spec for p in parts), file, line, raw.strip(), ok,
                          "every alternative constrained" if ok else "an alternative is unconstrained", "python")
    if isinstance(value, dict):
        if "path" in value:
            return Dependency(name.lower(), value["path"], file, line, raw.strip(), True, "local path", "python")
        if "git" in value:
            ok = any(k in value for k in ("rev", "tag"))
            return Dependency(name.lower(), value["git"], file, line, raw.strip(), ok,
                              "git pinned to rev/tag" if ok else "git dependency without rev or tag", "python")
        value = value.get("version", "")
    spec = str(value).strip()
    ok, reason = npm_style_constrained(spec)  # Poetry uses ^, ~, *, exact and PEP 440 operators
    return Dependency(name.lower(), spec, file, line, raw.strip(), ok, reason, "python")


def parse_pipfile(text: str, file: str) -> list[Dependency]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    lines = text.splitlines()
    out = []
    for table in ("packages", "dev-packages"):
        for name, value in (data.get(table) or {}).items():
            line = _toml_key_line(text, table, name)
            spec = value.get("version", "*") if isinstance(value, dict) else str(value)
            if isinstance(value, dict) and ("git" in value or "path" in value or "file" in value):
                ok = "path" in value or "ref" in value
                reason = "pinned source" if ok else "VCS dependency without ref"
            elif spec.strip() == "*":
                ok, reason = False, "'*' accepts any version"
            else:
                ok, reason = python_spec_constrained(spec)
            out.append(Dependency(name.lower(), spec, file, line, lines[line - 1].strip() if lines else "",
                                  ok, reason, "python"))
    return out


# ---- npm / Poetry caret-tilde style --------------------------------------------------------------

def npm_style_constrained(spec: str) -> tuple[bool, str]:
    """(constrained?, reason) for an npm/Poetry range: ^1.2, ~1.2, 1.2.3, >=1 <2, *, latest, 1.x."""
    s = spec.strip()
    if s in ("", "*", "latest", "x", "X", "next") or s.lower() in ("latest", "next"):
        return False, f"{s or 'empty'!r} accepts any version"
    if s.startswith(("file:", "link:", "workspace:")):
        return True, "local package"
    if re.match(r"^(git\+|git:|github:|https?://)|^[\w-]+/[\w.-]+(#.*)?$", s):
        ok = bool(re.search(r"#(v?\d[\w.]*|[0-9a-f]{7,40})$", s))
        return ok, "git/URL pinned to a ref" if ok else "git/URL dependency without a pinned ref"
    if "||" in s:
        parts = [npm_style_constrained(p) for p in s.split("||")]
        ok = all(p[0] for p in parts)
        return ok, "every alternative constrained" if ok else "an alternative is unconstrained"
    if re.search(r"(^|[\s.=<>^~v])[xX*](\.|$|\s)", s):
        major_wild = re.match(r"^[\^~=v\s]*[xX*]", s)
        if major_wild:
            return False, f"{s!r} accepts any major version"
        return True, "x-range within a major version"
    if re.match(r"^[\^~]", s):
        return True, "caret/tilde range"
    if re.match(r"^=?v?\d+(\.\d+){0,2}([-+][\w.]+)?$", s):
        return True, "exact version"
    if " - " in s:
        return True, "hyphen range with an upper bound"
    ops = re.findall(r"(<=|>=|<|>|==|=|~=|!=)", s)
    if ops:
        if any(op in ("==", "=") for op in ops) or "~=" in ops:
            return True, "exact pin" if "~=" not in ops else "compatible release (~=)"
        if any(op in ("<", "<=") for op in ops):
            return True, "range with an upper bound"
        return False, "lower bound only: any future major version is accepted"
    return False, f"unrecognised version {s!r}"


def parse_package_json(text: str, file: str) -> list[Dependency]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    lines = text.splitlines()
    out = []
    for table in ("dependencies", "devDependencies", "optionalDependencies"):
        deps = data.get(table)
        if not isinstance(deps, dict):
            continue
        table_line = next((i for i, text in enumerate(lines, 1) if f'"{table}"' in text), 1)
        for name, spec in deps.items():
            line = next((i for i in range(table_line, len(lines) + 1) if f'"{name}"' in lines[i - 1]), table_line)
            ok, reason = npm_style_constrained(str(spec))
            out.append(Dependency(name.lower(), str(spec), file, line, lines[line - 1].strip() if lines else "",
                                  ok, reason, "node"))
    return out


def parse_go_mod(text: str, file: str) -> list[Dependency]:
    """go.mod requirements are always versioned (Go's minimal version selection); go.sum is the lock."""
    out = []
    in_block = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if line.startswith("require ("):
            in_block = True
            continue
        if in_block and line == ")":
            in_block = False
            continue
        m = re.match(r"^(?:require\s+)?(\S+)\s+(v\S+)$", line) if (in_block or line.startswith("require ")) else None
        if m:
            out.append(Dependency(m.group(1).lower(), m.group(2), file, lineno, raw.strip(), True,
                                  "go modules are always versioned", "go"))
    return out


def parse_manifest(path: str, text: str, read: Callable[[str], str | None] | None = None) -> list[Dependency] | None:
    """Dependencies declared in one manifest; None when the format is not one we parse."""
    name = path.rsplit("/", 1)[-1]
    if is_requirements_file(name):
        return parse_requirements(text, path, read)
    if name == "pyproject.toml":
        return parse_pyproject(text, path)
    if name == "Pipfile":
        return parse_pipfile(text, path)
    if name == "package.json":
        return parse_package_json(text, path)
    if name == "go.mod":
        return parse_go_mod(text, path)
    return None


def lock_files_for(manifest: str, lock_files: list[str]) -> list[str]:
    """Lock files of the manifest's ecosystem in the manifest's folder or an ancestor (workspace roots)."""
    eco = ecosystem_of(manifest)
    if eco is None:
        return []
    folder = manifest.rsplit("/", 1)[0] if "/" in manifest else ""
    out = []
    for lock in lock_files:
        lock_folder, lock_name = (lock.rsplit("/", 1) if "/" in lock else ("", lock))
        if lock_name in LOCKS_FOR[eco] and (lock_folder == "" or folder == lock_folder
                                            or folder.startswith(lock_folder + "/")):
            out.append(lock)
    return out
