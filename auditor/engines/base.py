from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from auditor.model import Finding

OK, FAILED, MISSING, TIMEOUT, SKIPPED = "ok", "failed", "missing", "timeout", "skipped"


@dataclass
class EngineRun:
    name: str
    status: str = OK
    version: str | None = None
    duration_s: float = 0.0
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    scanned_files: int | None = None
    messages: list[str] = field(default_factory=list)   # non-fatal engine errors (a file it could not parse)
    cache: dict | None = None   # with a findings cache: {"reused": files, "rescanned": files} (not in the report)

    def to_json(self) -> dict:
        return {
            "name": self.name, "version": self.version, "status": self.status,
            "duration_s": round(self.duration_s, 3), "error": self.error,
            "findings": len(self.findings), "scanned_files": self.scanned_files,
            "messages": self.messages[:50],
        }


def locate_executable(name: str, env_var: str) -> str | None:
    """AUDITOR_<ENGINE> when set; else the one beside the running Python (a venv's bin/); else PATH."""
    override = os.environ.get(env_var)
    if override:
        return override
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)
