"""Packages a Dockerfile installs by name (`RUN pip install gunicorn pymysql`, `RUN npm install -g nodemon`):
dependencies of the image that no manifest declares, so their versions are only as constrained as the
command line says. Installs from a manifest (`pip install -r requirements.txt`, `npm install`, `npm ci`),
from local paths and wheels, and of the installers themselves (pip, setuptools, wheel) are left out.
"""
from __future__ import annotations

import re
import shlex

from auditor.probes.dependencies import Dependency, npm_style_constrained, python_spec_constrained

DOCKERFILE = re.compile(r"(^|/)(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.dockerfile$", re.I)
# images built for development only (Dockerfile-dev, Dockerfile.dev, dev.Dockerfile)
DEVELOPMENT = re.compile(r"[.-](dev|development|test|local)$|(^|/)(dev|test)\.dockerfile$", re.I)
PIP = re.compile(r"^(?:python\d?(?:\.\d+)?\s+-m\s+)?pip\d?(?:\.\d+)?\s+install\b")
NPM = re.compile(r"^(?:npm\s+(?:install|i|add)|yarn\s+(?:global\s+)?add|pnpm\s+(?:add|install|i))\b")
# options whose next word is their value, not a package
TAKES_VALUE = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "--src", "-t", "--target",
                         "--prefix", "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--root",
                         "--cache-dir", "--registry", "--prefix", "--omit", "--only", "--platform",
                         "--python-version", "--trusted-host"})
INSTALLERS = frozenset({"pip", "setuptools", "wheel", "pipenv", "poetry", "uv", "npm", "yarn", "pnpm", "corepack"})
PIP_VERSION = re.compile(r"(===|==|~=|!=|<=|>=|<|>)")


def is_production_dockerfile(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return bool(DOCKERFILE.search(path)) and not DEVELOPMENT.search(name)


def _run_commands(text: str) -> list[tuple[int, str]]:
    """(line, command) for each shell command of each RUN instruction, continuation lines joined."""
    out: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        joined = lines[i]
        while joined.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            joined = joined.rstrip()[:-1] + " " + lines[i]
        i += 1
        m = re.match(r"\s*RUN\s+(.*)", joined, re.I)
        if not m or m.group(1).lstrip().startswith("["):
            continue
        for command in re.split(r"&&|\|\||;|\|", m.group(1)):
            out.append((start + 1, command.strip()))
    return out


def _packages(words: list[str]) -> list[str]:
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in TAKES_VALUE
            continue
        if "/" in word or word.startswith((".", "$", "git+", "http")) or "*" in word or \
                word.endswith((".whl", ".tar.gz", ".zip")):
            continue
        out.append(word)
    return out


def dockerfile_installs(path: str, text: str) -> list[Dependency]:
    found: list[Dependency] = []
    for line, command in _run_commands(text):
        try:
            words = shlex.split(command)
        except ValueError:
            words = command.split()
        joined = " ".join(words)
        pip, npm = PIP.match(joined), NPM.match(joined)
        if not (pip or npm):
            continue
        rest = joined[(pip or npm).end():].split()
        for package in _packages(rest):
            if pip:
                name = re.split(r"[\[=<>!~;]", package, 1)[0]
                spec = package[len(name):]
                spec = re.sub(r"^\[[^\]]*\]", "", spec)
                ok, why = python_spec_constrained(spec) if PIP_VERSION.search(spec) else (False, "no version")
                ecosystem = "python"
            else:
                name, _, spec = package.rpartition("@") if package.rfind("@") > 0 else (package, "", "")
                ok, why = npm_style_constrained(spec) if spec else (False, "no version")
                ecosystem = "node"
            if name.lower() in INSTALLERS:
                continue
            found.append(Dependency(name, spec, path, line, command[:120], ok,
                                    f"installed by the Dockerfile: {why}", ecosystem))
    return found


FROM_LINE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)


def floating_base_images(text: str) -> list[tuple[int, str]]:
    """(line, image) of each FROM whose tag names no version (`python:slim`, `node`, `node:latest`, `alpine:edge`):
    the base image changes under the same Dockerfile. Digests, tags with a version number, earlier build stages,
    `scratch` and images chosen by a build argument are left out. Worth a note, not a failure on its own."""
    stages: set[str] = set()
    out: list[tuple[int, str]] = []
    for m in FROM_LINE.finditer(text):
        image, stage = m.group(1), m.group(2)
        if stage:
            stages.add(stage.lower())
        if "@" in image or "$" in image or image.lower() in stages or image.lower() == "scratch":
            continue
        name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
        if not re.search(r"\d", tag):
            out.append((text.count("\n", 0, m.start()) + 1, image))
    return out
