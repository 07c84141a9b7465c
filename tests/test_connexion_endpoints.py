"""Connexion: the routes are in the OpenAPI/Swagger document, each operation naming its Python handler.

tests/fixtures/connexion-app is a shop whose FlaskApp adds an OpenAPI 3 document (a server URL with a path, a
global bearer requirement with its check function, public operations by `security: []`, a body schema from
components, a scheme with no check function, an operation whose handler does not exist) and a Swagger 2 JSON
document under `base_path=` with RestyResolver naming. The protections are what Connexion does before the
handler runs; what it does not do is left to the handler's own code."""
from pathlib import Path

import pytest

from auditor.endpoints import extract_endpoints
from auditor.endpoints.openapi_spec import SpecError, load_spec
from auditor.inventory import build_inventory
from auditor.repo import Repository
from helpers import write_files

FIXTURE = Path(__file__).parent / "fixtures" / "connexion-app"


def inventory_of(root):
    repo = Repository.scan(root)
    return extract_endpoints(repo, build_inventory(repo))


@pytest.fixture(scope="module")
def shop():
    inv = inventory_of(FIXTURE)
    assert not inv.unsupported, inv.unsupported
    assert "connexion" in inv.frameworks
    return {(e.method, e.path): e for e in inv.endpoints if e.framework == "connexion"}


def test_the_inventory_detects_connexion():
    repo = Repository.scan(FIXTURE)
    assert "connexion" in build_inventory(repo).framework_names


def test_full_paths_under_the_server_url_and_the_base_path_argument(shop):
    assert set(shop) == {
        ("GET", "/api/v1/orders"), ("POST", "/api/v1/orders"), ("POST", "/api/v1/orders/import"),
        ("GET", "/api/v1/orders/{order_id}"), ("POST", "/api/v1/orders/{order_id}/notes"), ("GET", "/api/v1/reports"),
        # the Swagger 2 document says basePath /old; add_api(base_path="/legacy") wins
        ("GET", "/legacy/items"), ("GET", "/legacy/items/{item_id}"),
    }


def test_handlers_resolve_to_the_python_function(shop):
    assert (shop[("POST", "/api/v1/orders")].file, shop[("POST", "/api/v1/orders")].line) == ("shop/api/orders.py", 10)
    assert shop[("POST", "/api/v1/orders")].handler == "create_order"
    # x-openapi-router-controller + operationId "Notes.add": a method of a class in that module
    notes = shop[("POST", "/api/v1/orders/{order_id}/notes")]
    assert (notes.handler, notes.file, notes.line) == ("Notes.add", "shop/api/orders.py", 28)
    # RestyResolver("shop.api"): GET /items -> shop.api.items.search, GET /items/{id} -> shop.api.items.get
    assert (shop[("GET", "/legacy/items")].handler, shop[("GET", "/legacy/items")].line) == ("search", 4)
    assert shop[("GET", "/legacy/items/{item_id}")].handler == "get"


def test_an_unresolved_handler_is_still_an_endpoint_pointing_at_the_document(shop):
    reports = shop[("GET", "/api/v1/reports")]
    assert (reports.file, reports.line) == ("shop/spec/shop.yaml", 123)
    assert any("was not found in the repository" in n for n in reports.notes)
    assert reports.authenticated is True     # the global requirement still guards it


def test_security_from_the_document(shop):
    write = shop[("POST", "/api/v1/orders")]
    assert write.authenticated is True
    assert "x-bearerInfoFunc: shop.auth.decode_token" in write.protections["authenticated"][0]
    assert write.csrf_applies is False       # a bearer token, not a cookie
    # security: [] on a write route: public, and nothing in the handler checks anyone
    unsecured = shop[("POST", "/api/v1/orders/import")]
    assert unsecured.authenticated is False
    assert any("`security: []`" in n for n in unsecured.notes)
    assert shop[("GET", "/api/v1/orders")].authenticated is False
    # a scheme with no check function is not enforced by Connexion
    notes = shop[("POST", "/api/v1/orders/{order_id}/notes")]
    assert notes.authenticated is False
    assert any("docs_key" in n and "does not enforce" in n for n in notes.notes)


