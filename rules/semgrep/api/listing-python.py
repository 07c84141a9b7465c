from rest_framework import viewsets
from rest_framework.filters import OrderingFilter

REST_FRAMEWORK = {
    # the settings probe answers DEFAULT_PAGINATION_CLASS (auditor/probes/settings.py)
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    # the settings probe answers this one (auditor/probes/settings.py), not the rule
    # ok: drf-filtering
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # the settings probe answers this one (auditor/probes/settings.py), not the rule
    # ok: api-version-negotiation
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.AcceptHeaderVersioning",
}


class OrderViewSet(viewsets.ModelViewSet):
    # ruleid: drf-filtering
    filter_backends = [OrderingFilter]
    # ruleid: drf-filtering
    ordering_fields = ["created_at"]
    # ok: drf-filtering
    serializer_class = None


class VersionedView:
    # ruleid: api-version-negotiation
    versioning_class = "rest_framework.versioning.NamespaceVersioning"
