import os
import functools
from functools import lru_cache

import redis
from django.core.cache import cache
from django.views.decorators.cache import cache_page
from flask_caching import Cache

r = redis.Redis.from_url("redis://cache:6379/0")
r2 = redis.Redis(host="cache")
flask_cache = Cache(config={"CACHE_TYPE": "RedisCache"})
other = dict(config={"x": 1})


@flask_cache.cached(timeout=60)
def popular_products():
    return []


@lru_cache(maxsize=128)
def tax_rate(country):
    return 0.2


@lru_cache
def get_settings():
    return Settings()


@lru_cache(maxsize=None)
def s3_get_credentials():
    return {"key": os.environ["AWS_ACCESS_KEY_ID"]}


@lru_cache(maxsize=1024)
def exchange_rates_for(day):
    return {}


@cache_page(60 * 15)
def product_list(request):
    return cache.get_or_set("products", list)


def uncached(request):
    return []


CACHES = {
    "default": {
        # ruleid: django-shared-cache-backend
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379",
    },
    "local": {
        # ok: django-shared-cache-backend
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    },
}
