"""fleet.json: one run of the fleet, aggregated from the database (schema: auditor/schema/fleet.schema.json).

`targets` (contract): one entry per target with `target`, `status` (ok | error), `score`, `grade`, `error`
and `report`, the path of its report.json (absolute, so it opens from anywhere; the HTML links relatively).
"""
from __future__ import annotations

import statistics
from pathlib import Path

from auditor import __version__
from auditor.catalog import load_catalog
from auditor.fleet.store import FleetStore, now
from auditor.model import VERDICTS
from auditor.render.common import severity_rank

FLEET_SCHEMA_VERSION = "1.0"
GRADES = ("A", "B", "C", "D", "F")
TREND_RUNS = 20


def fleet_document(store: FleetStore, run_id: int, out_dir: Path) -> dict:
    run = store.run(run_id)
    rows = store.query(
        "SELECT t.*, (SELECT p.score FROM targets p WHERE p.target = t.target AND p.run_id < t.run_id "
        "AND p.status = 'ok' ORDER BY p.run_id DESC LIMIT 1) AS previous_score "
        "FROM targets t WHERE t.run_id = ? ORDER BY t.target", (run_id,))
    targets = [_target_entry(row, out_dir) for row in rows]
    return {
        "schema_version": FLEET_SCHEMA_VERSION,
        "tool": {"name": "backend-auditor", "version": __version__},
        "generated_at": now(),
        "run": {"id": run["run_id"], "started_at": run["started_at"], "finished_at": run["finished_at"],
                "complete": bool(run["complete"]), "workers": run["workers"], "scheduler": run["scheduler"],
                "targets_source": run["targets_source"]},
        "summary": _summary(targets),
        "targets": targets,
        "teams": _teams(targets),
        "items": item_counts(store, run_id),
        "trend": trend(store, run_id),
    }


def _target_entry(row, out_dir: Path) -> dict:
    report = (out_dir / row["report_path"]).resolve() if row["status"] == "ok" and row["report_path"] else None
    html = report.with_name("report.html") if report else None
    return {
        "target": row["target"], "team": row["team"], "ref": row["ref"], "status": row["status"],
        "score": row["score"], "grade": row["grade"], "error": row["error"],
        "report": str(report) if report else None,
        "report_html": str(html) if html and html.is_file() else None,
        "commit": row["commit_sha"], "branch": row["branch"],
        "gate_passed": None if row["gate_passed"] is None else bool(row["gate_passed"]),
        "reused": bool(row["reused"]), "audited_at": row["audited_at"], "duration_s": row["duration_s"],
        "previous_score": row["previous_score"], "worker": row["worker"],
    }


def _summary(targets: list[dict]) -> dict:
    ok = [t for t in targets if t["status"] == "ok"]
    scores = [t["score"] for t in ok if t["score"] is not None]
    return {
        "targets": len(targets),
        "ok": len(ok),
        "error": len(targets) - len(ok),
        "audited": sum(1 for t in ok if not t["reused"]),
        "reused": sum(1 for t in ok if t["reused"]),
        "gate_passed": sum(1 for t in ok if t["gate_passed"]),
        "mean_score": round(statistics.fmean(scores), 1) if scores else None,
        "median_score": round(statistics.median(scores), 1) if scores else None,
        "grades": grade_counts(ok),
    }


def grade_counts(targets: list[dict]) -> dict[str, int]:
    counts = {g: 0 for g in GRADES}
    for t in targets:
        if t["grade"] in counts:
            counts[t["grade"]] += 1
    return counts


def _teams(targets: list[dict]) -> list[dict]:
    by_team: dict[str | None, list[dict]] = {}
    for t in targets:
        by_team.setdefault(t["team"], []).append(t)
    out = []
    for team, members in by_team.items():
        ok = [t for t in members if t["status"] == "ok"]
        scores = [t["score"] for t in ok if t["score"] is not None]
        out.append({"team": team, "targets": len(members), "ok": len(ok), "error": len(members) - len(ok),
                    "mean_score": round(statistics.fmean(scores), 1) if scores else None,
                    "grades": grade_counts(ok)})
    return sorted(out, key=lambda t: (t["mean_score"] is None, t["mean_score"] or 0, t["team"] or ""))


def item_counts(store: FleetStore, run_id: int) -> list[dict]:
    """Per checklist item, how many targets got each verdict; the items failing most first."""
    catalog = load_catalog().by_id
    counts: dict[str, dict] = {}
    for row in store.query("SELECT item_id, category, severity, verdict, count(*) AS n FROM items "
                           "WHERE run_id = ? GROUP BY item_id, category, severity, verdict", (run_id,)):
        entry = counts.setdefault(row["item_id"], {
            "id": row["item_id"], "title": catalog[row["item_id"]].title if row["item_id"] in catalog else "",
            "category": row["category"], "severity": row["severity"], **{v: 0 for v in VERDICTS}})
        entry[row["verdict"]] = entry.get(row["verdict"], 0) + row["n"]
    for entry in counts.values():
        judged = sum(entry[v] for v in ("pass", "partial", "fail", "unknown"))
        entry["failing_share"] = round(entry["fail"] / judged, 3) if judged else None
    return sorted(counts.values(), key=lambda e: (-e["fail"], severity_rank(e["severity"]), -e["partial"],
                                                  -e["unknown"], e["id"]))


def trend(store: FleetStore, up_to_run: int) -> list[dict]:
    """The last runs up to this one, oldest first: targets, errors and the mean score of each."""
    rows = store.query(
        "SELECT r.run_id, r.started_at, r.complete, count(t.target) AS targets, "
        "coalesce(sum(t.status = 'ok'), 0) AS ok, coalesce(sum(t.status = 'error'), 0) AS error, "
        "avg(t.score) AS mean_score FROM runs r LEFT JOIN targets t ON t.run_id = r.run_id "
        "WHERE r.run_id <= ? GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT ?", (up_to_run, TREND_RUNS))
    return [{"run_id": r["run_id"], "started_at": r["started_at"], "complete": bool(r["complete"]),
             "targets": r["targets"], "ok": r["ok"], "error": r["error"],
             "mean_score": None if r["mean_score"] is None else round(r["mean_score"], 1)} for r in reversed(rows)]


def heatmap(store: FleetStore, run_id: int) -> dict[str, dict[str, str]]:
    """target -> item id -> verdict, for the run."""
    cells: dict[str, dict[str, str]] = {}
    for row in store.query("SELECT target, item_id, verdict FROM items WHERE run_id = ?", (run_id,)):
        cells.setdefault(row["target"], {})[row["item_id"]] = row["verdict"]
    return cells
