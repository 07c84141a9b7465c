"""Request data to sinks through same-repository calls, on fixture apps of each shape (helper in another
module, helper of a helper, method on a repository class, decorator, callback, recursion), each with safe
twins that must not be flagged."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.program import ProgramModel, flow_text
from helpers import flow_fixture_program

FLOWS = Path(__file__).parent / "fixtures" / "flows"


@pytest.fixture(scope="module")
def model():
    return flow_fixture_program


def sinks(m: ProgramModel) -> set[tuple[str, str, int | None, int | None]]:
    """(kind, sink file, sink line, source line) of every flow."""
    return {(f.kind, f.sink.file, f.sink.line, f.source.line) for f in m.flows}


def test_helper_in_another_module(model):
    m = model("helper_module")
    # search (read at views.py:10) and by_label (views.py:17, helper imported under an alias) reach
    # db.run_query's execute; lookup (bound parameters), by_id (int cast), recent (constant) and
    # sorted_products (checked against an allow-list) do not
    assert sinks(m) == {("sql", "shop/db.py", 10, 10), ("sql", "shop/db.py", 10, 17)}
    flow = next(f for f in m.flows if f.source.line == 10)
    assert [s.step for s in flow.steps] == ["source", "call", "sink"]
    assert flow_text(flow.steps) == "request.args -> views.py:12 -> db.py:10 cursor.execute"
    assert flow.steps[1].snippet == 'return {"rows": db.run_query(sql)}'


def test_helper_of_a_helper_with_relative_imports(model):
    m = model("helper_of_helper")
    assert sinks(m) == {("sql", "shop/repo.py", 8, 8)}
    flow = m.flows[0]
    assert [(s.file, s.line) for s in flow.steps] == [
        ("shop/routes.py", 8), ("shop/routes.py", 8), ("shop/services.py", 5), ("shop/repo.py", 8)]


def test_method_on_a_repository_class(model):
    m = model("repository_class")
    # a local instance and a module-level one; the ORM .like() filter and the pid read from the database
    # (then given to os.system) are not flows
    assert sinks(m) == {("sql", "shop/repository.py", 14, 10), ("sql", "shop/repository.py", 14, 14)}
    assert {f.source.file for f in m.flows} == {"shop/views.py"}
    assert all(f.kind != "shell" for f in m.flows)


def test_decorators(model):
    m = model("decorator")
    # with_host's wrapper reads the request and calls the function it decorates; timed() is a factory
    assert sinks(m) == {("shell", "app.py", 27, 12), ("shell", "app.py", 37, 52)}
    assert not any(f.sink.line == 32 for f in m.flows)   # ping_safe: a list command without a shell


def test_callbacks(model):
    m = model("callback")
    # hello_guest passes a constant; echo's response is text/plain; the template source built from the name is
    # also the page, written out unescaped (html)
    assert sinks(m) == {("template", "app.py", 13, 18), ("html", "app.py", 13, 18),
                        ("deserialisation", "loaders.py", 9, 28)}
    assert sorted(m.program.entries) == ["app.py::echo", "app.py::hello", "app.py::hello_guest", "app.py::restore",
                                         "app.py::restore_file"]


def test_recursion_and_escape(model):
    m = model("recursion")
    # mutual recursion walk/visit and self-recursive fetch terminate; escape() inside mark_safe is safe
    assert sinks(m) == {("path", "app.py", 11, 26), ("url", "app.py", 22, 30), ("html", "app.py", 38, 38)}


def test_audit_fails_with_the_flow_on_the_evidence(audited):
    report = audited(FLOWS / "helper_module")
    item = next(i for i in report["items"] if i["id"] == "SEC-SQLI")
    assert item["verdict"] == "fail"
    flows = [e for e in item["evidence"] if e.get("flow")]
    assert {(e["file"], e["line"]) for e in flows} == {("shop/db.py", 10)}
    assert [s["step"] for s in flows[0]["flow"]][0] == "source"
    assert flows[0]["flow"][-1]["note"] == "cursor.execute"


def test_sql_and_commands_from_values_no_request_sends_are_notes(audited):
    """Constant table names, a pid read from the database, an int() cast: the engines flag the string
    building, the program model shows no request data reaches it."""
    report = audited(FLOWS / "untainted")
    items = {i["id"]: i for i in report["items"]}
    sqli, injection = items["SEC-SQLI"], items["SEC-INJECTION"]
    assert sqli["verdict"] == "pass", sqli["rationale"]
    assert "never come from a request" in sqli["rationale"]
    assert sqli["details"]["not_from_request"] == ["shop/app.py:32", "shop/db.py:20"]
    assert injection["verdict"] == "pass", injection["rationale"]
    assert injection["details"]["not_from_request"] == ["shop/app.py:25"]


def test_values_checked_before_the_sink_are_safe(model):
    m = model("checked_values")
    # table_size (name.isidentifier() around the sink), column_values (re.fullmatch, else abort) and count
    # (quote characters kept out before SQL that quotes the value) are not flows; count_any (no check) and
    # search (startswith proves nothing about the characters) are
    assert sinks(m) == {("sql", "reports/store.py", 23, 32), ("sql", "reports/store.py", 6, 37)}


def test_engine_findings_on_checked_values_are_notes(audited):
    report = audited(FLOWS / "checked_values")
    item = next(i for i in report["items"] if i["id"] == "SEC-SQLI")
    assert item["verdict"] == "fail"
    places = {(e["file"], e["line"]) for e in item["evidence"]}
    # count_rows: semgrep sees SQL text built with .format(); quote characters were refused before it
    assert ("reports/store.py", 15) not in places
    assert item["details"]["not_from_request"] == ["reports/store.py:15"]
    assert places == {("reports/store.py", 6), ("reports/store.py", 23)}
    assert all(e.get("flow") for e in item["evidence"])


def test_request_data_reaches_the_url_only_when_it_can_choose_the_host(model):
    m = model("outbound_hosts")
    # translate (query values and body after a written host), item (a path segment after a written host, through a
    # local name) and search (params=) do not choose where the call goes; fetch (the whole URL), proxy (the host of an
    # f-string) and mirror (the host of a concatenation) do; catalogue (a path after a configured base URL) and
    # lookup (a query value after a configured base, headers= and data=) do not; tenant (request data glued to a
    # configured base with no separator) and port (request data in the port) do; on an internal host a path
    # segment reaches the service's other endpoints (asset), a query value does not (asset_search)
    assert {(f.kind, f.sink.line) for f in m.flows} == {("url", 30), ("url", 35), ("url", 41), ("url", 61),
                                                         ("url", 66), ("url", 72)}


def test_request_data_reaches_a_file_path(model):
    m = model("file_paths")
    # download (send_file of a joined name), report (open of a concatenation) and attachment (an upload saved
    # under its own filename) reach a path; send_from_directory, secure_filename, basename and a model's save()
    # do not (the semgrep rule python-path-from-request was retired for these flows, issue 17)
    assert {(f.kind, f.sink.line) for f in m.flows} == {("path", 13), ("path", 18), ("path", 25)}


def test_injection_and_xss_sinks_through_helpers(model):
    """Template source, eval, yaml/pickle/marshal, shell and HTML responses reached through a helper in another
    module, a helper of a helper, a method of an instance made in the call, a decorator, an error handler and
    an upload saved then read back; each safe twin (constant template with context variables, escape(), int(),
    SafeLoader / safe_load, a list command, text/plain) is not flagged."""
    m = model("sinks_through_helpers")
    found = {(f.kind, f.sink.file, f.sink.line, f.source.file, f.source.line) for f in m.flows}
    assert found == {
        ("template", "notes/rendering.py", 8, "notes/views.py", 18),     # helper in another module
        ("html", "notes/rendering.py", 8, "notes/views.py", 18),
        ("template", "notes/rendering.py", 8, "notes/views.py", 30),     # helper of a helper
        ("html", "notes/rendering.py", 8, "notes/views.py", 30),
        ("template", "notes/rendering.py", 12, "notes/views.py", 40),    # Environment.from_string
        ("code", "notes/calc.py", 2, "notes/views.py", 50),
        ("deserialisation", "notes/importers.py", 13, "notes/views.py", 60),   # Importer("yaml").load(...)
        ("deserialisation", "notes/importers.py", 20, "notes/views.py", 70),   # marshal through a method
        ("deserialisation", "notes/views.py", 79, "notes/views.py", 75),       # upload saved, read back
        ("shell", "notes/tools.py", 15, "notes/tools.py", 10),                 # the decorator's request data
        ("shell", "notes/tools.py", 15, "notes/views.py", 95),                 # the route's own parameter
        ("html", "notes/views.py", 107, "notes/views.py", 107),                # flask.Response, text/html
        ("html", "notes/errors.py", 9, "notes/errors.py", 9),                  # @app.errorhandler, request.path
        ("html", "notes/errors.py", 18, "notes/errors.py", 18),                # register_error_handler
    }
    assert "notes/errors.py::not_found" in m.program.entries
    upload = next(f for f in m.flows if f.sink.line == 79)
    assert [s.label for s in upload.steps] == ["request.files", "saved to path", "read back", "yaml.load"]


def test_django_template_shell_and_pickle_through_helpers(model):
    """Django: request data as a Template's source in a helper module, a shell=True command in a method of an
    instance made in the call, pickle.loads behind a helper of a helper; the twins (context variables, a list
    command, json) are not flagged."""
    m = model("django_sinks")
    found = {(f.kind, f.sink.file, f.sink.line, f.source.line) for f in m.flows}
    assert found == {("template", "notes/templating.py", 5, 10), ("shell", "notes/exporter.py", 9, 18),
                     ("deserialisation", "notes/state.py", 11, 28)}
    pickle_flow = next(f for f in m.flows if f.kind == "deserialisation")
    assert [(s.file, s.line) for s in pickle_flow.steps] == [
        ("notes/views.py", 28), ("notes/views.py", 28), ("notes/state.py", 7), ("notes/state.py", 11)]


def test_audit_of_sinks_through_helpers_counts_only_the_flows(audited):
    """The whole audit: every violation of SEC-INJECTION and SEC-XSS is a flow (the engines' findings on the
    safe twins, yaml.load with SafeLoader, the list command, the escaped response, are not counted)."""
    report = audited(FLOWS / "sinks_through_helpers")
    items = {i["id"]: i for i in report["items"]}
    injection = {(e["file"], e["line"]) for e in items["SEC-INJECTION"]["evidence"] if e["kind"] == "violation"}
    assert injection == {("notes/calc.py", 2), ("notes/importers.py", 13), ("notes/importers.py", 20),
                         ("notes/rendering.py", 8), ("notes/rendering.py", 12), ("notes/tools.py", 15),
                         ("notes/views.py", 79)}
    xss = {(e["file"], e["line"]) for e in items["SEC-XSS"]["evidence"] if e["kind"] == "violation"}
    assert xss == {("notes/errors.py", 9), ("notes/errors.py", 18), ("notes/rendering.py", 8), ("notes/views.py", 107)}
    assert all(e.get("flow") for e in items["SEC-XSS"]["evidence"] if e["kind"] == "violation")


def test_request_data_reaches_the_url_of_a_client_session(model):
    m = model("session_clients")
    # a requests.Session made here (callback), kept on self (Notifier.ping, from notify), an httpx.Client of a
    # with block (mirror) and aiohttp's session.request(method, url) (fetch) are URL sinks; their twins send
    # request data in a body, a query or a path after a configured host, or choose only the method
    # (the model follows these through calls; the semgrep rule sees one function at a time)
    assert {(f.kind, f.sink.line) for f in m.flows} == {("url", 17), ("url", 27), ("url", 40), ("url", 62)}


def test_graphql_resolvers_are_entries_and_their_arguments_request_data(model):
    m = model("graphql_resolvers")
    # graphene resolve_<field> (resolve_notes) and mounted mutations (ArchiveNote.mutate), strawberry fields
    # (TagQuery.tagged) and ariadne resolvers (resolve_owner) build SQL from their arguments; their twins bind
    # them; `info` and the parent object are not arguments
    assert {(f.kind, f.sink.file, f.sink.line) for f in m.flows} == {
        ("sql", "notes/schema.py", 23), ("sql", "notes/schema.py", 44),
        ("sql", "notes/lookups.py", 14), ("sql", "notes/lookups.py", 23)}
    assert {m.program.entries[f.function] for f in m.flows} == {"graphql"}
