"""DB-QUERY-OPTIMIZATION for Prisma: a to-many relation loaded in full (`likedBy: true`) whose rows the code only
counts or searches is over-fetching; the twin counts with _count, filters the relation to the row looked for,
and loads in full only a relation it maps (notes)."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.probes.prisma_overfetch import relation_overfetch, to_many_relations

ROOT = Path(__file__).parent / "fixtures" / "database"


def read(name: str) -> tuple[dict[str, str], dict[str, str]]:
    base = ROOT / name
    schemas = {str(p.relative_to(base)): p.read_text() for p in base.rglob("*.prisma")}
    sources = {str(p.relative_to(base)): p.read_text() for p in base.rglob("*.ts")}
    return schemas, sources


def test_to_many_relations_come_from_list_fields_of_models():
    schemas, _ = read("prisma-overfetch")
    assert to_many_relations(schemas["prisma/schema.prisma"]) == {"likedBy", "notes", "likes", "posts"}


def test_full_load_only_counted_or_searched_is_found():
    found = relation_overfetch(*read("prisma-overfetch"))
    # likedBy: true at line 18 (the _count select of the same relation is no load; notes are mapped, so needed)
    assert [(o.file, o.line, o.relation, o.use) for o in found] == [("src/posts.ts", 18, "likedBy", "some")]


def test_counted_and_filtered_twin_is_not_flagged():
    assert relation_overfetch(*read("prisma-counted")) == []


def test_the_item_fails_on_the_overfetch_and_not_on_its_twin():
    def item(name: str) -> dict:
        report = run_audit(ROOT / name, AuditOptions(only=("DB-QUERY-OPTIMIZATION",)))
        return next(i for i in report["items"] if i["id"] == "DB-QUERY-OPTIMIZATION")
    bad = item("prisma-overfetch")
    assert bad["verdict"] == "fail", bad["rationale"]
    assert any(e["rule_id"] == "db-query/relation-rows-loaded-to-count" and e["line"] == 18 for e in bad["evidence"])
    assert not any(e["rule_id"] == "db-query/relation-rows-loaded-to-count" for e in item("prisma-counted")["evidence"])
