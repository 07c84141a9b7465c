import logging
import logging.config
from logging.config import dictConfig, fileConfig
from logging.handlers import RotatingFileHandler, SMTPHandler

from alembic import context

import structlog

# ruleid: logging-configured-python
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

# ruleid: logging-configured-python
logging.config.dictConfig({"version": 1, "root": {"level": "INFO"}})

# ruleid: logging-configured-python
structlog.configure(processors=[structlog.processors.JSONRenderer()])

# ruleid: logging-configured-python
LOGGING = {"version": 1, "disable_existing_loggers": False}

# ok: logging-configured-python
logger = logging.getLogger(__name__)

# ruleid: logging-configured-python
dictConfig({"version": 1, "formatters": {"plain": {"format": "%(levelname)s %(message)s"}}})

# ok: logging-configured-python
fileConfig(context.config.config_file_name)

config = context.config
# ok: logging-configured-python
fileConfig(config.config_file_name)

# ruleid: logging-configured-python
logging.config.fileConfig("logging.ini", disable_existing_loggers=False)


def create_app(app):
    file_handler = RotatingFileHandler("logs/shop.log", maxBytes=10240, backupCount=10)
    # ruleid: log-handler-attached-python
    app.logger.addHandler(file_handler)
    # ruleid: log-handler-attached-python
    logging.getLogger("shop.audit").addHandler(SMTPHandler("localhost", "shop@example.com", ["ops@example.com"], "error"))
    audit = logging.getLogger("shop.payments")
    # ruleid: log-handler-attached-python
    audit.addHandler(logging.StreamHandler())
    # ok: log-handler-attached-python
    app.logger.setLevel(logging.INFO)
