"""SARIF 2.1.0 for code-scanning upload (GitHub, GitLab, Azure DevOps).

- One rule per checklist item: full description (the item's `description`, the catalog's rationale), help
  (its remediation), tags (category, its `cwe` and `owasp`) and `security-severity` from the item's severity,
  all read from the report (the renderer never loads the catalog).
- One result per violation: each `kind: violation` evidence of a `fail` or `partial` item. A failing item
  with no violation evidence (a required practice that is absent) gets one result without a location.
  Suppressed findings are listed as results carrying an in-source suppression with its reason.
- `partialFingerprints["auditor/v1"]` is content-based (item, engine rule, path, whitespace-normalised
  snippet, occurrence index among identical ones), never the line number: a finding keeps its identity
  when code above it moves, so code scanning does not close and reopen it.
- An evidence that carries a data flow (report evidence `flow`) gives its result one `codeFlows` entry: one
  thread flow whose locations are the steps, source first, each with its label as the message.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from urllib.parse import quote

from auditor.render.common import (
    clean_text,
    integrity_sections,
    location,
    problem_order,
    suppression_rows,
    violations,
)
from auditor.render.flow import flow_line, flow_steps

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "auditor/v1"
SRCROOT = "%SRCROOT%"
# GitHub reads security-severity as a CVSS-like number: >= 9 critical, 7-8.9 high, 4-6.9 medium, < 4 low
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SPACE = re.compile(r"\s+")
# a flow step's threadFlowLocation kinds (SARIF 2.1.0, 3.38.8) and importance
FLOW_KINDS = {"source": ["taint", "source"], "sink": ["taint", "sink"], "call": ["call"], "return": ["return"],
              "assign": ["taint"]}


def render_sarif(report: dict) -> str:
    return json.dumps(build_sarif(report), indent=2, ensure_ascii=False) + "\n"


def build_sarif(report: dict) -> dict:
    items = [row for row in report.get("items", []) if isinstance(row, dict)]
    rules = [_rule(row) for row in items]
    rule_index = {row["id"]: n for n, row in enumerate(items)}
    by_id = {row["id"]: row for row in items}
    results = []
    for row in items:
        if row.get("verdict") in ("fail", "partial"):
            results += _item_results(row, rule_index[row["id"]])
    results += _suppressed_results(report, by_id, rule_index)
    tool = report.get("tool") or {}
    summary = report.get("summary") or {}
    run = {
        "tool": {"driver": {
            "name": tool.get("name") or "backend-auditor",
            "version": str(tool.get("version") or "0"),
            "informationUri": "https://pypi.org/project/backend-auditor/",
            "rules": rules,
        }},
        "invocations": [_invocation(report, rule_index)],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "score": summary.get("score"), "grade": summary.get("grade"),
            "gate": summary.get("gate"), "commit": (report.get("repository") or {}).get("commit"),
        },
    }
    root = str((report.get("repository") or {}).get("path") or "")
    if root.startswith("/"):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": PurePosixPath(root).as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(row: dict) -> dict:
    """The item as a SARIF rule, from the report item alone: its `description` (the catalog's rationale; an
    older report without it: the verdict's rationale), `cwe` and `owasp` tags, remediation and severity."""
    cwe = [str(c) for c in row.get("cwe") or []]
    owasp = [str(o) for o in row.get("owasp") or []]
    rationale = row.get("description") or row.get("rationale", "")
    severity = row.get("severity", "medium")
    tags = [row.get("category", "")] + (["security"] if row.get("category") == "security" else [])
    tags += cwe + [f"external/cwe/{c.lower()}" for c in cwe] + [f"OWASP-{o}" for o in owasp]
    remediation = row.get("remediation", "")
    return {
        "id": row["id"],
        "name": "".join(word.capitalize() for word in re.findall(r"[A-Za-z0-9]+", row.get("title", row["id"]))),
        "shortDescription": {"text": clean_text(row.get("title") or row["id"])},
        "fullDescription": {"text": clean_text(rationale or row.get("title") or row["id"])},
        "help": {"text": clean_text(remediation or "See the checklist item."),
                 "markdown": clean_text(f"**{row.get('title', row['id'])}**\n\n{rationale}\n\n**Remediation:** {remediation}")},
        "defaultConfiguration": {"level": LEVEL.get(severity, "warning")},
        "properties": {
            "tags": list(dict.fromkeys(t for t in tags if t)),   # SARIF tags are a set
            "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
            "precision": {"automated": "high", "heuristic": "medium", "manual": "low"}.get(row.get("automation"), "medium"),
            "problem.severity": {"error": "error", "warning": "warning"}.get(LEVEL.get(severity), "recommendation"),
            "category": row.get("category"), "cwe": cwe, "owasp": owasp,
        },
    }


def normalised_snippet(snippet: str) -> str:
    return _SPACE.sub(" ", snippet or "").strip()


def fingerprint(item_id: str, rule_id: str, path: str, snippet: str, occurrence: int) -> str:
    key = "\x1f".join((item_id, rule_id or "", path or "", normalised_snippet(snippet), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _occurrences(evidence: list[dict]) -> list[int]:
    """Index of each evidence among those with the same rule, path and normalised snippet, in line order."""
    order = sorted(range(len(evidence)), key=lambda n: (evidence[n].get("line") or 0, n))
    seen: dict[tuple, int] = {}
    index = [0] * len(evidence)
    for n in order:
        e = evidence[n]
        group = (e.get("rule_id") or "", e.get("file") or "", normalised_snippet(e.get("snippet") or ""))
        index[n] = seen.get(group, 0)
        seen[group] = index[n] + 1
    return index


def _item_results(row: dict, rule_index: int) -> list[dict]:
    level = LEVEL.get(row.get("severity", "medium"), "warning")
    found = violations(row)
    if not found:
        if row.get("verdict") != "fail":
            return []
        return [{
            "ruleId": row["id"], "ruleIndex": rule_index, "level": level,
            "message": {"text": clean_text(f"{row.get('title', row['id'])}: {row.get('rationale', '')}")},
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(row["id"], "", "", "", 0)},
            "properties": {"verdict": row.get("verdict"), "scope": "repository"},
        }]
    results = []
    for e, occurrence in zip(found, _occurrences(found)):
        message = e.get("message") or row.get("rationale") or row.get("title", "")
        result = {
            "ruleId": row["id"], "ruleIndex": rule_index, "level": level,
            "message": {"text": clean_text(f"{row.get('title', row['id'])}: {message}")},
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(row["id"], e.get("rule_id", ""), e.get("file", ""),
                                                                 e.get("snippet", ""), occurrence)},
            "properties": {"verdict": row.get("verdict"), "engine": e.get("engine") or "",
                           "engineRuleId": e.get("rule_id") or ""},
        }
        location = _location(e)
        if location:
            result["locations"] = [location]
        code_flow = _code_flow(e)
        if code_flow:
            result["codeFlows"] = [code_flow]
        results.append(result)
    return results


def _location(e: dict) -> dict | None:
    path = e.get("file")
    if not path:
        return None
    physical: dict = {"artifactLocation": {"uri": quote(str(path), safe="/"), "uriBaseId": SRCROOT}}
    line = e.get("line")
    if isinstance(line, int) and line >= 1:
        end = e.get("end_line")
        region: dict = {"startLine": line}
        if isinstance(end, int) and end >= line:
            region["endLine"] = end
        if e.get("snippet"):
            region["snippet"] = {"text": clean_text(e["snippet"])}
        physical["region"] = region
    return {"physicalLocation": physical}


def _code_flow(e: dict) -> dict | None:
    """The evidence's flow as one SARIF codeFlow (one threadFlow, a location per step), or None."""
    locations = []
    for order, step in enumerate(flow_steps(e), 1):
        where = _location({"file": step["file"], "line": step["line"], "snippet": step["snippet"]}) or {}
        where["message"] = {"text": clean_text(step["label"] or step["step"])}
        locations.append({"location": where, "kinds": FLOW_KINDS[step["step"]], "executionOrder": order,
                          "importance": "essential" if step["step"] in ("source", "sink") else "important"})
    if not locations:
        return None
    return {"message": {"text": clean_text(flow_line(e))},
            "threadFlows": [{"locations": locations}]}


def _suppressed_results(report: dict, by_id: dict, rule_index: dict) -> list[dict]:
    """One result per finding an inline suppression (with a reason) removed, marked as suppressed in source."""
    found = [(m, row["reason"]) for row in suppression_rows(report) for m in row["matched"]
             if m.get("item") in rule_index]
    occurrences = _occurrences([{"rule_id": m.get("rule_id", ""), "file": m.get("file", ""),
                                 "snippet": m.get("snippet", ""), "line": m.get("line")} for m, _ in found])
    results = []
    for (m, reason), occurrence in zip(found, occurrences):
        item = by_id[m["item"]]
        result = {
            "ruleId": m["item"], "ruleIndex": rule_index[m["item"]],
            "level": LEVEL.get(item.get("severity", "medium"), "warning"),
            "message": {"text": clean_text(f"{item.get('title', m['item'])}: suppressed in source"
                                           + (f" ({reason})" if reason else ""))},
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(m["item"], m.get("rule_id", ""), m.get("file", ""),
                                                                 m.get("snippet", ""), occurrence)},
            "suppressions": [{"kind": "inSource", "justification": clean_text(reason)} if reason
                             else {"kind": "inSource"}],
            "properties": {"engineRuleId": m.get("rule_id") or ""},
        }
        location_ = _location({"file": m.get("file"), "line": m.get("line"), "snippet": m.get("snippet")})
        if location_:
            result["locations"] = [location_]
        results.append(result)
    return results


