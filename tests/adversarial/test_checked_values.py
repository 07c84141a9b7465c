"""Attack: wrap an injectable sink in a test that looks like a check but proves nothing (one quote character
kept out where the SQL quotes with the other, a pattern that admits any character, a compiled pattern the
reader cannot see). Each must stay a flow of request data to SQL."""
from __future__ import annotations

from helpers import flow_fixture_program


def test_checks_that_prove_nothing_leave_the_flow():
    model = flow_fixture_program("checked_values_hostile")
    sources = {f.source.line for f in model.flows if f.kind == "sql"}
    assert sources == {18, 26, 34, 42}
