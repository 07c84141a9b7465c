"""Endpoint inventory: every route of the scanned application with what protects it.

One module per framework reads routes without importing or running the code (Python `ast`, a small
JavaScript/Go reader). `extract_endpoints(repo, inventory)` runs the extractors that apply and returns
an `EndpointInventory`: the endpoints sorted by (path, method), the frameworks found whose routes we
cannot read (with the reason), the app-wide protections each extractor understood, and the route
registrations it saw but could not attach to an application (`unattached`, file:line), summed up in
`warnings` for the report's summary. `gap()` tells the endpoint items whether the inventory is too
incomplete to judge on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.model import Endpoint

# frameworks the inventory detects but whose routes no extractor reads
UNSUPPORTED_REASONS = {
    "starlette": "Starlette Route() tables are not read",
    "spring": "Spring controllers (Java) are not read",
    "rails": "Rails routes (Ruby) are not read",
}
MAX_FILES_NAMED = 5


@dataclass
class EndpointInventory:
    endpoints: list[Endpoint] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    global_protections: dict[str, Any] = field(default_factory=dict)
    frameworks: list[str] = field(default_factory=list)     # frameworks whose routes were extracted
    unattached: list[str] = field(default_factory=list)     # "file:line" of route calls that produced no endpoint
    notes: list[str] = field(default_factory=list)          # skipped surfaces (development-only routers, ...)
    declared: list[str] = field(default_factory=list)       # with no endpoint: "file:line" of the route declarations seen

    @property
    def warnings(self) -> list[str]:
        """One line each for the report's summary: how many routes were read and what was left out."""
        if self.frameworks and not self.endpoints:
            return [f"{self.no_endpoints_reason()}: the items judged per endpoint are unknown"]
        if not self.unattached:
            return []
        frameworks = ", ".join(self.frameworks) or "no framework"
        return [f"endpoints: {len(self.endpoints)} ({frameworks}); {self.unattached_summary()}"]

    def unattached_summary(self) -> str:
        counts: dict[str, int] = {}
        for loc in self.unattached:
            counts[loc.rsplit(":", 1)[0]] = counts.get(loc.rsplit(":", 1)[0], 0) + 1
        files = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        named = ", ".join(f"{path} ({n})" for path, n in files[:MAX_FILES_NAMED])
        more = f" and {len(files) - MAX_FILES_NAMED} more file(s)" if len(files) > MAX_FILES_NAMED else ""
        return (f"{len(self.unattached)} route registration call(s) not attached to an application and not "
                f"counted: {named}{more}")

    def no_endpoints_reason(self, frameworks: str = "") -> str:
        """Why a repository with a web framework has no endpoint, plainly: its route declarations were found
        but none could be resolved, or none was found at all."""
        names = frameworks or ", ".join(self.frameworks) or "a web framework"
        if self.declared:
            files = sorted({loc.rsplit(":", 1)[0] for loc in self.declared})
            named = ", ".join(files[:MAX_FILES_NAMED]) + (f" and {len(files) - MAX_FILES_NAMED} more" if len(files) > MAX_FILES_NAMED else "")
            return (f"{names}: {len(self.declared)} route declaration(s) found ({named}) but none could be resolved "
                    "to an endpoint (for example a path prefix computed at run time, or a layout the extractors do "
                    "not read)")
        return (f"{names} detected but no route declaration was found (routes declared dynamically or in a layout "
                "the extractors do not read)")

    def gap(self) -> tuple[bool, str]:
        """(blocking, text). Blocking when more route calls were left out than endpoints extracted: an
        endpoint item judged on that inventory would be judged on the wrong surface."""
        if not self.unattached:
            return False, ""
        return len(self.unattached) > len(self.endpoints), self.unattached_summary()

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoints": [e.to_json() for e in self.endpoints],
            "unsupported": self.unsupported,
            "global_protections": self.global_protections,
            "frameworks": self.frameworks,
            "unattached": self.unattached,
            "notes": self.notes,
            "warnings": self.warnings,
            "declared": self.declared,
        }


