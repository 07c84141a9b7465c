import ssl

import httpx
import requests
from fastapi import FastAPI
from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware
from flask_talisman import Talisman

PAYMENTS = "https://payments.example.net/charge"


def charge(payload):
    # ruleid: python-tls-verification-disabled
    return requests.post(PAYMENTS, json=payload, verify=False, timeout=5)


def client():
    # ruleid: python-tls-verification-disabled
    return httpx.Client(verify=False)


def context():
    # ruleid: python-tls-verification-disabled
    return ssl._create_unverified_context()


def charge_ok(payload):
    # ok: python-tls-verification-disabled
    return requests.post(PAYMENTS, json=payload, verify="/etc/ssl/internal-ca.pem", timeout=5)


def quote(order):
    # ruleid: python-plain-http-service-call
    return requests.post("http://shipping.internal:8080/quote", json=order, timeout=5)


def health():
    # ok: python-plain-http-service-call
    return requests.get("http://localhost:8000/health", timeout=2)


def quote_ok(order):
    # ok: python-plain-http-service-call
    return requests.post("https://shipping.internal/quote", json=order, timeout=5)


# ruleid: django-https-setting-disabled
SECURE_SSL_REDIRECT = False
# ruleid: django-https-setting-disabled
SESSION_COOKIE_SECURE = False

# ok: django-https-setting-disabled
CSRF_COOKIE_SECURE = True

# ruleid: python-https-enforced
SECURE_HSTS_SECONDS = 31536000
# ok: python-https-enforced
SECURE_HSTS_SECONDS = 0

app = FastAPI()
# ruleid: python-https-enforced
app.add_middleware(HTTPSRedirectMiddleware)


def create_flask_app(flask_app):
    # ruleid: python-https-enforced
    Talisman(flask_app, force_https=True)
