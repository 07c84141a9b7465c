from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from fastapi import FastAPI
from flasgger import Swagger
from flask import Flask

# ruleid: api-docs-generator-python
app = FastAPI(title="Inventory", version="1.0")
# ruleid: api-docs-generator-python
internal = FastAPI(docs_url=None)
# ruleid: api-docs-disabled-python
hidden = FastAPI(openapi_url=None)
# ruleid: api-docs-disabled-python
quiet = FastAPI(docs_url=None, redoc_url=None)

flask_app = Flask(__name__)
# ruleid: api-docs-generator-python
Swagger(flask_app)

urlpatterns = [
    # ruleid: api-docs-generator-python
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]

INSTALLED_APPS = [
    "rest_framework",
    # the settings probe answers this one (auditor/probes/settings.py), not the rule
    # ok: api-docs-generator-python
    "drf_spectacular",
]
