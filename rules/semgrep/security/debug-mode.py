import os

from fastapi import FastAPI
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    # ruleid: flask-debug-run
    app.run(host="0.0.0.0", debug=True)


def main():
    # ok: flask-debug-run
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")


# ruleid: python-debug-flag-set
app.debug = True
# ruleid: python-debug-flag-set
app.config["DEBUG"] = True
# ok: python-debug-flag-set
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"

# ruleid: python-debug-flag-set
api = FastAPI(title="shop", debug=True)
# ok: python-debug-flag-set
api_ok = FastAPI(title="shop")

# ruleid: settings-debug-true
DEBUG = True

# ok: settings-debug-true
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"


class Config:
    # ruleid: settings-debug-true
    DEBUG = True


class DevelopmentConfig(Config):
    # ok: settings-debug-true
    DEBUG = True


if os.environ.get("ENV") == "dev":
    # ok: settings-debug-true
    DEBUG = True


# ---- aiohttp debug mode, tracebacks in responses
import traceback

from aiohttp import web
from flask import jsonify


def make_app():
    # ruleid: python-debug-flag-set
    return web.Application(debug=True, middlewares=[])


def make_app_from_settings(settings):
    # ok: python-debug-flag-set
    return web.Application(debug=settings.debug)


def lookup(order_id):
    try:
        return load(order_id)
    except Exception:
        # ruleid: python-traceback-sent-to-client
        return jsonify(error="lookup failed", trace=traceback.format_exc()), 500


def format_graphql_error(error):
    formatted = {"message": str(error.message), "extensions": {}}
    # ruleid: python-traceback-sent-to-client
    formatted["extensions"]["stack"] = traceback.format_exc()
    return formatted


def lookup_logged(order_id, log):
    try:
        return load(order_id)
    except Exception:
        # ok: python-traceback-sent-to-client
        log.error("lookup failed: %s", traceback.format_exc())
        return jsonify(error="lookup failed"), 500
