import asyncio
import time

import backoff
import requests
from celery import shared_task
from requests.adapters import HTTPAdapter
from tenacity import retry, stop_after_attempt, wait_exponential, wait_fixed
from urllib3.util.retry import Retry


# ruleid: retry-with-backoff
@retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=0.5, max=10))
def fetch_rates():
    return requests.get("https://rates.example.com", timeout=5).json()


# ruleid: retry-without-backoff
@retry
def fetch_immediately():
    return requests.get("https://rates.example.com", timeout=5).json()


# ruleid: retry-without-backoff
@retry(stop=stop_after_attempt(3), wait=wait_fixed(2))
def fetch_fixed():
    return requests.get("https://rates.example.com", timeout=5).json()


# ruleid: retry-with-backoff
@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)
def fetch_backoff():
    return requests.get("https://rates.example.com", timeout=5).json()


def session():
    s = requests.Session()
    # ruleid: retry-with-backoff
    s.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=0.5)))
    # ruleid: retry-without-backoff
    s.mount("http://", HTTPAdapter(max_retries=Retry(total=3)))
    return s


# ruleid: retry-with-backoff
@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
def sync_stock():
    pass


# ruleid: retry-without-backoff
@shared_task(autoretry_for=(requests.RequestException,), max_retries=5)
def sync_prices():
    pass


def poll(url):
    for attempt in range(5):
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            # ruleid: retry-loop-with-constant-sleep
            time.sleep(2)
    raise RuntimeError("gave up")


def poll_backoff(url):
    for attempt in range(5):
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            # ok: retry-loop-with-constant-sleep
            time.sleep(2 ** attempt)


def ticker():
    while True:
        # ok: retry-loop-with-constant-sleep
        time.sleep(60)


async def apoll(client, url):
    while True:
        try:
            return await client.get(url, timeout=5)
        except Exception:
            # ruleid: retry-loop-with-constant-sleep
            await asyncio.sleep(1)


import boto3
from botocore.config import Config


def storage():
    # ruleid: aws-sdk-builtin-retry
    s3 = boto3.client("s3", region_name="eu-west-1")
    # ruleid: aws-sdk-builtin-retry
    table = boto3.resource("dynamodb").Table("orders")
    # ruleid: aws-sdk-builtin-retry
    sqs = boto3.session.Session(profile_name="shop").client("sqs")
    # ok: aws-sdk-builtin-retry
    once = boto3.client("s3", config=Config(retries={"max_attempts": 0}))
    return s3, table, sqs, once
