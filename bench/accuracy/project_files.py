"""The labelled projects: one YAML file per project under `projects/`, loaded and checked.

The file format is shared with every helper who labels projects, so it is checked strictly here: a
typo in an item id or a verdict would otherwise silently drop a label from the score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECTS_DIR = Path(__file__).resolve().parent / "projects"

# The contract item ids of /work/shared/DESIGN.md, including those the catalog does not score yet.
ITEM_IDS = frozenset("""
SEC-INPUT-VALIDATION SEC-SQLI SEC-XSS SEC-CSRF SEC-AUTHN SEC-AUTHZ SEC-RATE-LIMIT SEC-SENSITIVE-LOGGING
SEC-SECRETS SEC-HTTPS SEC-CRYPTO SEC-SESSION SEC-INJECTION SEC-DEBUG
MIG-PRESENT MIG-REVERSIBLE MIG-ROLLBACK-CORRECT MIG-NAMING MIG-DOCUMENTED MIG-IMMUTABLE MIG-DANGEROUS-OPS
MIG-TESTED
DB-FK-INDEX DB-CONSTRAINTS DB-DATA-TYPES DB-TRANSACTIONS DB-QUERY-OPTIMIZATION DB-NORMALIZATION
API-REST-SEMANTICS API-VERSIONING API-DOCS API-PAGINATION API-FILTERING API-ERROR-FORMAT API-RATE-LIMIT
REL-TIMEOUTS REL-RETRY REL-CIRCUIT-BREAKER REL-IDEMPOTENCY REL-BULKHEAD REL-HEALTH REL-GRACEFUL-DEGRADATION
REL-ERROR-HANDLING
PERF-N-PLUS-1 PERF-CACHING PERF-ASYNC PERF-POOLING PERF-COMPRESSION PERF-CDN
QA-TESTS QA-COVERAGE QA-CONFIG QA-DEPENDENCIES QA-AUDIT-LOG QA-LAYERING QA-DOCS QA-LOAD-TESTS
SEC-SSRF SEC-HEADERS SEC-DATA-AT-REST SEC-WEBHOOKS DB-CONCURRENCY MIG-SCHEMA-SYNC REL-OBSERVABILITY
""".split())

EXPECTATIONS = ("pass", "fail", "not_applicable")
KINDS = ("production", "vulnerable")
REQUIRED = ("slug", "repo", "commit", "kind", "stack", "subdir", "labelled_by", "notes", "labels")
_WHERE = re.compile(r"^[^:\s][^:]*:\d+(-\d+)?$")


class ProjectError(ValueError):
    """A project file that does not follow the format; the message names the file and the field."""


@dataclass(frozen=True)
class Label:
    item: str
    expect: str
    reason: str
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    slug: str
    repo: str
    commit: str
    kind: str
    stack: tuple[str, ...]
    subdir: str
    notes: str
    labels: dict[str, Label] = field(default_factory=dict)
    path: Path | None = None


def parse_project(data: object, source: str) -> Project:
    """Checks one project document and returns it; every problem is a ProjectError naming `source`."""
    def bad(message: str) -> ProjectError:
        return ProjectError(f"{source}: {message}")

    if not isinstance(data, dict):
        raise bad("the document must be a mapping")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise bad(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED))
    if unknown:
        raise bad(f"unknown field(s): {', '.join(unknown)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(data["slug"])):
        raise bad(f"slug {data['slug']!r} must be lower-case letters, digits and dashes")
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", str(data["repo"])):
        raise bad(f"repo {data['repo']!r} must be owner/name")
    if not re.fullmatch(r"[0-9a-f]{40}", str(data["commit"])):
        raise bad("commit must be 40 lower-case hex digits")
    if data["kind"] not in KINDS:
        raise bad(f"kind must be one of {', '.join(KINDS)}")
    if not isinstance(data["stack"], list) or not data["stack"]:
        raise bad("stack must be a non-empty list")
    subdir = str(data["subdir"] or "")
    if subdir.startswith("/") or ".." in Path(subdir).parts:
        raise bad("subdir must be a relative folder inside the repository")
    if data["labels"] is None:  # a project whose labelling has just begun
        data = {**data, "labels": {}}
    if not isinstance(data["labels"], dict):
        raise bad("labels must be a mapping of item id to label")
    labels = {}
    for item, body in data["labels"].items():
        if item not in ITEM_IDS:
            raise bad(f"label {item!r} is not an item id of DESIGN.md")
        if not isinstance(body, dict) or body.get("expect") not in EXPECTATIONS:
            raise bad(f"{item}: expect must be one of {', '.join(EXPECTATIONS)}")
        extra = sorted(set(body) - {"expect", "reason", "where"})
        if extra:
            raise bad(f"{item}: unknown field(s) {', '.join(extra)}")
        reason = str(body.get("reason") or "").strip()
        if not reason:
            raise bad(f"{item}: a label needs a reason")
        where = body.get("where") or []
        if not isinstance(where, list) or not all(isinstance(w, str) and _WHERE.match(w) for w in where):
            raise bad(f"{item}: where must be a list of 'file:line' strings")
        if body["expect"] == "fail" and not where:
            raise bad(f"{item}: a fail label needs the file:line of its evidence in where")
        labels[item] = Label(item, body["expect"], reason, tuple(where))
    return Project(slug=data["slug"], repo=data["repo"], commit=data["commit"], kind=data["kind"],
                   stack=tuple(map(str, data["stack"])), subdir=subdir, notes=str(data["notes"]),
                   labels=labels)


def load_project(path: Path) -> Project:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"{path}: cannot be read as YAML ({exc.__class__.__name__})") from None
    project = parse_project(data, str(path))
    if project.slug != path.stem:
        raise ProjectError(f"{path}: slug {project.slug!r} differs from the file name")
    return Project(**{**project.__dict__, "path": path})


def load_projects(directory: Path = PROJECTS_DIR, only: set[str] | None = None) -> list[Project]:
    """Every project file in `directory` (sorted by slug), or the ones named in `only`."""
    projects = [load_project(path) for path in sorted(directory.glob("*.yml"))]
    if only:
        unknown = only - {p.slug for p in projects}
        if unknown:
            raise ProjectError(f"no project file for: {', '.join(sorted(unknown))}")
        projects = [p for p in projects if p.slug in only]
    return projects
