"""The command line as users and CI run it: exit codes, outputs, bad input, config."""
import json
import os
import stat
import subprocess

import jsonschema
import pytest

from helpers import FLASK_SQLI_APP, item, run_cli, write_files

VULNERABLE_APP = {"app.py": FLASK_SQLI_APP, "requirements.txt": "flask\n"}


@pytest.fixture(scope="module")
def vulnerable_repo(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("vuln"), VULNERABLE_APP)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init"], cwd=root, check=True)
    return root


@pytest.fixture(scope="module")
def json_run(vulnerable_repo):
    result = run_cli("audit", str(vulnerable_repo), "--format", "json", "--output", "-")
    return result


def test_json_to_stdout_is_valid_against_the_shipped_schema(json_run, report_schema):
    assert json_run.returncode in (0, 1), json_run.stderr
    report = json.loads(json_run.stdout)
    jsonschema.Draft202012Validator(report_schema, format_checker=jsonschema.FormatChecker()).validate(report)
    assert report["repository"]["commit"] and len(report["repository"]["commit"]) == 40
    assert report["repository"]["branch"] == "main"
    assert report["repository"]["dirty"] is False
    assert {e["name"] for e in report["engines"]} == {"semgrep", "bandit"}
    assert all(e["status"] == "ok" and e["version"] for e in report["engines"])


def test_debug_mode_is_reported_with_its_line(json_run):
    report = json.loads(json_run.stdout)
    debug = item(report, "SEC-DEBUG")
    assert debug["verdict"] == "fail"
    assert any(e["file"] == "app.py" and e["line"] == 14 and "debug=True" in e["snippet"] for e in debug["evidence"])


def test_every_item_has_exactly_one_verdict_and_unbuilt_ones_say_so(json_run):
    report = json.loads(json_run.stdout)
    ids = [i["id"] for i in report["items"]]
    assert len(ids) == len(set(ids)) >= 64
    for row in report["items"]:
        if row["verdict"] == "unknown":
            assert row["rationale"]


def test_gate_exit_codes(vulnerable_repo):
    strict = run_cli("audit", str(vulnerable_repo), "--fail-under", "100", "--format", "json", "--output", "-")
    assert strict.returncode == 1
    report = json.loads(strict.stdout)
    assert report["summary"]["gate"]["passed"] is False
    assert any("fail-under" in r for r in report["summary"]["gate"]["reasons"])
    lenient = run_cli("audit", str(vulnerable_repo), "--fail-on", "none", "--only", "SEC-DEBUG",
                      "--format", "json", "--output", "-")
    assert lenient.returncode == 0, lenient.stderr
    strict_on_high = run_cli("audit", str(vulnerable_repo), "--fail-on", "high", "--only", "SEC-DEBUG")
    assert strict_on_high.returncode == 1
    assert "SEC-DEBUG" in strict_on_high.stdout


