"""Test functions and their kind: unit (no client, no database) or integration (drives the app over a
test client, an HTTP test server or a database).

Python is read with `ast`; JavaScript/TypeScript and Go with line patterns, since a test's kind there is
decided by what the file imports (supertest, httptest) and calls.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.astwalk import nodes_of, walk
from auditor.text import line_of

UNIT = "unit"
INTEGRATION = "integration"

# calls that build a client or touch a database: their presence in a test makes it an integration test
PY_CLIENT_CALLS = {"TestClient", "test_client", "APIClient", "Client", "AsyncClient", "RequestFactory",
                   "APIRequestFactory", "LiveServerTestCase", "create_engine", "sessionmaker",
                   "ASGITransport", "WSGITransport", "TestApp", "CliRunner", "FlaskClient", "app_context",
                   "test_request_context"}
# test base classes that come with a client and/or a test database
PY_INTEGRATION_BASES = {"TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase",
                        "APITestCase", "APITransactionTestCase", "APISimpleTestCase", "SimpleTestCase",
                        "AioHTTPTestCase", "AsyncHTTPTestCase"}
# Django's TestCase shares its name with unittest's: it counts only when imported from django/rest_framework
PY_INTEGRATION_MODULES = ("django.test", "rest_framework.test", "aiohttp.test_utils", "tornado.testing",
                          "flask_testing")
# pytest fixtures (as parameters) that are a client or a database
PY_INTEGRATION_FIXTURES = {"client", "test_client", "api_client", "async_client", "app_client", "admin_client",
                           "live_server", "db", "db_session", "dbsession", "session", "database", "engine",
                           "transactional_db", "django_db_setup", "django_app", "testapp", "aiohttp_client",
                           "http_client", "conn", "connection", "postgresql", "mysql", "redis_client",
                           "rf", "django_user_model"}
PY_INTEGRATION_MARKS = {"django_db", "integration", "e2e", "asyncio_db"}
# black-box tests: an HTTP client library called from the test sends real requests to a running server
PY_HTTP_CLIENTS = ("requests", "httpx")
PY_HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
# libraries that answer those requests in-process: a test using them drives no server
PY_HTTP_MOCKS = ("responses", "requests_mock", "httpretty", "respx", "vcr", "pytest_httpserver", "aioresponses")


@dataclass(frozen=True)
class TestFunction:
    file: str
    line: int
    name: str
    kind: str      # UNIT or INTEGRATION
    why: str       # what made it integration ("" for unit)


def is_integration_path(path: str) -> bool:
    return bool(re.search(r"(^|/)(integration|integration_tests|e2e|functional|acceptance|api_tests)(/|_|\.)",
                          path))


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, ast.Name)} | \
           {n.attr for n in walk(node) if isinstance(n, ast.Attribute)}


def _integration_call(node: ast.AST) -> str | None:
    for sub in nodes_of(node, ast.Call):
        name = _call_name(sub)
        if name in PY_CLIENT_CALLS:
            return f"calls {name}()"
    return None


def _http_client_call(node: ast.AST) -> str | None:
    """`requests.post(...)`, `httpx.get(...)`: a request sent over the network from this code."""
    for sub in nodes_of(node, ast.Call):
        func = sub.func
        if isinstance(func, ast.Attribute) and func.attr in PY_HTTP_VERBS and isinstance(func.value, ast.Name) \
                and func.value.id in PY_HTTP_CLIENTS:
            return f"sends HTTP requests to a running server ({func.value.id}.{func.attr})"
    return None


def _imported_modules(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in nodes_of(tree, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif node.module:
            names.add(node.module.split(".")[0])
    return names


def _mocks_http(tree: ast.Module) -> bool:
    return bool(_imported_modules(tree) & set(PY_HTTP_MOCKS))


def _sending_functions(tree: ast.Module) -> set[str]:
    return {fn.name for fn in tree.body if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _http_client_call(fn)}


def http_helpers(tree: ast.Module) -> set[str]:
    """Functions of a test support module (tests/common.py) that send HTTP requests to a running server."""
    return set() if _mocks_http(tree) else _sending_functions(tree)


def _marks(decorators: list[ast.expr]) -> set[str]:
    marks = set()
    for dec in decorators:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute) \
                and target.value.attr == "mark":
            marks.add(target.attr)
    return marks


def _module_client_names(tree: ast.Module) -> set[str]:
    """Module-level names bound to a client/engine (e.g. `client = TestClient(app)`)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _integration_call(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def integration_fixtures(tree: ast.Module) -> set[str]:
    """Names of pytest fixtures defined in this module (e.g. conftest.py) that build a client or database."""
    names = set()
    for node in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if any(_call_name(d) == "fixture" or (isinstance(d, ast.Attribute) and d.attr == "fixture")
               or (isinstance(d, ast.Call) and _call_name(d.func) == "fixture") for d in node.decorator_list):
            params = {a.arg for a in node.args.args}
            if _integration_call(node) or params & PY_INTEGRATION_FIXTURES:
                names.add(node.name)
    return names


def _integration_imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in nodes_of(tree, ast.ImportFrom):
        if node.module and node.module.startswith(PY_INTEGRATION_MODULES):
            names |= {a.asname or a.name for a in node.names}
    return names


def _self_client_request(fn: ast.AST) -> str | None:
    """`self.client.get(...)`, `self.auth_client.post(...)`: a request through a test client the class (or a
    base class in another module, or a mixin's host) keeps on the instance."""
    for call in nodes_of(fn, ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in PY_HTTP_VERBS and isinstance(func.value, ast.Attribute) \
                and isinstance(func.value.value, ast.Name) and func.value.value.id == "self" \
                and func.value.attr.lower().endswith("client"):
            return f"requests through self.{func.value.attr}"
    return None


def _own_class_why(node: ast.ClassDef, imported: set[str]) -> str:
    """Why the test class itself is integration: a framework test case base imported from its framework, or
    a setUp that builds a client."""
    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
             if not (isinstance(b, ast.Attribute) and isinstance(b.value, ast.Name) and b.value.id == "unittest")}
    framework = bases & PY_INTEGRATION_BASES & (imported | {b for b in bases if b not in ("TestCase", "SimpleTestCase")})
    framework -= {"SimpleTestCase"}
    if framework:
        return f"{sorted(framework)[0]} test case"
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in SETUPS:
            built = next((name for c in nodes_of(item, ast.Call) if (name := _call_name(c)) in PY_CLIENT_CALLS), None)
            if built:
                return f"{item.name} builds {built}"
    return ""


SETUPS = ("setUp", "setUpClass", "asyncSetUp", "setup_method", "setup_class", "setUpTestData")


def integration_classes(trees: list[ast.Module]) -> dict[str, str]:
    """Class name -> why its tests are integration tests, for the classes of these test modules (a base class
    in a support module: `class TestCaseUtils(TestCase)` whose setUp builds an APIClient), following bases
    across the modules by name. A name defined twice with different answers is left out."""
    nodes: dict[str, list[tuple[ast.ClassDef, set[str]]]] = {}
    for tree in trees:
        imported = _integration_imports(tree)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                nodes.setdefault(node.name, []).append((node, imported))
    out: dict[str, str] = {}
    for name, defs in nodes.items():
        whys = {_own_class_why(node, imported) for node, imported in defs}
        if len(whys) == 1 and (why := whys.pop()):
            out[name] = why
    for _ in range(6):       # bases of bases
        grew = False
        for name, defs in nodes.items():
            if name in out or len(defs) != 1:
                continue
            base = next((b.id for b in defs[0][0].bases if isinstance(b, ast.Name) and b.id in out and b.id != name), None)
            if base:
                out[name] = f"inherits {base} ({out[base]})"
                grew = True
        if not grew:
            break
    return out


def python_tests(path: str, tree: ast.Module, extra_fixtures: frozenset[str] = frozenset(),
                 extra_http_helpers: frozenset[str] = frozenset(),
                 inherited: dict[str, str] | None = None) -> list[TestFunction]:
    """pytest `test_*` functions and unittest/Django TestCase `test*` methods with their kind. `inherited`:
    test classes of the other test modules whose subclasses are integration tests (`integration_classes`)."""
    fixtures = PY_INTEGRATION_FIXTURES | set(extra_fixtures) | integration_fixtures(tree)
    mocked = _mocks_http(tree)
    helpers = set() if mocked else (set(extra_http_helpers) | _sending_functions(tree))
    clients = _module_client_names(tree)
    imported = _integration_imports(tree)
    by_path = is_integration_path(path)
    out: list[TestFunction] = []

    def classify(fn: ast.FunctionDef | ast.AsyncFunctionDef, class_why: str, class_marks: set[str]) -> None:
        why = class_why
        marks = _marks(fn.decorator_list) | class_marks
        params = {a.arg for a in fn.args.args} - {"self"}
        if not why and marks & PY_INTEGRATION_MARKS:
            why = f"marked {sorted(marks & PY_INTEGRATION_MARKS)[0]}"
        if not why and params & fixtures:
            why = f"uses the {sorted(params & fixtures)[0]} fixture"
        if not why:
            used = _names_used(fn) & clients
            if used:
                why = f"uses {sorted(used)[0]}"
        if not why:
            why = _integration_call(fn) or _self_client_request(fn) or ""
        if not why and not mocked:
            why = _http_client_call(fn) or ""
            called = {name for c in nodes_of(fn, ast.Call) if (name := _call_name(c))} & helpers
            if not why and called:
                why = f"sends HTTP requests to a running server (through {sorted(called)[0]})"
        if not why and by_path:
            why = "in an integration test folder"
        out.append(TestFunction(path, fn.lineno, fn.name, INTEGRATION if why else UNIT, why))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            classify(node, "", set())
        elif isinstance(node, ast.ClassDef):
            # `unittest.TestCase` is a plain unit test base; Django's TestCase is imported by name
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                     if not (isinstance(b, ast.Attribute) and isinstance(b.value, ast.Name)
                             and b.value.id == "unittest")}
            if any(isinstance(b, ast.Attribute) and isinstance(b.value, ast.Name) and b.value.id == "unittest"
                   for b in node.bases):
                bases.add("unittest.TestCase")
            is_test_class = node.name.startswith("Test") or bool(bases & ({"TestCase", "unittest.TestCase",
                                                                            "IsolatedAsyncioTestCase"}
                                                                           | PY_INTEGRATION_BASES))
            if not is_test_class:
                continue
            framework_bases = bases & PY_INTEGRATION_BASES & (imported | {b for b in bases if b != "TestCase"
                                                                         and b != "SimpleTestCase"})
            class_why = f"{sorted(framework_bases)[0]} test case" if framework_bases else ""
            if class_why == "SimpleTestCase test case":
                class_why = ""  # Django's SimpleTestCase has a client but no database; judge by use below
            if not class_why and inherited:
                base = next((b for b in sorted(bases) if b in inherited and b != node.name), None)
                class_why = f"inherits {base} ({inherited[base]})" if base else ""
            class_marks = _marks(node.decorator_list)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    # a Django TestCase test using self.client or the ORM is integration; one that does
                    # neither still runs inside a database transaction, so the class decides
                    classify(item, class_why, class_marks)
    return out


