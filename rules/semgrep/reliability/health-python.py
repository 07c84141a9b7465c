from django.urls import path, re_path
from fastapi import Depends, FastAPI
from flask import Flask

from shop import views

app = Flask(__name__)
api = FastAPI()


# ruleid: health-route-python
@app.route("/health")
def health():
    return {"status": "ok"}


# ruleid: health-route-python
@api.get("/readyz")
async def ready(db=Depends(object)):
    await db.execute("SELECT 1")
    return {"status": "ready"}


# ok: health-route-python
@app.route("/orders/<int:order_id>/status")
def order_status(order_id):
    return {"status": "shipped"}


# ok: health-route-python
@app.route("/users")
def users():
    return []


urlpatterns = [
    # ruleid: health-route-python
    path("healthz/", views.health),
    # ruleid: health-route-python
    re_path(r"^api/ping/$", views.ping),
    # ok: health-route-python
    path("orders/", views.orders),
]