def test_a_check_function_that_never_refuses_is_named(shop):
    lax = shop[("GET", "/api/v1/orders/{order_id}")]
    assert lax.authenticated is True         # no credentials: 401
    assert "accept_anything" in lax.protections["authenticated"][0]
    assert "never returns None" in lax.protections["authenticated"][0]
    assert "never returns None" not in shop[("POST", "/api/v1/orders")].protections["authenticated"][0]


def test_validation_by_schema_and_by_parameter_type(shop):
    assert shop[("POST", "/api/v1/orders")].input_validated is True            # $ref schema with required, bounds
    assert shop[("POST", "/api/v1/orders/{order_id}/notes")].input_validated is True
    loose = shop[("POST", "/api/v1/orders/import")]
    assert loose.input_validated is False                                       # types only, nothing required
    assert any("accepts any object" in n for n in loose.notes)
    assert shop[("GET", "/api/v1/orders/{order_id}")].input_validated is True   # integer path parameter
    assert shop[("GET", "/legacy/items/{item_id}")].input_validated is False    # any string


def test_pagination_from_the_list_response_and_query_parameters(shop):
    assert shop[("GET", "/api/v1/orders")].paginated is True
    assert shop[("GET", "/legacy/items")].paginated is False


APP = '''import connexion

app = connexion.App(__name__, specification_dir="openapi/")
app.add_api("api.yaml")
'''
HANDLERS = "def ping():\n    return 'pong'\n"


def test_a_document_that_does_not_parse_leaves_connexion_unread_with_the_reason(tmp_path):
    root = write_files(tmp_path / "svc", {
        "requirements.txt": "connexion\n", "app.py": APP, "handlers.py": HANDLERS,
        "openapi/api.yaml": "openapi: 3.0.0\npaths:\n  /ping:\n    get: [unclosed\n"})
    inv = inventory_of(root)
    assert [u for u in inv.unsupported if u.startswith("connexion:")], inv.unsupported
    assert "openapi/api.yaml does not parse" in inv.unsupported[0]
    assert not inv.endpoints


def test_a_missing_document_is_named(tmp_path):
    root = write_files(tmp_path / "svc", {"requirements.txt": "connexion\n", "app.py": APP, "handlers.py": HANDLERS})
    inv = inventory_of(root)
    assert any("'api.yaml'" in u and "not in the repository" in u for u in inv.unsupported), inv.unsupported


def test_a_readable_document_next_to_the_app(tmp_path):
    spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /ping:\n    get:\n      operationId: handlers.ping\n"
    root = write_files(tmp_path / "svc", {"requirements.txt": "connexion\n", "app.py": APP, "handlers.py": HANDLERS,
                                          "openapi/api.yaml": spec})
    inv = inventory_of(root)
    assert not inv.unsupported
    [ep] = inv.endpoints
    assert (ep.method, ep.path, ep.file, ep.line, ep.handler) == ("GET", "/ping", "handlers.py", 1, "ping")


def test_safe_load_never_builds_objects():
    with pytest.raises(SpecError):
        load_spec("api.yaml", "!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(SpecError, match="not an OpenAPI"):
        load_spec("api.yaml", "- just\n- a list\n")


def test_anchors_that_fan_out_are_read_once():
    # eight levels of ten aliases each: 10**8 schema objects when walked as a tree, nine when read once
    levels = ["l0: &l0 {type: string}"]
    for i in range(1, 9):
        props = ", ".join(f"p{j}: *l{i - 1}" for j in range(10))
        levels.append(f"l{i}: &l{i} {{type: object, properties: {{{props}}}}}")
    text = "openapi: 3.0.0\nx-defs:\n" + "\n".join("  " + line for line in levels) + "\npaths: {}\n"
    spec, _ = load_spec("api.yaml", text)
    assert spec.constrains(spec.doc["x-defs"]["l8"]) is False
