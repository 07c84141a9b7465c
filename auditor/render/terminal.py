"""Terminal summary: overall score and grade, category scores, failing items with their top evidence."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

VERDICT_STYLE = {"pass": "green", "partial": "yellow", "fail": "bold red", "unknown": "magenta",
                 "not_applicable": "dim", "manual": "cyan"}
GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}
TOP_EVIDENCE = 3


def print_summary(report: dict, console: Console) -> None:
    summary = report["summary"]
    repo = report["repository"]
    score = "n/a" if summary["score"] is None else f"{summary['score']:g}/100"
    head = Text.assemble(("backend-auditor ", "bold"), f"{report['tool']['version']}  ",
                         (repo["path"], "dim"))
    console.print(head)
    if repo.get("commit"):
        console.print(Text(f"commit {repo['commit'][:12]} on {repo.get('branch') or '(detached)'}"
                           + (" (uncommitted changes)" if repo.get("dirty") else ""), style="dim"))
    for warning in _warnings(report):
        console.print(Text(f"! {warning}", style="bold magenta"))
    console.print(Text.assemble("Score ", (score, "bold"), "   Grade ",
                                (summary["grade"], GRADE_STYLE.get(summary["grade"], "bold"))))
    if summary.get("grade_capped_by"):
        console.print(Text(f"grade capped by failed critical item(s): {', '.join(summary['grade_capped_by'])}", style="red"))

    cats = Table(title="Categories", title_justify="left", show_edge=False, pad_edge=False)
    cats.add_column("category")
    cats.add_column("score", justify="right")
    cats.add_column("verdicts")
    items_by_id = {i["id"]: i for i in report["items"]}
    for cat in report["categories"]:
        if not cat["items"]:
            continue
        counts: dict[str, int] = {}
        for item_id in cat["items"]:
            v = items_by_id[item_id]["verdict"]
            counts[v] = counts.get(v, 0) + 1
        verdicts = Text(" ").join(Text(f"{n} {v}", style=VERDICT_STYLE[v]) for v, n in sorted(counts.items()))
        cats.add_row(cat["title"], "—" if cat["score"] is None else f"{cat['score']:g}", verdicts)
    console.print(cats)

    failing = [i for i in report["items"] if i["verdict"] in ("fail", "partial")]
    if failing:
        console.print(Text("Failing and partial items", style="bold"))
    for item in failing:
        console.print(Text.assemble((f"{item['verdict'].upper():8}", VERDICT_STYLE[item["verdict"]]),
                                    f" {item['id']} ", (f"[{item['severity']}] ", "dim"), item["title"]))
        console.print(Text(f"         {item['rationale']}", style="dim"))
        violations = [e for e in item["evidence"] if e.get("kind", "violation") == "violation"]
        for ev in violations[:TOP_EVIDENCE]:
            where = f"{ev['file']}:{ev['line']}" if ev.get("line") else ev["file"]
            code = (ev.get("snippet") or "").strip().splitlines()
            console.print(Text.assemble("         ", (where, "bold"), "  ", (code[0][:100] if code else "", "")))
        if len(violations) > TOP_EVIDENCE:
            console.print(Text(f"         … and {len(violations) - TOP_EVIDENCE} more (see the JSON or HTML report)", style="dim"))
    unknown = [i for i in report["items"] if i["verdict"] == "unknown"]
    if unknown:
        console.print(Text(f"{len(unknown)} item(s) unknown: {', '.join(i['id'] for i in unknown)}", style="magenta"))
    if report.get("services"):
        print_services(report, console)
    gate = summary["gate"]
    if gate["passed"]:
        console.print(Text("Gate: passed", style="bold green"))
    else:
        console.print(Text("Gate: FAILED", style="bold red"))
        for reason in gate["reasons"]:
            console.print(Text(f"  - {reason}", style="red"))


def _warnings(report: dict) -> list[str]:
    """summary.warnings (engines that failed first); older reports without it: their failed engines."""
    warnings = report["summary"].get("warnings")
    if warnings is not None:
        return list(warnings)
    return [f"{e['name']} {e['status']}: {e.get('error') or ''} — its items are unknown"
            for e in report.get("engines", []) if e.get("status") != "ok"]


def print_services(report: dict, console: Console) -> None:
    """--per-service: one row per service, its overall score and grade, gate and per-category scores."""
    categories = [c for c in report["categories"] if c["items"]]
    table = Table(title="Services", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("service", "score", "grade", "gate", "fail"):
        table.add_column(name, justify="right" if name in ("score", "fail") else "left")
    for cat in categories:
        table.add_column(cat.get("title", cat["id"])[:12], justify="right")
    for svc in report["services"]:
        s = svc["summary"]
        by_id = {c["id"]: c["score"] for c in svc["categories"]}
        table.add_row(svc["path"], "n/a" if s["score"] is None else f"{s['score']:g}",
                      Text(s["grade"], GRADE_STYLE.get(s["grade"], "bold")),
                      Text("passed", "green") if s["gate"]["passed"] else Text("FAILED", "red"),
                      str(s.get("verdicts", {}).get("fail", 0)),
                      *("—" if by_id.get(c["id"]) is None else f"{by_id[c['id']]:g}" for c in categories))
    console.print(table)
