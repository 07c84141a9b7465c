"""Coverage thresholds configured and coverage reports present, read from file text.

Thresholds: coverage.py `fail_under` ([report] in .coveragerc, [coverage:report] in setup.cfg/tox.ini,
[tool.coverage.report] in pyproject.toml), pytest-cov `--cov-fail-under` and `coverage report --fail-under`
(pytest addopts, tox, CI files, Makefiles), smokeshow's SMOKESHOW_GITHUB_COVERAGE_THRESHOLD, jest `coverageThreshold` (jest.config.* or package.json), nyc `check-coverage` with
`lines`/`statements` (.nycrc, package.json), c8 `--check-coverage --lines`, Go `-coverprofile` gates are
rare and not read. Reports: Cobertura coverage.xml (line-rate), lcov.info (LF/LH), istanbul
coverage-final.json / coverage-summary.json.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from auditor.text import line_of

THRESHOLD = 80.0


@dataclass(frozen=True)
class CoverageFact:
    file: str
    line: int | None
    percent: float
    source: str       # "threshold" or "report"
    how: str          # e.g. "coverage.py fail_under", "jest coverageThreshold.global.lines"
    text: str = ""


def _line_text(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


FAIL_UNDER = re.compile(r"^\s*fail_under\s*[=:]\s*['\"]?(\d+(?:\.\d+)?)", re.M)
COV_FAIL_UNDER = re.compile(r"--cov-fail-under[=\s]+['\"]?(\d+(?:\.\d+)?)")
# `coverage report --fail-under=90` (coverage.py's command line, in CI files, Makefiles, tox, nox)
REPORT_FAIL_UNDER = re.compile(r"\bcoverage\b[^\n]*?(?<![\w-])--fail-under[=\s]+['\"]?(\d+(?:\.\d+)?)")
# smokeshow's GitHub status gate (SMOKESHOW_GITHUB_COVERAGE_THRESHOLD: 90)
SMOKESHOW_THRESHOLD = re.compile(r"SMOKESHOW_GITHUB_COVERAGE_THRESHOLD['\"]?\s*[:=]\s*['\"]?(\d+(?:\.\d+)?)")
C8_LINES = re.compile(r"(?:c8|nyc)\b[^\n]*--check-coverage[^\n]*--(?:lines|statements)[=\s]+(\d+(?:\.\d+)?)")
GO_COVER_GATE = re.compile(r"go tool cover[^\n]*\n?[^\n]*(?:-lt|<)\s*(\d+(?:\.\d+)?)")


def thresholds_in_text(path: str, text: str) -> list[CoverageFact]:
    """Every coverage threshold declared in one configuration, CI or build file."""
    name = path.rsplit("/", 1)[-1]
    out: list[CoverageFact] = []
    if name in (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml") or name.endswith(".toml"):
        for m in FAIL_UNDER.finditer(text):
            if name in ("setup.cfg", "tox.ini", "pyproject.toml") and not _in_coverage_section(text, m.start()):
                continue
            line = line_of(text, m.start())
            out.append(CoverageFact(path, line, float(m.group(1)), "threshold", "coverage.py fail_under",
                                    _line_text(text, line)))
    for m in COV_FAIL_UNDER.finditer(text):
        line = line_of(text, m.start())
        out.append(CoverageFact(path, line, float(m.group(1)), "threshold", "pytest-cov --cov-fail-under",
                                _line_text(text, line)))
    for m in REPORT_FAIL_UNDER.finditer(text):
        line = line_of(text, m.start(1))
        out.append(CoverageFact(path, line, float(m.group(1)), "threshold", "coverage report --fail-under",
                                _line_text(text, line)))
    for m in SMOKESHOW_THRESHOLD.finditer(text):
        line = line_of(text, m.start())
        out.append(CoverageFact(path, line, float(m.group(1)), "threshold", "smokeshow coverage threshold",
                                _line_text(text, line)))
    for m in C8_LINES.finditer(text):
        line = line_of(text, m.start())
        out.append(CoverageFact(path, line, float(m.group(1)), "threshold", "c8/nyc --check-coverage",
                                _line_text(text, line)))
    if name == "package.json" or name.startswith(("jest.config", ".nycrc")) or name in (".c8rc", ".c8rc.json"):
        out.extend(_js_thresholds(path, text, name))
    return out


def _in_coverage_section(text: str, offset: int) -> bool:
    header = None
    for m in re.finditer(r"^\s*\[([^\]]+)\]", text[:offset], re.M):
        header = m.group(1).strip()
    return header is not None and "coverage" in header


def _js_thresholds(path: str, text: str, name: str) -> list[CoverageFact]:
    out = []
    # jest: coverageThreshold: { global: { lines: 80, ... } } in JSON or JS object syntax
    block = re.search(r"[\"']?coverageThreshold[\"']?\s*:\s*\{", text)
    if block:
        body = text[block.end(): block.end() + 600]
        for key in ("lines", "statements", "branches", "functions"):
            m = re.search(rf"[\"']?{key}[\"']?\s*:\s*(\d+(?:\.\d+)?)", body)
            if m:
                line = line_of(text, block.end() + m.start())
                out.append(CoverageFact(path, line, float(m.group(1)), "threshold",
                                        f"jest coverageThreshold {key}", _line_text(text, line)))
                break
    # nyc / c8: "check-coverage": true with "lines": N (an .nycrc, or the "nyc" key of package.json)
    if name.startswith((".nycrc", ".c8rc")) or re.search(r"\"(nyc|c8)\"\s*:\s*\{", text):
        if re.search(r"[\"']?check-coverage[\"']?\s*:\s*true", text):
            m = re.search(r"[\"']?(lines|statements)[\"']?\s*:\s*(\d+(?:\.\d+)?)", text)
            if m:
                line = line_of(text, m.start())
                out.append(CoverageFact(path, line, float(m.group(2)), "threshold",
                                        f"nyc check-coverage {m.group(1)}", _line_text(text, line)))
    return out


def report_percent(path: str, text: str) -> CoverageFact | None:
    """Line coverage measured by a committed report (Cobertura XML, lcov, istanbul JSON)."""
    name = path.rsplit("/", 1)[-1]
    try:
        if name.endswith(".xml"):
            root = ET.fromstring(text)
            rate = root.get("line-rate")
            if root.tag == "coverage" and rate is not None:
                return CoverageFact(path, 1, round(float(rate) * 100, 1), "report", "Cobertura line-rate")
            if root.tag == "report":  # JaCoCo
                for counter in root.findall("counter"):
                    if counter.get("type") == "LINE":
                        missed, covered = int(counter.get("missed", 0)), int(counter.get("covered", 0))
                        if missed + covered:
                            return CoverageFact(path, 1, round(100 * covered / (missed + covered), 1),
                                                "report", "JaCoCo LINE counter")
            return None
        if name.endswith(".info"):
            found = sum(int(x) for x in re.findall(r"^LF:(\d+)", text, re.M))
            hit = sum(int(x) for x in re.findall(r"^LH:(\d+)", text, re.M))
            return CoverageFact(path, 1, round(100 * hit / found, 1), "report", "lcov LH/LF") if found else None
        if name.endswith(".json"):
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("total"), dict):  # coverage-summary.json
                pct = data["total"].get("lines", {}).get("pct")
                return CoverageFact(path, 1, float(pct), "report", "istanbul summary lines.pct") if pct is not None else None
            if isinstance(data, dict) and isinstance(data.get("totals"), dict):  # coverage.py json
                pct = data["totals"].get("percent_covered")
                return CoverageFact(path, 1, round(float(pct), 1), "report", "coverage.py JSON") if pct is not None else None
            if isinstance(data, dict):  # coverage-final.json: per file statement maps
                total = hit = 0
                for entry in data.values():
                    if isinstance(entry, dict) and isinstance(entry.get("s"), dict):
                        counts = list(entry["s"].values())
                        total += len(counts)
                        hit += sum(1 for c in counts if c)
                return CoverageFact(path, 1, round(100 * hit / total, 1), "report",
                                    "istanbul statements") if total else None
    except (ET.ParseError, ValueError, TypeError, AttributeError):
        return None
    return None


REPORT_NAMES = ("coverage.xml", "cobertura.xml", "cobertura-coverage.xml", "jacoco.xml", "lcov.info",
                "coverage-final.json", "coverage-summary.json", "coverage.json")
CONFIG_NAMES = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml", "package.json", "Makefile",
                "noxfile.py", ".gitlab-ci.yml", "azure-pipelines.yml", "Jenkinsfile", "bitbucket-pipelines.yml",
                ".travis.yml", "pytest.ini", "justfile", "Taskfile.yml")


def is_coverage_config_candidate(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (name in CONFIG_NAMES or name.startswith(("jest.config", ".nycrc", ".c8rc"))
            or path.startswith((".github/workflows/", ".circleci/")))


def is_report_candidate(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in REPORT_NAMES
