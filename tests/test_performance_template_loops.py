"""PERF-N-PLUS-1 in pages: a handler renders query results, the template loops over them and reads a lazy
relationship of each row (here through an included template); the eager-loading handler and the loop that reads
only columns are safe twins."""
from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "nplusone-templates"


def test_a_lazy_relationship_read_in_a_template_loop(audited):
    item = next(i for i in audited(FIXTURE)["items"] if i["id"] == "PERF-N-PLUS-1")
    assert item["verdict"] == "fail"
    pages = [e for e in item["evidence"] if e["rule_id"] == "n-plus-one-template"]
    assert len(pages) == 1                                   # index only: feed loads eagerly, bodies reads columns
    evidence = pages[0]
    assert (evidence["file"], evidence["line"]) == ("blog/templates/_post.html", 2)
    assert "blog/views.py:13" in evidence["message"] and "post.author" in evidence["message"]
    assert [(s["file"], s["line"]) for s in evidence["flow"]] == [
        ("blog/views.py", 13), ("blog/templates/index.html", 3), ("blog/templates/_post.html", 2)]
