import logging

log = logging.getLogger(__name__)


def start(app, config):
    # ruleid: python-whole-config-logged
    log.debug(config)
    # ruleid: python-whole-config-logged
    log.info("starting with %s", app["config"])
    # ok: python-whole-config-logged
    log.info("listening on port %s", config["port"])
