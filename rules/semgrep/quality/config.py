import os

import environ
from pydantic_settings import BaseSettings

# ruleid: config-from-environment-python
DEBUG = os.environ.get("DEBUG") == "1"
# ruleid: config-from-environment-python
SECRET = os.environ["SECRET_KEY"]
# ruleid: config-from-environment-python
env = environ.Env()


# ruleid: config-from-environment-python
class Settings(BaseSettings):
    # ok: hardcoded-environment-url-python
    database_url: str = "postgresql://localhost/dev"


# ruleid: config-from-environment-python
BROKER = os.getenv("BROKER_URL", "amqp://guest@localhost:5672//")
# ruleid: hardcoded-environment-url-python
SHIPPING_SERVICE = "http://shipping.internal:8080/quote"
# ruleid: hardcoded-environment-url-python
engine_url = "postgresql://app:secret@db.prod.example.com/app"
# ok: hardcoded-environment-url-python
DOCS = "https://docs.example.com/api"
# ok: hardcoded-environment-url-python
SQLITE = "sqlite:///local.db"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        # ruleid: hardcoded-database-host-django
        "HOST": "db.prod.internal",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        # ruleid: config-from-environment-python
        "HOST": os.environ["REPLICA_HOST"],
    },
}
# ok: hardcoded-environment-url-python
ENGINE_URL = engine_url

from config.env import env

# ruleid: config-from-environment-python
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# ruleid: config-from-environment-python
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="amqp://guest:guest@localhost//")
# ruleid: config-from-environment-python
USE_S3 = env.bool("USE_S3_STORAGE", default=False)
# ok: config-from-environment-python
label = env("staging")

# ruleid: config-from-environment-python
if os.environ.get("GITHUB_WORKFLOW"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            # ok: hardcoded-database-host-django
            "HOST": "127.0.0.1",
        }
    }

# ruleid: config-from-environment-python
if os.getenv("CI"):
    # ok: hardcoded-environment-url-python
    REDIS_URL = "redis://localhost:6379/0"

# ruleid: config-from-environment-python
if os.environ.get("DEPLOY_TARGET") == "prod":
    # ruleid: hardcoded-environment-url-python
    REPORTS_URL = "http://reports.internal:8080/"


def command_line():
    import argparse

    parser = argparse.ArgumentParser()
    # ruleid: config-file-chosen-at-start-python
    parser.add_argument("-c", "--config", help="path to this environment's configuration file")
    # ok: config-file-chosen-at-start-python
    parser.add_argument("--verbose", action="store_true")
    return parser


def database(settings):
    from sqlalchemy import create_engine

    # ruleid: hardcoded-database-location-python
    shop = create_engine("sqlite:///" + os.path.join(os.path.dirname(__file__), "shop.db"))
    # ok: hardcoded-database-location-python
    scratch = create_engine("sqlite:///:memory:")
    # ok: hardcoded-database-location-python
    main = create_engine(settings.DATABASE_URL)
    return shop, scratch, main


# a Flask app configured in its module: the database is one SQLite file whatever the environment
# ruleid: hardcoded-database-uri-setting-python
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///notes.db"
# ok: hardcoded-database-uri-setting-python
app.config["SQLALCHEMY_DATABASE_URI"] = settings.DATABASE_URL
# ok: hardcoded-database-uri-setting-python
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
# ruleid: hardcoded-database-uri-setting-python
DATABASE_URL = "sqlite:///var/app/notes.sqlite3"


class TestingConfig:
    # ok: hardcoded-database-uri-setting-python
    SQLALCHEMY_DATABASE_URI = "sqlite:///test.db"
