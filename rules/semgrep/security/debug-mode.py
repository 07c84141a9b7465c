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
