"""Inline suppressions, baselines and new-code gating, end to end with the real engines."""
import json
import subprocess

import pytest

from auditor.model import Evidence, ItemResult
from auditor.suppressions import apply_suppressions, parse_suppressions
from helpers import item, run_cli, write_files

KNOWN = {"SEC-DEBUG", "SEC-SQLI", "SEC-INJECTION"}


def test_parse_comment_styles_and_reasons():
    py = (
        "x = eval(data)  # auditor: ignore[SEC-INJECTION] data is a constant table, reviewed 2026-01\n"
        "# auditor: ignore[SEC-SQLI]\n"
        "# auditor: ignore[SEC-NOPE] because it is fine\n"
        "s = 'auditor: ignore[SEC-SQLI] not a comment at all'\n"
        "# auditor: ignore[SEC-SQLI] x\n"
    )
    found = parse_suppressions(py, "a.py", KNOWN, "python")
    assert [(s.line, s.items, s.reason) for s in found] == [
        (1, ("SEC-INJECTION",), "data is a constant table, reviewed 2026-01"), (2, ("SEC-SQLI",), ""),
        (3, ("SEC-NOPE",), "because it is fine"), (5, ("SEC-SQLI",), "x")]
    assert found[0].active
    assert "no reason" in found[1].problem and not found[1].active
    assert "unknown item" in found[2].problem and not found[2].active, "an unknown item suppresses nothing"
    assert "too short" in found[3].problem
    js = "// auditor: ignore[SEC-SQLI, SEC-DEBUG] -- fixture only, never deployed\nq = '// auditor: ignore[SEC-SQLI] nope nope';\n"
    assert [(s.line, s.items, s.reason) for s in parse_suppressions(js, "a.js", KNOWN, "javascript")] == [
        (1, ("SEC-SQLI", "SEC-DEBUG"), "fixture only, never deployed")]
    sql = "-- auditor: ignore[SEC-SQLI] migration helper for the backfill\nSELECT '-- auditor: ignore[SEC-SQLI] a b c';\n"
    assert [s.line for s in parse_suppressions(sql, "a.sql", KNOWN, "sql")] == [1]
    html = "<!-- auditor: ignore[SEC-DEBUG] docs page, static only -->\n"
    [sup] = parse_suppressions(html, "a.html", KNOWN, "html")
    assert sup.reason == "docs page, static only" and sup.active


def test_suppression_covers_its_line_and_the_next_only():
    [sup] = parse_suppressions("# auditor: ignore[SEC-DEBUG] local dev entry point\n", "a.py", KNOWN)
    assert sup.covers("SEC-DEBUG", "a.py", 1) and sup.covers("SEC-DEBUG", "a.py", 2)
    assert not sup.covers("SEC-DEBUG", "a.py", 3)
    assert not sup.covers("SEC-SQLI", "a.py", 2)
    assert not sup.covers("SEC-DEBUG", "b.py", 2)


def test_all_violations_suppressed_turns_a_fail_into_a_pass_and_records_it():
    [sup] = parse_suppressions("# auditor: ignore[SEC-DEBUG] local dev entry point\n", "a.py", KNOWN)
    result = ItemResult("SEC-DEBUG", "fail", "1 violation", [Evidence("a.py", 2, "app.run(debug=True)")])
    after = apply_suppressions(result, [sup])
    assert after.verdict == "pass" and "suppressed" in after.rationale
    assert sup.matched == [{"item": "SEC-DEBUG", "file": "a.py", "line": 2, "rule_id": ""}]


def test_a_suppression_without_reason_suppresses_nothing():
    [sup] = parse_suppressions("# auditor: ignore[SEC-DEBUG]\n", "a.py", KNOWN)
    result = ItemResult("SEC-DEBUG", "fail", "1 violation", [Evidence("a.py", 2, "app.run(debug=True)")])
    assert apply_suppressions(result, [sup]).verdict == "fail"


APP = (
    "import os\n"
    "import subprocess\n"
    "\n"
    "\n"
    "def run(cmd):\n"
    "    return subprocess.run(cmd, shell=True)\n"
    "\n"
    "\n"
    "def calc(expr):\n"
    "    return eval(expr)\n"
)


def git(root, *args):
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=root,
                   check=True, capture_output=True)


