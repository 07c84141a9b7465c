from django.http import JsonResponse
from flask import Flask, jsonify
from rest_framework.response import Response

app = Flask(__name__)


@app.route("/orders/<int:order_id>")
def get_order(order_id):
    order = None
    if order is None:
        # ruleid: error-answered-with-200-python
        return jsonify({"error": "order not found"})
    # ok: error-answered-with-200-python
    return jsonify({"error": "gone"}), 410


def django_view(request):
    # ruleid: error-answered-with-200-python
    return JsonResponse({"error": "bad input"})


def django_ok(request):
    # ok: error-answered-with-200-python
    return JsonResponse({"error": "bad input"}, status=400)


def drf_view(request):
    # ok: error-answered-with-200-python
    return Response({"detail": "invalid credentials"}, status=401)


@app.get("/ping")
def fastapi_style():
    # ruleid: error-answered-with-200-python
    return {"error": "not ready"}
