from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from flask import Flask
from flask_compress import Compress
from starlette.middleware import Middleware

app = FastAPI()
# ruleid: response-compression-python
app.add_middleware(GZipMiddleware, minimum_size=1000)
# ok: response-compression-python
app.add_middleware(CORSMiddleware, allow_origins=["*"])

# ruleid: response-compression-python
middleware = [Middleware(GZipMiddleware, minimum_size=500)]

flask_app = Flask(__name__)
# ruleid: response-compression-python
Compress(flask_app)

# ok: response-compression-python
compress = Compress()


def create_app():
    app = Flask(__name__)
    # ruleid: response-compression-flask-init-app
    compress.init_app(app)
    # ok: response-compression-flask-init-app
    db.init_app(app)
    return app


MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # the settings probe answers this one (auditor/probes/settings.py), not the rule
    # ok: response-compression-python
    "django.middleware.gzip.GZipMiddleware",
    # ok: response-compression-python
    "django.middleware.common.CommonMiddleware",
]