def test_output_dir_gets_one_file_per_format(vulnerable_repo, tmp_path):
    out = tmp_path / "out"
    result = run_cli("audit", str(vulnerable_repo), "--only", "SEC-DEBUG", "--format", "json,terminal",
                     "--output", str(out), "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "report.json").read_text())["items"][0]["id"] == "SEC-DEBUG"
    assert "Score" in result.stdout
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_terminal_summary_shows_score_categories_and_evidence(vulnerable_repo):
    result = run_cli("audit", str(vulnerable_repo), "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    assert "Grade" in result.stdout and "Security" in result.stdout
    assert "app.py:14" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["audit", "/definitely/not/here"], "path does not exist"),
    (["audit", "--format", "pdf", "."], "unknown format"),
    (["audit", "--only", "SEC-NOPE", "."], "unknown checklist item"),
    (["audit", "--format", "json,sarif", "--output", "-", "."], "exactly one"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    write_files(tmp_path, {"a.py": "x = 1\n"})
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_instead_of_a_folder(tmp_path):
    target = write_files(tmp_path, {"a.py": "x = 1\n"}) / "a.py"
    result = run_cli("audit", str(target))
    assert result.returncode == 2 and "not a folder" in result.stderr and "Traceback" not in result.stderr


def test_an_empty_folder(tmp_path):
    result = run_cli("audit", str(tmp_path))
    assert result.returncode == 2 and "nothing to audit" in result.stderr


def test_a_folder_that_is_not_a_git_repository_has_null_commit(tmp_path):
    write_files(tmp_path, {"main.py": "print('hello')\n"})
    result = run_cli("audit", str(tmp_path), "--format", "json", "--output", "-", "--only", "SEC-DEBUG")
    assert result.returncode == 0, result.stderr
    repo = json.loads(result.stdout)["repository"]
    assert repo["commit"] is None and repo["branch"] is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file regardless of its mode")
def test_unreadable_file_is_listed_not_fatal(tmp_path):
    write_files(tmp_path, {"main.py": "print('hello')\n", "secret.py": "x = 1\n"})
    (tmp_path / "secret.py").chmod(0)
    result = run_cli("audit", str(tmp_path), "--format", "json", "--output", "-")
    (tmp_path / "secret.py").chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert result.returncode in (0, 1)
    skipped = json.loads(result.stdout)["inventory"]["skipped_files"]
    assert any(s["path"] == "secret.py" for s in skipped)


def test_unreadable_file_as_root_is_simulated_by_a_dangling_symlink(tmp_path):
    write_files(tmp_path, {"main.py": "print('hello')\n"})
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "outside").symlink_to("/etc")
    result = run_cli("audit", str(tmp_path), "--format", "json", "--output", "-", "--only", "SEC-DEBUG")
    assert result.returncode == 0, result.stderr
    skipped = {s["path"]: s["reason"] for s in json.loads(result.stdout)["inventory"]["skipped_files"]}
    assert "symlink" in skipped["gone.py"] and "symlink" in skipped["outside"]


def test_malformed_config_names_the_key_and_file(tmp_path):
    write_files(tmp_path, {"main.py": "x = 1\n", ".auditor.toml": "fail_undr = 80\n"})
    result = run_cli("audit", str(tmp_path))
    assert result.returncode == 2
    assert ".auditor.toml" in result.stderr and "fail_undr" in result.stderr
    write_files(tmp_path, {".auditor.toml": "fail_under = 'high'\n"})
    result = run_cli("audit", str(tmp_path))
    assert result.returncode == 2 and "fail_under must be" in result.stderr
    write_files(tmp_path, {".auditor.toml": "fail_under = [\n"})
    result = run_cli("audit", str(tmp_path))
    assert result.returncode == 2 and "not valid TOML" in result.stderr


def test_config_in_pyproject_sets_the_gate_and_flags_override_it(vulnerable_repo, tmp_path):
    write_files(tmp_path, {**VULNERABLE_APP, "pyproject.toml": "[tool.auditor]\nfail_on = 'high'\nonly = ['SEC-DEBUG']\n"})
    from_file = run_cli("audit", str(tmp_path))
    assert from_file.returncode == 1
    overridden = run_cli("audit", str(tmp_path), "--fail-on", "none")
    assert overridden.returncode == 0


def test_init_writes_a_config_that_loads(tmp_path):
    write_files(tmp_path, {"main.py": "x = 1\n"})
    assert run_cli("init", str(tmp_path)).returncode == 0
    assert (tmp_path / ".auditor.toml").is_file()
    again = run_cli("init", str(tmp_path))
    assert again.returncode == 2 and "exists" in again.stderr
    audited = run_cli("audit", str(tmp_path), "--only", "SEC-DEBUG", "--fail-under", "0")
    assert audited.returncode == 0, audited.stderr


def test_an_audit_leaves_nothing_in_the_temporary_folder(tmp_path):
    """The command line ends with os._exit (no atexit hook runs): semgrep's combined rules folder, our one
    temporary folder, is removed by hand; 1,452 of them had piled up on a developer machine."""
    root = write_files(tmp_path / "repo", {"app.py": FLASK_SQLI_APP})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = run_cli("audit", str(root), "--format", "json", "--output", str(tmp_path / "r.json"), "--no-cache",
                   env={"TMPDIR": str(scratch)})
    assert done.returncode in (0, 1), done.stderr
    assert not [p.name for p in scratch.iterdir() if p.name.startswith("backend-auditor")]
