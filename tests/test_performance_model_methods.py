"""PERF-N-PLUS-1 through model methods (program model): a loop over query results that calls a method of each
row whose queries follow the row (`row.to_dict()` -> `self.order_count()` -> a count filtered by self.id) runs
a query per row, also in a generic helper where the row's class is unknown (a mixin's collection(query, ...)),
and so does a page template that calls such a method for each row. Safe twins: a helper whose rows' method
reads columns only, and a template loop calling a method that runs no query."""
from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "flask-model-methods"
DJANGO = Path(__file__).parent / "fixtures" / "nplusone-django-templates"


def _item(audited, path: Path, item_id: str) -> dict:
    return next(i for i in audited(path)["items"] if i["id"] == item_id)


def test_a_row_method_that_queries_in_a_generic_helper(audited):
    item = _item(audited, FIXTURE, "PERF-N-PLUS-1")
    assert item["verdict"] == "fail"
    helpers = [e for e in item["evidence"] if e["rule_id"] == "n-plus-one/helper"]
    assert [(e["file"], e["line"]) for e in helpers] == [("shop/models.py", 15)]   # not cards() (columns only)
    flow = [(s["file"], s["line"]) for s in helpers[0]["flow"]]
    assert flow[-2:] == [("shop/models.py", 31), ("shop/models.py", 25)]            # to_dict -> order_count
    assert "list_customers" in helpers[0]["message"] and "list_products" not in helpers[0]["message"]


def test_a_template_loop_that_calls_a_querying_model_method(audited):
    item = _item(audited, FIXTURE, "PERF-N-PLUS-1")
    pages = [e for e in item["evidence"] if e["rule_id"] == "n-plus-one-template"]
    assert [(e["file"], e["line"]) for e in pages] == [("shop/templates/customers.html", 3)]   # not names.html
    assert "customer.order_count() runs a query" in pages[0]["message"]
    assert [(s["file"], s["line"]) for s in pages[0]["flow"]] == [
        ("shop/views.py", 41), ("shop/templates/customers.html", 2), ("shop/templates/customers.html", 3)]


def test_a_django_template_reads_a_foreign_key_per_row(audited):
    item = _item(audited, DJANGO, "PERF-N-PLUS-1")
    assert item["verdict"] == "fail"
    pages = [e for e in item["evidence"] if e["rule_id"] == "n-plus-one-template"]
    assert len(pages) == 1                                   # book_list_fast uses select_related
    assert (pages[0]["file"], pages[0]["line"]) == ("library/templates/library/_book.html", 1)
    assert "library/views.py:8" in pages[0]["message"] and "book.author" in pages[0]["message"]
