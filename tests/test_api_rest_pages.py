"""API-REST-SEMANTICS on server-rendered pages: the pages are judged by the web items, except that a GET must
not write, whatever it answers (a crawler, a prefetch or a link preview would repeat the write)."""
from __future__ import annotations

from auditor.checks.api.rest_semantics import evaluate_rest_semantics
from auditor.model import Endpoint

PAGES = {
    "messages": ("def messages():\n    current_user.last_read = now()\n    db.session.commit()\n"
                 "    return render_template('messages.html', messages=load())\n"),
    "index": "def index():\n    return render_template('index.html', posts=Post.query.all())\n",
    "post_form": ("def post_form():\n    if request.method == 'POST':\n        db.session.add(Post())\n"
                  "        db.session.commit()\n    return render_template('form.html')\n"),
}


def _endpoint(name: str, method: str = "GET") -> Endpoint:
    return Endpoint(method, f"/{name}", name, "app/routes.py", 1, "flask")


def test_a_page_that_writes_on_get_breaks_rest_semantics():
    eps = [_endpoint("messages"), _endpoint("index"), _endpoint("post_form")]
    result = evaluate_rest_semantics("API-REST-SEMANTICS", eps, lambda e: PAGES[e.handler], lambda e: "", [])
    assert result.verdict == "fail"
    assert len(result.evidence) == 1 and "GET /messages (server-rendered page)" in result.evidence[0].message
    assert result.details["pages_that_write_on_get"] == 1


def test_pages_that_only_read_stay_not_applicable():
    eps = [_endpoint("index"), _endpoint("post_form")]   # post_form writes only in its POST branch
    result = evaluate_rest_semantics("API-REST-SEMANTICS", eps, lambda e: PAGES[e.handler], lambda e: "", [])
    assert result.verdict == "not_applicable"
