"""API-REST-SEMANTICS through the program model: a GET whose handler reaches a commit through a
same-repository helper writes on GET, for a server-rendered page as for an API; the evidence sits at the
commit with the flow from the route. Safe twins: a before_request hook that commits (not the handler), a page
that only reads, and a GET+POST page whose helper commits only in the POST branch."""
from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "flask-model-methods"


def test_a_get_that_commits_through_a_helper(audited):
    item = next(i for i in audited(FIXTURE)["items"] if i["id"] == "API-REST-SEMANTICS")
    assert item["verdict"] in ("partial", "fail")
    writes = [e for e in item["evidence"] if "GET must be safe" in e["message"]]
    assert len(writes) == 1                                  # /inbox only: not the hook, /orders or /profile
    evidence = writes[0]
    assert (evidence["file"], evidence["line"]) == ("shop/services.py", 10)
    assert evidence["message"].startswith("GET /inbox")
    assert [(s["file"], s["line"]) for s in evidence["flow"]] == [
        ("shop/views.py", 17), ("shop/views.py", 19), ("shop/services.py", 10)]
    assert item["details"]["pages_that_write_on_get"] == 1
