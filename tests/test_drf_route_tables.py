"""DRF routes registered through data (issue 15, group 11): `for route in imported_routes: router.register(
route["prefix"], route["viewset"])` over list-of-dict literals imported from other modules generates the
viewsets' routes; a user-model serializer that lets a request write is_staff/is_superuser fails SEC-AUTHZ on
the write actions (the safe twin marks them read-only)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.endpoints import django
from auditor.endpoints.pyast import PyProject
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "security"
PRIVILEGED = FIXTURES / "drf-route-table-privileged"
READ_ONLY = FIXTURES / "drf-route-table-readonly"


def endpoints(root: Path) -> dict[tuple[str, str], object]:
    return {(e.method, e.path): e for e in django.extract(PyProject(Repository.scan(root)))[0]}


def item(report: dict, item_id: str) -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


def test_routes_registered_from_imported_tables():
    eps = endpoints(READ_ONLY)
    assert {("GET", "/api/accounts/"), ("PATCH", "/api/accounts/{pk}/"), ("GET", "/api/ping/")} <= set(eps)
    patch = eps[("PATCH", "/api/accounts/{pk}/")]
    assert patch.handler == "AccountViewSet.partial_update" and patch.authorized is True


def test_read_only_package_views_take_no_input_and_change_nothing():
    """drf-spectacular's schema and Swagger views: GET endpoints (the library views that only answer reads), still
    'protections unknown', and neither CSRF nor input validation applies to them."""
    eps = endpoints(READ_ONLY)
    for path in ("/api/schema/", "/api/docs/"):
        ep = eps[("GET", path)]
        assert ep.csrf_applies is False and ep.authenticated is None
        assert any(n.startswith("input: reads no request data (drf_spectacular.views.") for n in ep.notes)


def test_writable_privilege_fields_are_an_authorization_failure():
    eps = endpoints(PRIVILEGED)
    for key in (("PATCH", "/api/accounts/{pk}/"), ("PUT", "/api/accounts/{pk}/"), ("POST", "/api/accounts/")):
        ep = eps[key]
        assert ep.authorized is False
        assert any("is_staff, is_superuser" in n for n in ep.notes), ep.notes
    assert eps[("GET", "/api/accounts/{pk}/")].authorized is True      # reads are scoped to the caller


@pytest.mark.parametrize("root,verdicts", [(PRIVILEGED, ("fail", "partial")), (READ_ONLY, ("pass",))],
                         ids=["privileged", "read-only"])
def test_authz_verdict(audited, root, verdicts):
    authz = item(audited(root), "SEC-AUTHZ")
    assert authz["verdict"] in verdicts, authz["rationale"]
    if root == PRIVILEGED:
        assert "is_superuser" in str(authz["evidence"]), authz["evidence"]
    else:
        for item_id in ("SEC-CSRF", "SEC-INPUT-VALIDATION"):
            row = item(audited(root), item_id)
            assert "/api/schema/" not in str(row["evidence"]), (item_id, row["rationale"])


BARE_INT = '''from rest_framework import viewsets

from .models import User
from .serializers import AccountSerializer


class AccountViewSet(viewsets.ModelViewSet):
    serializer_class = AccountSerializer

    def _ids(self, text):
        return [int(part) for part in text.split(",")]

    def get_queryset(self):
        users = User.objects.filter(pk=self.request.user.pk)
        groups = self.request.query_params.get("groups")
        return users.filter(groups__id__in=self._ids(groups)) if groups else users
'''

CHECKED_INT = BARE_INT.replace('''        return [int(part) for part in text.split(",")]''', '''        try:
            return [int(part) for part in text.split(",")]
        except ValueError:
            raise ValidationError({"groups": "comma-separated ids"})''').replace(
    "from rest_framework import viewsets", "from rest_framework import viewsets\nfrom rest_framework.exceptions import ValidationError")


def _with_views(tmp_path: Path, views: str) -> Path:
    import shutil
    root = tmp_path / "app"
    shutil.copytree(READ_ONLY, root)
    (root / "accounts" / "views.py").write_text(views)
    return root


def test_a_query_parameter_converted_with_a_bare_int_is_not_validated(tmp_path):
    """DRF runs get_queryset for the generated list and detail actions: `?groups=abc` raises ValueError (500)."""
    eps = endpoints(_with_views(tmp_path / "bare", BARE_INT))
    for key in (("GET", "/api/accounts/"), ("GET", "/api/accounts/{pk}/")):
        assert eps[key].input_validated is False
        assert any("bare int() in _ids" in n for n in eps[key].notes), eps[key].notes
    checked = endpoints(_with_views(tmp_path / "checked", CHECKED_INT))
    assert checked[("GET", "/api/accounts/")].input_validated is None
