from aiohttp_session import setup
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from aiohttp_session.redis_storage import RedisStorage


def configure(app, redis, key):
    # ruleid: python-session-storage-insecure-cookie
    storage = RedisStorage(redis, httponly=False)
    # ok: python-session-storage-insecure-cookie
    safe = EncryptedCookieStorage(key, httponly=True, secure=True, samesite="Lax")
    setup(app, safe)
    return storage
