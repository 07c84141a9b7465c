"""What the Django extractor passes around: the view an urlpattern points at, the walk's state, and the
names of Django's and DRF's classes it knows."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.endpoints.common import normalize_path
from auditor.endpoints.django_settings import DjangoSettings
from auditor.endpoints.pyast import PyModule, PyProject
from auditor.model import Endpoint

ROUTERS = ("DefaultRouter", "SimpleRouter", "ExtendedSimpleRouter", "ExtendedDefaultRouter", "NestedSimpleRouter",
           "NestedDefaultRouter", "OptionalSlashRouter")
VIEWSET_BASES = {"ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
                 "ReadOnlyModelViewSet": ("list", "retrieve"),
                 "ListModelMixin": ("list",), "CreateModelMixin": ("create",), "RetrieveModelMixin": ("retrieve",),
                 "UpdateModelMixin": ("update", "partial_update"), "DestroyModelMixin": ("destroy",)}
VIEWSET_MARKERS = ("ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet", "ViewSetMixin")
ACTION_ROUTES = {"list": ("GET", False), "create": ("POST", False), "retrieve": ("GET", True),
                 "update": ("PUT", True), "partial_update": ("PATCH", True), "destroy": ("DELETE", True)}
DRF_GENERIC_METHODS = {
    "ListAPIView": ("GET",), "CreateAPIView": ("POST",), "RetrieveAPIView": ("GET",), "DestroyAPIView": ("DELETE",),
    "UpdateAPIView": ("PUT", "PATCH"), "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"), "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE")}
DRF_VIEW_MARKERS = ("APIView", "GenericAPIView", *DRF_GENERIC_METHODS, *VIEWSET_MARKERS)
DJANGO_GENERIC_METHODS = {
    "TemplateView": ("GET",), "ListView": ("GET",), "DetailView": ("GET",), "RedirectView": ("GET",),
    "ArchiveIndexView": ("GET",), "FormView": ("GET", "POST"), "CreateView": ("GET", "POST"),
    "UpdateView": ("GET", "POST"), "DeleteView": ("GET", "POST"), "LoginView": ("GET", "POST"),
    "LogoutView": ("POST",), "PasswordChangeView": ("GET", "POST"), "PasswordResetView": ("GET", "POST"),
    "PasswordResetConfirmView": ("GET", "POST")}
# views of libraries outside the repository that only ever answer reads: the API schema and its documentation
# pages (drf-spectacular, drf-yasg's `schema_view.with_ui(...)`, DRF's own schema view), Django's template
# and redirect views. Named by the class (`X.as_view()`) or by the call that builds the view.
LIBRARY_READ_VIEWS = {
    "SpectacularAPIView": "drf-spectacular", "SpectacularJSONAPIView": "drf-spectacular",
    "SpectacularYAMLAPIView": "drf-spectacular", "SpectacularSwaggerView": "drf-spectacular",
    "SpectacularSwaggerSplitView": "drf-spectacular", "SpectacularRedocView": "drf-spectacular",
    "SpectacularElementsView": "drf-spectacular", "SpectacularRapiDocView": "drf-spectacular",
    "get_schema_view": "schema view", "with_ui": "drf-yasg", "without_ui": "drf-yasg",
    "TemplateView": "Django", "RedirectView": "Django", "JavaScriptCatalog": "Django", "JSONCatalog": "Django"}
HTTP_NAMES = ("get", "post", "put", "patch", "delete")
AUTH_PERMISSIONS = {"IsAuthenticated", "IsAdminUser", "DjangoModelPermissions", "DjangoObjectPermissions",
                    "TokenHasScope", "TokenHasReadWriteScope", "TokenHasResourceScope", "IsAuthenticatedOrTokenHasScope"}
READONLY_ANON_PERMISSIONS = {"IsAuthenticatedOrReadOnly", "DjangoModelPermissionsOrAnonReadOnly"}
AUTHZ_PERMISSIONS = {"IsAdminUser", "DjangoModelPermissions", "DjangoObjectPermissions", "TokenHasScope",
                     "TokenHasReadWriteScope", "TokenHasResourceScope", "DjangoModelPermissionsOrAnonReadOnly"}
AUTH_MIXINS = {"LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin", "AccessMixin"}
AUTHZ_MIXINS = {"PermissionRequiredMixin", "UserPassesTestMixin"}
DRF_DEFAULT_AUTHENTICATION = ["rest_framework.authentication.SessionAuthentication",
                              "rest_framework.authentication.BasicAuthentication"]
REQUEST_INPUT = ("request.POST", "request.GET", "request.body", "request.data", "request.query_params",
                 "request.FILES", "self.request.data", "self.request.query_params", "self.request.GET",
                 "self.request.POST")


@dataclass
class View:
    """What an urlpattern points at: a function, a class (as_view), or a viewset with an action map."""
    module: PyModule
    func: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    cls: ast.ClassDef | None = None
    cls_module: PyModule | None = None
    actions: dict[str, str] | None = None   # as_view({'get': 'list'})
    name: str = ""


@dataclass
class UrlWalk:
    project: PyProject
    settings: DjangoSettings
    # router -> [(prefix, viewset expression, register line, the module the expression is written in when it
    # is not the router's: a route table imported from another module)]
    routers: dict[tuple[str, str], list[tuple[str, ast.AST, int, PyModule | None]]] = field(default_factory=dict)
    trailing: dict[tuple[str, str], bool] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    middleware_found: list | None = None     # what the repository's own MIDDLEWARE classes do (read once)
    view_prefix: str = ""                     # the module prefix of an old patterns("app.views", ...) call


def clean_route(path: str) -> str:
    return normalize_path(path)

