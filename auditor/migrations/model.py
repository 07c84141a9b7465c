"""One parsed migration and the rollback classes (contract for the migrations table of the report)."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.migrations.operations import Operation
from auditor.model import ParseProblem  # noqa: F401  (re-exported: the readers' problem type)

# Rollback classes, from the issue: each migration gets exactly one.
MISSING = "missing"                    # no rollback at all
EMPTY = "empty"                        # a rollback with only comments, docstrings, pass, autogenerate markers
NOOP = "noop"                          # declared no-op (RunPython.noop, reverse_sql=RunSQL.noop)
IRREVERSIBLE = "irreversible"          # declared irreversible: raises (with or without a reason)
IRREVERSIBLE_BY_NATURE = "irreversible_by_nature"   # forward drops data; no rollback can bring it back
VERIFIED = "verified"                  # the rollback's operations undo the forward ones (replayed)
MISMATCHED = "mismatched"              # the rollback does not return the schema to where it was
UNVERIFIABLE = "unverifiable"          # opaque code or SQL on either side
ROLLBACK_CLASSES = (MISSING, EMPTY, NOOP, IRREVERSIBLE, IRREVERSIBLE_BY_NATURE, VERIFIED, MISMATCHED, UNVERIFIABLE)


@dataclass
class Migration:
    system: str                         # alembic, django, golang-migrate, flyway, dbmate, sql-migrate, rails, knex, prisma
    version: str                        # revision id, number prefix, timestamp, Django name
    name: str
    file: str
    line: int | None = 1
    folder: str = ""                    # the migration folder (or Django app) the version is unique within
    app: str | None = None              # Django app label
    dependencies: list[str] = field(default_factory=list)   # alembic down_revision(s), django "app.name"
    replaces: list[str] = field(default_factory=list)       # Django squashed migrations
    initial: bool = False               # Django `initial = True`: creates an app's tables on a fresh database
    forward: list[Operation] = field(default_factory=list)
    rollback: list[Operation] = field(default_factory=list)
    rollback_file: str | None = None
    rollback_line: int | None = None
    has_rollback: bool = False          # a rollback exists (function, file, section, reverse argument)
    rollback_empty: bool = False        # it exists but does nothing
    rollback_raises: bool = False       # it raises (declared irreversible)
    irreversible_reason: str | None = None
    rollback_noop: bool = False         # declared no-op
    noop_acceptable: bool = False       # the no-op undoes a pure data change (nothing in the schema to undo)
    auto_reversed: bool = False         # the framework derives the rollback itself (Django, Rails `change`)
    rollback_class: str | None = None   # one of ROLLBACK_CLASSES, set by classify
    rollback_note: str = ""
    rollback_correct: bool | None = None   # True verified, False mismatched, None not decidable
    mismatch: list[str] = field(default_factory=list)      # what the rollback got wrong
    mismatch_evidence: list[tuple[str, int | None, str]] = field(default_factory=list)  # (file, line, message)
    documented: bool = False
    doc: str = ""
    documented_by: str = ""             # "name": a Django migration whose descriptive name states its purpose
    dangerous: list[tuple[Operation, str]] = field(default_factory=list)   # (operation, why)
    problems: list[ParseProblem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.folder}:{self.version}"

    @property
    def opaque(self) -> bool:
        return any(op.opaque for op in self.forward + self.rollback)

    def to_json_row(self) -> dict:
        return {
            "system": self.system, "version": self.version, "name": self.name, "file": self.file,
            "line": self.line, "rollback_file": self.rollback_file,
            "reversible": self.rollback_class, "rollback_correct": self.rollback_correct,
            "rollback_note": self.rollback_note,
            "dangerous_operations": [f"{op.describe()} ({why}) at {op.file}:{op.line}" for op, why in self.dangerous],
            "documented": self.documented,
            "dependencies": self.dependencies,
            "operations": len(self.forward), "parse_problems": [p.to_json() for p in self.problems],
        }
