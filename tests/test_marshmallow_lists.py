"""PERF-N-PLUS-1 through marshmallow: a list handler dumping its query results with a schema declared
many=True whose fields read a lazy relationship of each row (its own or a base schema's); the safe twin loads
the relationship with joinedload, and a single row dumped is no N+1."""
from __future__ import annotations

from pathlib import Path

from auditor.probes.marshmallow_lists import list_dumps
from auditor.program import lazy_relations
from auditor.repo import Repository

FLOWS = Path(__file__).parent / "fixtures" / "flows"


def dumps(shape: str):
    repo = Repository.scan(FLOWS / shape)
    rels = [p for p in repo.paths("python") if p.endswith(".py")]
    modules = [(r, repo.python_ast(r)) for r in rels]
    return list_dumps([(r, t) for r, t in modules if t is not None], lazy_relations(repo, rels))


def test_many_schema_reading_a_lazy_relationship():
    found = {(d.file, d.line, d.handler, d.schema, tuple(f.name for f in d.per_row)) for d in dumps("schema_dump")}
    assert found == {
        ("shelf/views.py", 10, "list_items", "ItemListSchema", ("owner",)),   # decorator, inherited field
        ("shelf/views.py", 18, "plain_items", "ItemSchema", ("owner",)),      # Schema(many=True).dump(rows)
    }   # one_item dumps one row; `items` is load_only


def test_eager_loading_twin():
    assert dumps("schema_dump_safe") == []


def test_audit_schema_dump(audited):
    result = next(i for i in audited(FLOWS / "schema_dump")["items"] if i["id"] == "PERF-N-PLUS-1")
    assert result["verdict"] == "fail", result["rationale"]
    assert result["details"]["n_plus_one_in_schema_dumps"] == ["list_items (ItemListSchema)",
                                                               "plain_items (ItemSchema)"]
    safe = next(i for i in audited(FLOWS / "schema_dump_safe")["items"] if i["id"] == "PERF-N-PLUS-1")
    assert safe["verdict"] == "pass", safe["rationale"]
