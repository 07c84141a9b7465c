"""Endpoint inventory: every route of the scanned application with what protects it.

One module per framework reads routes without importing or running the code (Python `ast`, a small
JavaScript/Go reader). `extract_endpoints(repo, inventory)` runs the extractors that apply and returns
an `EndpointInventory`: the endpoints sorted by (path, method), the frameworks found whose routes we
cannot read (with the reason) and the app-wide protections each extractor understood.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.model import Endpoint

# frameworks the inventory detects but whose routes no extractor reads
UNSUPPORTED_REASONS = {
    "starlette": "Starlette Route() tables are not read",
    "koa": "Koa routers are not read",
    "nestjs": "NestJS controller decorators are not read",
    "spring": "Spring controllers (Java) are not read",
    "rails": "Rails routes (Ruby) are not read",
}


@dataclass
class EndpointInventory:
    endpoints: list[Endpoint] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    global_protections: dict[str, Any] = field(default_factory=dict)
    frameworks: list[str] = field(default_factory=list)     # frameworks whose routes were extracted

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoints": [e.to_json() for e in self.endpoints],
            "unsupported": self.unsupported,
            "global_protections": self.global_protections,
            "frameworks": self.frameworks,
        }


def extract_endpoints(repo, inventory) -> EndpointInventory:
    from auditor.endpoints import aiohttp, django, express, fastapi, flask, go
    from auditor.endpoints.pyast import PyProject

    names = inventory.framework_names
    result = EndpointInventory()
    python = None
    if names & {"flask", "fastapi", "django", "drf", "aiohttp"}:
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
    if "express" in names:
        runs.append(("express", lambda: express.extract(repo)))
    if names & {"go-nethttp", "gin", "chi", "gorilla-mux"}:
        runs.append(("go", lambda: go.extract(repo)))
    for name, run in runs:
        endpoints, protections = run()
        result.endpoints.extend(endpoints)
        result.frameworks.append(name)
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
    return result