def audit_json(root, *args):
    result = run_cli("audit", str(root), "--only", "SEC-INJECTION", "--format", "json", "--output", "-", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def repo(tmp_path):
    root = write_files(tmp_path / "svc", {"tasks.py": APP, "requirements.txt": "flask==3.0.0\n"})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def test_inline_suppression_end_to_end(repo):
    code, before = audit_json(repo)
    assert item(before, "SEC-INJECTION")["verdict"] == "fail" and code == 1
    text = APP.replace("    return eval(expr)\n",
                       "    # auditor: ignore[SEC-INJECTION] expr comes from our own rules table, never from users\n"
                       "    return eval(expr)\n")
    text = text.replace("shell=True)", "shell=True)  # auditor: ignore[SEC-INJECTION]")
    (repo / "tasks.py").write_text(text)
    code, after = audit_json(repo)
    row = item(after, "SEC-INJECTION")
    assert row["verdict"] == "fail", "the suppression without a reason must not hide the shell=True call"
    assert [e["line"] for e in row["evidence"] if e["kind"] == "violation"] == [6]
    sups = {s["line"]: s for s in after["suppressed"]}
    assert sups[10]["valid"] and sups[10]["suppressed"][0]["line"] == 11
    assert not sups[6]["valid"] and "no reason" in sups[6]["problem"]


def test_baseline_survives_line_shifts_and_catches_new_violations(repo, tmp_path):
    baseline = tmp_path / "baseline.json"
    made = run_cli("baseline", "create", str(repo), "--only", "SEC-INJECTION", "--output", str(baseline))
    assert made.returncode == 0, made.stderr
    accepted = json.loads(baseline.read_text())["fingerprints"]
    assert len(accepted) >= 2
    # unrelated edit shifts every line down by three
    (repo / "tasks.py").write_text('"""Task helpers."""\n\n\n' + APP)
    code, report = audit_json(repo, "--baseline", str(baseline))
    assert code == 0, report["summary"]["gate"]
    states = {e["state"] for e in item(report, "SEC-INJECTION")["evidence"] if e["kind"] == "violation"}
    assert states == {"baselined"}
    assert item(report, "SEC-INJECTION")["verdict"] == "fail", "baselined violations are still reported"
    # a second, identical eval is a new occurrence, not covered by the first one's fingerprint
    (repo / "tasks.py").write_text('"""Task helpers."""\n\n\n' + APP + "\n\ndef calc2(expr):\n    return eval(expr)\n")
    code, report = audit_json(repo, "--baseline", str(baseline))
    assert code == 1
    new = [e for e in item(report, "SEC-INJECTION")["evidence"] if e.get("state") == "new"]
    assert [e["line"] for e in new] == [17]


def test_diff_base_gates_only_on_changed_lines(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    code, report = audit_json(repo, "--diff-base", "main")
    assert code == 0, "violations that were already on main do not fail the gate"
    assert {e["state"] for e in item(report, "SEC-INJECTION")["evidence"] if e["kind"] == "violation"} == {"existing"}
    (repo / "jobs.py").write_text("import os\n\n\ndef purge(path):\n    os.system('rm -rf ' + path)\n")
    git(repo, "add", "jobs.py")
    git(repo, "commit", "-qm", "add purge")
    code, report = audit_json(repo, "--diff-base", "main")
    assert code == 1
    new = [(e["file"], e["line"]) for e in item(report, "SEC-INJECTION")["evidence"] if e.get("state") == "new"]
    assert new == [("jobs.py", 5)]


def test_diff_base_errors_are_usage_errors(repo, tmp_path):
    result = run_cli("audit", str(repo), "--diff-base", "no-such-branch")
    assert result.returncode == 2 and "unknown git ref" in result.stderr
    plain = write_files(tmp_path / "plain", {"a.py": "x = 1\n"})
    result = run_cli("audit", str(plain), "--diff-base", "main")
    assert result.returncode == 2 and "needs a git repository" in result.stderr


def test_bad_baseline_file(repo, tmp_path):
    (tmp_path / "b.json").write_text("{}")
    result = run_cli("audit", str(repo), "--baseline", str(tmp_path / "b.json"))
    assert result.returncode == 2 and "not a version-1 auditor baseline" in result.stderr
    result = run_cli("audit", str(repo), "--baseline", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "baseline file not found" in result.stderr