def extract_endpoints(repo, inventory) -> EndpointInventory:
    from auditor.endpoints import (
        aiohttp,
        connexion,
        django,
        express,
        fastapi,
        flask,
        go,
        koa,
        nestjs,
        routing_controllers,
    )
    from auditor.endpoints.openapi_spec import SpecError
    from auditor.endpoints.pyast import PyProject

    names = inventory.framework_names
    result = EndpointInventory()
    python = None
    if names & {"flask", "fastapi", "django", "drf", "aiohttp", "connexion"}:
        from auditor.inventory import TEST_FILE
        python = PyProject(repo, [p for p in repo.paths(language="python") if not TEST_FILE.search(p)])
    runs = []
    if "flask" in names:
        runs.append(("flask", lambda: flask.extract(python)))
    if "fastapi" in names:
        runs.append(("fastapi", lambda: fastapi.extract(python)))
    if names & {"django", "drf"}:
        runs.append(("django", lambda: django.extract(python)))
    if "aiohttp" in names:
        runs.append(("aiohttp", lambda: aiohttp.extract(python)))
    if "connexion" in names:
        runs.append(("connexion", lambda: connexion.extract(python)))
    if "express" in names:
        runs.append(("express", lambda: express.extract(repo)))
    if "koa" in names:
        runs.append(("koa", lambda: koa.extract(repo)))
    if "nestjs" in names:
        runs.append(("nestjs", lambda: nestjs.extract(repo)))
    if "routing-controllers" in names:
        runs.append(("routing-controllers", lambda: routing_controllers.extract(repo)))
    if names & {"go-nethttp", "gin", "chi", "gorilla-mux", "echo", "ozzo-routing", "httprouter"}:
        runs.append(("go", lambda: go.extract(repo)))
    from auditor.endpoints import graphql
    runs.append(("graphql", lambda: (graphql.endpoints(repo), {})))
    unattached: list[str] = []
    for name, run in runs:
        try:
            endpoints, protections = run()
        except SpecError as exc:
            # an API document that is missing or does not parse: its framework unread, with the reason
            result.unsupported.append(f"{name}: {exc}")
            continue
        except (RecursionError, ValueError, SyntaxError, LookupError, AttributeError, TypeError) as exc:
            # one reader's defect on an unforeseen shape leaves its framework unread (the endpoint items say
            # unknown), not the other frameworks' endpoints
            result.unsupported.append(f"{name}: its route reader failed on this repository "
                                      f"({type(exc).__name__}: {str(exc)[:120]})")
            continue
        if name == "graphql" and not endpoints:
            continue   # no GraphQL server: not a framework of this repository
        result.endpoints.extend(endpoints)
        result.frameworks.append(name)
        unattached += protections.pop("_unattached", []) if protections else []
        result.notes += protections.pop("_notes", []) if protections else []
        if protections:
            result.global_protections[name] = protections
    for name in sorted(names):
        if name in UNSUPPORTED_REASONS:
            result.unsupported.append(f"{name}: {UNSUPPORTED_REASONS[name]}")
    seen = set()
    unique = []
    for ep in sorted(result.endpoints, key=lambda e: (e.path, e.method, e.file, e.line)):
        key = (ep.method, ep.path, ep.file, ep.line, ep.handler)
        if key not in seen:
            seen.add(key)
            unique.append(ep)
    result.endpoints = unique
    from auditor.endpoints.classify import is_development_only
    development = [ep for ep in unique if is_development_only(ep)]
    if development:
        result.notes.append(f"{len(development)} endpoint(s) registered only under a development guard "
                            "(marked 'development only', left out of SEC-AUTHN)")
    from auditor.endpoints.unattached import unattached_routes
    unattached += unattached_routes(repo, unique, python=python is not None, javascript=bool(names & {"express", "koa"}))
    result.unattached = sorted(set(unattached), key=lambda loc: (loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1])))
    if result.frameworks and not unique:
        from auditor.endpoints.unattached import django_route_declarations
        declared = set(result.unattached)
        if "django" in result.frameworks:
            declared.update(django_route_declarations(repo))
        result.declared = sorted(declared, key=lambda loc: (loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1])))
    return result
