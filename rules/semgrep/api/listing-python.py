from rest_framework import viewsets
from rest_framework.filters import OrderingFilter

REST_FRAMEWORK = {
    # ruleid: drf-default-pagination
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    # ruleid: drf-filtering
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # ruleid: api-version-negotiation
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.AcceptHeaderVersioning",
}


class OrderViewSet(viewsets.ModelViewSet):
    # ruleid: drf-filtering
    filter_backends = [OrderingFilter]
    # ruleid: drf-filtering
    ordering_fields = ["created_at"]
    # ok: drf-filtering
    serializer_class = None
