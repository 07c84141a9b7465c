"""`auditor fleet` on a real Dask LocalCluster (two worker processes) over local bare git repositories built
from the fixture apps: a target that cannot be cloned, one whose audit fails, a worker killed mid-audit, a
resumed run that audits only the target that changed, and the command line's contract (outputs, exit codes).

One cluster and one first run for the whole module: the engines are real, so audits are the cost.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, run_cli

distributed = pytest.importorskip("distributed")

from auditor.fleet.cluster import dask_client  # noqa: E402
from auditor.fleet.runner import FleetSettings, run_fleet  # noqa: E402
from auditor.fleet.targets import load_targets  # noqa: E402

FLEET_SCHEMA = ROOT / "auditor" / "schema" / "fleet.schema.json"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def bare_repository(source: Path, root: Path, name: str) -> Path:
    """A bare repository whose one commit holds `source`'s files; its work tree stays at root/name-work."""
    work = root / f"{name}-work"
    shutil.copytree(source, work)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    git("clone", "-q", "--bare", str(work), str(root / f"{name}.git"), cwd=root)
    return root / f"{name}.git"


def push_change(bare: Path, root: Path, name: str) -> None:
    work = root / f"{name}-work"
    (work / "CHANGELOG.md").write_text("a change since the first run\n")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "change", cwd=work)
    git("push", "-q", str(bare), "main", cwd=work)


