"""REL-TIMEOUTS: a class extending apollo-datasource-rest's RESTDataSource calls the network through its
inherited `this.get(...)` (tests/fixtures/reliability/datasource-rest)."""
from __future__ import annotations

from pathlib import Path

from auditor.probes.outbound_clients import javascript_client_calls

FIXTURE = Path(__file__).parent / "fixtures" / "reliability" / "datasource-rest"


def test_rest_data_source_subclass_calls_are_outbound():
    calls = {c.line: c for c in javascript_client_calls("weather.js", (FIXTURE / "weather.js").read_text())}
    assert set(calls) == {10, 14}
    assert calls[10].timeout is None                # no timeout: RESTDataSource sets none
    assert calls[14].timeout == "signal"


def test_this_get_of_an_unrelated_class_is_not_outbound():
    assert javascript_client_calls("cache.js", (FIXTURE / "cache.js").read_text()) == []
