import sqlite3

import aiopg
import redis

import httpx
import psycopg2
import requests
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine as create_sqlmodel_engine

# ruleid: db-pool-configured-python, engine-created-once-python
engine = create_engine("postgresql://db/app", pool_size=10, max_overflow=5)
# ruleid: engine-created-once-python
default_engine = create_engine("postgresql://db/app")
# ruleid: engine-created-once-python
sqlmodel_engine = create_sqlmodel_engine(str(DATABASE_URL))
# ruleid: db-pool-configured-python, engine-created-once-python
tuned_engine = create_sqlmodel_engine(str(DATABASE_URL), pool_pre_ping=True)
# ok: engine-created-once-python
unpooled = create_engine("postgresql://db/app", poolclass=NullPool)
# ruleid: shared-http-client-python
http = requests.Session()
# ruleid: shared-http-client-python
pricing = httpx.Client(timeout=5.0)

app = Flask(__name__)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        # the settings probe answers this one (auditor/probes/settings.py), not the rule
        # ok: db-pool-configured-python
        "CONN_MAX_AGE": 60,
    },
}


@app.route("/quote")
def quote():
    # ruleid: connection-per-request-python
    with httpx.Client(timeout=5) as client:
        return client.get("http://pricing/quote").json()


def profile(request):
    # ruleid: connection-per-request-python
    session = requests.Session()
    return session.get("http://users/me", timeout=5).json()


def get_db():
    # ruleid: db-connect-per-call-python
    return sqlite3.connect("shop.db")


def report():
    # ruleid: db-connect-per-call-python
    conn = psycopg2.connect("dbname=shop")
    return conn


def health():
    # ok: connection-per-request-python
    return http.get("http://upstream/health", timeout=2).status_code


import pymongo

# ruleid: mongo-client-shared-python
mongo = pymongo.MongoClient(os.environ["MONGO_URL"])


def orders_collection():
    # ok: mongo-client-shared-python
    return pymongo.MongoClient(os.environ["MONGO_URL"]).shop.orders


async def init_database(app):
    # ruleid: engine-created-at-startup-python
    engine = create_async_engine(app["config"]["dsn"])
    app["sessions"] = async_sessionmaker(engine)
    yield
    await engine.dispose()


async def init_cache(app):
    # ruleid: engine-created-at-startup-python
    app.state.cache = redis.asyncio.from_url(app.state.settings.redis_url)


async def init_pg(app):
    # ruleid: db-pool-configured-python
    app["db"] = await aiopg.create_pool(app["config"]["dsn"])


def report_rows(dsn):
    # ok: engine-created-at-startup-python
    engine = create_async_engine(dsn)
    return engine
