"""The Go reader: functions and statements from gofmt'd text, and routes with full paths and classified
middleware on the fixture services under tests/fixtures/stacks (gin-secure does each thing right, gin-open
leaves each one out)."""
from __future__ import annotations

from pathlib import Path

from auditor.endpoints import go
from auditor.endpoints.goread import parameters, parse_file, statements
from auditor.repo import Repository

STACKS = Path(__file__).parent / "fixtures" / "stacks"


def routes(name: str) -> dict:
    endpoints, _ = go.extract(Repository.scan(STACKS / name))
    return {(e.method, e.path): e for e in endpoints}


def test_parameters_share_a_type_across_names():
    assert parameters("a, b string, r *gin.RouterGroup") == [("a", "string"), ("b", "string"),
                                                             ("r", "*gin.RouterGroup")]


def test_functions_and_multiline_statements():
    gf = parse_file("x.go", 'package x\n\nfunc (h *H) Serve(w http.ResponseWriter) (int, error) {\n'
                            '\tr.Use(\n\t\ta,\n\t\tb,\n\t)\n\tr.GET("/x", h) // note {\n}\n')
    fn = gf.functions[0]
    assert (fn.name, fn.receiver) == ("Serve", "H")
    assert [s for _, s in statements(fn.body)] == ["r.Use(\n\t\ta,\n\t\tb,\n\t)", 'r.GET("/x", h)']


def test_full_paths_through_groups_and_router_parameters():
    eps = routes("gin-secure")
    assert set(eps) == {("GET", "/healthz"), ("POST", "/api/v1/users/login"), ("GET", "/api/v1/orders"),
                        ("POST", "/api/v1/orders"), ("DELETE", "/api/v1/orders/{id}")}


def test_middleware_classified_by_its_definition():
    eps = routes("gin-secure")
    create = eps[("POST", "/api/v1/orders")]
    assert create.authenticated is True and "Authenticate at users/auth.go" in create.protections["authenticated"][0]
    assert create.rate_limited is True and create.input_validated is True
    login = eps[("POST", "/api/v1/users/login")]
    assert login.authenticated is False and login.rate_limited is True   # registered before the Use: public
    assert eps[("DELETE", "/api/v1/orders/{id}")].authorized is True     # owner compared with the caller
    assert eps[("GET", "/api/v1/orders")].paginated is True
    assert create.csrf_applies is False                                  # bearer tokens, no cookie session


def test_open_service_is_judged_not_unknown():
    eps = routes("gin-open")
    create = eps[("POST", "/api/orders")]
    assert create.authenticated is False and create.rate_limited is False
    assert create.csrf_applies is True and create.csrf_protected is False   # gorilla/sessions cookie store
    assert create.input_validated is False
    assert eps[("GET", "/api/orders")].paginated is False
    assert eps[("DELETE", "/api/orders/{id}")].authorized is False


def test_optional_authentication_marks_routes_public(tmp_path):
    (tmp_path / "main.go").write_text('''package main

import (
\t"net/http"

\t"github.com/gin-gonic/gin"
)

func Auth(required bool) gin.HandlerFunc {
\treturn func(c *gin.Context) {
\t\tif c.GetHeader("Authorization") == "" {
\t\t\tif required {
\t\t\t\tc.AbortWithStatus(http.StatusUnauthorized)
\t\t\t}
\t\t}
\t}
}

func main() {
\tr := gin.New()
\tr.Use(Auth(false))
\tr.GET("/articles", list)
\tadmin := r.Group("/admin", Auth(true))
\tadmin.DELETE("/articles/:id", remove)
}
''')
    endpoints, _ = go.extract(Repository.scan(tmp_path))
    eps = {(e.method, e.path): e for e in endpoints}
    assert eps[("GET", "/articles")].authenticated is False and eps[("GET", "/articles")].protections.get("public")
    assert eps[("DELETE", "/admin/articles/{id}")].authenticated is True


def test_user_id_from_a_plain_cookie_is_an_unauthorized_object_endpoint():
    from auditor.endpoints.classify import is_object_endpoint
    endpoints, _ = go.extract(Repository.scan(STACKS / "go-cookie-identity"))
    by_path = {ep.path: ep for ep in endpoints}
    cookie = by_path["/profile"]
    assert is_object_endpoint(cookie) and cookie.authorized is False
    assert "plain cookie" in " ".join(cookie.notes)
    assert not is_object_endpoint(by_path["/me"])     # the id comes from the verified session
