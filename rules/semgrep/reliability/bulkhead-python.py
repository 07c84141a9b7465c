import asyncio
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import httpx
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine as sqlmodel_engine

# ruleid: bounded-pool-python
thumbnails = ThreadPoolExecutor(max_workers=4, thread_name_prefix="thumbs")
# ok: bounded-pool-python
default_pool = ThreadPoolExecutor()
# ruleid: bounded-pool-python
pricing_slots = asyncio.Semaphore(10)
# ruleid: bounded-pool-python
engine = create_engine("postgresql://db/shop", pool_size=10, max_overflow=5)
# ruleid: unbounded-pool-python
unbounded = create_engine("postgresql://db/shop", pool_size=5, max_overflow=-1)
# ruleid: bounded-pool-python
client = httpx.Client(limits=httpx.Limits(max_connections=20), timeout=5)


async def session():
    # ruleid: unbounded-pool-python
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=5))


# ruleid: bounded-pool-python
default_engine = sqlmodel_engine(str(settings.DATABASE_URL))
# ruleid: bounded-pool-python
sized = sqlmodel_engine("postgresql://db/shop", pool_size=20)
# ok: bounded-pool-python
local = create_engine("sqlite:///dev.db")
# ok: bounded-pool-python
unpooled = create_engine("postgresql://db/shop", poolclass=NullPool)


def make_engine(url):
    # ok: bounded-pool-python
    return create_engine(url)
