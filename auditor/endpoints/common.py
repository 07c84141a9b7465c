"""Shared pieces of the route extractors: path joining and normalisation, recording protections.

Paths are normalised to one parameter syntax, `{name}` (OpenAPI's), whatever the framework wrote:
Flask `<int:id>`, Django `<int:pk>` and `(?P<pk>...)`, Express `:id` all become `{id}` / `{pk}`.
"""
from __future__ import annotations

import re

from auditor.model import Endpoint

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

_ANGLE_PARAM = re.compile(r"<(?:[^:<>]+:)?([A-Za-z_][\w]*)>")
_REGEX_GROUP = re.compile(r"\(\?P<([A-Za-z_]\w*)>(?:[^()]|\([^()]*\))*\)")
_COLON_PARAM = re.compile(r"(?<=/):([A-Za-z_]\w*)(?:\([^)]*\))?\??")
_GO_PARAM = re.compile(r"\{([A-Za-z_]\w*)(?::[^}]*)?\}")


def normalize_path(path: str, style: str = "") -> str:
    """One spelling for every framework: leading '/', parameters as {name}, no duplicate slashes."""
    p = path or ""
    if style == "regex":
        p = p.lstrip("^").rstrip("$")
        p = p.replace("\\Z", "")
        p = _REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", p)
        p = p.replace("\\.", ".").replace("\\-", "-")
    p = _ANGLE_PARAM.sub(lambda m: "{" + m.group(1) + "}", p)
    p = _COLON_PARAM.sub(lambda m: "{" + m.group(1) + "}", p)
    p = _GO_PARAM.sub(lambda m: "{" + m.group(1) + "}", p)
    if not p.startswith("/"):
        p = "/" + p
    p = re.sub(r"/{2,}", "/", p)
    return p


def join_paths(*parts: str) -> str:
    """Concatenate prefixes and a route path the way frameworks do ('/api' + '/users' = '/api/users')."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out.endswith("/") and part.startswith("/"):
            out += part[1:]
        elif out and not out.endswith("/") and not part.startswith("/"):
            out += "/" + part
        else:
            out += part
    return out or "/"


# a path prefix computed at run time (a variable, a config value): kept visible in the path, not dropped
UNRESOLVED = "{?}"


def has_path_params(path: str) -> bool:
    """A parameter segment (`{id}`); the unresolved-prefix marker `{?}` is not one."""
    return "{" in path.replace(UNRESOLVED, "")


def mark(ep: Endpoint, prop: str, value: bool | None, source: str | None = None) -> None:
    """Set one protection field; `source` says what provides it (or, when False, why it is missing)."""
    setattr(ep, prop, value)
    if source:
        if value:
            ep.protections.setdefault(prop, []).append(source)
        else:
            ep.notes.append(f"{prop}: {source}")


def where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file
