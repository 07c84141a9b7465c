"""The CI integrations we ship as examples are valid YAML, and the exact `auditor` commands they contain work.

Each `auditor ...` command line found in .pre-commit-hooks.yaml, docs/ci/github-actions.yml and
docs/ci/gitlab-ci.yml is run with the real CLI in a copy of a fixture repository (as CI would, from the
repository root); then every `auditor-out/...` file that the other steps read must exist, and the exit code
must be the gate's verdict. Identical command lines are run once.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, ROOT

PRE_COMMIT = ROOT / ".pre-commit-hooks.yaml"
GITHUB = ROOT / "docs" / "ci" / "github-actions.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-ci.yml"
POLICY = ROOT / "docs" / "ci" / "auditor-policy.toml"
FIXTURE = FIXTURES / "apps" / "fastapi-compliant"
OUTPUT_PATH = re.compile(r"auditor-out/[\w.\-/]+")


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _auditor_commands(texts: list[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.splitlines() if line.strip().startswith("auditor ")]


def _github_steps() -> list[dict]:
    return [step for job in _load(GITHUB)["jobs"].values() for step in job["steps"]]


def _commands_by_file() -> dict[str, list[str]]:
    hooks = _load(PRE_COMMIT)
    gitlab_job = _load(GITLAB)["backend-auditor"]
    return {
        "pre-commit": [" ".join([hook["entry"], *hook.get("args", [])]) for hook in hooks],
        "github": _auditor_commands([step.get("run", "") for step in _github_steps()]),
        "gitlab": _auditor_commands(gitlab_job["script"]),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """command line -> (its run, the folder it ran in); each distinct command runs once in a fresh copy."""
    out = {}
    for commands in _commands_by_file().values():
        for command in commands:
            if command in out:
                continue
            work = tmp_path_factory.mktemp("ci") / "repo"
            shutil.copytree(FIXTURE, work)
            policy = work.parent / "auditor-policy.toml"   # outside the repository, as CI pins it
            shutil.copy(POLICY, policy)
            env = {**os.environ, "CI": "true", "AUDITOR_POLICY": str(policy)}
            argv = [arg.replace("$AUDITOR_POLICY", str(policy)) for arg in shlex.split(command)]
            assert argv[0] == "auditor"
            proc = subprocess.run([sys.executable, "-m", "auditor", *argv[1:]], cwd=work, capture_output=True,
                                  text=True, timeout=600, env=env)
            out[command] = (proc, work)
    return out


def test_the_files_are_valid_yaml_of_the_expected_shape():
    hooks = _load(PRE_COMMIT)
    assert [h["id"] for h in hooks] == ["auditor"]
    hook = hooks[0]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["entry"].startswith("auditor audit .") and "--fail-on" in hook["entry"]

    workflow = _load(GITHUB)
    assert workflow["permissions"]["security-events"] == "write"
    uses = [step.get("uses", "") for step in _github_steps()]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    runs_text = "\n".join(step.get("run", "") for step in _github_steps())
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs_text

    job = _load(GITLAB)["backend-auditor"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"].startswith("auditor-out/")


def test_every_file_names_at_least_one_auditor_command():
    commands = _commands_by_file()
    assert all(commands.values()), commands
    for name, lines in commands.items():
        for line in lines:
            argv = shlex.split(line)
            assert argv[:2] == ["auditor", "audit"], (name, line)


def test_the_commands_run_and_exit_with_the_gate_verdict(runs):
    for command, (proc, work) in runs.items():
        assert proc.returncode in (0, 1), f"{command}: exit {proc.returncode}: {proc.stderr}"
        assert "Traceback" not in proc.stderr
        assert "auditing" not in proc.stderr, "progress display in a CI log"
        report_json = work / "auditor-out" / "report.json"
        if report_json.exists():
            passed = json.loads(report_json.read_text())["summary"]["gate"]["passed"]
            assert proc.returncode == (0 if passed else 1), command
        else:  # the pre-commit hook prints the terminal summary, which ends with the gate line
            gate_line = "Gate: passed" if proc.returncode == 0 else "Gate: FAILED"
            assert gate_line in proc.stdout, proc.stdout[-500:]


def test_the_compliant_fixture_passes_the_pre_commit_hook(runs):
    entry = _commands_by_file()["pre-commit"][0]
    proc, _ = runs[entry]
    assert proc.returncode == 0, proc.stdout[-2000:]


def _named_outputs(texts: list[str]) -> set[str]:
    return {m.rstrip("/.") for text in texts for m in OUTPUT_PATH.findall(text)}


def test_every_report_the_other_steps_read_is_produced(runs):
    github_texts = _strings(_github_steps())
    gitlab_job = _load(GITLAB)["backend-auditor"]
    gitlab_texts = _strings(gitlab_job.get("artifacts", {}))
    for name, texts in (("github", github_texts), ("gitlab", gitlab_texts)):
        named = _named_outputs(texts)
        assert named, name
        (command,) = _commands_by_file()[name]
        _, work = runs[command]
        for rel in named:
            assert (work / rel).exists(), f"{name}: {rel} named but not produced by `{command}`"
    sarif = json.loads((runs[_commands_by_file()["github"][0]][1] / "auditor-out" / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"]
    summary = (runs[_commands_by_file()["github"][0]][1] / "auditor-out" / "report.md").read_text()
    assert "Gate" in summary