def _invocation(report: dict, rule_index: dict[str, int]) -> dict:
    engines = [e for e in report.get("engines") or [] if isinstance(e, dict)]
    notifications = []
    for e in engines:
        if e.get("status") != "ok":
            text = f"engine {e.get('name', '?')} {e.get('status', '?')}" + (f": {e['error']}" if e.get("error") else "")
            notifications.append({"level": "error", "message": {"text": clean_text(text)},
                                  "descriptor": {"id": f"engine/{e.get('name', 'unknown')}"}})
    failed_engines = bool(notifications)
    # every item that could not be analysed, next: it has no result, yet it may hide one
    for row in sorted((r for r in report.get("items") or [] if isinstance(r, dict) and r.get("verdict") == "unknown"),
                      key=problem_order):
        notifications.append({"level": "warning", "descriptor": {"id": "item-unknown"},
                              "associatedRule": {"id": row["id"], "index": rule_index[row["id"]]},
                              "message": {"text": clean_text(f"{row['id']} could not be analysed: {row.get('rationale') or ''}")}})
    invocation = {"executionSuccessful": not failed_engines, "toolExecutionNotifications": notifications,
                  "toolConfigurationNotifications": _suppression_problems(report) + _integrity_notes(report)}
    if report.get("generated_at"):
        invocation["endTimeUtc"] = report["generated_at"]
    return invocation


def _integrity_notes(report: dict) -> list[dict]:
    """The effective policy, skipped and non-production files, incomplete items (suppressions: above)."""
    return [{"level": "note", "descriptor": {"id": f"integrity/{heading.split()[0].lower()}"},
             "message": {"text": clean_text(f"{heading}: {line}")}}
            for heading, lines in integrity_sections(report) if not heading.startswith("Suppressions")
            for line in lines]


def _suppression_problems(report: dict) -> list[dict]:
    """Inline suppressions that suppress nothing (no reason, unknown item) are reported, never silently ignored."""
    notes = []
    for row in suppression_rows(report):
        if row["problem"]:
            note = {"level": "warning", "descriptor": {"id": "suppression"},
                    "message": {"text": clean_text(f"suppression at {location(row)}: {row['problem']}")}}
            where = _location({"file": row["file"], "line": row["line"]})
            if where:
                note["locations"] = [where]
            notes.append(note)
    return notes
