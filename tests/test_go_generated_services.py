"""Go services built on generated code: oapi-codegen route tables, gRPC client stubs, and the Go idioms the
reliability, API and database items read (retry loops, error-response helpers, an error branch returning another
error, pools opened at start-up or per request, row locks and Firestore transactions).

Fixtures: tests/fixtures/stacks/go-oapi-flawed (each shape done wrong) and go-oapi-safe (its twin, done right).
Both serve the same chi router built from an oapi-codegen ServerInterface, mounted under /api by a shared server
package whose router gets its middleware, auth included, through helper functions.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.database.concurrency import go_places
from auditor.endpoints import go
from auditor.endpoints.goprotect import go_handler_source
from auditor.probes.go_db_pools import db_pool_opens
from auditor.probes.go_error_responses import judge
from auditor.probes.go_errors import read_go_errors
from auditor.probes.go_retry_loops import retry_loops
from auditor.probes.outbound_clients import go_client_calls, go_stubs
from auditor.repo import Repository

STACKS = Path(__file__).parent / "fixtures" / "stacks"
FLAWED = STACKS / "go-oapi-flawed"
SAFE = STACKS / "go-oapi-safe"


def scan(path: Path) -> Repository:
    return Repository.scan(path)


def endpoints(path: Path) -> dict:
    eps, _ = go.extract(scan(path))
    return {(e.method, e.path): e for e in eps}


@pytest.mark.parametrize("path", [FLAWED, SAFE])
def test_generated_route_table_with_the_mount_prefix_and_router_middleware(path):
    eps = endpoints(path)
    assert set(eps) == {("GET", "/api/orders"), ("PUT", "/api/orders/{orderID}")}
    update = eps[("PUT", "/api/orders/{orderID}")]
    # handled by the repository's own implementation of the ServerInterface, not the generated wrapper
    assert update.handler == "HttpServer.UpdateOrder" and update.file == "ports/http.go"
    # the auth middleware comes from setMiddlewares -> addAuthMiddleware, through the function literal main passes
    assert update.authenticated is True
    assert "TokenMiddleware" in update.protections["authenticated"][0]


def test_generated_files_stay_out_of_the_code_quality_items():
    repo = scan(FLAWED)
    assert "api/openapi_api.gen.go" in {f.path for f in repo.generated}
    assert "api/openapi_api.gen.go" not in repo.paths(language="go")


def test_an_unregistered_generated_server_has_no_mount():
    """A registration function the repository never calls does not add a second, bare copy of each route."""
    eps = endpoints(SAFE)
    assert not any(path == "/orders" for _, path in eps)


def grpc_calls(path: Path):
    repo = scan(path)
    stubs = go_stubs([(f.path, repo.read_text(f.path) or "") for f in repo.generated if f.path.endswith("_grpc.pb.go")])
    calls = [c for p in repo.paths(language="go") for c in go_client_calls(p, repo.read_text(p) or "", stubs,
                                                                          calls_judged=True)]
    return stubs, {(c.file, c.constructor): c for c in calls}


def test_grpc_stub_calls_are_outbound_and_bounded_by_a_context_deadline():
    stubs, flawed = grpc_calls(FLAWED)
    assert stubs.clients == {"StockServiceClient"} and stubs.methods == {"ReserveStock"}
    rpc = flawed[("adapters/stock_grpc.go", False)]
    assert rpc.kind == "rpc" and rpc.timeout is None and not rpc.bounded
    _, safe = grpc_calls(SAFE)
    assert safe[("adapters/stock_grpc.go", False)].timeout == "context.WithTimeout on ctx"
    # the non-blocking dial is not a wait of its own once the calls made through it are judged
    assert ("client/grpc.go", True) not in safe


def test_a_timeout_interceptor_at_the_dial_bounds_the_calls():
    text = ('package c\n\nimport (\n\t"google.golang.org/grpc"\n\t"example.com/x/pb"\n)\n\n'
            'func New(addr string) pb.ShopClient {\n'
            '\tconn, _ := grpc.Dial(addr, grpc.WithUnaryInterceptor(timeout.UnaryClientInterceptor(time.Second)))\n'
            '\treturn pb.NewShopClient(conn)\n}\n')
    [dial] = go_client_calls("c.go", text, go_stubs([]))
    assert dial.constructor and dial.timeout == "timeout.UnaryClientInterceptor"


def test_unbounded_retry_loop_without_wait_is_a_finding_and_its_twin_the_practice():
    [flawed] = retry_loops("adapters/orders_mysql.go", (FLAWED / "adapters/orders_mysql.go").read_text())
    assert flawed.function == "UpdateStatus" and not flawed.backoff and "continue" in flawed.how
    [safe] = retry_loops("adapters/orders_mysql.go", (SAFE / "adapters/orders_mysql.go").read_text())
    assert safe.backoff


def test_retry_loop_shapes():
    until_success = ("package x\n\nfunc f() error {\n\tfor {\n\t\terr := op()\n\t\tif err == nil {\n\t\t\treturn nil\n"
                     "\t\t}\n\t\tlog.Println(err)\n\t}\n}\n")
    assert [r.how for r in retry_loops("x.go", until_success)] == ["leaves the loop only when the error is nil"]
    consumer = ("package x\n\nfunc f(ch chan int) {\n\tfor {\n\t\tselect {\n\t\tcase v := <-ch:\n\t\t\tif err := use(v); "
                "err != nil {\n\t\t\t\tcontinue\n\t\t\t}\n\t\t}\n\t}\n}\n")
    assert retry_loops("x.go", consumer) == []
    over_items = ("package x\n\nfunc f(items []int) {\n\tfor _, it := range items {\n\t\tif err := use(it); err != nil {\n"
                  "\t\t\tcontinue\n\t\t}\n\t}\n}\n")
    assert retry_loops("x.go", over_items) == []


def test_an_error_branch_returning_another_error_loses_it():
    flawed = [d for d in read_go_errors(scan(FLAWED)).dropped if d.shape == "other-error-returned"]
    assert [(d.file, d.call) for d in flawed] == [("adapters/orders_mysql.go", "return err")]
    assert "commitErr" in flawed[0].message
    assert not [d for d in read_go_errors(scan(SAFE)).dropped if d.shape == "other-error-returned"]


def error_helpers(path: Path):
    repo = scan(path)
    eps, _ = go.extract(repo)
    return judge(go.go_index(repo), [(f"{e.method} {e.path}", e.handler, go_handler_source(repo, e)) for e in eps])


def test_error_response_helpers_every_handler_uses_are_the_central_format():
    safe = error_helpers(SAFE)
    assert safe.central and {h.name for h in safe.helpers} >= {"BadRequest", "InternalError", "respondWithError"}
    assert not error_helpers(FLAWED).central


def test_a_pool_opened_on_a_request_path_and_one_opened_at_start_up():
    def opens(path):
        repo = scan(path)
        eps, _ = go.extract(repo)
        return db_pool_opens(go.go_index(repo), {e.handler.split(".")[-1] for e in eps})
    [flawed] = opens(FLAWED)
    assert flawed.call == "sqlx.Connect" and flawed.per_request == "ListOrders"
    [safe] = opens(SAFE)
    assert safe.per_request is None


def test_row_locks_and_firestore_transactions_are_atomic_updates():
    assert [p.what for p in go_places("a.go", (SAFE / "adapters/orders_mysql.go").read_text())] == [
        "row lock (SELECT ... FOR UPDATE)"]
    assert go_places("c.go", "// wait for updates from the queue\n") == []
    assert go_places("a.go", (FLAWED / "adapters/orders_mysql.go").read_text()) == []
    firestore = 'err := c.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {'
    assert "Firestore transaction" in go_places("f.go", firestore)[0].what


def verdicts(report) -> dict:
    return {i["id"]: i["verdict"] for i in report["items"]}


def test_audit_verdicts_of_the_twins(audited):
    flawed = verdicts(audited(FLAWED))
    safe = verdicts(audited(SAFE))
    assert flawed["SEC-AUTHN"] == safe["SEC-AUTHN"] == "pass"
    assert flawed["API-DOCS"] == safe["API-DOCS"] == "pass"
    assert flawed["API-ERROR-FORMAT"] == "fail" and safe["API-ERROR-FORMAT"] == "pass"
    assert flawed["REL-RETRY"] == "fail" and safe["REL-RETRY"] == "pass"
    assert flawed["REL-TIMEOUTS"] in ("fail", "partial") and safe["REL-TIMEOUTS"] == "pass"
    assert flawed["REL-ERROR-HANDLING"] in ("fail", "partial") and safe["REL-ERROR-HANDLING"] == "pass"
    assert flawed["PERF-POOLING"] == "fail" and safe["PERF-POOLING"] == "pass"
    assert flawed["DB-CONCURRENCY"] == "not_applicable" and safe["DB-CONCURRENCY"] == "pass"
    assert flawed["QA-LAYERING"] == "partial" and safe["QA-LAYERING"] == "pass"


def _index(files: dict[str, str]):
    from auditor.endpoints.goread import GoIndex, parse_file
    index = GoIndex()
    for path, text in files.items():
        gf = parse_file(path, text)
        index.files[path] = gf
        for fn in gf.functions:
            index.by_name.setdefault(fn.name, []).append(fn)
    return index


COMMAND = ("package command\n\ntype updateOrderHandler struct{ repo Repository }\n\n"
           "func (h updateOrderHandler) Handle(ctx context.Context, cmd UpdateOrder) error {\n"
           "\treturn h.repo.UpdateOrder(ctx, cmd.OrderID, cmd.User, func(o *order.Order) error {\n"
           "\t\treturn o.SetStatus(cmd.Status)\n\t})\n}\n")
HANDLER = ("func (h HttpServer) UpdateOrder(w http.ResponseWriter, r *http.Request, orderID string) {\n"
           "\tuser, err := userFromAuthContext(r.Context())\n\tif err != nil {\n\t\treturn\n\t}\n"
           "\terr = h.app.Commands.UpdateOrder.Handle(r.Context(), command.UpdateOrder{OrderID: orderID, User: user})\n}\n")


def test_authorization_checked_in_the_operation_the_handler_passes_the_caller_to():
    from auditor.endpoints.goprotect import delegated_check
    checked = ("package adapters\n\nfunc (r OrdersRepository) UpdateOrder(ctx context.Context, id string, user order.User, "
               "update func(o *order.Order) error) error {\n\to, err := r.get(ctx, id)\n\tif err != nil {\n\t\treturn err\n"
               "\t}\n\tif err := order.CanUserChangeOrder(user, o); err != nil {\n\t\treturn err\n\t}\n"
               "\treturn update(o)\n}\n")
    found = delegated_check(_index({"app/command/update.go": COMMAND, "adapters/orders.go": checked}), HANDLER)
    assert found and "CanUserChangeOrder" in found and "OrdersRepository.UpdateOrder" in found
    unchecked = checked.replace("\tif err := order.CanUserChangeOrder(user, o); err != nil {\n\t\treturn err\n\t}\n", "")
    assert delegated_check(_index({"app/command/update.go": COMMAND, "adapters/orders.go": unchecked}), HANDLER) is None