JS_TEST = re.compile(r"^\s*(?:it|test|it\.only|test\.only|it\.each\(.*?\)|test\.each\(.*?\))\s*\(\s*['\"`]", re.M)
JS_INTEGRATION = re.compile(r"require\(['\"](supertest|chai-http|@nestjs/testing|pg|mysql2?|mongodb-memory-server|"
                            r"testcontainers)['\"]\)|from ['\"](supertest|chai-http|@nestjs/testing|"
                            r"mongodb-memory-server|testcontainers)['\"]|\brequest\(app\)|\bchai\.request\(")
GO_TEST = re.compile(r"^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)", re.M)
GO_INTEGRATION = re.compile(r"\bhttptest\.|\bsql\.Open\(|\bsqlmock\.|testcontainers|\bgorm\.Open\(")


def javascript_tests(path: str, text: str) -> list[TestFunction]:
    """jest/mocha/vitest `it(` / `test(` calls; integration when the file drives the app (supertest...)."""
    m = JS_INTEGRATION.search(text)
    why = f"file uses {m.group(0).strip()}" if m else ("in an integration test folder" if is_integration_path(path) else "")
    out = []
    for t in JS_TEST.finditer(text):
        line = line_of(text, t.start())
        name = text[t.end():].split("\n", 1)[0][:60].rstrip("'\"`, ")
        out.append(TestFunction(path, line, name, INTEGRATION if why else UNIT, why))
    return out


def go_tests(path: str, text: str) -> list[TestFunction]:
    """`func TestX(t *testing.T)`; integration when its body uses httptest, sql.Open, sqlmock..."""
    matches = list(GO_TEST.finditer(text))
    out = []
    for i, m in enumerate(matches):
        body = text[m.end(): matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        hit = GO_INTEGRATION.search(body)
        why = f"uses {hit.group(0).rstrip('(')}" if hit else ("in an integration test folder" if is_integration_path(path) else "")
        out.append(TestFunction(path, line_of(text, m.start()), m.group(1), INTEGRATION if why else UNIT, why))
    return out
