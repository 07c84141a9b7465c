"""Attack 7: policy from inside the change. The repository's `.auditor.toml` / `[tool.auditor]` says
`fail_on = "none"`, skips the failing item, excludes every file, lowers a severity, allows unknown items;
it commits a baseline; its suppressions give the reason "x", sit in a string literal or name an unknown item.
Under `--policy FILE` (outside the repository, pinned by CI) none of it loosens the gate, each ignored
setting is reported, and the effective policy with each value's source is in every format."""
from __future__ import annotations

import json
import threading
import time

from adversary import DB_PY, EVAL_LINE, SQLI_LINE, audit, hostile_repo, verdict
from auditor.config import load_config
from auditor.policy import COMMAND_LINE, POLICY, load_policy, resolve
from auditor.render.junit import render_junit
from auditor.render.markdown import render_markdown
from auditor.render.sarif import render_sarif
from auditor.suppressions import SuppressionRules, parse_suppressions
from helpers import run_cli, write_files

LOOSE = ('fail_on = "none"\nallow_unknown = true\nskip = ["SEC-SQLI"]\nexclude = ["*.py"]\n'
         '[severity]\n"SEC-INJECTION" = "low"\n')
POLICY_TEXT = ('fail_on = "critical"\n[suppressions]\nreason_pattern = \'#\\d+\'\n'
               'never = ["SEC-SECRETS"]\n')
KNOWN = {"SEC-SQLI", "SEC-INJECTION", "SEC-SECRETS"}


def suppressed_db() -> str:
    lines = DB_PY.splitlines()
    lines[SQLI_LINE - 1] += "  # auditor: ignore[SEC-SQLI] reviewed by the team, safe enough"
    lines[EVAL_LINE - 1] += "  # auditor: ignore[SEC-INJECTION] x"
    lines.insert(EVAL_LINE - 2, "NOTE = '# auditor: ignore[SEC-INJECTION] a string literal, not a comment'")
    lines.insert(SQLI_LINE - 1, "    # auditor: ignore[SEC-NOPE, SEC-SQLI] an unknown item named here too")
    return "\n".join(lines) + "\n"


def test_repository_config_cannot_loosen_the_gate_under_a_policy(tmp_path):
    root = hostile_repo(tmp_path / "r", {".auditor.toml": LOOSE,
                                         ".auditor-baseline.json": '{"version": 1, "fingerprints": []}\n'},
                        db_py=suppressed_db())
    policy = write_files(tmp_path / "ci", {"policy.toml": POLICY_TEXT}) / "policy.toml"
    code, report = audit(root, "--no-cache", "--policy", str(policy),
                         "--baseline", str(root / ".auditor-baseline.json"), only=None)
    assert code == 1
    assert verdict(report, "SEC-SQLI") == "fail" and verdict(report, "SEC-INJECTION") == "fail"
    assert next(i for i in report["items"] if i["id"] == "SEC-INJECTION")["severity"] == "critical"
    assert any("SEC-SQLI" in r for r in report["summary"]["gate"]["reasons"])
    ignored = {row["key"] for row in report["policy"]["ignored"]}
    assert ignored == {"fail_on", "allow_unknown", "skip", "exclude", "severity", "baseline"}
    settings = {row["key"]: row for row in report["policy"]["settings"]}
    assert settings["fail_on"]["value"] == "critical" and settings["fail_on"]["source"] == POLICY
    assert settings["suppressions.reason_pattern"]["source"] == POLICY
    assert report["policy"]["file"] == str(policy)
    sups = report["suppressed"]
    assert not any(s["valid"] for s in sups) and not any(s["suppressed"] for s in sups)
    problems = " ".join(s["problem"] for s in sups)
    assert "unknown item" in problems and "too short" in problems and "pattern" in problems
    assert not any("string literal" in s["reason"] for s in sups), "a marker in a string is not a suppression"
    md, junit = render_markdown(report), render_junit(report)
    sarif = json.dumps(json.loads(render_sarif(report))["runs"][0]["invocations"])
    for text in (md, junit, sarif):
        assert "Effective policy" in text and "ignored fail" in text and "policy file" in text


def test_pyproject_settings_and_allowed_keys(tmp_path):
    root = write_files(tmp_path / "r", {"pyproject.toml": "[tool.auditor]\n" + LOOSE.replace("[severity]", "[tool.auditor.severity]")})
    policy_file = write_files(tmp_path / "ci", {"p.toml": 'allow_repo_settings = ["exclude"]\nfail_under = 50\n'}) / "p.toml"
    effective = resolve(load_config(root), load_policy(policy_file), {"fail_on": "high", "exclude": ["docs/*"]})
    assert effective.values["fail_on"] == "high" and effective.sources["fail_on"] == COMMAND_LINE
    assert effective.values["fail_under"] == 50 and effective.sources["fail_under"] == POLICY
    assert effective.values["exclude"] == ["*.py", "docs/*"], "an allowed setting applies"
    assert effective.values["skip"] == [] and effective.values["allow_unknown"] is False
    assert {row["key"] for row in effective.ignored} == {"fail_on", "allow_unknown", "skip", "severity"}
    assert all("pyproject.toml" in row["source"] for row in effective.ignored)
    without = resolve(load_config(root), None, {})
    assert without.values["fail_on"] == "none" and without.sources["fail_on"].startswith("repository")


def test_policy_suppression_rules():
    strict = SuppressionRules(reason_pattern=r"#\d+", never=frozenset({"SEC-SECRETS"}))
    text = ("a = 1  # auditor: ignore[SEC-SQLI] accepted risk, see #123\n"
            "b = 2  # auditor: ignore[SEC-SQLI] accepted risk, no reference\n"
            "c = 3  # auditor: ignore[SEC-SECRETS] test fixture key, see #9\n")
    found = parse_suppressions(text, "a.py", KNOWN, "python", strict)
    assert [s.active for s in found] == [True, False, False]
    assert "pattern" in found[1].problem and "never" in found[2].problem
    off = parse_suppressions(text, "a.py", KNOWN, "python", SuppressionRules(allowed=False))
    assert not any(s.active for s in off)


def test_marker_parsing_is_linear_on_hostile_lines():
    """40,000 '#' and a 300 KB line holding 'auditor:' used to take 34 s and over 120 s (quadratic regex)."""
    inputs = ["#" * 40_000 + "\n", "x = 1  # auditor: " + "ignore[" * 40_000 + "\n",
              "# auditor: ignore[SEC-SQLI] " + "word " * 60_000 + "\n", "// auditor:" + " " * 300_000 + "\n"]
    done: list[int] = []

    def parse_all():
        for text in inputs:
            for language in ("python", "javascript", None):
                parse_suppressions(text, "a.py", KNOWN, language)
        done.append(1)

    worker = threading.Thread(target=parse_all, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(60)   # a guard against a hang, not a benchmark: it takes well under a second
    assert done, f"still parsing after {time.monotonic() - started:.0f} s"


def test_a_bad_policy_file_is_a_one_line_usage_error(tmp_path):
    root = hostile_repo(tmp_path / "r")
    bad = write_files(tmp_path / "ci", {"p.toml": 'fail_on = "never"\n', "q.toml": "nope = 1\n"})
    for name in ("p.toml", "q.toml", "missing.toml"):
        result = run_cli("audit", str(root), "--policy", str(bad / name))
        assert result.returncode == 2 and "policy" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
