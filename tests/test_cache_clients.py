"""PERF-CACHING's Python cache clients, read from the parse tree (cache-client-python retired, issue 17):
the cases its semgrep test file held, with imports resolved and the same exclusions."""
from __future__ import annotations

import ast

from auditor.checks.performance.caching import cache_clients

SOURCE = '''
import os
import functools
from functools import lru_cache

import redis
from django.core.cache import cache
from django.views.decorators.cache import cache_page
from flask_caching import Cache
from redis import StrictRedis as Strict

r = redis.Redis.from_url("redis://cache:6379/0")
r2 = redis.Redis(host="cache")
flask_cache = Cache(config={"CACHE_TYPE": "RedisCache"})
other = dict(config={"x": 1})
r3 = Strict(host="cache")


@flask_cache.cached(timeout=60)
def popular_products():
    return []


@lru_cache(maxsize=128)
def tax_rate(country):
    return 0.2


@lru_cache
def get_settings():
    return Settings()


@functools.lru_cache(maxsize=None)
def s3_get_credentials():
    return {"key": os.environ["AWS_ACCESS_KEY_ID"]}


@functools.cache
def exchange_rates_for(day):
    return {}


@cache_page(60 * 15)
def product_list(request):
    return cache.get_or_set("products", list)


def uncached(request):
    return []


def not_a_cache(store):
    store.get("key")
    return settings.cache
'''


def test_cache_clients_are_read_from_the_parse_tree():
    lines = SOURCE.splitlines()
    found = {lines[line - 1].strip().split("(")[0] for line, _ in cache_clients(ast.parse(SOURCE))}
    assert found == {"r = redis.Redis.from_url", "r2 = redis.Redis", "flask_cache = Cache", "r3 = Strict",
                     "@flask_cache.cached", "@lru_cache", "@functools.cache", "@cache_page",
                     "return cache.get_or_set"}
    # get_settings and s3_get_credentials load settings or credentials once: not a cache of hot data
    assert not any("get_settings" in what or "credentials" in what for _, what in cache_clients(ast.parse(SOURCE)))
