"""QA-CONFIG: a configuration file chosen at start or per environment is configuration; URL templates, test
runner settings and development defaults beside a configuration read are not hard-coding; a fixed file of
local addresses or a database location written into the engine is."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit

ROOT = Path(__file__).parent / "fixtures" / "quality"


def config_item(name: str) -> dict:
    report = run_audit(ROOT / name, AuditOptions(only=("QA-CONFIG",)))
    return next(item for item in report["items"] if item["id"] == "QA-CONFIG")


@pytest.mark.parametrize("name", ["config-chosen-at-start", "config-per-environment"])
def test_configuration_files_per_environment_pass(name):
    item = config_item(name)
    assert item["verdict"] == "pass", (item["rationale"], item["evidence"])


def test_fixed_file_of_local_addresses_fails():
    item = config_item("config-fixed-file")
    assert item["verdict"] == "fail", item["rationale"]
    assert item["evidence"][0]["file"] == "shop/config/app.yml"


def test_database_location_in_the_engine_fails():
    item = config_item("config-database-literal")
    assert item["verdict"] == "fail", item["rationale"]
    assert item["evidence"][0]["file"] == "notes/db.py" and item["evidence"][0]["line"] == 8


def test_the_only_django_settings_module_with_nothing_from_the_environment_fails():
    item = config_item("config-django-fixed")
    assert item["verdict"] == "fail", item["rationale"]
    assert [(e["file"], e["line"]) for e in item["evidence"]] == [
        ("clinic/settings.py", 5), ("clinic/settings.py", 6), ("clinic/settings.py", 7), ("clinic/settings.py", 15)]
    assert "SECRET_KEY" in item["evidence"][0]["message"]


def test_django_settings_per_environment_are_not_read_as_fixed():
    """settings/base.py, development.py and production.py: one module per environment, chosen at start."""
    item = config_item("config-django-per-env")
    assert not any(e["rule_id"] == "django-settings-fixed" for e in item["evidence"]), item["evidence"]
