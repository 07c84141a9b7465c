from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, ROOT, SCHEMA, item, run_cli, write_files  # noqa: F401  (re-exported)

# The repositories under fixtures/ are scanned by the auditor, never run: their own tests are not ours.
collect_ignore = ["fixtures"]


@pytest.fixture(scope="session")
def report_schema() -> dict:
    return json.loads(SCHEMA.read_text())
