"""An evidence's data flow (report evidence `flow`: source, calls, sink) as every format shows it.

The report carries the steps (auditor.model.FlowStep.to_json); this module only reads them. The one-line
form is the same in Markdown, the terminal and JUnit:

    request.args -> items.py:28 -> db.py:24 execute

the source by what it reads (its label), each call, return or assignment by where it happens, the sink by
where and what it calls. A file is named by its base name unless two files of the flow share it, then by
its path; the step at the evidence's own place (usually the sink) is named by its full path, because the
one line then replaces the evidence's location: no format shows that place twice.
"""
from __future__ import annotations

from pathlib import PurePosixPath

FLOW_STEPS = ("source", "call", "return", "assign", "sink")
ARROW = " -> "


def flow_steps(evidence: dict) -> list[dict]:
    """The evidence's flow steps that name a file, normalised: file, line (int or None), snippet, step, label
    (the report writes the step's text as `note`, DESIGN.md's name; `label` is read too)."""
    steps = []
    for raw in evidence.get("flow") or []:
        if not isinstance(raw, dict) or not raw.get("file"):
            continue
        line = raw.get("line")
        step = raw.get("step")
        steps.append({"file": str(raw["file"]), "line": line if isinstance(line, int) and line >= 1 else None,
                      "snippet": str(raw.get("snippet") or ""), "step": step if step in FLOW_STEPS else "call",
                      "label": str(raw.get("note") or raw.get("label") or "")})
    return steps


def step_location(step: dict) -> str:
    """file:line of a step (the file alone when it has no line)."""
    return f"{step['file']}:{step['line']}" if step.get("line") else step["file"]


def _short_names(steps: list[dict]) -> dict[str, str]:
    """Each file of the flow by its base name, or by its path when another file of the flow shares the name."""
    files = list(dict.fromkeys(s["file"] for s in steps))
    bases = [PurePosixPath(f).name or f for f in files]
    return {f: (b if bases.count(b) == 1 else f) for f, b in zip(files, bases)}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def flow_line(evidence: dict) -> str:
    """The flow on one line (see the module docstring), or "" when the evidence has no flow."""
    steps = flow_steps(evidence)
    names = _short_names(steps)
    place = (evidence.get("file"), evidence.get("line"))
    pieces: list[str] = []
    for step in steps:
        name = step["file"] if (step["file"], step["line"]) == place else names[step["file"]]
        where = name + (f":{step['line']}" if step["line"] else "")
        label = _one_line(step["label"])
        if step["step"] == "source":
            piece = label or where
        elif step["step"] == "sink":
            piece = f"{where} {label}" if label else where
        else:
            piece = where
        if not pieces or pieces[-1] != piece:
            pieces.append(piece)
    return ARROW.join(pieces)


def passes_through_evidence(evidence: dict) -> bool:
    """True when one step of the flow is the evidence's own place (its file and line), so the flow line
    already says where the evidence is."""
    place = (evidence.get("file"), evidence.get("line"))
    return any((s["file"], s["line"]) == place for s in flow_steps(evidence))