@pytest.fixture(scope="module")
def fleet_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    bare_repository(FIXTURES / "apps" / "flask-noncompliant", root, "shop")
    bare_repository(FIXTURES / "apps" / "express-noncompliant", root, "web")
    broken = root / "broken-src"
    broken.mkdir()
    (broken / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (broken / ".auditor.toml").write_text('fail_under = "high"\n')   # the audit stops: a malformed config
    bare_repository(broken, root, "broken")
    (root / "targets.txt").write_text(
        "# the organisation\n"
        "shop.git  payments\n"
        "web.git   storefront\n"
        "broken.git storefront\n"
        f"{(root / 'missing.git').as_uri()}  payments   # never created: the clone fails\n")
    return root


@pytest.fixture(scope="module")
def client():
    """The module's one cluster, started by the fleet's own code: a LocalCluster of two worker processes."""
    with dask_client(2, None, "2GiB") as dask:
        yield dask


def kill_worker_mid_audit(dask, name: str, killed: dict) -> None:
    """Wait until the task of target `name` runs on a worker, then kill that worker's process (SIGKILL)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for address, keys in dask.processing().items():
            if any(name in str(key) for key in keys):
                pid = dask.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)
                killed.update(address=address, pid=pid)
                return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def first_run(fleet_root, client):
    out = fleet_root / "out"
    killed: dict = {}
    killer = threading.Thread(target=kill_worker_mid_audit, args=(client, "shop.git", killed), daemon=True)
    killer.start()
    targets = load_targets(fleet_root / "targets.txt")
    outcome = run_fleet(targets, FleetSettings(out, "targets.txt", scheduler=client.scheduler.address))
    killer.join(timeout=5)
    from auditor.fleet.render import write_fleet_outputs
    doc = write_fleet_outputs(out, outcome.run_id)
    snapshot = {name: (out / name).read_text() for name in ("fleet.json", "fleet.md", "fleet.html")}
    return {"out": out, "outcome": outcome, "doc": doc, "files": snapshot, "killed": killed,
            "rows": _rows(out, outcome.run_id)}


def _rows(out: Path, run_id: int) -> dict:
    import sqlite3
    db = sqlite3.connect(out / "fleet.sqlite")
    try:
        return {
            "targets": db.execute("SELECT target, status, reused, score, error, report_path, worker, commit_sha "
                                  "FROM targets WHERE run_id = ?", (run_id,)).fetchall(),
            "items": dict(db.execute("SELECT target, count(*) FROM items WHERE run_id = ? GROUP BY target",
                                     (run_id,)).fetchall()),
            "violations": dict(db.execute("SELECT target, count(*) FROM violations WHERE run_id = ? GROUP BY target",
                                          (run_id,)).fetchall()),
        }
    finally:
        db.close()


def by_target(doc: dict) -> dict[str, dict]:
    return {t["target"]: t for t in doc["targets"]}


def test_a_worker_killed_mid_audit_still_gives_every_target_exactly_one_result(first_run):
    killed = first_run["killed"]
    assert killed, "the test never saw shop.git running on a worker to kill it"
    rows = first_run["rows"]["targets"]
    names = [r[0] for r in rows]
    assert sorted(names) == sorted(["shop.git", "web.git", "broken.git", (first_run["out"].parent / "missing.git").as_uri()])
    assert len(set(names)) == len(names) == len(first_run["doc"]["targets"])
    shop = next(r for r in rows if r[0] == "shop.git")
    assert shop[1] == "ok", shop
    assert not shop[6].endswith(f":{killed['pid']}"), "shop.git's result must come from the retry, not the killed process"
    assert first_run["outcome"].complete
    leftovers = [p for p in (first_run["out"] / "targets").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_target_that_cannot_be_cloned_is_recorded_and_the_rest_go_on(first_run):
    entries = by_target(first_run["doc"])
    missing = entries[(first_run["out"].parent / "missing.git").as_uri()]
    assert missing["status"] == "error" and missing["error"].startswith("cannot clone")
    assert missing["score"] is None and missing["grade"] is None and missing["report"] is None
    assert entries["web.git"]["status"] == "ok" and entries["shop.git"]["status"] == "ok"


def test_a_target_whose_audit_fails_is_recorded_with_its_error(first_run):
    broken = by_target(first_run["doc"])["broken.git"]
    assert broken["status"] == "error"
    assert ".auditor.toml" in broken["error"] and "fail_under" in broken["error"]
    assert broken["team"] == "storefront"


def test_fleet_json_follows_its_schema_and_the_contract(first_run):
    import jsonschema
    doc = json.loads(first_run["files"]["fleet.json"])
    jsonschema.validate(doc, json.loads(FLEET_SCHEMA.read_text()))
    for entry in doc["targets"]:
        assert {"target", "status", "score", "grade", "error", "report"} <= set(entry)
        assert entry["status"] in ("ok", "error")
        if entry["status"] == "ok":
            report = json.loads(Path(entry["report"]).read_text())
            assert report["summary"]["score"] == entry["score"] and report["summary"]["grade"] == entry["grade"]
            assert Path(entry["report_html"]).is_file()
    assert doc["summary"] == {**doc["summary"], "targets": 4, "ok": 2, "error": 2, "audited": 2, "reused": 0}
    assert {t["team"] for t in doc["teams"]} == {"payments", "storefront"}


def test_each_report_is_the_one_auditor_audit_writes(first_run, fleet_root):
    """Same pipeline, config rules and JSON report: compare with the real command on the same URL."""
    url = (fleet_root / "web.git").as_uri()
    cli = run_cli("audit", url, "--format", "json", "--output", "-")
    assert cli.returncode == 1, cli.stderr          # the fixture fails the gate
    expected = json.loads(cli.stdout)
    got = json.loads(Path(by_target(first_run["doc"])["web.git"]["report"]).read_text())
    assert got["repository"] == expected["repository"]
    assert got["summary"]["score"] == expected["summary"]["score"]
    assert got["summary"]["gate"] == expected["summary"]["gate"]
    assert [(i["id"], i["verdict"], i["score"], len(i["evidence"])) for i in got["items"]] == \
           [(i["id"], i["verdict"], i["score"], len(i["evidence"])) for i in expected["items"]]


def test_the_database_holds_every_verdict_and_violation_of_the_reports(first_run):
    rows = first_run["rows"]
    for entry in first_run["doc"]["targets"]:
        if entry["status"] != "ok":
            assert entry["target"] not in rows["items"]
            continue
        report = json.loads(Path(entry["report"]).read_text())
        assert rows["items"][entry["target"]] == len(report["items"])
        violations = sum(1 for i in report["items"] for e in i["evidence"] if e["kind"] == "violation")
        assert violations > 0 and rows["violations"][entry["target"]] == violations
    commits = {r[0]: r[7] for r in rows["targets"]}
    assert len(commits["shop.git"]) == 40


def test_markdown_and_html_summaries(first_run):
    md, html = first_run["files"]["fleet.md"], first_run["files"]["fleet.html"]
    assert "**4 targets**" in md and "**2 not audited**" in md and "broken.git" in md
    assert "| shop.git | payments |" in md
    assert "http://" not in html and "https://" not in html      # no external request
    assert html.count('data-status="error"') == 2


@pytest.fixture(scope="module")
def resumed_run(first_run, fleet_root, client):
    """The command line again on the same folder after a push to web.git: only web.git is audited again."""
    push_change(fleet_root / "web.git", fleet_root, "web")
    out = first_run["out"]
    result = run_cli("fleet", str(fleet_root / "targets.txt"), "--output", str(out),
                     "--scheduler", client.scheduler.address)
    return {"cli": result, "doc": json.loads((out / "fleet.json").read_text()), "out": out}


def test_a_resumed_run_audits_only_the_changed_target(resumed_run, first_run):
    assert resumed_run["cli"].returncode == 1, resumed_run["cli"].stderr    # two targets still cannot be audited
    entries = by_target(resumed_run["doc"])
    assert resumed_run["doc"]["run"]["id"] == first_run["outcome"].run_id + 1
    assert entries["shop.git"]["reused"] is True and entries["shop.git"]["status"] == "ok"
    assert entries["web.git"]["reused"] is False and entries["web.git"]["status"] == "ok"
    assert entries["web.git"]["commit"] != by_target(first_run["doc"])["web.git"]["commit"]
    assert entries["shop.git"]["report"] == by_target(first_run["doc"])["shop.git"]["report"]
    assert "unchanged  shop.git" in resumed_run["cli"].stderr
    assert "audited    web.git" in resumed_run["cli"].stderr
    rows = _rows(resumed_run["out"], resumed_run["doc"]["run"]["id"])
    assert rows["items"]["shop.git"] == first_run["rows"]["items"]["shop.git"]   # the trend sees every target
    assert len(resumed_run["doc"]["trend"]) == 2


def test_exit_0_when_every_target_was_audited_and_report_and_export_commands(resumed_run, fleet_root, client, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(resumed_run["out"], out)
    only_shop = fleet_root / "only-shop.yml"     # shop.git as the first run named it: unchanged, not audited again
    only_shop.write_text("targets:\n  - target: shop.git\n    team: payments\n")
    result = run_cli("fleet", "run", str(only_shop), "--output", str(out), "--scheduler", client.scheduler.address)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "fleet.json").read_text())["summary"]
    assert summary["error"] == 0 and summary["reused"] == 1
    (out / "fleet.html").unlink()
    assert run_cli("fleet", "report", str(out), "--run", "1").returncode == 0
    assert json.loads((out / "fleet.json").read_text())["run"]["id"] == 1 and (out / "fleet.html").is_file()
    exported = run_cli("fleet", "export", str(out))
    assert exported.returncode == 0, exported.stderr
    header = (out / "export" / "items.csv").read_text().splitlines()[0]
    assert header.startswith("run_id,target,item_id,category,severity,verdict")


@pytest.mark.parametrize("args, message", [
    (["fleet", "no-such-targets.txt"], "targets not found"),
    (["fleet", "{bad}", "--output", "{tmp}/o"], "expected `TARGET[@REF] [TEAM]`"),
    (["fleet", "{good}", "--output", "{tmp}/o", "--scheduler", "nonsense://nowhere"], "cannot reach the Dask scheduler"),
    (["fleet", "report", "{tmp}"], "no fleet database"),
    (["fleet", "{good}", "--workers", "0"], "--workers"),
])
def test_usage_errors_are_one_line_and_exit_2(args, message, tmp_path):
    (tmp_path / "bad.txt").write_text("a b c d\n")
    (tmp_path / "good.txt").write_text("somewhere\n")
    args = [a.format(bad=tmp_path / "bad.txt", good=tmp_path / "good.txt", tmp=tmp_path) for a in args]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_an_interrupted_run_keeps_what_finished_and_says_it_is_incomplete(client, tmp_path):
    (tmp_path / "t.txt").write_text("".join(f"{(tmp_path / f'gone-{n}.git').as_uri()}\n" for n in range(3)))

    def interrupt(done, total, result):
        raise KeyboardInterrupt   # as Ctrl-C arriving while the first result is recorded

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_fleet(load_targets(tmp_path / "t.txt"), FleetSettings(out, "t.txt", scheduler=client.scheduler.address),
                  interrupt)
    from auditor.fleet.render import write_fleet_outputs
    doc = write_fleet_outputs(out)
    assert doc["run"]["complete"] is False and doc["summary"]["targets"] == 1
    assert "Incomplete run" in (out / "fleet.html").read_text() and "**Incomplete run**" in (out / "fleet.md").read_text()
