"""A missing, crashing, garbled or hung engine makes its items unknown, fails the gate, never passes.

Fakes are used here only to inject the faults, through the AUDITOR_SEMGREP / AUDITOR_BANDIT contract.
"""
import json
import time

import pytest

from helpers import item, run_cli, write_files

APP = {"app.py": "import os\nDEBUG = os.environ.get('DEBUG') == '1'\nprint(eval('1 + 1'))\n"}
SEMGREP_ITEMS = ("SEC-SQLI", "SEC-INJECTION", "SEC-DEBUG")


def fake_engine(tmp_path, name: str, body: str) -> str:
    script = tmp_path / f"fake-{name}"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def repo(tmp_path):
    return write_files(tmp_path / "repo", APP)


@pytest.mark.parametrize("body, status, words", [
    (None, "missing", "not-installed"),
    ("echo 'semgrep: fatal: out of memory' >&2; exit 3", "failed", "out of memory"),
    ("echo '{\"results\": [oops'; exit 0", "failed", "no valid JSON"),
    ("sleep 30", "timeout", "time limit"),
])
def test_broken_semgrep_makes_its_items_unknown_and_fails_the_gate(repo, tmp_path, body, status, words):
    exe = str(tmp_path / "not-installed") if body is None else fake_engine(tmp_path, "semgrep", body)
    started = time.monotonic()
    result = run_cli("audit", str(repo), "--format", "json", "--output", "-", "--engine-timeout", "3",
                     env={"AUDITOR_SEMGREP": exe})
    assert time.monotonic() - started < 25, "a hung engine must be stopped at the time limit"
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    semgrep = next(e for e in report["engines"] if e["name"] == "semgrep")
    assert semgrep["status"] == status
    assert words in semgrep["error"]
    for item_id in SEMGREP_ITEMS:
        row = item(report, item_id)
        assert row["verdict"] == "unknown", (item_id, row)
        assert "semgrep" in row["rationale"]
    assert any("semgrep" in r and "--allow-unknown" in r for r in report["summary"]["gate"]["reasons"])
    assert report["summary"]["gate"]["passed"] is False


def test_allow_unknown_lets_the_gate_pass_but_items_stay_unknown(repo, tmp_path):
    exe = fake_engine(tmp_path, "semgrep", "exit 7")
    result = run_cli("audit", str(repo), "--format", "json", "--output", "-", "--allow-unknown", "--fail-on", "none",
                     env={"AUDITOR_SEMGREP": exe})
    assert result.returncode == 0, result.stderr
    assert item(json.loads(result.stdout), "SEC-SQLI")["verdict"] == "unknown"


def test_broken_bandit_makes_python_security_items_unknown(repo, tmp_path):
    exe = fake_engine(tmp_path, "bandit", "echo garbage; exit 1")
    result = run_cli("audit", str(repo), "--format", "json", "--output", "-", env={"AUDITOR_BANDIT": exe})
    report = json.loads(result.stdout)
    bandit = next(e for e in report["engines"] if e["name"] == "bandit")
    assert bandit["status"] == "failed"
    assert item(report, "SEC-INJECTION")["verdict"] == "unknown"
    assert result.returncode == 1


def test_terminal_report_says_an_engine_failed_at_the_top(repo, tmp_path):
    exe = fake_engine(tmp_path, "semgrep", "exit 9")
    result = run_cli("audit", str(repo), env={"AUDITOR_SEMGREP": exe})
    head = result.stdout.splitlines()[:6]
    assert any("semgrep failed" in line for line in head), result.stdout


@pytest.mark.parametrize("user_setting, seen", [(None, "gc=s="), ("v=0", "gc=v=0")])
def test_semgrep_gets_the_larger_minor_heap_unless_the_user_set_one(repo, tmp_path, user_setting, seen):
    """The fake reports the OCAMLRUNPARAM it was started with as its failure message."""
    exe = fake_engine(tmp_path, "semgrep", 'echo "gc=$OCAMLRUNPARAM" >&2; exit 3')
    env = {"AUDITOR_SEMGREP": exe}
    if user_setting is not None:
        env["OCAMLRUNPARAM"] = user_setting
    result = run_cli("audit", str(repo), "--format", "json", "--output", "-", "--fail-on", "none", env=env)
    semgrep = next(e for e in json.loads(result.stdout)["engines"] if e["name"] == "semgrep")
    assert semgrep["status"] == "failed"
    assert seen in semgrep["error"], semgrep
