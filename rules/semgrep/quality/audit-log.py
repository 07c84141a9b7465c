import logging

from auditlog.registry import auditlog
from simple_history.models import HistoricalRecords

# ruleid: audit-trail-library-python
audit = logging.getLogger("shop.audit")
# ok: audit-trail-library-python
logger = logging.getLogger(__name__)

INSTALLED_APPS = [
    "django.contrib.auth",
    # ruleid: audit-trail-library-python
    "auditlog",
    # ok: audit-trail-library-python
    "shop",
]

# ruleid: audit-trail-library-python
auditlog.register(Order)


class Invoice:
    # ruleid: audit-trail-library-python
    history = HistoricalRecords()


def login_view(request, user):
    audit.info("login succeeded for %s from %s", user.username, request.META["REMOTE_ADDR"])
    logger.warning(f"permission change: role admin granted to {target.email} by {request.user.id}")
    logger.info("order %s created", order_id)
    logger.info("cache warmed")
