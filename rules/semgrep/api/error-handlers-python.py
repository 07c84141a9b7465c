from fastapi import FastAPI
from fastapi.responses import JSONResponse
from flask import Flask, jsonify

app = Flask(__name__)
api = FastAPI()


# ruleid: central-error-handler-python
@app.errorhandler(404)
def not_found(error):
    return jsonify({"error": {"code": "not_found", "message": str(error)}}), 404


# ruleid: central-error-handler-python
@api.exception_handler(ValueError)
async def value_error(request, exc):
    return JSONResponse({"error": {"code": "bad_request", "message": str(exc)}}, status_code=400)


# ruleid: central-error-handler-python
api.add_exception_handler(KeyError, value_error)

REST_FRAMEWORK = {
    # the settings probe answers this one (auditor/probes/settings.py), not the rule
    # ok: central-error-handler-python
    "EXCEPTION_HANDLER": "shop.errors.problem_handler",
}


# ok: central-error-handler-python
@app.route("/x")
def x():
    return "x"
