"""`pip install .` (not editable) must carry the rules, the report templates and the JSON schema."""
import subprocess
import sys
import zipfile

from helpers import ROOT


def test_the_wheel_ships_rules_templates_and_schema(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("backend_auditor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("auditor/_data/rules/checklist/security.yml", "auditor/_data/rules/bandit.yml",
                     "auditor/_data/reports/scorecard.html.j2", "auditor/schema/report.schema.json",
                     "auditor/cli.py", "auditor/_data/reports/fleet.html.j2", "auditor/_data/reports/fleet.css",
                     "auditor/_data/reports/fleet.js", "auditor/schema/fleet.schema.json", "auditor/fleet/cli.py"):
        assert required in names, required
    semgrep_rules = [n for n in names if n.startswith("auditor/_data/rules/semgrep/") and n.endswith(".yml")]
    source_rules = list((ROOT / "rules" / "semgrep").rglob("*.yml"))
    assert len(semgrep_rules) == len(source_rules) > 40
    assert any(n.endswith(".dist-info/entry_points.txt") for n in names)
