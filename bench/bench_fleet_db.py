"""Benchmark: the fleet database, SQLite against DuckDB, for what `auditor fleet` does with it (issue 20).

Writes RUNS runs of TARGETS targets into the fleet's own schema (auditor/fleet/store.py: per target 1 target
row, about 60 item rows and VIOLATIONS violation rows), then times the queries the scorecard and a team
run: the mean score per team and run, the items failing most in the last run, and failures per item and
run (the trend). SQLite is written the way the fleet writes it (row inserts, one transaction per target);
DuckDB both that way and in bulk (COPY from CSV, its fast path without pandas or pyarrow). Needs
`pip install duckdb` for the DuckDB rows; SQLite's are printed either way.

    /work/venv/bin/python bench/bench_fleet_db.py [--targets 5000] [--runs 4] [--violations 40]
"""
from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.fleet.store import SCHEMA  # noqa: E402

QUERIES = {
    "mean score per team and run": "SELECT run_id, team, avg(score) FROM targets GROUP BY 1, 2 ORDER BY 1, 2",
    "items failing most, last run": "SELECT item_id, count(*) FROM items WHERE run_id = (SELECT max(run_id) FROM runs) "
                                    "AND verdict = 'fail' GROUP BY item_id ORDER BY 2 DESC LIMIT 15",
    "failures per item and run": "SELECT run_id, item_id, sum(CASE WHEN verdict = 'fail' THEN 1 ELSE 0 END) "
                                 "FROM items GROUP BY 1, 2 ORDER BY 1, 2",
}
VERDICTS = ("pass", "fail", "partial", "unknown", "not_applicable")


def run_rows(run: int, targets: int, violations: int, rng: random.Random):
    for t in range(targets):
        name = f"https://git.example.com/org/service-{t:05d}.git"
        target = (run, name, f"team-{t % 25}", None, "ok", 0, f"{t:040x}", "main", rng.uniform(10, 95), "C", 0,
                  None, f"targets/{t}/report.json", "k", "2026-01-01T00:00:00Z", "0.1.0", 12.0, "w", 300.0, 200.0)
        items = [(run, name, f"ITEM-{i:02d}", "security", "high", rng.choice(VERDICTS), rng.randint(0, 10), 1)
                 for i in range(60)]
        found = [(run, name, f"ITEM-{rng.randrange(60):02d}", f"src/m{v}.py", v, "rule", "semgrep", f"{v:032x}",
                  None, "a message of some length about the violation") for v in range(violations)]
        yield target, items, found


def sqlite_bench(path: Path, args) -> tuple[float, dict]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")   # as FleetStore
    db.executescript(SCHEMA)
    rng, spent = random.Random(1), 0.0
    for run in range(1, args.runs + 1):
        db.execute("INSERT INTO runs (run_id, started_at, tool_version) VALUES (?, 'x', 'x')", (run,))
        for target, items, found in run_rows(run, args.targets, args.violations, rng):
            started = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute(f"INSERT INTO targets VALUES ({','.join('?' * len(target))})", target)
            db.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?,?)", items)
            db.executemany("INSERT INTO violations VALUES (?,?,?,?,?,?,?,?,?,?)", found)
            db.execute("COMMIT")
            spent += time.perf_counter() - started
    return spent / args.runs, _queries(db)


def duckdb_bench(path: Path, args, bulk: bool) -> tuple[float, dict]:
    import duckdb
    db = duckdb.connect(str(path))
    for statement in SCHEMA.split(";"):
        if statement.strip() and "meta" not in statement:
            db.execute(statement.replace("WITHOUT ROWID", ""))   # SQLite's storage option, not DuckDB's
    rng, spent = random.Random(1), 0.0
    for run in range(1, args.runs + 1):
        db.execute("INSERT INTO runs (run_id, started_at, tool_version) VALUES (?, 'x', 'x')", (run,))
        rows = list(run_rows(run, args.targets if bulk else max(1, args.targets // 50), args.violations, rng))
        started = time.perf_counter()
        if bulk:
            for index, table in enumerate(("targets", "items", "violations")):
                with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
                    writer = csv.writer(handle)
                    for row in rows:
                        writer.writerows([row[0]] if index == 0 else row[index])
                db.execute(f"COPY {table} FROM '{handle.name}' (HEADER false)")
                Path(handle.name).unlink()
        else:
            for target, items, found in rows:
                db.execute("BEGIN")
                db.execute(f"INSERT INTO targets VALUES ({','.join('?' * len(target))})", target)
                db.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?,?)", items)
                db.executemany("INSERT INTO violations VALUES (?,?,?,?,?,?,?,?,?,?)", found)
                db.execute("COMMIT")
        spent += (time.perf_counter() - started) * (1 if bulk else args.targets / len(rows))
    return spent / args.runs, _queries(db) if bulk else {}


def _queries(db) -> dict:
    out = {}
    for name, sql in QUERIES.items():
        started = time.perf_counter()
        db.execute(sql).fetchall()
        out[name] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--violations", type=int, default=40)
    args = parser.parse_args()
    rows_per_run = args.targets * (1 + 60 + args.violations)
    print(f"{args.targets} targets x {args.runs} runs, {rows_per_run:,} rows a run")
    with tempfile.TemporaryDirectory() as tmp:
        engines = [("sqlite, row inserts (as the fleet writes)", lambda p: sqlite_bench(p, args), "db.sqlite")]
        try:
            import duckdb  # noqa: F401
            engines += [("duckdb, row inserts (extrapolated from 1/50)", lambda p: duckdb_bench(p, args, False), "a.duckdb"),
                        ("duckdb, bulk COPY from CSV", lambda p: duckdb_bench(p, args, True), "b.duckdb")]
        except ImportError:
            print("duckdb is not installed: SQLite only")
        for label, fn, name in engines:
            write, queries = fn(Path(tmp) / name)
            size = (Path(tmp) / name).stat().st_size / 2**20
            shown = ", ".join(f"{q} {s * 1000:.0f} ms" for q, s in queries.items())
            print(f"{label}: write {write:.2f} s a run; file {size:.1f} MB" + (f"; {shown}" if shown else ""))


if __name__ == "__main__":
    main()
