"""pg-promise on the JavaScript taint pass: the database object a module makes with `pgp = require('pg-promise')()`
and `db = pgp(connection)` (at top level or inside the function) runs SQL text with one/many/manyOrNone, and
request data reaches it through `url.parse(req.url, true).query` and through modules that export one function
(`module.exports = check_user`) or an object literal of functions (`module.exports = actions`). Safe twins:
values bound through pg-promise's second argument, a number from parseInt, and a `.one()` of an object that is
not pg-promise's."""
from pathlib import Path

import pytest

from auditor.program.js import build_js_program
from auditor.repo import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "js_taint_pgpromise"
ROUTES = "routes/shop.js"


@pytest.fixture(scope="module")
def program():
    return build_js_program(Repository.scan(FIXTURE))


def _sql(program):
    return {(f.steps[0].file, f.steps[0].line): f for f in program.flows if f.kind == "sql"}


def test_request_data_reaches_pg_promise_through_exported_modules(program):
    flows = _sql(program)
    # url.parse query -> object-literal export -> db.one / db.manyOrNone; req.body -> `module.exports = fn`
    assert set(flows) == {(ROUTES, 9), (ROUTES, 30), (ROUTES, 37)}, sorted(flows)
    detail = flows[(ROUTES, 9)]
    assert detail.steps[-1].file == "model/orders.js" and detail.steps[-1].line == 7
    assert detail.steps[-1].label == "pg-promise.one"
    assert [(s.file, s.line) for s in detail.steps if s.step == "call"] == [(ROUTES, 10)]
    signin = flows[(ROUTES, 37)]
    assert (signin.steps[-1].file, signin.steps[-1].line) == ("model/check_user.js", 7)


def test_bound_values_numbers_and_other_objects_are_not_flagged(program):
    flows = _sql(program)
    assert (ROUTES, 16) not in flows and (ROUTES, 23) not in flows     # $1 binding, parseInt
    assert not [f for f in program.flows if f.steps[-1].file == "model/tags.js"]
