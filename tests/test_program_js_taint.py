"""JavaScript/TypeScript taint on the tree-sitter program model (auditor/program/js/taint.py), on a small
Express app: request data reaching SQL through a helper in another module, a helper of a helper, a method of a
class instance a module exports, an inline callback and a recursive helper; a shell command, a file path, an
outbound URL (also from an XML-RPC method's parameters) and an HTML body. Each shape has a safe twin (parameter binding, a constant, parseInt/Number, a
fixed host, path.basename, an escape function, execFile without a shell) that must not be flagged."""
from pathlib import Path

import pytest

from auditor.program.js import build_js_program
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures"
CONTROLLER = "src/controllers/items.controller.js"


@pytest.fixture(scope="module")
def program():
    return build_js_program(Repository.scan(FIXTURES / "js_taint"))


def _flows(program, kind):
    return {(f.steps[0].line, f.steps[-1].file, f.steps[-1].line): f for f in program.flows if f.kind == kind}


def _call_lines(flow):
    return [(s.file, s.line) for s in flow.steps if s.step == "call"]


def test_sql_through_helpers_and_their_safe_twins(program):
    flows = _flows(program, "sql")
    sources = {line for line, _, _ in flows}
    # search (helper in another module), byColour (helper of a helper), byCategory (class method of an
    # exported instance), many (callback), anyOf (recursive helper building the text)
    assert sources == {8, 19, 31, 42, 58, 91}, sorted(flows)
    assert all(f.steps[-1].file == "src/lib/db.js" and f.steps[-1].line == 7 for f in flows.values())
    # the safe twins: searchSafe (binding), byColourSafe (constant), byPage (Number), manySafe (parseInt in
    # map), anyOfSafe (recursion over parseInt values), limited (a helper returning parseInt of the request)
    assert not sources & {13, 25, 36, 50, 62, 95}


def test_the_flow_shows_each_call(program):
    flows = _flows(program, "sql")
    colour = next(f for (line, _, _), f in flows.items() if line == 19)
    assert colour.steps[0].step == "source" and colour.steps[0].label == "req.body"
    assert _call_lines(colour) == [(CONTROLLER, 20), ("src/lib/db.js", 12)]
    category = next(f for (line, _, _), f in flows.items() if line == 31)
    assert _call_lines(category) == [(CONTROLLER, 31), ("src/repositories/item.repository.js", 5)]


def test_request_data_a_helper_returns(program):
    filtered = next(f for (line, _, _), f in _flows(program, "sql").items() if line == 91)
    assert [s.step for s in filtered.steps] == ["source", "return", "call", "sink"]
    assert filtered.steps[1].line == 99


def test_recursion_terminates_and_keeps_the_built_text(program):
    summaries = program.taint
    assert 0 in summaries["src/lib/filters.js::joinConditions"].returns
    assert summaries["src/lib/filters.js::joinIds"].returns == {}


def test_other_sinks_and_their_twins(program):
    assert set(_flows(program, "shell")) == {(10, "src/controllers/tools.controller.js", 6)}
    assert set(_flows(program, "path")) == {(18, "src/controllers/tools.controller.js", 19),   # no basename
                                            (28, "src/controllers/tools.controller.js", 28)}   # no { root }
    assert set(_flows(program, "url")) == {(69, "src/lib/fetcher.js", 4),      # price() has a fixed host
                                           (7, "src/rpc.js", 8)}               # site.version a constant URL
    assert set(_flows(program, "html")) == {(78, CONTROLLER, 78)}               # helloSafe escapes


def test_a_helper_nobody_calls_that_builds_sql_from_its_parameter():
    program = build_js_program(Repository.scan(FIXTURES / "js_taint_uncalled"))
    assert program.flows == []
    assert [(f.kind, f.sink.line) for f in program.open_flows] == [("sql", 9)]
    assert "findByCustomerIds" in program.open_flows[0].source.label


def test_sec_sqli_fails_with_the_js_flow_on_the_evidence(audited):
    report = audited(FIXTURES / "js_taint")
    items = {i["id"]: i for i in report["items"]}
    sqli = items["SEC-SQLI"]
    assert sqli["verdict"] == "fail"
    flows = [e for e in sqli["evidence"] if e.get("flow")]
    assert {(e["file"], e["line"]) for e in flows} == {("src/lib/db.js", 7)}
    assert flows[0]["flow"][0]["step"] == "source"
    for item in ("SEC-INJECTION", "SEC-SSRF", "SEC-XSS"):
        assert items[item]["verdict"] == "fail", items[item]["rationale"]
        assert any(e.get("flow") for e in items[item]["evidence"])


def test_a_file_too_deeply_nested_is_listed_not_raised(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "deep"}')
    (tmp_path / "deep.js").write_text("function f(req) {\n  return db.query('x'\n" + "    + req.body.a\n" * 5000
                                      + "  );\n}\nmodule.exports = f;\n")
    program = build_js_program(Repository.scan(tmp_path))
    assert [rel for rel, why in program.errors if why.startswith("too deeply nested")] == ["deep.js"]


def test_decorated_parameters_and_resolver_args_are_request_data():
    """NestJS @Param() reaching a service method through the typed constructor parameter; a GraphQL resolver's
    args reaching a shell command inside a Promise executor. Twins: a bound value, an allow-listed column, a
    constant command."""
    program = build_js_program(Repository.scan(FIXTURES / "js_taint_nest"))
    found = {(f.kind, f.source.label, f.sink.file, f.sink.line) for f in program.flows}
    assert found == {("sql", "@Param('region')", "src/reports/reports.service.ts", 9),
                     ("shell", "lookup args", "src/graphql/resolvers.js", 6)}
    assert program.open_flows == []


def test_sec_sqli_fails_on_an_uncalled_helper_and_says_so(audited):
    report = audited(FIXTURES / "js_taint_uncalled")
    sqli = next(i for i in report["items"] if i["id"] == "SEC-SQLI")
    assert sqli["verdict"] == "fail"
    assert [(e["file"], e["line"], e["rule_id"]) for e in sqli["evidence"]] == \
        [("src/order.repository.ts", 9, "program-uncalled-sql")]
    assert "helpers nobody in the repository calls" in sqli["rationale"]
