import urllib.parse
import urllib.request

import aiohttp
import httpx
import requests
from fastapi import FastAPI
from flask import Flask, abort, request

app = Flask(__name__)
api = FastAPI()
ALLOWED_HOSTS = {"api.partner.example", "hooks.partner.example"}
PREVIEW_SOURCES = {"docs": "https://docs.partner.example/feed"}


@app.route("/preview")
def preview():
    url = request.args.get("url")
    # ruleid: python-ssrf-request-to-outbound-url
    return requests.get(url, timeout=5).text


@app.route("/import", methods=["POST"])
def import_feed():
    feed = request.get_json()["feed"]
    # ruleid: python-ssrf-request-to-outbound-url
    body = urllib.request.urlopen(feed, timeout=5).read()
    return body


@app.route("/proxy")
def proxy():
    target = "http://" + request.args["host"] + "/status"
    # ruleid: python-ssrf-request-to-outbound-url
    return httpx.get(target, timeout=5).text


@app.route("/checked")
def checked():
    url = request.args.get("url", "")
    if urllib.parse.urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    # ok: python-ssrf-request-to-outbound-url
    return requests.get(url, timeout=5).text


@app.route("/prefixed")
def prefixed():
    url = request.args.get("url", "")
    if not url.startswith("https://api.partner.example/"):
        abort(400)
    # ok: python-ssrf-request-to-outbound-url
    return requests.get(url, timeout=5).text


@app.route("/by-name")
def by_name():
    source = request.args.get("source", "docs")
    # ok: python-ssrf-request-to-outbound-url
    return requests.get(PREVIEW_SOURCES["docs"], params={"q": source}, timeout=5).text


@app.route("/fixed")
def fixed():
    # ok: python-ssrf-request-to-outbound-url
    return requests.get("https://api.partner.example/status", timeout=5).text


def django_view(request):
    callback = request.GET.get("callback")
    session = requests.Session()
    # ruleid: python-ssrf-request-to-outbound-url
    session.post(callback, json={"ok": True}, timeout=5)


@api.get("/fetch")
async def fetch(url: str):
    async with httpx.AsyncClient() as client:
        # ruleid: python-ssrf-request-to-outbound-url
        response = await client.get(url, timeout=5)
    return response.text


async def aiohttp_handler(request):
    target = request.query["target"]
    async with aiohttp.ClientSession() as session:
        # ruleid: python-ssrf-request-to-outbound-url
        async with session.get(target) as response:
            return await response.text()


def is_allowed_url(url):
    return urllib.parse.urlparse(url).hostname in ALLOWED_HOSTS


@app.route("/validated")
def validated():
    url = request.args["url"]
    if not is_allowed_url(url):
        abort(400)
    # ok: python-ssrf-request-to-outbound-url
    return requests.get(url, timeout=5).text
