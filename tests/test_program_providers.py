"""Calls through values a framework provides: dependency-injector providers of a DeclarativeContainer
(`Depends(Provide[Container.x])`), FastAPI `Depends(get_x)`, attributes given to `__init__` typed with a port,
and an abstract port's one implementation; and a lazy relationship read by a method called on each row.
Each shape has a safe twin."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.program import ProgramModel, flow_text
from helpers import flow_fixture_program

FLOWS = Path(__file__).parent / "fixtures" / "flows"


@pytest.fixture(scope="module")
def model():
    return flow_fixture_program


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


def test_container_provider_resolves_to_the_class_it_builds(model):
    m: ProgramModel = model("di_container")
    calls = m.program.calls
    # the handler's parameter is annotated with the port; the container builds AccountService
    assert calls["accounts/api.py::register"] == ["accounts/service.py::AccountService.register"]
    # self.store is given to __init__ as the abstract AccountStore: its one implementation runs
    assert "accounts/store.py::SqlAccountStore.add" in calls["accounts/service.py::AccountService.register"]
    assert calls["accounts/service.py::AccountService.listing"] == ["accounts/store.py::SqlAccountStore.page"]
    assert "query" in m.summaries["accounts/api.py::list_accounts"].effects


def test_password_stored_as_given_through_the_container(model):
    flows = [flow_text(f.steps) for f in model("di_container").flows_of("password")]
    assert flows == ["parameter request of register -> api.py:20 -> service.py:10 Account.create"]
    assert model("di_container_safe").flows_of("password") == []


def test_fastapi_depends_function_and_class(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "svc.py").write_text(
        "class Mailer:\n    def send(self, to):\n        return to\n\n\n"
        "def get_mailer():\n    return Mailer()\n")
    (tmp_path / "app" / "api.py").write_text(
        "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n\nfrom app.svc import Mailer, get_mailer\n\n"
        "router = APIRouter()\n\n\n@router.post('/a')\ndef a(to: str, m=Depends(get_mailer)):\n    return m.send(to)\n\n\n"
        "@router.post('/b')\ndef b(to: str, m: Annotated[object, Depends(Mailer)]):\n    return m.send(to)\n")
    from auditor.endpoints import extract_endpoints
    from auditor.inventory import build_inventory
    from auditor.program import build_program
    from auditor.repo import Repository

    repo = Repository.scan(tmp_path)
    m = build_program(repo, extract_endpoints(repo, build_inventory(repo)).endpoints)
    assert m.program.calls["app/api.py::a"] == ["app/svc.py::Mailer.send"]
    assert m.program.calls["app/api.py::b"] == ["app/svc.py::Mailer.send"]


def test_lazy_relationship_read_by_a_method_per_row(model):
    m = model("nplusone_lazy_method")
    found = {fid: [flow_text(f) for f in s.row_queries] for fid, s in m.summaries.items() if s.row_queries}
    assert found == {
        # a comprehension over the query calling the method through its class
        "library/models.py::Loan.everything": ["models.py:25 -> models.py:25 -> models.py:18 self.reader loads lazily"],
        # a for loop calling the method on each row
        "library/views.py::recent": ["views.py:15 -> views.py:16 -> models.py:18 self.reader loads lazily"],
    }
    # brief() reads no relationship: titles() is safe; with_readers() loops over a helper's joinedload query
    assert not m.summaries["library/views.py::titles"].row_queries
    assert m.summaries["library/queries.py::loans_with_readers"].returns_eager
    assert not m.summaries["library/views.py::with_readers"].row_queries


def test_lazy_relationship_safe_twin(model):
    m = model("nplusone_lazy_safe")   # the relationship is declared lazy="joined"
    assert not any(s.row_queries for s in m.summaries.values())


def test_audit_di_container(audited):
    report = audited(FLOWS / "di_container")
    assert item(report, "SEC-CRYPTO")["verdict"] == "fail"
    n1 = item(report, "PERF-N-PLUS-1")
    assert n1["verdict"] == "pass", n1["rationale"]
    assert n1["details"]["query_loops_through_helpers"] == 1
    safe = audited(FLOWS / "di_container_safe")
    assert item(safe, "SEC-CRYPTO")["verdict"] == "pass", item(safe, "SEC-CRYPTO")["rationale"]


def test_audit_lazy_relationship_per_row(audited):
    result = item(audited(FLOWS / "nplusone_lazy_method"), "PERF-N-PLUS-1")
    assert result["verdict"] == "fail", result["rationale"]
    lines = {(e["file"], e["line"]) for e in result["evidence"] if e["kind"] == "violation"}
    assert ("library/models.py", 25) in lines and ("library/views.py", 15) in lines
    safe = item(audited(FLOWS / "nplusone_lazy_safe"), "PERF-N-PLUS-1")
    assert safe["verdict"] == "pass", safe["rationale"]


def test_graphene_resolver_curl_command_is_an_outbound_request(model):
    m = model("graphene_fetch")
    # an entry either way: through the GraphQL endpoint the inventory mounts ("graphql") or by its graphene base
    assert m.program.entries["notes/schema.py::FetchNote.mutate"] in ("graphql", "graphene")
    assert m.program.entries["notes/schema.py::Query.resolve_echo"] in ("graphql", "graphene")
    flows = sorted((f.kind, flow_text(f.steps)) for f in m.flows)
    assert flows == [("shell", "parameter address of mutate -> schema.py:13 -> shell.py:5 subprocess.run"),
                     ("url", "parameter address of mutate -> schema.py:13 shell command fetching a URL")]
    # the safe twin fixes scheme and host before the (quoted) argument
    assert model("graphene_fetch_safe").flows == []
