"""API-ERROR-FORMAT on FastAPI: an exception handler for the project's own error class answers in its own shape,
but request-validation errors and HTTPException (FastAPI's own 404/405 included) keep {"detail": ...}: two shapes.
Handlers that also take over RequestValidationError and HTTPException leave one."""
from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item, write_files

APP = '''from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    def __init__(self, code: int, error_code: str, message: str):
        self.code, self.error_code, self.message = code, error_code, message


app = FastAPI()


@app.exception_handler(AppError)
async def app_error(request: Request, exc: AppError):
    return JSONResponse(status_code=exc.code, content={"error_code": exc.error_code, "message": exc.message})
{more}

@app.get("/items/{item_id}")
async def read_item(item_id: int):
    if item_id > 100:
        raise AppError(404, "ITEM_NOT_FOUND", "no such item")
    return {"id": item_id}
'''
TAKE_OVER = '''

async def validation_error(request: Request, exc: RequestValidationError):
    return JSONResponse(status_code=422, content={"error_code": "INVALID", "message": str(exc.errors())})


async def http_error(request: Request, exc: StarletteHTTPException):
    return JSONResponse(status_code=exc.status_code, content={"error_code": "HTTP", "message": exc.detail})


app.add_exception_handler(RequestValidationError, validation_error)
app.add_exception_handler(StarletteHTTPException, http_error)
'''


def error_format(tmp_path, more: str) -> dict:
    root = write_files(tmp_path / "svc", {"requirements.txt": "fastapi\n", "app/main.py": APP.replace("{more}", more)})
    return item(run_audit(root, AuditOptions(only=("API-ERROR-FORMAT",))), "API-ERROR-FORMAT")


def test_a_handler_for_the_projects_own_errors_leaves_fastapis_detail_shape_beside_it(tmp_path):
    row = error_format(tmp_path, "")
    assert row["verdict"] == "partial", row["rationale"]
    assert row["details"]["error_shapes"] == ["detail", "error_code"]


def test_handlers_that_take_over_validation_and_http_errors_leave_one_shape(tmp_path):
    row = error_format(tmp_path, TAKE_OVER)
    assert row["verdict"] == "pass", row["rationale"]
    assert row["details"]["error_shapes"] == ["error_code"]
