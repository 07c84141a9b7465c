"""The data every stage shares: findings and evidence, verdicts, endpoints, migrations.

Collectors produce raw data (findings from engines, endpoints, migrations); checks turn it into one
ItemResult per checklist item. Everything here is plain data with a `to_json()` for the reports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERDICTS = ("pass", "partial", "fail", "not_applicable", "unknown", "manual")
SEVERITIES = ("critical", "high", "medium", "low", "info")  # worst first
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
# a `fail` on a critical item caps the grade here (DESIGN.md: an A with a SQL injection is a lie)
CRITICAL_FAIL_GRADE_CAP = "D"

# A finding either shows a violation of the item or shows the practice in place (positive evidence).
VIOLATION = "violation"
PRACTICE = "practice"

# ItemResult.details flag: the item is `unknown` because an analysis failed (crashed, timed out, left a file
# unread), not because it cannot be judged here; such an item fails the gate unless the policy allows it
ANALYSIS_ERROR = "analysis_error"


FLOW_STEPS = ("source", "call", "return", "assign", "sink")


@dataclass(frozen=True)
class FlowStep:
    """One step of a data flow through the program: where request data enters (source), each
    same-repository call or return it passes through, and the sink that uses it. Shown with the
    evidence it belongs to (JSON `flow`, SARIF codeFlows, HTML, Markdown, terminal)."""

    file: str
    line: int | None
    snippet: str = ""
    step: str = "call"             # one of FLOW_STEPS
    label: str = ""                # short text: "request.args", "calls query(sql)", "cursor.execute"

    def to_json(self) -> dict[str, Any]:
        # DESIGN.md (contract): each step is {file, line, snippet, note}; `step` adds its kind
        return {"file": self.file, "line": self.line, "snippet": self.snippet, "note": self.label,
                "step": self.step}


@dataclass(frozen=True)
class Evidence:
    file: str                      # relative to the repository root, with '/'
    line: int | None               # 1-based; None for a whole-file or whole-repo fact
    snippet: str = ""
    end_line: int | None = None
    rule_id: str = ""
    engine: str = ""               # semgrep, bandit, ast, inventory, git, sqlglot, ...
    message: str = ""
    kind: str = VIOLATION          # VIOLATION or PRACTICE
    commit: str | None = None      # for evidence found in git history
    state: str | None = None       # None, or for gating: "new", "baselined", "existing" (outside the diff)
    flow: tuple[FlowStep, ...] = ()  # source -> calls -> sink, when the finding was reached through calls

    def to_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "snippet": self.snippet,
            "rule_id": self.rule_id,
            "engine": self.engine,
            "message": self.message,
            "kind": self.kind,
        }
        if self.commit:
            row["commit"] = self.commit
        if self.state:
            row["state"] = self.state
        if self.flow:
            row["flow"] = [step.to_json() for step in self.flow]
        return row


@dataclass(frozen=True)
class ParseProblem:
    """Something a reader (migrations, ORM models, SQL files) could not read, with where it is."""

    file: str
    line: int | None
    message: str

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Finding:
    """One normalised result from an engine or a probe, tied to a checklist item."""

    item_id: str
    evidence: Evidence
    severity: str = "medium"

    @property
    def kind(self) -> str:
        return self.evidence.kind

    @property
    def file(self) -> str:
        return self.evidence.file

    @property
    def line(self) -> int | None:
        return self.evidence.line


@dataclass
class ItemResult:
    """The verdict for one checklist item. `score` is filled in by scoring for pass/partial/fail/unknown."""

    item_id: str
    verdict: str
    rationale: str
    evidence: list[Evidence] = field(default_factory=list)
    score: int | None = None
    partial_score: int | None = None   # 1-9 proposed by a check for `partial`; scoring derives it otherwise
    details: dict[str, Any] = field(default_factory=dict)  # item-specific tables (counts, lists)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r} for {self.item_id}")


def partial_result(item_id: str, good: int, total: int, rationale: str,
                   evidence: list[Evidence], details: dict[str, Any] | None = None) -> ItemResult:
    """`good` of `total` places comply: pass when all do, fail when none do, partial in between (score 1-9)."""
    if total <= 0:
        raise ValueError("partial_result needs at least one place")
    if good >= total:
        verdict = "pass"
    elif good <= 0:
        verdict = "fail"
    else:
        verdict = "partial"
    score = max(1, min(9, round(10 * good / total))) if verdict == "partial" else None
    return ItemResult(item_id, verdict, rationale, evidence, partial_score=score, details=details or {})


@dataclass
class Endpoint:
    """One route of the scanned application. Protection fields: True/False when known, None when unknown."""

    method: str                    # GET, POST, ... ; "ANY" when the route accepts every method
    path: str                      # full path, prefixes applied, e.g. /api/v1/users/<id>
    handler: str                   # function or class.method name
    file: str
    line: int
    framework: str                 # flask, fastapi, django, drf, express, aiohttp, go-nethttp, gin, chi, gorilla
    authenticated: bool | None = None
    authorized: bool | None = None
    csrf_protected: bool | None = None   # None also when CSRF does not apply (see csrf_applies)
    csrf_applies: bool | None = None     # False for safe methods and for bearer-token APIs without cookies
    rate_limited: bool | None = None
    input_validated: bool | None = None
    paginated: bool | None = None
    protections: dict[str, list[str]] = field(default_factory=dict)  # property -> what provides it
    notes: list[str] = field(default_factory=list)

    @property
    def state_changing(self) -> bool:
        return self.method.upper() in ("POST", "PUT", "PATCH", "DELETE", "ANY")

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method, "path": self.path, "handler": self.handler,
            "file": self.file, "line": self.line, "framework": self.framework,
            "authenticated": self.authenticated, "authorized": self.authorized,
            "csrf_protected": self.csrf_protected, "csrf_applies": self.csrf_applies,
            "rate_limited": self.rate_limited, "input_validated": self.input_validated,
            "paginated": self.paginated, "protections": self.protections, "notes": self.notes,
        }
