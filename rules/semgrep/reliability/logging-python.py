import logging
import logging.config

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
