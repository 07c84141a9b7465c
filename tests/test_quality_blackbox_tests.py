"""QA-TESTS: a test that sends real HTTP requests to a running server (black-box, end to end) is an
integration test, directly or through a helper module beside the tests; one whose requests a mocking
library answers in-process is not."""
from __future__ import annotations

import ast
import textwrap

from auditor.probes.testkinds import INTEGRATION, UNIT, http_helpers, python_tests


def _tests(source: str, helpers: frozenset[str] = frozenset()):
    tree = ast.parse(textwrap.dedent(source))
    return {t.name: t for t in python_tests("tests/test_api.py", tree, frozenset(), helpers)}


def test_requests_to_a_running_server_are_integration():
    found = _tests("""
        import requests
        from common import URL, graph_query

        def test_login():
            r = requests.post(URL + "/login", json={"user": "a", "password": "b"})
            assert r.status_code == 200

        def test_query():
            assert graph_query(URL + "/graphql", "{ pastes { id } }").json()["data"]

        def test_slug():
            assert slugify("A b") == "a-b"
    """, frozenset({"graph_query"}))
    assert found["test_login"].kind == INTEGRATION and "requests.post" in found["test_login"].why
    assert found["test_query"].kind == INTEGRATION and "graph_query" in found["test_query"].why
    assert found["test_slug"].kind == UNIT


def test_helpers_of_a_support_module():
    support = ast.parse(textwrap.dedent("""
        import requests
        URL = "http://127.0.0.1:5013"

        def graph_query(url, query):
            return requests.post(url, json={"query": query}, timeout=30)

        def generate_id():
            return "x"
    """))
    assert http_helpers(support) == {"graph_query"}


def test_mocked_http_is_not_a_server():
    found = _tests("""
        import requests
        import responses

        @responses.activate
        def test_client_wrapper():
            responses.add(responses.GET, "https://api.example.com/x", json={"ok": True})
            assert requests.get("https://api.example.com/x").json()["ok"]
    """)
    assert found["test_client_wrapper"].kind == UNIT
