import urllib.request
from urllib.request import urlopen

import aiohttp
import boto3
import httpx
import psycopg2
import requests
from botocore.config import Config

SETTINGS = {"timeout": 5}


def fetch_profile(user_id):
    # ruleid: http-call-without-timeout
    return requests.get(f"https://profiles.example.com/users/{user_id}").json()


def post_event(event):
    # ruleid: http-call-without-timeout
    requests.post("https://events.example.com/ingest", json=event)


def bounded(user_id):
    # ok: http-call-without-timeout
    # ruleid: outbound-call-with-timeout
    return requests.get(f"https://profiles.example.com/users/{user_id}", timeout=(3.05, 10)).json()


def kwargs_passed(url):
    # ok: http-call-without-timeout
    return requests.get(url, **SETTINGS)


def explicit_none(url):
    # ruleid: http-call-timeout-none
    return requests.get(url, timeout=None)


def with_session(urls):
    session = requests.Session()
    for url in urls:
        # ruleid: http-call-without-timeout
        session.get(url)
        # ok: http-call-without-timeout
        # ruleid: outbound-call-with-timeout
        session.get(url, timeout=5)


def with_context_session(url):
    with requests.Session() as s:
        # ruleid: http-call-without-timeout
        return s.post(url, data={"a": 1})


def other_get(cache, key):
    # ok: http-call-without-timeout
    return cache.get(key)


def httpx_calls(url):
    # ruleid: httpx-default-timeout
    httpx.get(url)
    # ok: httpx-default-timeout
    # ruleid: outbound-call-with-timeout
    client = httpx.Client(base_url=url, timeout=5.0)
    # ruleid: http-call-timeout-none
    unbounded = httpx.AsyncClient(timeout=None)
    return client, unbounded


def legacy(url):
    # ruleid: urlopen-without-timeout
    urlopen(url).read()
    # ruleid: urlopen-without-timeout
    urllib.request.urlopen(url)
    # ok: urlopen-without-timeout
    # ruleid: outbound-call-with-timeout
    return urllib.request.urlopen(url, timeout=10).read()


async def aio(url):
    # ruleid: aiohttp-session-without-timeout
    async with aiohttp.ClientSession() as session:
        # ruleid: outbound-call-with-timeout
        await session.get(url, timeout=3)
    # ok: aiohttp-session-without-timeout
    # ruleid: outbound-call-with-timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        await session.get(url)


def aws():
    # ruleid: boto3-client-without-timeout-config
    s3 = boto3.client("s3")
    # ok: boto3-client-without-timeout-config
    # ruleid: botocore-config-with-timeouts
    sqs = boto3.client("sqs", config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3}))
    return s3, sqs


def db(dsn):
    # ruleid: psycopg2-connect-without-timeout
    a = psycopg2.connect(host="db", dbname="shop", user="app")
    # ruleid: psycopg2-connect-without-timeout
    b = psycopg2.connect("host=db dbname=shop user=app")
    # ok: psycopg2-connect-without-timeout
    # ruleid: psycopg2-connect-with-timeout
    c = psycopg2.connect(host="db", dbname="shop", connect_timeout=3)
    # ok: psycopg2-connect-without-timeout
    # ruleid: psycopg2-connect-with-timeout
    d = psycopg2.connect("host=db dbname=shop connect_timeout=3")
    # ok: psycopg2-connect-without-timeout
    e = psycopg2.connect(dsn)
    return a, b, c, d, e
