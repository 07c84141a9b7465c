"""A newcomer's first hour (issue 19): the conventions users bring from semgrep, ruff, bandit and checkov,
and a terminal report that does not mislead. Every case captures what the terminal shows.

In-process runs (click's CliRunner) share the session's engine runs (conftest.py), so each fixture
repository is scanned once; error cases that stop before the audit run the real command in a subprocess.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from helpers import FLASK_SQLI_APP, run_cli, write_files

SHOP = {
    "shop/app.py": FLASK_SQLI_APP,
    "shop/rates.py": "import requests\n\n\ndef rates():\n    return requests.get('https://rates.example.com/eur').text\n",
    "requirements.txt": "flask\nrequests\n",
}

# Django mounts its routes under a prefix computed at run time: the routes exist, none resolves
DJANGO_PREFIX = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
    "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\nAPI_PREFIX = 'api'\n",
    "proj/urls.py": (
        "from django.conf import settings\n"
        "from django.urls import include, path\n"
        "\n"
        "from shop import views\n"
        "\n"
        "PREFIX = settings.API_PREFIX + '/'\n"
        "\n"
        "urlpatterns = [\n"
        "    path(PREFIX + 'orders/<int:pk>/', views.order_detail),\n"
        "    path(PREFIX, include('shop.urls')),\n"
        "]\n"
    ),
    "shop/__init__.py": "",
    "shop/urls.py": "from django.urls import path\n\nfrom . import views\n\nurlpatterns = []\n",
    "shop/views.py": "from django.http import JsonResponse\n\n\ndef order_detail(request, pk):\n    return JsonResponse({'id': pk})\n",
    "requirements.txt": "django>=4.2\n",
}

ESCAPE = "\x1b["


def invoke(*args: str, env: dict | None = None):
    """The command line in this process; stdout and stderr as the terminal would show them."""
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _git_commit(root):
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=root, check=True)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("shop"), SHOP)
    _git_commit(root)
    return root


@pytest.fixture(scope="module")
def shop_terminal(shop):
    return invoke("audit", str(shop))


@pytest.fixture(scope="module")
def shop_json(shop, tmp_path_factory):
    out = tmp_path_factory.mktemp("json") / "report.json"
    result = invoke("audit", str(shop), "-f", "json", "-o", str(out))
    assert result.exit_code == 1, result.output
    return json.loads(out.read_text())


# ---- help, usage errors ---------------------------------------------------------------------------
def test_help_shows_examples_exit_codes_and_where_config_is_read():
    text = invoke("audit", "--help").output
    assert "Examples:" in text and "auditor audit . -f sarif,junit,markdown -o out" in text
    assert "Exit codes:" in text and "0  the gate passed" in text and "2  usage error" in text
    assert ".auditor.toml" in text and "[tool.auditor]" in text and "NO_COLOR" in text
    for flag in ("-f, --format", "-o, --output", "-c, --config", "-q, --quiet", "-v, --verbose", "--no-color"):
        assert flag in text
    top = invoke("--help").output
    assert "Examples:" in top and "Exit codes" in top


@pytest.mark.parametrize("args, message", [
    (["audit", "--format", "", "."], "--format needs at least one format"),
    (["audit", "--fail-under", "150", "."], "150.0 is not in the range 0<=x<=100"),
    (["audit", "--fail-on", "severe", "."], "'severe' is not one of"),
    (["audit", "--no-such-flag", "."], "No such option '--no-such-flag'"),
    (["audit", "-q", "-v", "."], "cannot be combined"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args, message):
    write_files(tmp_path, {"a.py": "x = 1\n"})
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("auditor: error: "), result.stderr
    assert message in result.stderr and "Usage:" not in result.stderr and result.stdout == ""


# ---- nothing to audit -------------------------------------------------------------------------------
def test_a_folder_without_code_is_exit_2_not_grade_a(tmp_path):
    write_files(tmp_path, {"README.md": "# shop\n", "docs/notes.txt": "to do\n"})
    result = run_cli("audit", str(tmp_path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("auditor: error: nothing to audit:") and "has no source code" in result.stderr
    assert "README.md" in result.stderr and result.stderr.count("\n") == 1


def test_everything_excluded_is_exit_2_and_says_so(tmp_path):
    write_files(tmp_path, {"README.md": "# shop\n", "app.py": "x = 1\n"})
    result = run_cli("audit", str(tmp_path), "--exclude", "*.py")
    assert result.returncode == 2 and "has no source code after excludes" in result.stderr


# ---- output: a file for one format, a folder for several, checked first ---------------------------------
def test_output_problems_are_found_before_the_audit(tmp_path):
    existing = write_files(tmp_path, {"taken.txt": "x\n"}) / "taken.txt"
    missing = tmp_path / "no-such-repository"       # the output is checked first: this path is never reached
    several = run_cli("audit", str(missing), "-f", "json,html", "-o", str(existing))
    assert several.returncode == 2 and f"--output {existing} is a file, but 2 formats need a folder" in several.stderr
    named = run_cli("audit", str(missing), "-f", "json,sarif", "-o", str(tmp_path / "r.sarif"))
    assert named.returncode == 2 and "names a file, but 2 formats need a folder" in named.stderr
    assert not (tmp_path / "r.sarif").exists()
    under_a_file = run_cli("audit", str(missing), "-f", "sarif", "-o", str(existing / "r.sarif"))
    assert under_a_file.returncode == 2 and "is a file, not a folder" in under_a_file.stderr


def test_o_file_for_one_format_and_a_folder_for_several(shop, tmp_path):
    sarif = tmp_path / "out" / "r.sarif"
    one = invoke("audit", str(shop), "-f", "sarif", "-o", str(sarif))
    assert one.exit_code == 1 and sarif.is_file() and json.loads(sarif.read_text())["version"] == "2.1.0"
    assert f"wrote {sarif}" in one.stderr and one.stdout == ""
    assert re.match(r"auditor: score [\d.]+/100, grade [A-F], gate FAILED: SEC-SQLI \(critical\) failed", one.stderr)

    existing = write_files(tmp_path, {"previous": "stale\n"}) / "previous"
    again = invoke("audit", str(shop), "-f", "json", "-o", str(existing))    # an existing file is replaced
    assert again.exit_code == 1 and json.loads(existing.read_text())["items"]

    folder = tmp_path / "reports"           # no extension: the contract's --output DIR
    contract = invoke("audit", str(shop), "-f", "json", "-o", str(folder))
    assert contract.exit_code == 1 and (folder / "report.json").is_file()
    several = invoke("audit", str(shop), "-f", "html,markdown", "-o", str(folder))
    assert several.exit_code == 1 and (folder / "report.html").is_file() and (folder / "report.md").is_file()


def test_terminal_summary_to_a_file_is_plain_text(shop, tmp_path):
    target = tmp_path / "summary.txt"
    result = invoke("audit", str(shop), "-o", str(target), env={"FORCE_COLOR": "1"})
    assert result.exit_code == 1 and result.stdout == ""
    text = target.read_text()
    assert "Gate: FAILED" in text and ESCAPE not in text


# ---- defaults, quiet, verbose, colour -----------------------------------------------------------------------
def test_audit_defaults_to_the_current_folder(shop, monkeypatch):
    monkeypatch.chdir(shop)
    result = invoke("audit", "-q")
    assert result.exit_code == 1
    assert result.stdout.startswith("auditor: score ") and "gate FAILED" in result.stdout
    assert result.stdout.count("\n") == 1 and result.stderr == ""


def test_verbose_lists_every_evidence_line_and_the_engines(shop, shop_terminal):
    verbose = invoke("audit", str(shop), "-v")
    assert verbose.exit_code == 1
    assert "Engines" in verbose.stdout and "semgrep" in verbose.stdout and "Engines" not in shop_terminal.stdout
    assert len(verbose.stdout.splitlines()) >= len(shop_terminal.stdout.splitlines())


def test_no_color_and_NO_COLOR_turn_off_every_style(shop, shop_terminal):
    forced = invoke("audit", str(shop), env={"FORCE_COLOR": "1"})
    assert ESCAPE in forced.stdout                                       # styled when colour is wanted
    assert ESCAPE not in shop_terminal.stdout                            # never into a pipe
    for env, args in (({"FORCE_COLOR": "1", "NO_COLOR": "1"}, ()), ({"FORCE_COLOR": "1"}, ("--no-color",))):
        plain = invoke("audit", str(shop), *args, env=env)
        assert plain.exit_code == 1 and ESCAPE not in plain.stdout + plain.stderr
        assert "Gate: FAILED" in plain.stdout


# ---- reading the terminal report ----------------------------------------------------------------------------
def _listed(stdout: str) -> list[tuple[str, str, str]]:
    """(verdict, id, severity) of each item the terminal lists, in order."""
    return re.findall(r"^(FAIL|PARTIAL|UNKNOWN)\s+([A-Z0-9-]+) \[(\w+)\]", stdout, re.M)


def test_terminal_lists_the_worst_first_each_with_a_fix_and_explain(shop_terminal, shop_json):
    assert shop_terminal.exit_code == 1
    listed = _listed(shop_terminal.stdout)
    expected = {(i["verdict"].upper(), i["id"]) for i in shop_json["items"] if i["verdict"] in ("fail", "partial", "unknown")}
    assert {(v, i) for v, i, _ in listed} == expected
    tiers = [0 if v == "FAIL" and sev in ("critical", "high") else 1 if v == "UNKNOWN" else 2 for v, _, sev in listed]
    assert tiers == sorted(tiers) and tiers.count(1) and tiers[0] == 0
    critical = [i for v, i, sev in listed if sev == "critical"]
    assert "SEC-SQLI" in critical and [i for _, i, _ in listed[:len(critical)]] == critical    # critical first
    for _, item_id, _ in listed:
        block = shop_terminal.stdout.split(f" {item_id} [", 1)[1].split("\n(FAIL|PARTIAL|UNKNOWN)")[0]
        assert "fix: " in block and f"(auditor explain {item_id})" in block
    assert "see the JSON or HTML report" not in shop_terminal.stdout


def test_baselined_violations_are_counted_and_the_gate_says_it_counts_only_new_ones(shop, tmp_path):
    baseline = tmp_path / "baseline.json"
    created = invoke("baseline", "create", str(shop), "-o", str(baseline))
    assert created.exit_code == 0 and baseline.is_file()
    result = invoke("audit", str(shop), "--baseline", str(baseline))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(r"^FAIL\s+SEC-SQLI \[critical\].*\(1 baselined\)", out, re.M)
    assert "Gate: passed" in out
    gate = out.split("Gate: passed", 1)[1]
    assert re.search(r"\d+ violations? (are|is) baselined \(accepted in the baseline file\) and 0 are new: "
                     r"--fail-on counts only the new ones", gate)
    quiet = invoke("audit", str(shop), "--baseline", str(baseline), "-f", "json", "-o", str(tmp_path / "r.json"))
    assert "baselined" in quiet.stderr                               # the one-line verdict says it too


def test_compare_shows_each_change_and_the_overall_delta(shop, shop_json, tmp_path):
    previous = json.loads(json.dumps(shop_json))
    sqli = next(i for i in previous["items"] if i["id"] == "SEC-SQLI")
    sqli.update(verdict="pass", score=10)
    previous["summary"]["score"] = shop_json["summary"]["score"] + 5
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(previous))
    result = invoke("audit", str(shop), "--compare", str(path))
    out = result.stdout
    assert "▼ -5 since the previous report" in out
    assert "Changed since the previous report (1)" in out and re.search(r"▼ SEC-SQLI\s+pass → fail", out)
    assert re.search(r"^FAIL\s+SEC-SQLI .*▼ pass → fail", out, re.M)
    assert "another repository" not in out + result.stderr


def test_compare_with_another_repositorys_report_warns(shop, shop_json, tmp_path):
    previous = json.loads(json.dumps(shop_json))
    previous["repository"]["path"] = "/home/ci/work/billing-service"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(previous))
    result = invoke("audit", str(shop), "--compare", str(path))
    assert f"! the --compare report is for another repository (billing-service, this one is {shop.name})" in result.stdout
    as_json = invoke("audit", str(shop), "--compare", str(path), "-f", "json", "-o", str(tmp_path / "r.json"))
    assert "auditor: warning: the --compare report is for another repository" in as_json.stderr


def test_a_framework_with_no_resolved_endpoint_says_so_plainly(tmp_path):
    root = write_files(tmp_path, DJANGO_PREFIX)
    result = invoke("audit", str(root))
    out = result.stdout
    assert re.search(r"^! django: 2 route declaration\(s\) found \(proj/urls\.py\) but none could be resolved to an "
                     r"endpoint .*: the items judged per endpoint are unknown", out, re.M)
    authn = out.split(" SEC-AUTHN [", 1)[1].split("\n")[1]
    assert "route declaration(s) found" in authn and "none could be resolved" in authn
    unknown = [i for v, i, _ in _listed(out) if v == "UNKNOWN"]
    assert {"SEC-AUTHN", "SEC-AUTHZ", "SEC-CSRF", "API-PAGINATION"} <= set(unknown)   # not a false "n/a"
    md = invoke("audit", str(root), "-f", "markdown").stdout
    assert "route declaration(s) found" in md and "| ❔ |" in md


# ---- checklist ------------------------------------------------------------------------------------------------------
def test_checklist_piped_keeps_full_ids_in_plain_columns():
    result = run_cli("checklist", env={"FORCE_COLOR": "1", "COLUMNS": "60"})
    assert result.returncode == 0 and ESCAPE not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "title", "category", "severity", "weight", "automation"]
    hits = [line for line in lines if "SEC-SENSITIVE-LOGGING" in line]
    assert len(hits) == 1 and hits[0].split()[0] == "SEC-SENSITIVE-LOGGING" and hits[0].rstrip().endswith("automated")
    assert any(line.startswith("REL-GRACEFUL-DEGRADATION ") for line in lines)
