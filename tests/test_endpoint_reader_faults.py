"""Route readers on shapes they were not written for. dependency-injector's `Depends(Provide[Container.x])`
once crashed the FastAPI reader (a fragment of source text re-parsed), and with it the whole endpoint inventory:
every endpoint item of the project went unknown. Now such a dependency is read by its structure, and a reader
that still fails leaves only its own framework unread, named in the inventory."""
from auditor.endpoints import extract_endpoints, fastapi
from auditor.inventory import build_inventory
from auditor.repo import Repository
from helpers import write_files

CONTAINER_APP = '''from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer

from app.container import Container

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")
router = APIRouter(prefix="/api/v1/users")


def current_user(token: str = Depends(oauth2)):
    return token


@router.get("")
@inject
async def list_users(limit: int = 10, service=Depends(Provide[Container.user_service])):
    return await service.list(limit)


@router.post("/me/password")
@inject
async def change_password(user=Depends(current_user), service=Depends(Provide[Container.user_service])):
    return await service.change_password(user)


app = FastAPI()
app.include_router(router)
'''


def inventory_of(root):
    repo = Repository.scan(root)
    return extract_endpoints(repo, build_inventory(repo))


def test_a_provider_dependency_is_read_by_its_structure(tmp_path):
    root = write_files(tmp_path / "svc", {"requirements.txt": "fastapi\ndependency-injector\n",
                                          "app/main.py": CONTAINER_APP, "app/container.py": "class Container: ...\n"})
    inv = inventory_of(root)
    assert not inv.unsupported, inv.unsupported
    routes = {(e.method, e.path): e for e in inv.endpoints}
    assert set(routes) == {("GET", "/api/v1/users"), ("POST", "/api/v1/users/me/password")}
    assert routes[("POST", "/api/v1/users/me/password")].authenticated
    assert not routes[("GET", "/api/v1/users")].authenticated


def test_a_failing_reader_leaves_only_its_framework_unread(tmp_path, monkeypatch):
    root = write_files(tmp_path / "svc", {
        "requirements.txt": "fastapi\nflask\n",
        "api/main.py": CONTAINER_APP.replace("from app.container import Container\n", "Container = None\n"),
        "web/app.py": "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/health')\ndef health():\n"
                      "    return 'ok'\n",
    })

    def broken(project):
        raise SyntaxError("unmatched ']'")

    monkeypatch.setattr(fastapi, "extract", broken)
    inv = inventory_of(root)
    assert [e.path for e in inv.endpoints] == ["/health"]
    assert inv.unsupported == ["fastapi: its route reader failed on this repository (SyntaxError: unmatched ']')"]


def test_a_page_size_handed_to_an_injected_dependency_is_not_judged(tmp_path):
    """dependency-injector binds the service at run time: its cap (if any) is out of reach, so the list is
    neither paginated nor unbounded; with no other list the item is unknown, not a fail."""
    from auditor.options import AuditOptions
    from auditor.pipeline import run_audit
    from helpers import item

    root = write_files(tmp_path / "svc", {"requirements.txt": "fastapi\ndependency-injector\n",
                                          "app/main.py": CONTAINER_APP, "app/container.py": "class Container: ...\n"})
    row = item(run_audit(root, AuditOptions(only=("API-PAGINATION",))), "API-PAGINATION")
    assert row["verdict"] == "unknown", row["rationale"]
    assert "injected dependency" in row["rationale"]
    direct = CONTAINER_APP.replace("return await service.list(limit)",
                                   "return await db.fetch_all(users.select().limit(limit))")
    root2 = write_files(tmp_path / "svc2", {"requirements.txt": "fastapi\n", "app/main.py": direct})
    row2 = item(run_audit(root2, AuditOptions(only=("API-PAGINATION",))), "API-PAGINATION")
    assert row2["verdict"] == "fail", row2["rationale"]
