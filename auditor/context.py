"""What a check sees: the repository, the inventory, every engine's findings and the collectors' data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from auditor.engines.base import EngineRun
from auditor.inventory import Inventory
from auditor.model import PRACTICE, VIOLATION, Finding
from auditor.repo import Repository


class Unavailable(Exception):
    """Raised inside a check when data it needs could not be gathered: the item becomes `unknown`.

    `error`: the data is missing because an analysis failed (crashed, timed out), not because the item
    cannot be judged here (an unsupported language): such an `unknown` fails the gate unless allowed."""

    def __init__(self, message: str, error: bool = False):
        super().__init__(message)
        self.error = error


T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    """The typed name of one collector's data. Defined beside the collector that fills it
    (`ENDPOINTS: Key[EndpointInventory] = Key("endpoints")` in auditor/collectors/endpoints.py), so a check's
    `ctx.get(ENDPOINTS)` is an EndpointInventory to an editor and to mypy, and go-to-definition leads from
    the check to the collector."""
    name: str


@dataclass
class AuditContext:
    repo: Repository
    inventory: Inventory
    engines: dict[str, EngineRun] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    collected: dict[str, Any] = field(default_factory=dict)
    collector_errors: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    suppressed: list[dict[str, Any]] = field(default_factory=list)   # every suppression, for the report
    warnings: list[str] = field(default_factory=list)   # audit-level notes for summary.warnings (a refused cache)

    def get(self, key: Key[T]) -> T:
        """A collector's data; raises Unavailable with the reason when that collector failed or did not run."""
        name = key.name
        if name in self.collector_errors:
            raise Unavailable(f"the {name} analysis failed: {self.collector_errors[name]}", error=True)
        if name not in self.collected:
            raise Unavailable(f"the {name} analysis did not run")
        return self.collected[name]

    def get_optional(self, key: Key[T]) -> T | None:
        """A collector's data, or None when it failed or did not run (the caller says what it misses)."""
        return self.collected.get(key.name)

    def error_of(self, key: Key[Any]) -> str | None:
        """Why a collector failed, or None."""
        return self.collector_errors.get(key.name)

    def findings_for(self, item_id: str, kind: str | None = None, engines: tuple[str, ...] | None = None) -> list[Finding]:
        return [f for f in self.findings
                if f.item_id == item_id
                and (kind is None or f.kind == kind)
                and (engines is None or f.evidence.engine in engines)]

    def violations(self, item_id: str) -> list[Finding]:
        return self.findings_for(item_id, VIOLATION)

    def practices(self, item_id: str) -> list[Finding]:
        return self.findings_for(item_id, PRACTICE)

    def engine_problem(self, *names: str) -> str | None:
        """Why one of these engines gave no usable result, or None when all ran."""
        for name in names:
            run = self.engines.get(name)
            if run is None:
                return f"{name} did not run"
            if run.status != "ok":
                return f"{name} {run.status}: {run.error}" if run.error else f"{name} {run.status}"
        return None

    def require_engines(self, *names: str) -> None:
        problem = self.engine_problem(*names)
        if problem:
            raise Unavailable(problem)
